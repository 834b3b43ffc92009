"""Changes the training team makes to a date, and the emails each one causes.

The admin pages call these; each owns its transaction and queues its emails in it.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.booking.service import DateNotFound, lock_dates
from app.core.filters import long_date, short_time
from app.courses.service import first_day_column, today_in_london
from app.database import begin_write, utcnow
from app.mail import messages
from app.models import (
    Booking,
    BookingStatus,
    CourseDate,
    CourseDay,
    DateStatus,
    Interest,
    OutboxMessage,
    Role,
    StaffUser,
    Venue,
)


@dataclass(frozen=True)
class DayTimes:
    """One day of a course date as the training team enters it."""

    day: date
    start_time: time
    end_time: time


def _locked_date(session: Session, date_id: int) -> CourseDate:
    begin_write(session)
    course_date = lock_dates(session, date_id).get(date_id)
    if course_date is None:
        session.rollback()
        raise DateNotFound("We could not find that date.")
    return course_date


def active_bookings(session: Session, course_date_id: int) -> list[Booking]:
    """Everyone booked or waiting on a date."""
    return list(
        session.scalars(
            sa.select(Booking)
            .where(Booking.course_date_id == course_date_id, Booking.status != BookingStatus.CANCELLED)
            .order_by(Booking.id)
        )
    )


def publish_date(session: Session, date_id: int) -> int:
    """Open a date for booking, and tell everyone waiting to hear about new dates. Returns how many."""
    course_date = _locked_date(session, date_id)
    if course_date.status != DateStatus.DRAFT:
        session.rollback()
        return 0
    course_date.status = DateStatus.PUBLISHED
    interested = session.scalars(
        sa.select(Interest).where(Interest.course_id == course_date.course_id, Interest.notified_at.is_(None))
    ).all()
    now = utcnow()
    for interest in interested:
        messages.dates_published(session, interest, course_date)
        interest.notified_at = now
    session.commit()
    return len(interested)


def describe_day_changes(old: list[CourseDay], new: list[DayTimes]) -> list[str]:
    """What changed about the days, in words people understand."""
    old_lines = [f"{long_date(d.day)}, {short_time(d.start_time)} to {short_time(d.end_time)}" for d in old]
    new_lines = [f"{long_date(d.day)}, {short_time(d.start_time)} to {short_time(d.end_time)}" for d in new]
    if old_lines == new_lines:
        return []
    changes = []
    for number, (before, after) in enumerate(zip(old_lines, new_lines, strict=False), start=1):
        if before != after:
            changes.append(f"Day {number} was {before}. It is now {after}.")
    for number, after in enumerate(new_lines[len(old_lines) :], start=len(old_lines) + 1):
        changes.append(f"Day {number} is new: {after}.")
    for number in range(len(new_lines) + 1, len(old_lines) + 1):
        changes.append(f"Day {number} ({old_lines[number - 1]}) has been removed.")
    return changes


def change_date(
    session: Session, date_id: int, *, days: list[DayTimes] | None = None, venue_id: int | None = None
) -> list[str]:
    """Change the days, times or venue of a date and tell everyone booked or waiting."""
    course_date = _locked_date(session, date_id)
    changes = describe_day_changes(course_date.days, days) if days is not None else []
    if changes:
        course_date.days.clear()
        session.flush()
        course_date.days.extend(CourseDay(day=d.day, start_time=d.start_time, end_time=d.end_time) for d in days)
    if venue_id is not None and venue_id != course_date.venue_id:
        venue = session.get(Venue, venue_id)
        if venue is None:
            session.rollback()
            raise DateNotFound("We could not find that venue.")
        changes.append(f"The venue was {course_date.venue.full_address}. It is now {venue.full_address}.")
        course_date.venue = venue
    if not changes:
        session.rollback()
        return []
    course_date.updated_at = utcnow()
    session.flush()
    session.refresh(course_date, ["days"])
    if course_date.status == DateStatus.PUBLISHED:
        for booking in active_bookings(session, date_id):
            messages.date_changed(session, booking, changes)
    session.commit()
    return changes


def cancel_date(session: Session, date_id: int, reason: str) -> int:
    """Cancel a date and tell everyone booked or waiting, with the reason. Returns how many."""
    course_date = _locked_date(session, date_id)
    if course_date.status == DateStatus.CANCELLED:
        session.rollback()
        return 0
    was_published = course_date.status == DateStatus.PUBLISHED
    course_date.status = DateStatus.CANCELLED
    course_date.cancellation_reason = reason
    told = 0
    if was_published:
        for booking in active_bookings(session, date_id):
            messages.date_cancelled(session, booking, reason)
            told += 1
    session.commit()
    return told


def queue_reminders(session: Session, now: datetime, days_before: list[int]) -> int:
    """Queue each reminder that is due. Each goes once, and only to places booked before it was due."""
    begin_write(session)
    horizon = today_in_london(now) + timedelta(days=max(days_before, default=0) + 1)
    first_day = first_day_column()
    bookings = session.scalars(
        sa.select(Booking)
        .join(Booking.course_date)
        .where(
            CourseDate.status == DateStatus.PUBLISHED,
            Booking.status == BookingStatus.CONFIRMED,
            first_day >= today_in_london(now),
            first_day <= horizon,
        )
    ).all()
    due = []
    for booking in bookings:
        starts_at = booking.course_date.starts_at
        for days in sorted(days_before, reverse=True):
            due_at = starts_at - timedelta(days=days)
            if due_at <= now < starts_at and booking.confirmed_at and booking.confirmed_at <= due_at:
                due.append((booking, days))
    # One query for the reminders already queued, rather than one per place.
    keys = [messages.reminder_key(booking, days) for booking, days in due]
    sent = set(session.scalars(sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))))
    queued = 0
    for booking, days in due:
        if messages.reminder_key(booking, days) not in sent:
            queued += messages.reminder(session, booking, days) is not None
    session.commit()
    return queued


def queue_access_summaries(session: Session, now: datetime, days_before: int) -> int:
    """Send each admin and each trainer of a date the summary of access needs, once, before it starts."""
    begin_write(session)
    first_day = first_day_column()
    dates = session.scalars(
        sa.select(CourseDate).where(
            CourseDate.status == DateStatus.PUBLISHED,
            first_day >= today_in_london(now),
            first_day <= today_in_london(now) + timedelta(days=days_before),
        )
    ).unique()
    admins = list(session.scalars(sa.select(StaffUser).where(StaffUser.active, StaffUser.role == Role.ADMIN)))
    queued = 0
    for course_date in dates:
        if not course_date.starts_at - timedelta(days=days_before) <= now < course_date.starts_at:
            continue
        recipients = {user.id: user for user in admins + [t for t in course_date.trainers if t.active]}
        for user in recipients.values():
            queued += messages.access_summary(session, user, course_date) is not None
    session.commit()
    return queued
