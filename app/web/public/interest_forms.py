"""The form for asking to hear about new dates."""

from flask_wtf import FlaskForm
from wtforms.validators import Length, Optional

from app.web.fields import TextField, full_name_field, no_addresses, work_email_field


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
