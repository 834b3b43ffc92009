"""Form fields and checks shared by every form: GOV.UK widgets and plain-English messages."""

import re
import unicodedata
from datetime import date, time

from email_validator import EmailNotValidError, validate_email
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, ValidationError

from app.core.filters import clock_time
from app.models import COUNCIL_AREA_LABELS, SECTOR_LABELS


def strip_whitespace(value):
    """Trim spaces and fold runs of white space inside single-line answers."""
    if isinstance(value, str):
        return " ".join(value.split())
    return value


def strip_ends(value):
    """Trim white space at the ends of a longer answer, keeping its line breaks."""
    return value.strip() if isinstance(value, str) else value


# Control, format (such as right-to-left overrides), surrogate and private-use characters.
NOT_TEXT = {"Cc", "Cf", "Cs", "Co"}


def has_control_characters(text: str, allowed: str = "") -> bool:
    """Whether the text holds characters that are not letters, marks, numbers, punctuation or spaces."""
    return any(unicodedata.category(c) in NOT_TEXT and c not in allowed for c in text or "")


def printable_text(message: str):
    """Refuse control characters; any letters in any script are welcome."""

    def check(_form, field):
        if has_control_characters(field.data, allowed="\r\n\t"):
            raise ValidationError(message)

    return check


# What a web or email address looks like, with a scheme or without: a bare domain such as
# evil-login.co.uk/verify or bit.ly/x is a link in most mail programs. These fields can reach the training
# team's mailbox and staff pages, so a stranger must not be able to put a link or an address in front of
# someone through them. A name such as "St.John" or "J.R. Hartley" is not a domain: a dot must be followed
# by a real top-level domain, or a part of a path.
TOP_LEVEL_DOMAINS = (
    "com|net|org|info|biz|uk|co|io|ly|me|us|eu|de|fr|nl|gov|ac|edu|app|dev|xyz|online|site|top|club|shop|"
    "link|click|ru|cn|tk|ml|ga|cf|gq|ws|cc|tv|in|au|ca|nz|ie|scot|wales|cymru|gg|je|im|page|sh|to|gl|gd|am|fm|"
    "so|ai|live|email|zip|mov|win|bid|top|icu|cyou|cfd|sbs|lol|pw|su|vip|work|tech|store|cloud|website"
)
ADDRESS_LIKE = re.compile(
    r"(?i)(://|\bwww\.|https?:|@|\bmailto:"
    rf"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:{TOP_LEVEL_DOMAINS})\b"
    r"|\b[a-z0-9-]+\.[a-z]{2,}/|\b\d{1,3}(?:\.\d{1,3}){3}\b)"
)


def no_addresses(label: str):
    """Refuse web addresses, bare domains and email addresses in anything a person types into a public form."""

    def check(_form, field):
        if ADDRESS_LIKE.search(field.data or ""):
            raise ValidationError(f"{label} must not include a web address or an email address")

    return check


def person_text(label: str, required: str, max_length: int, **kwargs) -> "TextField":
    """A required answer about a person (a name, a job, an organisation) that goes into emails."""
    return required_text(label, required, max_length, also=[no_addresses(label)], **kwargs)


