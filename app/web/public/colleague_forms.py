"""The public forms about colleagues: sending one in your place, and booking places for your team."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import FieldList, Form, FormField, SelectField
from wtforms.validators import InputRequired, ValidationError

from app.core.addresses import email_key
from app.enrolment.bookings import BookingDetails
from app.enrolment.colleagues import GROUP_MAX
from app.models import COUNCIL_AREA_LABELS, SECTOR_LABELS, CouncilArea, Sector
from app.web.fields import (
    AgreeField,
    ChoiceField,
    TextField,
    allowed_values,
    choices_from,
    full_name_field,
    person_text,
    work_email,
    work_email_field,
)
from app.web.forms import SubmissionKeyField
from app.web.public.forms import ManagerQuestions


class ColleagueForm(ManagerQuestions, FlaskForm):
    """The colleague someone sends in their place: who they are, and their manager, as the booking form asks.
    Not their needs: the colleague is asked those on their own booking page."""

    full_name = person_text("Their full name", "Enter your colleague's full name", 120)
    email = TextField(
        "Their work email address",
        validators=work_email("Enter your colleague's work email address", "your colleague's"),
        description="We will email your colleague at this address. They must open the link in that email "
        "to confirm the place.",
    )
    job_title = person_text("Their job title", "Enter your colleague's job title", 120)
    organisation = person_text(
        "Their organisation or team", "Enter the organisation or team your colleague works for", 200
    )
    sector = ChoiceField(
        "Which area do they work in?",
        choices=choices_from(SECTOR_LABELS),
        validators=[InputRequired(message="Select the area your colleague works in")],
        invalid_message="Select the area your colleague works in",
    )
    council_area = ChoiceField(
        "Which council area do they work in?",
        choices=choices_from(COUNCIL_AREA_LABELS),
        validators=[InputRequired(message="Select the council area your colleague works in")],
        invalid_message="Select the council area your colleague works in",
    )
    no_manager = AgreeField("They do not have a line manager")
    manager_name = person_text("Their manager's full name", "Enter your colleague's manager's full name", 120)
    manager_email = TextField(
        "Their manager's email address",
        validators=work_email("Enter your colleague's manager's email address", "their manager's"),
    )
    manager_agrees = AgreeField(
        "Their manager agrees they can attend both days",
        validators=[InputRequired(message="Confirm that their manager agrees they can attend both days")],
    )

    def details(self) -> BookingDetails:
        """The colleague, from a valid form."""
        return BookingDetails(
            full_name=self.full_name.data,
            email=self.email.data,
            job_title=self.job_title.data,
            organisation=self.organisation.data,
            sector=Sector(self.sector.data),
            council_area=CouncilArea(self.council_area.data),
            manager_name=self.manager_name.data,
            manager_email=self.manager_email.data,
            manager_agrees=self.manager_agrees.data,
        )


class ListChoiceField(SelectField):
    """A drop-down list with "Choose" first: for answers asked once per row, where radios would make the
    page very long."""

    widget = GovSelect()

    def __init__(self, label, labels: dict, message: str, **kwargs):
        choices = choices_from({"": "Choose", **labels})
        super().__init__(label, [InputRequired(message=message)], choices=choices, **kwargs)
        self.message = message

    def pre_validate(self, form):
        if self.data and self.data not in allowed_values(self):
            self.data = None
            raise ValidationError(self.message)


class ColleagueRowForm(Form):
    """One colleague on the form for booking a team. A row left empty is not a colleague."""

    full_name = person_text("Full name", "Enter their full name", 120)
    email = TextField(
        "Work email address",
        validators=work_email("Enter their work email address", "their"),
        description="Their own address. We will email them a link to confirm their place.",
    )
    job_title = person_text("Job title", "Enter their job title", 120)
    organisation = person_text("Organisation or team", "Enter the organisation or team they work for", 200)
    sector = ListChoiceField("Area of work", SECTOR_LABELS, "Select the area they work in")
    council_area = ListChoiceField("Council area", COUNCIL_AREA_LABELS, "Select the council area they work in")

    def is_empty(self) -> bool:
        return not any((self[name].data or "").strip() for name in ("full_name", "email", "job_title", "organisation"))

    def validate(self, extra_validators=None) -> bool:
        if self.is_empty() and not self.sector.data and not self.council_area.data:
            return True
        return super().validate(extra_validators)


class TeamBookingForm(FlaskForm):
    """A team leader books places for named colleagues, each with their own address."""

    full_name = full_name_field()
    email = work_email_field("Your own address. We do not send your colleagues' details to it.")
    manager_agrees = AgreeField(
        "I am their line manager, and I agree they can attend both days",
        validators=[InputRequired(message="Confirm that you are their line manager and agree they can attend")],
    )
    people = FieldList(FormField(ColleagueRowForm), min_entries=3, max_entries=GROUP_MAX)
    submission_key = SubmissionKeyField()

    def colleagues(self) -> list:
        return [entry.form for entry in self.people if not entry.form.is_empty()]

    def validate(self, extra_validators=None) -> bool:
        """At least one colleague; each with their own address, and none with the leader's."""
        valid = super().validate(extra_validators)
        rows = self.colleagues()
        if not rows:
            self.people.entries[0].form.full_name.errors = ["Enter at least one colleague"]
            return False
        seen = {email_key(self.email.data or "")}
        for row in rows:
            key = email_key(row.email.data or "")
            if key in seen and not row.email.errors:
                row.email.errors = ["Use each colleague's own work email address, once"]
                valid = False
            seen.add(key)
        return valid

    def details(self) -> list[BookingDetails]:
        """Each colleague, from a valid form: the leader is their manager."""
        return [
            BookingDetails(
                full_name=row.full_name.data,
                email=row.email.data,
                job_title=row.job_title.data,
                organisation=row.organisation.data,
                sector=Sector(row.sector.data),
                council_area=CouncilArea(row.council_area.data),
                manager_name=self.full_name.data,
                manager_email=self.email.data,
                manager_agrees=True,
            )
            for row in self.colleagues()
        ]

    def problems(self) -> list[dict]:
        """The error summary: each problem, in page order, linking to its box."""
        found = []
        for field in (self.full_name, self.email, self.manager_agrees):
            found += [{"text": field.errors[0], "href": f"#{field.id}"}] if field.errors else []
        for number, entry in enumerate(self.people, start=1):
            for field in entry.form:
                if field.errors:
                    found.append({"text": f"Colleague {number}: {field.errors[0]}", "href": f"#{field.id}"})
        return found
