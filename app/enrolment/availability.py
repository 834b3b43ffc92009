"""Whether a date can be booked, or offered to someone, at a given moment: the one rule that the booking form,
the move pages, the late-place offer, the follow-up email and the public pages all ask.

A date can be booked (a place, or the waiting list when it is full) while it is published, has its days,
has not started and has not closed for booking. It has a place to offer when it can be booked and a
place is free. Within WAITING_LIST_CUTOFF_HOURS of the start, a freed place is no longer given out by
itself: the people waiting are told, and whoever takes it first has it, even after booking has closed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.core.clock import today_in_london
from app.models import Course, CourseDate, CourseDay, DateStatus, Venue


def has_started(course_date: CourseDate, now: datetime) -> bool:
    """Whether the first day has begun at `now`. A date with no days has not."""
    return bool(course_date.days) and now >= course_date.starts_at


def has_finished(course_date: CourseDate, now: datetime) -> bool:
    """Whether the last day has ended at `now`. A date with no days has not."""
    return bool(course_date.days) and now >= course_date.days[-1].ends_at


def waiting_list_cutoff() -> timedelta:
    """How long before the start the waiting list stops getting places by itself."""
    return timedelta(hours=current_app.config["WAITING_LIST_CUTOFF_HOURS"])


def closed_reason(course_date: CourseDate, now: datetime) -> str | None:
    """Why this date cannot be booked at `now`, in plain words; None when it can."""
    if course_date.status == DateStatus.CANCELLED:
        return "This date has been cancelled."
    if course_date.status != DateStatus.PUBLISHED or not course_date.days:
        return "This date is not open for booking."
    if has_finished(course_date, now):
        return "This course has finished."
    if has_started(course_date, now):
        return "This course has started, so it is too late to book a place on it."
    if now >= course_date.booking_closes_at:
        return "Booking for this date has closed."
    return None


@dataclass(frozen=True)
class Availability:
    """What can be done with a date at one moment."""

    # Why it cannot be booked, in plain words; None when it can (a place, or the waiting list).
    reason: str | None
    places_left: int
    # Within the waiting-list cut-off of a published date that has not started.
    late: bool

    @property
    def bookable(self) -> bool:
        """A place, or a place on the waiting list, can be booked."""
        return self.reason is None

    @property
    def has_place(self) -> bool:
        """A place can be booked now: the dates to offer someone moving, or who missed the course."""
        return self.bookable and self.places_left > 0

    @property
    def late_place(self) -> bool:
        """A place came free within the cut-off: the first person on the waiting list to take it has it."""
        return self.late and self.places_left > 0


def availability(course_date: CourseDate, now: datetime) -> Availability:
    """The one answer to "can this date be booked, or offered, now?"."""
    late = (
        course_date.status == DateStatus.PUBLISHED
        and not has_started(course_date, now)
        and bool(course_date.days)
        and now >= course_date.starts_at - waiting_list_cutoff()
    )
    return Availability(closed_reason(course_date, now), course_date.places_left, late)


def first_day_column(of=CourseDate.id):
    """A correlated subquery: the first day of each course date (`of` a column holding its id)."""
    return sa.select(sa.func.min(CourseDay.day)).where(CourseDay.course_date_id == of).scalar_subquery()


def last_day_column(of=CourseDate.id):
    """A correlated subquery: the last day of each course date (`of` a column holding its id)."""
    return sa.select(sa.func.max(CourseDay.day)).where(CourseDay.course_date_id == of).scalar_subquery()


def upcoming_dates(
    session: Session,
    now: datetime,
    course_id: int | None = None,
    limit: int | None = None,
    *,
    course_ids: list[int] | None = None,
) -> list[CourseDate]:
    """Published dates whose first day is today or later, soonest first; of one course or of several."""
    first_day = first_day_column()
    query = (
        sa.select(CourseDate)
        .where(CourseDate.status == DateStatus.PUBLISHED, first_day >= today_in_london(now))
        .order_by(first_day, CourseDate.id)
    )
    if course_id is not None:
        query = query.where(CourseDate.course_id == course_id)
    if course_ids is not None:
        query = query.where(CourseDate.course_id.in_(course_ids))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query).unique())


NEXT_DATES = 3


def next_dates(session: Session, course_date: CourseDate, now: datetime) -> list[CourseDate]:
    """For a date that cannot be booked: the next dates of its course that can, soonest first."""
    later = upcoming_dates(session, now, course_id=course_date.course_id)
    return [other for other in later if other.id != course_date.id and availability(other, now).bookable][:NEXT_DATES]


def dates_with_places(
    session: Session,
    now: datetime,
    *,
    course_ids: list[int],
    excluding: int | None = None,
) -> list[CourseDate]:
    """The dates of these courses that can be booked now with a place free, soonest first."""
    return [
        course_date
        for course_date in upcoming_dates(session, now, course_ids=course_ids)
        if course_date.id != excluding and availability(course_date, now).has_place
    ]


def published_date(session: Session, date_id: int) -> CourseDate | None:
    """A date the public may see: published, or cancelled after it was published."""
    course_date = session.get(CourseDate, date_id)
    if course_date is None or course_date.status == DateStatus.DRAFT:
        return None
    return course_date


def listing_version(session: Session, now: datetime) -> tuple:
    """A value that changes whenever the public lists of dates would.

    Bookings change places_taken and any change to a date (its days included) sets its updated_at; new
    dates change the count; courses and venues have their own updated_at; and a date closing for booking
    changes the number closed (a date always closes before it starts).
    """
    row = session.execute(
        sa.select(
            sa.select(sa.func.count(CourseDate.id)).scalar_subquery(),
            sa.select(sa.func.max(CourseDate.updated_at)).scalar_subquery(),
            sa.select(sa.func.coalesce(sa.func.sum(CourseDate.places_taken), 0)).scalar_subquery(),
            sa.select(sa.func.max(Course.updated_at)).scalar_subquery(),
            sa.select(sa.func.max(Venue.updated_at)).scalar_subquery(),
            sa.select(sa.func.count(CourseDate.id)).where(CourseDate.booking_closes_at <= now).scalar_subquery(),
        )
    ).one()
    return (today_in_london(now).isoformat(), *(str(value) for value in row))
