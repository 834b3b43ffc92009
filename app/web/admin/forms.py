"""Forms for the training team's pages."""

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSelect
from wtforms import HiddenField, PasswordField, SelectField
from wtforms.validators import EqualTo, InputRequired, Length, NumberRange, Optional, ValidationError

from app.enrolment.dates import (
    CANCEL_REASON_MAX,
    CAPACITY_MAX,
    CLOSES_DAYS_BEFORE,
    MESSAGE_BODY_MAX,
    MESSAGE_SUBJECT_MAX,
)
from app.enrolment.needs import NEEDS_NOTE_MAX
from app.models import AUDIENCE_LABELS, NEEDS_STATUS_LABELS, NeedsStatus, Role
from app.staff import passwords
from app.staff.passwords import PASSWORD_MAX
from app.web.fields import (
    AgreeField,
    ChecklistField,
    ChoiceField,
    ClockTimeField,
    DayMonthYearField,
    LongTextField,
    TextField,
    WholeNumberField,
    choices_from,
    required_text,
    work_email,
)
from app.web.forms import SubmissionKeyField


class SignInForm(FlaskForm):
    email = TextField("Email address", validators=work_email("Enter your email address"))
    password = PasswordField(
        "Password", widget=GovPasswordInput(), validators=[InputRequired(message="Enter your password")]
    )


class SignOutForm(FlaskForm):
    """Signing out is a POST with the security token."""


class ForgotPasswordForm(FlaskForm):
    email = TextField("Email address", validators=work_email("Enter your email address"))


class CodeForm(FlaskForm):
    """The 6-digit code from an authenticator app."""

    code = TextField(
        "Code from your authenticator app",
        validators=[InputRequired(message="Enter the 6-digit code your authenticator app shows now"), Length(max=20)],
        description="The 6 digits your app shows for Signs of Safety training. A new code comes every 30 seconds.",
    )


