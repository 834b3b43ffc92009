"""The public forms: booking, managing a booking, feedback, finding bookings, interest in new dates, and
"I have watched this"."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from app.after_course.feedback import TEXT_MAX, FeedbackAnswers
from app.enrolment.bookings import BookingDetails
from app.enrolment.needs import ACCESS_DETAILS_MAX, DIETARY_NEEDS_MAX
from app.models import ACCESS_NEEDS, CouncilArea, Sector
from app.web.fields import (
    AgreeField,
    ChecklistField,
    ChoiceField,
    LongTextField,
    TextField,
    choices_from,
    council_area_field,
    full_name_field,
    no_addresses,
    person_text,
    printable_text,
    sector_field,
    work_email,
    work_email_field,
)
from app.web.forms import SubmissionKeyField


def access_needs_field() -> ChecklistField:
    return ChecklistField(
        "Do you need anything to take part? (optional)",
        choices=choices_from(ACCESS_NEEDS),
        description="Select all that apply. Only the training team will see this.",
    )


def access_details_field() -> LongTextField:
    return LongTextField(
        "Tell us more about what you need (optional)",
        validators=[
            Length(max=ACCESS_DETAILS_MAX, message=f"What you need must be {ACCESS_DETAILS_MAX} characters or fewer"),
            no_addresses("What you need"),
        ],
        description="For example, the size of print you need or when you need a break.",
    )


def dietary_needs_field() -> LongTextField:
    return LongTextField(
        "Dietary needs (optional)",
        validators=[
            Length(max=DIETARY_NEEDS_MAX, message=f"Dietary needs must be {DIETARY_NEEDS_MAX} characters or fewer"),
            no_addresses("Dietary needs"),
        ],
        description="For example, vegetarian, halal or a nut allergy.",
    )


class ManagerQuestions:
    """For a form that asks about someone's line manager, with a box to say they have none: then none of the
    manager questions is asked, and what was typed there is not kept."""

    MANAGER_FIELDS = ("manager_name", "manager_email", "manager_agrees")

    def validate(self, extra_validators=None) -> bool:
        if self.no_manager.data:
            for name in self.MANAGER_FIELDS:
                self[name].validators = ()
        valid = super().validate(extra_validators)
        if self.no_manager.data:
            self.manager_name.data = self.manager_email.data = ""
            self.manager_agrees.data = False
        return valid


class BookingForm(ManagerQuestions, FlaskForm):
    """What we need to know to give someone a place."""

    full_name = full_name_field()
    email = work_email_field("We will send your confirmation to this address.")
    phone = TextField(
        "Phone number (optional)",
        validators=[
            Optional(),
            Regexp(
                r"^\+?[0-9 ()-]{6,30}$",
                message="Enter a phone number, like 01228 606060 or 07700 900982",
            ),
        ],
        description="In case we need to reach you about the training, for example on the day.",
    )
    job_title = person_text("Job title", "Enter your job title", 120)
    organisation = person_text(
        "Organisation or team",
        "Enter the organisation or team you work for",
        200,
        description="For example, Carlisle Early Help team or Keswick Primary School.",
    )
    sector = sector_field()
    council_area = council_area_field()
    no_manager = AgreeField(
        "I do not have a line manager",
        description="For example, if you are a volunteer or run a small group on your own.",
    )
    manager_name = person_text("Your manager's full name", "Enter your manager's full name", 120)
    manager_email = TextField(
        "Your manager's email address",
        validators=work_email("Enter your manager's email address", "your manager's"),
    )
    manager_agrees = AgreeField(
        "My manager agrees I can attend both days",
        validators=[InputRequired(message="Confirm that your manager agrees you can attend both days")],
    )
    access_needs = access_needs_field()
    access_details = access_details_field()
    dietary_needs = dietary_needs_field()
    submission_key = SubmissionKeyField()
    # "y" once the page has warned that the venue lacks something the person asked for.
    venue_warned = HiddenField()

    def details(self) -> BookingDetails:
        """What the person told us, from a valid form."""
        return BookingDetails(
            full_name=self.full_name.data,
            email=self.email.data,
            phone=self.phone.data or "",
            job_title=self.job_title.data,
            organisation=self.organisation.data,
            sector=Sector(self.sector.data),
            council_area=CouncilArea(self.council_area.data),
            manager_name=self.manager_name.data,
            manager_email=self.manager_email.data,
            manager_agrees=self.manager_agrees.data,
            access_needs=self.access_needs.data or [],
            access_details=self.access_details.data or "",
            dietary_needs=self.dietary_needs.data or "",
        )


class CancelForm(FlaskForm):
    """Confirm a cancellation. The form holds only its security token."""


class MoveForm(FlaskForm):
    """Choose another date to move to."""

    new_date = ChoiceField(
        "Which date would you like instead?",
        choices=[],
        validators=[InputRequired(message="Select the date you would like instead")],
        invalid_message="Select one of the dates shown",
    )
    # "yes" once the person has seen the check page and pressed "Yes, move my booking".
    checked = HiddenField()


class FindBookingsForm(FlaskForm):
    """The address someone booked with, to email them the links to their bookings again."""

    email = work_email_field("The email address you booked with. We will send the links to it.")


class NeedsForm(FlaskForm):
    """Change what you need to take part, and your dietary needs, from your booking page."""

    access_needs = access_needs_field()
    access_details = access_details_field()
    dietary_needs = dietary_needs_field()


SCALE = {str(n): str(n) for n in range(11)}
QUOTE_CHOICES = {
    "with_name": "Yes, and you may use my name",
    "without_name": "Yes, but do not use my name",
    "no": "No, please do not quote me",
}


def scale_field(label: str, required: str) -> ChoiceField:
    return ChoiceField(
        label,
        choices=choices_from(SCALE),
        validators=[InputRequired(message=required)],
        invalid_message="Choose a number from 0 to 10",
    )


def answer_field(label: str) -> LongTextField:
    return LongTextField(
        label,
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=f"{label.removesuffix(' (optional)')} must be {TEXT_MAX} characters or fewer"),
            no_addresses("Your answer"),
        ],
    )


class FeedbackForm(FlaskForm):
    """What someone thought of the course, in the framework's own three questions and a scaling question."""

    worked_well = answer_field("What worked well for you on the course? (optional)")
    worries = answer_field("What are you worried about, or what did not work for you? (optional)")
    next_steps = answer_field("What needs to happen next, for you or for the course? (optional)")
    confidence_before = scale_field(
        "Where were you before the course?", "Choose where you were before the course, from 0 to 10"
    )
    confidence_after = scale_field("Where are you now?", "Choose where you are now, from 0 to 10")
    quote = ChoiceField(
        "May we quote what you wrote?",
        choices=choices_from(QUOTE_CHOICES),
        validators=[InputRequired(message="Say whether we may quote what you wrote")],
        invalid_message="Say whether we may quote what you wrote",
        description="We may use a few words in reports to the Cumbria Safeguarding Children Partnership "
        "or to tell others about the training.",
    )

    def answers(self) -> FeedbackAnswers:
        return FeedbackAnswers(
            worked_well=self.worked_well.data or "",
            worries=self.worries.data or "",
            next_steps=self.next_steps.data or "",
            confidence_before=int(self.confidence_before.data),
            confidence_after=int(self.confidence_after.data),
            may_quote=self.quote.data != "no",
            quote_with_name=self.quote.data == "with_name",
        )

    def show(self, feedback) -> None:
        """Fill the form with the answers given before."""
        self.worked_well.data, self.worries.data = feedback.worked_well, feedback.worries
        self.next_steps.data = feedback.next_steps
        self.confidence_before.data = str(feedback.confidence_before)
        self.confidence_after.data = str(feedback.confidence_after)
        self.quote.data = (
            "no" if not feedback.may_quote else "with_name" if feedback.quote_with_name else "without_name"
        )


class WatchedForm(FlaskForm):
    """Tell us you watched a briefing, and get a record of your learning by email."""

    full_name = full_name_field()
    email = work_email_field("We will send your record of learning to this address.")
    organisation = person_text(
        "Organisation or team",
        "Enter the organisation or team you work for",
        200,
        description="For example, Penrith Health Visiting team or Ulverston Victoria High School.",
    )
    sector = sector_field()
    council_area = council_area_field()
    learning_note = LongTextField(
        "What will you take from this into your work? (optional)",
        validators=[
            Optional(),
            Length(max=1000, message="What you will take from this must be 1000 characters or fewer"),
            printable_text("What you will take from this must only include letters, numbers and punctuation"),
            no_addresses("What you will take from this"),
        ],
        description="The training team keeps this with your record. It is not put in the email we send you.",
    )
    submission_key = SubmissionKeyField()


class InterestForm(FlaskForm):
    """Ask to be told when new dates are published."""

    full_name = full_name_field()
    email = work_email_field("We will email you when new dates are published.")
    organisation = TextField(
        "Organisation or team (optional)",
        validators=[
            Optional(),
            Length(max=200, message="Organisation or team must be 200 characters or fewer"),
            no_addresses("Organisation or team"),
        ],
    )
