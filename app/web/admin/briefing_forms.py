"""The training team's briefing and upload forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from wtforms.validators import InputRequired, Length

from app.web.fields import (
    LongTextField,
    TextField,
    required_text,
)


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
