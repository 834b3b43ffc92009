"""The emails that changes to a date cause, registered with the outbox: each kind and how it is written.

People booked hear when a date changes or is cancelled and when a place comes free for them;
people who asked hear when new dates are published; the training team gets the access summary.
"""

from sqlalchemy.orm import Session

from app.courses.roster import rosters
from app.mail import calendar
from app.mail.invites import booking_message, queue_booking_email
from app.mail.outbox import queue_message
from app.mail.registry import Batch, NoLongerApplies, Reference, RenderedEmail, message_kind, public_url, render_pair
from app.models import ACCESS_NEEDS, Booking, BookingStatus, CourseDate, DateStatus, Interest, OutboxMessage, StaffUser

booking_message("place_offered")
booking_message("date_changed")
booking_message("date_cancelled")


def place_offered(session: Session, booking: Booking) -> None:
    queue_booking_email(
        session, booking, "place_offered", "A place has come free: you are booked", method=calendar.REQUEST
    )


def date_changed(session: Session, booking: Booking, changes: list[str]) -> None:
    """Tell someone what the training team changed; confirmed places get an updated invite."""
    has_place = booking.status == BookingStatus.CONFIRMED
    queue_booking_email(
        session,
        booking,
        "date_changed",
        "Your training date has changed",
        method=calendar.REQUEST if has_place else None,
        changes=changes,
        has_place=has_place,
    )


def date_cancelled(session: Session, booking: Booking, reason: str) -> None:
    has_place = booking.status == BookingStatus.CONFIRMED
    queue_booking_email(
        session,
        booking,
        "date_cancelled",
        "Your training date is cancelled",
        method=calendar.CANCEL if has_place else None,
        reason=reason,
        has_place=has_place,
    )


def reminder_still_applies(booking: Booking, course_date: CourseDate) -> None:
    """A reminder goes only to a place still held on a date still going ahead."""
    if (
        booking.status != BookingStatus.CONFIRMED
        or booking.course_date_id != course_date.id
        or course_date.status != DateStatus.PUBLISHED
    ):
        raise NoLongerApplies("the place was cancelled or moved, or the date was cancelled")


booking_message("reminder", check=reminder_still_applies)


def reminder_key(booking: Booking, days_before: int) -> str:
    """What makes a reminder unique: it goes once per place, date and number of days."""
    return f"reminder:{days_before}:booking:{booking.id}:date:{booking.course_date_id}"


def reminder(session: Session, booking: Booking, days_before: int) -> OutboxMessage | None:
    return queue_booking_email(
        session,
        booking,
        "reminder",
        f"Reminder: your training starts in {days_before} days",
        days_before=days_before,
        dedupe_key=reminder_key(booking, days_before),
    )


def dates_published(session: Session, interest: Interest, course_date: CourseDate) -> None:
    queue_message(
        session,
        kind="dates_published",
        to=interest.email,
        subject="New Signs of Safety training dates are published",
        context={"interest_id": interest.id, "course_date_id": course_date.id},
        dedupe_key=f"dates-published:interest:{interest.id}",
    )


@message_kind(
    "dates_published", references=(Reference("interest_id", Interest), Reference("course_date_id", CourseDate))
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


def _load_needs(session: Session, batch: Batch, messages: list[OutboxMessage]) -> None:
    """Everyone with needs on each date the batch's summaries are about, in one go."""
    dates = batch.records.get(CourseDate, {})
    wanted = [dates[m.context["course_date_id"]] for m in messages if m.context.get("course_date_id") in dates]
    found = rosters(session, list({d.id: d for d in wanted}.values()))
    batch.extra["needs"] = {
        date_id: sorted(roster.needs_support, key=lambda b: (b.full_name, b.id)) for date_id, roster in found.items()
    }


@message_kind("access_summary", references=(Reference("course_date_id", CourseDate),), prepare=_load_needs)
def render_access_summary(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    course_date = batch.referenced(message)["course_date"]
    text, html = render_pair(
        "access_summary",
        course_date=course_date,
        needs=batch.extra["needs"][course_date.id],
        labels=ACCESS_NEEDS,
        date_url=public_url(f"/admin/dates/{course_date.id}/access"),
    )
    return RenderedEmail(text, html)
