"""Each rule lives in its domain function, which refuses what breaks it whoever calls; the forms take their
limits from there, so a form and its rule can never disagree."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from wtforms.validators import Length, NumberRange

from app.after_course.feedback import TEXT_MAX
from app.enrolment.bookings import change_needs
from app.enrolment.dates import (
    CANCEL_REASON_MAX,
    CAPACITY_MAX,
    MESSAGE_BODY_MAX,
    MESSAGE_SUBJECT_MAX,
    DateRuleBroken,
    DayTimes,
    cancel_date,
    change_date,
    create_date,
    set_capacity,
)
from app.enrolment.needs import ACCESS_DETAILS_MAX, DIETARY_NEEDS_MAX, NEEDS_NOTE_MAX
from app.enrolment.refusals import NotAllowed
from app.models import LONDON
from app.staff import accounts
from app.staff.passwords import PASSWORD_MAX, PasswordNotAllowed
from app.web.admin.forms import CancelDateForm, CapacityForm, DateForm, DateMessageForm, NeedsOutcomeForm
from app.web.public.forms import FeedbackForm, NeedsForm
from tests.factories import STAFF_PASSWORD, booked, details, make_course, make_date, make_staff, make_venue

NEXT_MONTH = date.today() + timedelta(days=30)
NINE, FIVE = time(9, 30), time(16, 30)


def closing(day: date, at: time = time(17)) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


@pytest.mark.parametrize(
    "days, closes, field, message",
    [
        ([], closing(NEXT_MONTH - timedelta(days=3)), "day1", "Enter the date of day 1"),
        ([DayTimes(NEXT_MONTH, FIVE, NINE)], closing(NEXT_MONTH - timedelta(days=3)), "day1_end", "must end after"),
        (
            [DayTimes(NEXT_MONTH, NINE, FIVE), DayTimes(NEXT_MONTH, NINE, FIVE)],
            closing(NEXT_MONTH - timedelta(days=3)),
            "day2",
            "Day 2 must be after day 1",
        ),
        ([DayTimes(NEXT_MONTH, NINE, FIVE)], closing(NEXT_MONTH, time(9, 30)), "closes_on", "before day 1 starts"),
    ],
)
def test_the_date_rules_hold_whoever_adds_or_changes_a_date(session, days, closes, field, message):
    course, venue, admin = make_course(session), make_venue(session), make_staff(session)
    with pytest.raises(DateRuleBroken, match=message) as refused:
        create_date(session, course_id=course.id, venue_id=venue.id, capacity=12, closes_at=closes, days=days,
                    actor=admin)  # fmt: skip
    assert refused.value.field == field
    existing = make_date(session)
    with pytest.raises(DateRuleBroken, match=message):
        change_date(session, existing.id, days=days, closes_at=closes, actor=admin)


def test_places_and_the_reason_for_cancelling_are_checked_by_the_rules(session):
    course_date, admin = make_date(session), make_staff(session)
    for capacity in (-1, CAPACITY_MAX + 1):
        with pytest.raises(DateRuleBroken, match="Places must be between"):
            set_capacity(session, course_date.id, capacity, actor=admin)
    for reason in ("   ", "x" * (CANCEL_REASON_MAX + 1)):
        with pytest.raises(DateRuleBroken, match="Enter why the date is cancelled"):
            cancel_date(session, course_date.id, reason, actor=admin)


def test_needs_are_checked_by_the_rules_when_booking_and_when_changed(session):
    course_date = make_date(session)
    with pytest.raises(NotAllowed, match="Choose from the needs shown"):
        booked(session, course_date.id, details(access_needs=["teleporter"]))
    with pytest.raises(NotAllowed, match=f"{DIETARY_NEEDS_MAX} characters"):
        booked(session, course_date.id, details(dietary_needs="x" * (DIETARY_NEEDS_MAX + 1)))
    booking = booked(session, course_date.id, details()).booking
    with pytest.raises(NotAllowed, match=f"{ACCESS_DETAILS_MAX} characters"):
        change_needs(session, booking.manage_token, access_needs=[], access_details="x" * 5000, dietary_needs="")


def test_a_password_shorter_than_the_minimum_is_refused_wherever_it_is_set(app, session):
    with pytest.raises(PasswordNotAllowed, match="at least 12 characters"):
        accounts.create_or_reset(session, "new@example.org", name="", role="admin", password="short")
    with pytest.raises(PasswordNotAllowed, match=f"{PASSWORD_MAX} characters or fewer"):
        accounts.create_or_reset(session, "new@example.org", name="", role="admin", password="x" * 201)
    user = make_staff(session)
    with pytest.raises(PasswordNotAllowed, match="at least 12 characters"):
        accounts.change_password(session, user, STAFF_PASSWORD, "short")


def limit(field, kind=Length) -> tuple:
    found = [v for v in field.kwargs["validators"] if isinstance(v, kind)]
    return tuple(v.max for v in found)


def test_the_forms_take_their_limits_from_the_rules():
    assert limit(NeedsOutcomeForm.note) == (NEEDS_NOTE_MAX,)
    assert limit(DateMessageForm.subject)[-1] == MESSAGE_SUBJECT_MAX
    assert limit(DateMessageForm.body)[-1] == MESSAGE_BODY_MAX
    assert limit(CancelDateForm.reason)[-1] == CANCEL_REASON_MAX
    assert limit(DateForm.capacity, NumberRange) == limit(CapacityForm.capacity, NumberRange) == (CAPACITY_MAX,)
    assert limit(NeedsForm.access_details) == (ACCESS_DETAILS_MAX,)
    assert limit(NeedsForm.dietary_needs) == (DIETARY_NEEDS_MAX,)
    assert limit(FeedbackForm.worked_well)[-1] == TEXT_MAX
