"""The emails that changes to a date cause, registered with the outbox: each kind and how it is written.

People booked hear when a date changes or is cancelled and when a place comes free for them;
people who asked hear when new dates are published; the training team gets the access summary, and hears
when a date has fewer people than it needs.
"""

from flask import current_app
from sqlalchemy.orm import Session

from app.core.filters import short_days
from app.database import utcnow
from app.enrolment.invites import (
    place_still_held,
    queue_booking_email,
    starts_in,
    subject_for,
)
from app.enrolment.roster import needs_urgent_today, rosters
from app.mail.outbox import queue_message
from app.mail.registry import Batch, NoLongerApplies, RenderedEmail, public_url, render_pair
from app.models import (
    ACCESS_NEEDS_FOR_STAFF,
    Booking,
    BookingStatus,
    CourseDate,
    DateMessage,
    DateStatus,
    Interest,
    OutboxMessage,
    StaffUser,
)


def still_on_the_date(booking: Booking, course_date: CourseDate) -> None:
    """A message to a date's people is not sent to someone who has since cancelled or moved."""
    if not booking.is_active or booking.course_date_id != course_date.id:
        raise NoLongerApplies("they cancelled or moved before the message went")


def date_message(session: Session, booking: Booking, message: DateMessage) -> OutboxMessage | None:
    """The training team's message to one person on the date."""
    return queue_message(
        session,
        kind="date_message",
        to=booking.email,
        subject=f"{message.subject} ({short_days([day.day for day in booking.course_date.days])})",
        context={"course_date_id": booking.course_date_id, "date_message_id": message.id},
        booking=booking,
        dedupe_key=f"date-message:{message.id}:booking:{booking.id}",
    )


def late_place_open(session: Session, booking: Booking, now) -> None:
    """A place came free too close to the start to give out by itself: whoever takes it first has it."""
    queue_booking_email(
        session,
        booking,
        "late_place",
        subject_for(booking.course_date, "A late place is free"),
        dedupe_key=f"late-place:{booking.id}:{now:%Y-%m-%dT%H}",
    )


def place_confirmed_late(session: Session, booking: Booking) -> None:
    """Someone on the waiting list took a late place."""
    subject = subject_for(booking.course_date, "Booked")
    queue_booking_email(session, booking, "late_place_taken", subject, calendar_changes=True)


def place_offered(session: Session, booking: Booking) -> None:
    subject = subject_for(booking.course_date, "A place came free, you are booked")
    queue_booking_email(session, booking, "place_offered", subject, calendar_changes=True)


def date_changed(session: Session, booking: Booking, changes: list[str]) -> None:
    """Tell someone what the training team changed; a confirmed place's calendar entries follow the change."""
    has_place = booking.status == BookingStatus.CONFIRMED
    subject = subject_for(booking.course_date, "Changed")
    queue_booking_email(
        session, booking, "date_changed", subject, calendar_changes=True, changes=changes, has_place=has_place
    )


def date_cancelled(session: Session, booking: Booking, reason: str, *, had_place: bool) -> None:
    """The training team cancelled the date: the booking is cancelled with it and its entries removed."""
    subject = subject_for(booking.course_date, "Cancelled by the training team")
    queue_booking_email(
        session, booking, "date_cancelled", subject, calendar_changes=True, reason=reason, had_place=had_place
    )


def reminder_still_applies(booking: Booking, course_date: CourseDate) -> None:
    """A reminder goes only to a place still held on a date still going ahead."""
    place_still_held(booking, course_date)
    if course_date.status != DateStatus.PUBLISHED:
        raise NoLongerApplies("the date was cancelled")


def reminder_key(booking: Booking, days_before: int) -> str:
    """What makes a reminder unique: it goes once per place, date and number of days."""
    return f"reminder:{days_before}:booking:{booking.id}:date:{booking.course_date_id}"


def reminder(session: Session, booking: Booking, days_before: int) -> OutboxMessage | None:
    return queue_booking_email(
        session,
        booking,
        "reminder",
        subject_for(booking.course_date, "Reminder"),
        days_before=days_before,
        dedupe_key=reminder_key(booking, days_before),
    )


# A request to hear about new dates nobody confirms is forgotten after this many days (the purge does it).
UNCONFIRMED_INTEREST_DAYS = 7


