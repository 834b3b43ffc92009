"""People who asked to hear when new dates of a course are published."""

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.addresses import email_key
from app.database import writing
from app.models import CourseDate, Interest


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


def waiting_to_hear(course_id: int):
    """The people who asked to hear about new dates of a course and have not yet been told."""
    return sa.select(Interest).where(Interest.course_id == course_id, Interest.notified_at.is_(None))


def people_to_tell(session: Session, course_date: CourseDate) -> int:
    """How many people publishing this date will email: those who asked to hear about the course."""
    count = sa.select(sa.func.count()).select_from(waiting_to_hear(course_date.course_id).subquery())
    return session.scalar(count) or 0
