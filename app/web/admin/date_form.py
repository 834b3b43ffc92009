"""The form to add or change a date: what it offers, and every problem with what was sent, shown at once."""

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, request

from app.catalogue import service as catalogue
from app.enrolment import dates as lifecycle
from app.enrolment import overview as service
from app.enrolment.dates import DayTimes
from app.extensions import db
from app.models import LONDON, CourseDate, Role
from app.web.admin.forms import DateForm
from app.web.fields import choices_from, parse_clock_time


def date_form(course_date: CourseDate | None = None) -> DateForm:
    """The date form with its choices: courses, venues and, for a new date, the trainer accounts. A new date
    starts with the usual hours of its first two days and the usual closing time; a date being changed
    starts as it is."""
    form = DateForm()
    form.course_id.offer([(c.id, c.title) for c in catalogue.all_courses(db.session)])
    form.venue_id.offer([(v.id, f"{v.name}, {v.town}") for v in catalogue.venues(db.session)])
    trainers = [u for u in service.trainers(db.session) if u.role == Role.TRAINER]
    form.trainers.choices = choices_from({u.id: u.label for u in trainers})
    if course_date is not None or not trainers:
        del form.trainers  # a date's trainers change on their own page
    if request.method != "GET":
        return form
    if course_date is None:
        # The usual hours, for the two days most courses have; a third day is left empty.
        starts = parse_clock_time(current_app.config["COURSE_DAY_STARTS"])
        ends = parse_clock_time(current_app.config["COURSE_DAY_ENDS"])
        for number in (1, 2):
            form[f"day{number}_start"].data, form[f"day{number}_end"].data = starts, ends
        form.closes_at.data = lifecycle.CLOSES_AT
        return form
    form.course_id.data = course_date.course_id
    form.venue_id.data = course_date.venue_id
    form.capacity.data = course_date.capacity
    closes = course_date.booking_closes_at.astimezone(LONDON)
    form.closes_on.data, form.closes_at.data = closes.date(), closes.time()
    for number, day in enumerate(course_date.days[:3], start=1):
        form[f"day{number}"].data = day.day
        form[f"day{number}_start"].data = day.start_time
        form[f"day{number}_end"].data = day.end_time
    return form


@dataclass
class CheckedDate:
    days: list[DayTimes]
    closes_at: datetime  # UTC


def checked(form: DateForm, now: datetime | None = None) -> CheckedDate | None:
    """The days and closing time sent, when nothing is wrong with the form; else None, with every problem
    by its field: each field's own checks, a day given in part, and the date rules (a day ending before it
    starts, booking closing after day 1 starts), all at once rather than one per try."""
    if not form.is_submitted():
        return None
    form.validate()
    days = days_from(form)
    closes_at = closing_time(form, days, now or datetime.now(UTC))
    for name, message in lifecycle.date_problems(days, closes_at).items():
        if not form[name].errors:
            form[name].errors.append(message)
    if any(field.errors for field in form) or closes_at is None:
        return None
    return CheckedDate([day for day in days if day is not None], closes_at.astimezone(UTC))


def given(field) -> bool:
    """Whether anything was typed into the field (all three boxes of a date)."""
    return any(str(value).strip() for value in field.raw_data or [])


def days_from(form: DateForm) -> list[DayTimes | None]:
    """The days typed into the form, in order up to the last one given. None stands for a day left empty
    before a later one, a day with a part the form could not read (its field says why), or a day given in
    part (an error goes by the first part missing)."""
    days: list[DayTimes | None] = []
    given_up_to = 0
    for number in (1, 2, 3):
        parts = [form[f"day{number}{part}"] for part in ("", "_start", "_end")]
        if not any(given(part) for part in parts):
            days.append(None)
            continue
        given_up_to = number
        missing = [part for part in parts if part.data is None and not part.errors]
        if missing:
            missing[0].errors.append(f"Enter the date, start and end time of day {number}, or leave all three empty")
        readable = not missing and not any(part.errors for part in parts)
        days.append(DayTimes(*(part.data for part in parts)) if readable else None)
    return days[:given_up_to]


def closing_time(form: DateForm, days: list[DayTimes | None], now: datetime) -> datetime | None:
    """When booking closes, UK time: the day and time given or, with no day given, the usual number of
    days before day 1 (filled in, so the form shows it). None when that cannot be known yet."""
    closes_on, closes_at = form.closes_on, form.closes_at
    if closes_on.errors or closes_at.errors or closes_at.data is None:
        return None
    if closes_on.data is not None:
        return datetime.combine(closes_on.data, closes_at.data, tzinfo=LONDON)
    first = days[0] if days else None
    if first is None:
        return None
    closes = lifecycle.default_closing(first.day, closes_at.data)
    closes_on.data = closes.date()
    closes_on.raw_data = [str(closes.day), str(closes.month), str(closes.year)]
    if closes <= now:
        closes_on.errors.append(
            f"Enter the day booking closes: {lifecycle.CLOSES_DAYS_BEFORE} days before day 1 has passed already"
        )
        return None
    return closes
