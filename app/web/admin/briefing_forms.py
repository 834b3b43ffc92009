"""The "I have watched this" form, and the training team's briefing and upload forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from wtforms.validators import InputRequired, Length, Optional

from app.web.fields import (
    LongTextField,
    TextField,
    council_area_field,
    full_name_field,
    person_text,
    printable_text,
    required_text,
    sector_field,
    work_email_field,
)
from app.web.forms import SubmissionKeyField


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
        ],
        description="The training team keeps this with your record. It is not put in the email we send you.",
    )
    submission_key = SubmissionKeyField()


class BriefingForm(FlaskForm):
    """The words about a briefing."""

    title = required_text("Title", "Enter the title", 200)
    slug = TextField(
        "Web address name",
        validators=[
            InputRequired(message="Enter a web address name"),
            Length(max=80, message="Web address name must be 80 characters or fewer"),
        ],
        description="Lower-case letters, numbers and hyphens, for example partner-briefing.",
    )
    summary = LongTextField(
        "Summary",
        validators=[
            InputRequired(message="Enter a summary"),
            Length(max=500, message="Summary must be 500 characters or fewer"),
        ],
        description="One or two sentences for the list of briefings.",
    )
    description = LongTextField(
        "What the briefing covers",
        validators=[
            InputRequired(message="Enter what the briefing covers"),
            Length(max=5000, message="What the briefing covers must be 5000 characters or fewer"),
        ],
        description="Leave a blank line between paragraphs.",
    )
    audience = LongTextField(
        "Who it is for",
        validators=[
            InputRequired(message="Enter who the briefing is for"),
            Length(max=2000, message="Who it is for must be 2000 characters or fewer"),
        ],
        description="For example, partners in schools, health and the voluntary sector.",
    )


class UploadForm(FlaskForm):
    """One file for a briefing."""

    file = FileField(
        "Choose the file", widget=GovFileInput(), validators=[FileRequired(message="Choose a file to upload")]
    )