class DeliverableEmail:
    """An email address in the right shape that our mail server can send to. We do not look it up online.

    Letters outside a to z before the @ need a mail extension (SMTPUTF8) that council mail servers do not
    offer, so such an address is refused here rather than failing later. A domain in another script is
    kept in its ASCII form (xn--...), which every mail server can use."""

    def __init__(self, whose: str = "an"):
        # "an" email address, or "your manager's" email address: two fields never share one message.
        self.format = f"Enter {whose} email address in the correct format, like name@example.com"
        self.letters = (
            f"Enter {whose} email address using only the letters a to z, numbers and . _ - + before the @. "
            "We cannot send email to other characters."
        )

    def __call__(self, form, field):
        try:
            address = validate_email(field.data or "", check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(self.format) from None
        if address.ascii_email is None:
            raise ValidationError(self.letters)
        field.data = address.ascii_email


def work_email(required_message: str, whose: str = "an"):
    """A required email address that we can send to; `whose` names it in the messages ("your manager's")."""
    label = "Email address" if whose == "an" else f"{whose[0].upper()}{whose[1:]} email address"
    return [
        InputRequired(message=required_message),
        Length(max=254, message=f"{label} must be 254 characters or fewer"),
        DeliverableEmail(whose),
    ]


def choices_from(labels: dict) -> list[SelectChoice]:
    """Radio or checkbox options from a mapping of stored value to the words people see."""
    return [SelectChoice(str(value), label) for value, label in labels.items()]


def allowed_values(field) -> set[str]:
    return {str(choice.value) for choice in field.iter_choices()}


def required_text(label: str, required: str, max_length: int, *, also=(), **kwargs) -> "TextField":
    """A required single-line answer with a length limit and plain messages (and any checks `also` names)."""
    return TextField(
        label,
        validators=[
            InputRequired(message=required),
            Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"),
            printable_text(f"{label} must only include letters, numbers and punctuation"),
            *also,
        ],
        **kwargs,
    )


def field_name(field) -> str:
    """The field's label in words, for messages ("Full name must ...")."""
    return str(field.label.text).removesuffix(" (optional)")


class TextField(StringField):
    """A single-line text box, trimmed, in the GOV.UK style. Control characters are refused."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("filters", [strip_whitespace])
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        if has_control_characters(self.data):
            raise ValidationError(f"{field_name(self)} must only include letters, numbers and punctuation")


class LongTextField(TextAreaField):
    """A multi-line text box, trimmed at the ends. Control characters other than line breaks are refused."""

    widget = GovTextArea()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("filters", [strip_ends])
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        if has_control_characters(self.data, allowed="\r\n\t"):
            raise ValidationError(f"{field_name(self)} must only include letters, numbers and punctuation")


class ChoiceField(RadioField):
    """Radios. An unknown value gets the same plain message as no answer."""

    widget = GovRadioInput()

    def __init__(self, label=None, validators=None, invalid_message="Select an option", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        if not self.raw_data or self.raw_data == [""]:
            return  # no answer: the field's InputRequired says so, or it is optional
        if self.data not in allowed_values(self):
            self.data = None
            raise ValidationError(self.invalid_message)


class ChecklistField(SelectMultipleField):
    """Checkboxes, any number of which may be ticked."""

    widget = GovCheckboxesInput()

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = []
            raise ValueError("Select only the options shown") from None

    def pre_validate(self, form):
        allowed = allowed_values(self)
        if any(str(value) not in allowed for value in self.data or []):
            self.data = [value for value in self.data if str(value) in allowed]
            raise ValidationError("Select only the options shown")


class AgreeField(BooleanField):
    """A single checkbox to confirm something. A browser sends "y" when it is ticked, and nothing when not."""

    widget = GovCheckboxInput()

    def pre_validate(self, form):
        if self.raw_data and self.raw_data[0] not in ("y", "true", "on", "1"):
            self.data = False
            raise ValidationError("Tick the box or leave it empty")


class DayMonthYearField(DateField):
    """A date as three boxes, day, month and year: the GOV.UK date input."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, invalid_message="Enter a real date", **kwargs):
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message
        self.error_target = f"{self.name}-day"  # the error summary links to the first of the three boxes
        # The widget would put `required` on the boxes' wrapping div, where HTML does not allow it; the
        # error message says what is needed.
        self.flags.required = False

    def process_formdata(self, valuelist):
        parts = [str(value).strip() for value in valuelist][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        if not any(parts):
            self.data = None
            return
        try:
            day, month, year = (int(part) for part in parts)
            self.data = date(year, month, day)
        except (ValueError, OverflowError):
            self.data = None
            raise ValueError(self.invalid_message) from None
        if not 2000 <= year <= 2100:
            self.data = None
            raise ValueError(self.invalid_message)


CLOCK_TIME = re.compile(r"^(?P<hour>\d{1,2})(?:[:.]?(?P<minute>\d{2}))?\s*(?P<half>a\.?m\.?|p\.?m\.?)?$", re.IGNORECASE)
MIDDAY = re.compile(r"^(?:12(?:[:.]?00)?\s*p\.?m\.?\s*)?\(?(?:midday|noon)\)?$", re.IGNORECASE)


def parse_clock_time(text: str) -> time | None:
    """A time of day as people write it: 9:30am, 4.30pm, 4pm, 16:30, 16.30, 1630, 930, midday.
    None when it is not a time."""
    text = " ".join(text.split())
    if MIDDAY.match(text):
        return time(12, 0)
    found = CLOCK_TIME.match(text)
    if found is None:
        return None
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    half = (found["half"] or "").lower().replace(".", "")
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif found["minute"] is None and len(found["hour"]) < 2:
        return None  # "9" alone could be morning or evening
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class ClockTimeField(StringField):
    """A time of day typed as people write it (4:30pm, 4.30pm, 16:30, 1630); kept as a time."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, invalid_message="Enter a time like 9:30am or 16:30", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        self.data = parse_clock_time(text) if len(text) <= 20 else None
        if self.data is None:
            raise ValueError(self.invalid_message)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return clock_time(self.data) if self.data else ""


class WholeNumberField(IntegerField):
    """A whole number typed into a short box."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, invalid_message="Enter a whole number, like 16", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        if valuelist and len(str(valuelist[0]).strip()) > 9:  # no count we keep has ten digits
            self.data = None
            raise ValueError(self.invalid_message)
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.invalid_message) from None


def error_summary(form) -> dict:
    """The GOV.UK error summary for a form: one line per field, linking to the box to correct."""
    items = []
    for field in form:
        if field.errors:
            items.append({"text": field.errors[0], "href": f"#{getattr(field, 'error_target', field.id)}"})
    return {"titleText": "There is a problem", "errorList": items}


def full_name_field() -> "TextField":
    """Someone's full name, in any script: asked by every public form."""
    return person_text("Full name", "Enter your full name", 120)


def work_email_field(description: str) -> "TextField":
    """Someone's own work email address, with what we will send to it."""
    return TextField(
        "Work email address", validators=work_email("Enter your work email address", "your"), description=description
    )


def sector_field() -> ChoiceField:
    """Which area of work someone is in: asked when booking and when recording a briefing."""
    return ChoiceField(
        "Which area do you work in?",
        choices=choices_from(SECTOR_LABELS),
        validators=[InputRequired(message="Select the area you work in")],
        invalid_message="Select the area you work in",
    )


def council_area_field() -> ChoiceField:
    """Which council area someone works in."""
    return ChoiceField(
        "Which council area do you work in?",
        choices=choices_from(COUNCIL_AREA_LABELS),
        validators=[InputRequired(message="Select the council area you work in")],
        invalid_message="Select the council area you work in",
    )