class SetPasswordForm(FlaskForm):
    """A new password, from a link emailed to its account (an invitation, or a forgotten password)."""

    new_password = PasswordField("New password", widget=GovPasswordInput())
    confirm_password = PasswordField("Type the new password again", widget=GovPasswordInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        new_password_rules(self)


def new_password_rules(form) -> None:
    """The rules of a new password, by its two boxes: long enough, and typed twice the same."""
    min_length = passwords.minimum_length()
    form.new_password.validators = [
        InputRequired(message="Enter a new password"),
        Length(min=min_length, message=f"Your new password must be at least {min_length} characters"),
        Length(max=PASSWORD_MAX, message=f"Your new password must be {PASSWORD_MAX} characters or fewer"),
    ]
    form.new_password.description = f"At least {min_length} characters. A few unrelated words work well."
    form.confirm_password.validators = [
        InputRequired(message="Type the new password again"),
        EqualTo("new_password", message="The two new passwords do not match"),
    ]


ROLE_LABELS = {Role.TRAINER: "Trainer: sees the dates they are given, their people and needs, takes the register",
               Role.ADMIN: "Admin: does everything, including accounts, courses, dates and reports"}  # fmt: skip


class InviteForm(FlaskForm):
    email = TextField(
        "Work email address",
        validators=work_email("Enter their work email address"),
        description="We email them a link to set their password. It works once, for 72 hours.",
    )
    name = required_text("Full name", "Enter their full name", 120)
    role = ChoiceField(
        "What can they do?",
        choices=choices_from(ROLE_LABELS),
        validators=[InputRequired(message="Select trainer or admin")],
        invalid_message="Select trainer or admin",
    )


class RoleForm(FlaskForm):
    role = ChoiceField(
        "What can they do?",
        choices=choices_from(ROLE_LABELS),
        validators=[InputRequired(message="Select trainer or admin")],
        invalid_message="Select trainer or admin",
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", widget=GovPasswordInput(), validators=[InputRequired(message="Enter your current password")]
    )
    new_password = PasswordField("New password", widget=GovPasswordInput())
    confirm_password = PasswordField("Type the new password again", widget=GovPasswordInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        new_password_rules(self)


class CourseForm(FlaskForm):
    title = required_text("Title", "Enter the course title", 200)
    slug = TextField(
        "Web address name",
        validators=[InputRequired(message="Enter a web address name"), Length(max=80)],
        description="Lower-case letters, numbers and hyphens, for example signs-of-safety-introduction.",
    )
    summary = LongTextField(
        "Summary",
        validators=[
            InputRequired(message="Enter a summary"),
            Length(max=500, message="Summary must be 500 characters or fewer"),
        ],
    )
    description = LongTextField(
        "What the course covers",
        validators=[
            InputRequired(message="Enter what the course covers"),
            Length(max=5000, message="What the course covers must be 5000 characters or fewer"),
        ],
    )
    audience = LongTextField(
        "Who should come",
        validators=[
            InputRequired(message="Enter who should come"),
            Length(max=2000, message="Who should come must be 2000 characters or fewer"),
        ],
    )
    in_person = AgreeField("Delivered in person only")
    manager_approval = AgreeField(
        "Each place needs the person's line manager to agree",
        description="We email their manager a link to agree. The place is kept for them until then, and released "
        "if nobody answers in time. Without this, the manager is only told.",
    )


def facility_field(name: str) -> ChoiceField:
    """Whether a venue has a facility (step-free access, ...): yes or no. Its note is a field of its own."""
    return ChoiceField(
        f"Does the venue have {name.lower()}?",
        choices=choices_from({"yes": "Yes", "no": "No"}),
        validators=[InputRequired(message=f"Select whether the venue has {name.lower()}")],
    )


def facility_note(name: str, example: str) -> TextField:
    """What a visitor needs to know about a facility the venue has ("by the side door, ring the bell")."""
    label = f"Anything visitors need to know about {name.lower()} (optional)"
    return TextField(
        label,
        validators=[Length(max=200, message=f"The note about {name.lower()} must be 200 characters or fewer")],
        description=f"For example, {example}",
    )


class VenueForm(FlaskForm):
    name = required_text("Name", "Enter the venue's name", 200)
    address = required_text("Street address", "Enter the street address", 500)
    town = required_text("Town", "Enter the town", 100)
    postcode = required_text("Postcode", "Enter the postcode", 10)
    step_free_access = facility_field("Step-free access")
    step_free_access_note = facility_note("Step-free access", "by the side door, ring the bell")
    hearing_loop = facility_field("A hearing loop")
    hearing_loop_note = facility_note("The hearing loop", "a portable loop, ask at reception")
    accessible_toilets = facility_field("Accessible toilets")
    accessible_toilets_note = facility_note("Accessible toilets", "on the first floor, by the lift")
    parking = TextField("Parking", validators=[Optional(), Length(max=500)])
    access_notes = LongTextField("Anything else about access", validators=[Optional(), Length(max=2000)])

    FACILITIES = ("step_free_access", "hearing_loop", "accessible_toilets")

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        if obj is not None and obj.id and not self.is_submitted():
            for name in self.FACILITIES:
                self[name].data = "yes" if getattr(obj, name) else "no"

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name in self.FACILITIES:
            note = self[f"{name}_note"]
            if self[name].data == "no" and note.data and not note.errors:
                note.errors.append("Remove the note, or choose Yes: a note is for something the venue has")
                valid = False
        return valid

    def venue_values(self) -> dict:
        """What to save: each facility as yes (with its note, if any) or no."""
        return {**self.data, **{name: self[name].data == "yes" for name in self.FACILITIES}}


class PickField(SelectField):
    """A drop-down list that starts with no choice made ("Choose a course"), unless there is only one
    choice. Its value is the chosen id, or None."""

    widget = GovSelect()

    def __init__(self, label=None, validators=None, *, prompt: str, required_message: str, **kwargs):
        super().__init__(label, validators, coerce=self._number, **kwargs)
        self.prompt, self.required_message = prompt, required_message

    @staticmethod
    def _number(value):
        return int(value) if value not in (None, "") else None

    def offer(self, options: list[tuple[int, str]]) -> None:
        """The choices, with the empty first one when there is more than one to choose from."""
        shown = {"": self.prompt} | dict(options) if len(options) != 1 else dict(options)
        self.choices = choices_from(shown)
        if len(options) == 1 and self.data is None and not self.raw_data:  # shown, not sent
            self.data = options[0][0]

    def pre_validate(self, form):
        if self.data is None:
            raise ValidationError(self.required_message)
        if str(self.data) not in {choice.value for choice in self.choices if choice.value != ""}:
            raise ValidationError(self.required_message)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None


class DateForm(FlaskForm):
    course_id = PickField("Course", prompt="Choose a course", required_message="Select a course")
    venue_id = PickField("Venue", prompt="Choose a venue", required_message="Select a venue")
    capacity = WholeNumberField(
        "Places",
        validators=[
            InputRequired(message="Enter the number of places"),
            NumberRange(min=1, max=CAPACITY_MAX, message=f"Places must be between 1 and {CAPACITY_MAX}"),
        ],
        invalid_message="Enter the number of places as a whole number, like 16",
    )
    day1 = DayMonthYearField("Day 1", validators=[InputRequired(message="Enter the date of day 1")])
    day1_start = ClockTimeField("Day 1 starts at", validators=[InputRequired(message="Enter when day 1 starts")])
    day1_end = ClockTimeField("Day 1 ends at", validators=[InputRequired(message="Enter when day 1 ends")])
    day2 = DayMonthYearField("Day 2", validators=[Optional()])
    day2_start = ClockTimeField("Day 2 starts at", validators=[Optional()])
    day2_end = ClockTimeField("Day 2 ends at", validators=[Optional()])
    day3 = DayMonthYearField("Day 3 (if there is one)", validators=[Optional()])
    day3_start = ClockTimeField("Day 3 starts at", validators=[Optional()])
    day3_end = ClockTimeField("Day 3 ends at", validators=[Optional()])
    closes_on = DayMonthYearField(
        "Booking closes on",
        validators=[Optional()],
        description=f"Leave it empty and booking closes {CLOSES_DAYS_BEFORE} days before day 1.",
    )
    closes_at = ClockTimeField(
        "Booking closes at",
        validators=[InputRequired(message="Enter the time booking closes")],
        description="For example, 5pm or 17:00",
    )
    trainers = ChecklistField(
        "Trainers for this date (optional)",
        coerce=int,
        description="They see this date and its people, and take the register. You can change them later.",
    )


class CapacityForm(FlaskForm):
    capacity = WholeNumberField(
        "Places",
        validators=[
            InputRequired(message="Enter the number of places"),
            NumberRange(min=0, max=CAPACITY_MAX, message=f"Places must be between 0 and {CAPACITY_MAX}"),
        ],
        invalid_message="Enter the number of places as a whole number, like 16",
    )
    minimum = WholeNumberField(
        "Fewest people needed for it to run (optional)",
        validators=[Optional()],
        invalid_message="Enter the fewest people needed as a whole number, like 8, or leave it empty",
        description="If fewer have a place a few weeks before, we email the training team. Leave it empty if any "
        "number will do.",
    )


class CancelDateForm(FlaskForm):
    reason = LongTextField(
        "Why is the date cancelled?",
        validators=[
            InputRequired(message="Enter why the date is cancelled"),
            Length(max=CANCEL_REASON_MAX, message=f"The reason must be {CANCEL_REASON_MAX} characters or fewer"),
        ],
        description="Everyone booked or waiting gets this in their email. Use plain words.",
    )
    # Cancel everyone's bookings, or move everyone to another date (its id): the choices are the dates with
    # room for them all, set by the view; left out when nobody is booked.
    what_happens = ChoiceField(
        "What happens to the people booked or waiting?",
        choices=[],
        validators=[InputRequired(message="Select what happens to the people booked or waiting")],
    )


class TrainersForm(FlaskForm):
    trainers = ChecklistField("Trainers for this date", coerce=int)


class MoveBookingForm(FlaskForm):
    new_date = ChoiceField(
        "Move to which date?",
        choices=[],
        validators=[InputRequired(message="Select the date to move to")],
        invalid_message="Select one of the dates shown",
    )


class NeedsOutcomeForm(FlaskForm):
    """What the training team has done about one person's needs."""

    status = ChoiceField(
        "What have you done about these needs?",
        choices=choices_from(NEEDS_STATUS_LABELS),
        validators=[InputRequired(message="Select arranged, not possible or still to arrange")],
        invalid_message="Select arranged, not possible or still to arrange",
    )
    note = LongTextField(
        "Note for the team (optional)",
        validators=[Length(max=NEEDS_NOTE_MAX, message=f"The note must be {NEEDS_NOTE_MAX} characters or fewer")],
        description="For example, who is coming to interpret and when. "
        "If it is not possible, say why and what you have offered instead. Only the training team sees this.",
    )
    # The needs the page showed, so a change made meanwhile is not marked as arranged unread.
    seen = HiddenField()

    def validate_note(self, field):
        if self.status.data == NeedsStatus.NOT_POSSIBLE and not (field.data or "").strip():
            raise ValidationError("Say why it is not possible, and what you have offered instead")


class FilterField(SelectField):
    """A drop-down list to narrow a list down; its first choice ("All ...") is no filter."""

    widget = GovSelect()

    def __init__(self, label=None, validators=None, invalid_message="Select one of the options shown", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        if self.data and self.data not in {str(choice.value) for choice in self.choices}:
            raise ValidationError(self.invalid_message)


class PastDatesForm(FlaskForm):
    """The filters of the past dates list, sent in the address (a GET form: no security token)."""

    class Meta:
        csrf = False

    course = FilterField("Course", validators=[Optional()], invalid_message="Select one of the courses shown")
    venue = FilterField("Venue", validators=[Optional()], invalid_message="Select one of the venues shown")
    year = FilterField("Year", validators=[Optional()], invalid_message="Select one of the years shown")

    def number(self, field) -> int | None:
        return int(field.data) if field.data else None


class DateMessageForm(FlaskForm):
    """A message from the training team to the people on a date."""

    audience = ChoiceField(
        "Who is it for?",
        choices=choices_from(AUDIENCE_LABELS),
        validators=[InputRequired(message="Select who the message is for")],
        invalid_message="Select who the message is for",
    )
    subject = TextField(
        "Subject",
        validators=[
            InputRequired(message="Enter a subject"),
            Length(max=MESSAGE_SUBJECT_MAX, message=f"The subject must be {MESSAGE_SUBJECT_MAX} characters or fewer"),
        ],
        description="For example, Change of room for day 2. We add the course days after it.",
    )
    body = LongTextField(
        "Message",
        validators=[
            InputRequired(message="Enter the message"),
            Length(max=MESSAGE_BODY_MAX, message=f"The message must be {MESSAGE_BODY_MAX} characters or fewer"),
        ],
        description="Use plain words. We start it with the person's name and end it with your name, "
        "the course details and their booking link.",
    )
    submission_key = SubmissionKeyField()


class ReportPeriodForm(FlaskForm):
    """The period of a report: a financial year, or any two dates (sent in the address)."""

    class Meta:
        csrf = False

    year = FilterField("Financial year (April to March)", invalid_message="Select one of the years shown")
    start = DayMonthYearField("From", validators=[Optional()], description="For example, 1 4 2026")
    end = DayMonthYearField("To", validators=[Optional()], description="For example, 31 3 2027")


PLAIN_DAY = re.compile(
    r"^(?:(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})|(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4}))$"
)


class AnyDayField(DayMonthYearField):
    """A day in three boxes, or in one value in the address as 2027-03-03 or 3/3/2027 (a link or bookmark)."""

    def process_formdata(self, valuelist):
        if len(valuelist) == 1 and (plain := PLAIN_DAY.match(str(valuelist[0]).strip())):
            valuelist = [plain["day"] or plain["d"], plain["month"] or plain["m"], plain["year"] or plain["y"]]
        super().process_formdata(valuelist)


class AuditLogForm(FlaskForm):
    """The filters of the audit log, sent in the address (a GET form: no security token)."""

    class Meta:
        csrf = False

    start = AnyDayField("From", validators=[Optional()], description="For example, 1 3 2027")
    end = AnyDayField("To", validators=[Optional()], description="For example, 31 3 2027")
    person = TextField(
        "Person",
        validators=[
            Optional(),
            Length(min=2, max=100, message="Enter between 2 and 100 letters or numbers of a name, email or reference"),
        ],
        description="A booking reference, or part of a name or email address. Shows what happened to their bookings.",
    )
    action = FilterField("What was done", validators=[Optional()], invalid_message="Select one of the actions shown")
    done_by = FilterField("Who did it", validators=[Optional()], invalid_message="Select one of the people shown")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.start.data and self.end.data and self.end.data < self.start.data:
            self.end.errors.append("The ‘to’ date must be the same as or after the ‘from’ date")
            return False
        return valid
