"""Finding courses and the dates people can see, and asking to hear about new dates."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.addresses import email_key
from app.core.clock import today_in_london
from app.database import writing
from app.models import Course, CourseDate, CourseDay, DateStatus, Interest, Venue


def first_day_column():
    """A correlated subquery: the first day of each course date."""
    return sa.select(sa.func.min(CourseDay.day)).where(CourseDay.course_date_id == CourseDate.id).scalar_subquery()


def last_day_column():
    """A correlated subquery: the last day of each course date."""
    return sa.select(sa.func.max(CourseDay.day)).where(CourseDay.course_date_id == CourseDate.id).scalar_subquery()


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


def published_date(session: Session, date_id: int) -> CourseDate | None:
    """A date the public may see: published, or cancelled after it was published."""
    course_date = session.get(CourseDate, date_id)
    if course_date is None or course_date.status == DateStatus.DRAFT:
        return None
    return course_date


def course_by_slug(session: Session, slug: str) -> Course | None:
    """The course with this web address, if there is one."""
    return session.scalar(sa.select(Course).where(Course.slug == slug))


def all_courses(session: Session) -> list[Course]:
    """Every course, by title."""
    return list(session.scalars(sa.select(Course).order_by(Course.title)))


def listing_version(session: Session, now: datetime) -> tuple:
    """A value that changes whenever the public lists of dates would.

    Bookings change places_taken and any change to a date (its days included) sets its
    updated_at; new dates change the count; courses and venues have their own updated_at.
    """
    row = session.execute(
        sa.select(
            sa.select(sa.func.count(CourseDate.id)).scalar_subquery(),
            sa.select(sa.func.max(CourseDate.updated_at)).scalar_subquery(),
            sa.select(sa.func.coalesce(sa.func.sum(CourseDate.places_taken), 0)).scalar_subquery(),
            sa.select(sa.func.max(Course.updated_at)).scalar_subquery(),
            sa.select(sa.func.max(Venue.updated_at)).scalar_subquery(),
        )
    ).one()
    return (today_in_london(now).isoformat(), *(str(value) for value in row))


def register_interest(
    session: Session, course_id: int, full_name: str, email: str, organisation: str = ""
) -> tuple[Interest, bool]:
    """Note that someone wants to hear about new dates. Asking twice changes nothing."""
    key = email_key(email)
    query = sa.select(Interest).where(Interest.course_id == course_id, Interest.email_key == key)
    try:
        with writing(session):
            existing = session.scalar(query)
            if existing is not None:
                return existing, False
            interest = Interest(
                course_id=course_id, full_name=full_name, email=email.strip(), email_key=key, organisation=organisation
            )
            session.add(interest)
        return interest, True
    except IntegrityError:  # the same person asked at the same moment in another request
        return session.scalar(query), False