def interest_check(session: Session, interest: Interest, *, again: bool = False) -> None:
    """The one email to an address that asked to hear about new dates, until it confirms: our words only."""
    queue_message(
        session,
        kind="interest_check",
        to=interest.email,
        subject="Confirm you want to hear about new Signs of Safety training dates",
        context={"interest_id": interest.id},
        dedupe_key=f"interest-check:{interest.id}:{utcnow():%Y-%m-%dT%H}" if again else f"interest-check:{interest.id}",
    )


def render_interest_check(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    interest = batch.referenced(message)["interest"]
    if interest.email_checked_at is not None:
        raise NoLongerApplies("the request was confirmed before this email went")
    text, html = render_pair(
        "interest_check",
        course=interest.course,
        confirm_url=public_url(f"/interest/{interest.check_token}"),
        days=UNCONFIRMED_INTEREST_DAYS,
    )
    return RenderedEmail(text, html)


def dates_published(session: Session, interest: Interest, course_date: CourseDate) -> None:
    queue_message(
        session,
        kind="dates_published",
        to=interest.email,
        subject="New Signs of Safety training dates are published",
        context={"interest_id": interest.id, "course_date_id": course_date.id},
        dedupe_key=f"dates-published:interest:{interest.id}",
    )


def render_dates_published(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    records = batch.referenced(message)
    course_date = records["course_date"]
    text, html = render_pair(
        "dates_published",
        **records,
        date_url=public_url(f"/dates/{course_date.id}"),
        dates_url=public_url("/dates"),
    )
    return RenderedEmail(text, html)


def access_summary(session: Session, user: StaffUser, course_date: CourseDate) -> OutboxMessage | None:
    """The access and dietary needs for a date, to a member of the training team."""
    return queue_message(
        session,
        kind="access_summary",
        to=user.email,
        subject="Access and dietary needs for your training date",
        context={"course_date_id": course_date.id},
        dedupe_key=f"access-summary:date:{course_date.id}:user:{user.id}",
    )


def load_needs(session: Session, batch: Batch, messages: list[OutboxMessage]) -> None:
    """Everyone with needs on each date the batch's summaries are about, in one go."""
    dates = batch.records.get(CourseDate, {})
    wanted = [dates[m.context["course_date_id"]] for m in messages if m.context.get("course_date_id") in dates]
    found = rosters(session, list({d.id: d for d in wanted}.values()))
    batch.extra["needs"] = {
        date_id: sorted(roster.needs_support, key=lambda b: (not b.needs_open, b.full_name, b.id))
        for date_id, roster in found.items()
    }


def render_access_summary(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    course_date = batch.referenced(message)["course_date"]
    needs = batch.extra["needs"][course_date.id]
    text, html = render_pair(
        "access_summary",
        course_date=course_date,
        needs=needs,
        still_to_arrange=sum(1 for booking in needs if booking.needs_open),
        urgent=needs_urgent_today(course_date),
        starts_in=starts_in(course_date),
        labels=ACCESS_NEEDS_FOR_STAFF,
        date_url=public_url(f"/admin/dates/{course_date.id}/access"),
    )
    return RenderedEmail(text, html)


def below_minimum(session: Session, course_date: CourseDate) -> OutboxMessage | None:
    """Tell the training team's mailbox, once for a date, that fewer people have a place than it needs."""
    return queue_message(
        session,
        kind="below_minimum",
        to=current_app.config["TRAINING_TEAM_EMAIL"],
        subject=subject_for(course_date, "Fewer people than needed"),
        context={"course_date_id": course_date.id},
        dedupe_key=f"below-minimum:date:{course_date.id}",
    )


def render_below_minimum(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    """Skipped if, before it went, enough people booked, the minimum changed or the date was cancelled."""
    course_date = batch.referenced(message)["course_date"]
    minimum = course_date.minimum_places
    if course_date.status != DateStatus.PUBLISHED or minimum is None or course_date.places_taken >= minimum:
        raise NoLongerApplies("the date has enough people now, or no longer runs")
    text, html = render_pair(
        "below_minimum",
        course_date=course_date,
        minimum=minimum,
        short=minimum - course_date.places_taken,
        starts_in=starts_in(course_date),
        cancel_url=public_url(f"/admin/dates/{course_date.id}/cancel"),
        date_url=public_url(f"/admin/dates/{course_date.id}"),
    )
    return RenderedEmail(text, html)
