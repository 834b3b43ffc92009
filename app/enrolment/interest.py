"""People who asked to hear when new dates of a course are published.

A request is confirmed the way a booking is: the address gets one email, in our words only, with a link
to confirm that it wants to hear from us, and nothing more until it is opened."""

import re
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.addresses import email_key
from app.database import utcnow, writing
from app.enrolment import date_emails as messages
from app.enrolment.refusals import DateNotFound
from app.models import CourseDate, Interest

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def register_interest(
    session: Session, course_id: int, full_name: str, email: str, organisation: str = ""
) -> tuple[Interest, bool]:
    """Note that someone wants to hear about new dates, and email the address the link that confirms it.
    Asking again sends that link again (at most once an hour) while it is not confirmed, and changes nothing."""
    key = email_key(email)
    query = sa.select(Interest).where(Interest.course_id == course_id, Interest.email_key == key)
    try:
        with writing(session):
            existing = session.scalar(query)
            if existing is not None:
                if existing.email_checked_at is None:
                    messages.interest_check(session, existing, again=True)
                return existing, False
            interest = Interest(
                course_id=course_id,
                full_name=full_name,
                email=email.strip(),
                email_key=key,
                organisation=organisation,
                check_token=secrets.token_urlsafe(32),
            )
            session.add(interest)
            session.flush()
            messages.interest_check(session, interest)
        return interest, True
    except IntegrityError:  # the same person asked at the same moment in another request
        session.rollback()
        return session.scalar(query), False


def interest_by_token(session: Session, token: str) -> Interest | None:
    """The request behind a link we emailed, if the link is well formed and known."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    return session.scalar(sa.select(Interest).where(Interest.check_token == token))


def confirm_interest(session: Session, token: str, *, now: datetime | None = None) -> Interest:
    """The person opened the link and confirms they want to hear about new dates. Twice changes nothing."""
    with writing(session):
        interest = interest_by_token(session, token)
        if interest is None:
            raise DateNotFound("We could not find that request. It may have been forgotten: ask again.")
        if interest.email_checked_at is None:
            interest.email_checked_at = now or utcnow()
    return interest


def waiting_to_hear(course_id: int):
    """The people who asked, and confirmed, to hear about new dates of a course and have not yet been told."""
    return sa.select(Interest).where(
        Interest.course_id == course_id, Interest.notified_at.is_(None), Interest.email_checked_at.is_not(None)
    )


def people_to_tell(session: Session, course_date: CourseDate) -> int:
    """How many people publishing this date will email: those who asked to hear about the course."""
    count = sa.select(sa.func.count()).select_from(waiting_to_hear(course_date.course_id).subquery())
    return session.scalar(count) or 0
