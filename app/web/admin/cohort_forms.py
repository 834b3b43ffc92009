"""The training team's form for booking a list of people (a cohort) from a spreadsheet."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from wtforms import HiddenField
from wtforms.validators import InputRequired

from app.web.fields import ChoiceField, choices_from

SEND_EMAILS = {
    "yes": "Yes, email each person their booking and calendar invite",
    "no": "No, do not email anyone. We will tell them ourselves",
}


def send_emails_field() -> ChoiceField:
    return ChoiceField(
        "Should we email the people booked?",
        choices=choices_from(SEND_EMAILS),
        validators=[InputRequired(message="Select whether to email the people booked")],
        invalid_message="Select whether to email the people booked",
    )


class CohortUploadForm(FlaskForm):
    """The spreadsheet of people, and whether they are emailed."""

    file = FileField(
        "Upload the spreadsheet",
        widget=GovFileInput(),
        validators=[FileRequired(message="Choose a CSV file to upload")],
        description="A CSV file, up to 200 KB and 200 people.",
    )
    send_emails = send_emails_field()


class CohortConfirmForm(FlaskForm):
    """The checked list, sent back to be checked again and booked."""

    cohort = HiddenField()
    send_emails = HiddenField()
