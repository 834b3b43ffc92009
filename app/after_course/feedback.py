"""Feedback after the course, the Signs of Safety way: what worked well, what worries people, what needs
to happen next, and where they were and are on a scale of 0 to 10.

Everyone who came to at least one day is emailed a private link FEEDBACK_DELAY_DAYS after the last day
(once), and reminded once FEEDBACK_REMINDER_DAYS later if they have not answered. One response per
booking, which they can change until the training team closes feedback for the date.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.after_course import certificates, register
from app.after_course import emails as messages
from app.core import audit
from app.core.clock import today_in_london
from app.core.rules import Refused
from app.database import utcnow, writing
from app.models import (
    Booking,
    BookingStatus,
    Feedback,
    OutboxMessage,
)

TEXT_MAX = 3000


class CannotGiveFeedback(Refused):
    """Feedback is for people who came, after the course, until the team closes it."""


@dataclass(frozen=True)
class FeedbackAnswers:
    worked_well: str
    worries: str
    next_steps: str
    confidence_before: int
    confidence_after: int
    may_quote: bool
    quote_with_name: bool


def why_not(session: Session, booking: Booking, now: datetime) -> str | None:
    """Why this booking cannot give or change feedback now, in words for them; None when it can."""
    course_date = booking.course_date
    if booking.status != BookingStatus.CONFIRMED or not course_date.days:
        return "Feedback is for people who came to the course."
    if today_in_london(now) < course_date.last_day:
        return "You can tell us what you thought on the last day of the course, or after it."
    if not register.came(session, booking):
        return "The register says you did not come to the course, so there is nothing to give feedback on."
    if course_date.feedback_closed_at is not None:
        return "Feedback for this date has closed. Thank you to everyone who took part."
    return None


def feedback_for(session: Session, booking: Booking) -> Feedback | None:
    return session.scalar(sa.select(Feedback).where(Feedback.booking_id == booking.id))


def save_feedback(
    session: Session, booking_id: int, answers: FeedbackAnswers, *, now: datetime | None = None
) -> tuple[Feedback, bool]:
    """Keep someone's feedback, or change it. True with a first response, which gets a thank-you email."""
    now = now or utcnow()
    for value in (answers.confidence_before, answers.confidence_after):
        if not 0 <= value <= 10:
            raise CannotGiveFeedback("Choose a number from 0 to 10.")
    if any(len(text) > TEXT_MAX for text in (answers.worked_well, answers.worries, answers.next_steps)):
        raise CannotGiveFeedback(f"Each answer must be {TEXT_MAX} characters or fewer.")
    with writing(session):
        booking = session.scalars(sa.select(Booking).where(Booking.id == booking_id).with_for_update(of=Booking)).one()
        if (reason := why_not(session, booking, now)) is not None:
            raise CannotGiveFeedback(reason)
        feedback = feedback_for(session, booking)
        first = feedback is None
        if first:
            feedback = Feedback(booking_id=booking.id)
            session.add(feedback)
        feedback.worked_well = answers.worked_well.strip()
        feedback.worries = answers.worries.strip()
        feedback.next_steps = answers.next_steps.strip()
        feedback.confidence_before = answers.confidence_before
        feedback.confidence_after = answers.confidence_after
        feedback.may_quote = answers.may_quote
        feedback.quote_with_name = answers.may_quote and answers.quote_with_name
        feedback.updated_at = now
        session.flush()
        what = "Feedback given" if first else "Feedback changed"
        audit.record(session, None, "feedback", booking, f"{what} for {booking.reference}", by=audit.PERSON_BOOKED)
        if first:
            if certificates.why_none(session, booking) is None:
                certificates.issue_certificate(session, booking.id, by=audit.PERSON_BOOKED)  # with the thank-you
            messages.after_course_email(session, booking, "feedback_thanks")
    return feedback, first


def _queued(session: Session, kind: str) -> dict[int, datetime]:
    """The bookings that already have an email of this kind queued (sent or not), and when it was queued."""
    prefix = messages.AFTER_COURSE[kind][1]
    rows = session.execute(
        sa.select(OutboxMessage.booking_id, OutboxMessage.created_at).where(
            OutboxMessage.dedupe_key.like(f"{prefix}:%"), OutboxMessage.booking_id.is_not(None)
        )
    )
    return {booking_id: created_at for booking_id, created_at in rows}


def queue_feedback_requests(session: Session, now: datetime, delay_days: int, reminder_days: int) -> int:
    """Ask everyone who came for feedback, once, delay_days after the last day; remind those who have not
    answered, once, reminder_days after they were asked. Returns how many emails were queued. Each run
    costs the same few queries however many people were asked before."""
    today = today_in_london(now)
    asked_until = today - timedelta(days=delay_days)
    window_start = today - timedelta(days=register.WINDOW_DAYS)
    queued = 0
    with writing(session):
        answered = set(session.scalars(sa.select(Feedback.booking_id)))
        asked, reminded = _queued(session, "feedback_request"), _queued(session, "feedback_reminder")
        for booking in register.attendees(session, window_start, asked_until):
            if booking.id in answered or booking.id in asked:
                continue
            if certificates.why_none(session, booking) is None:  # feedback not asked first: sent now
                certificates.issue_certificate(session, booking.id, by=audit.WORKER)
            queued += messages.after_course_email(session, booking, "feedback_request") is not None
        remind_before = now - timedelta(days=reminder_days)
        for booking in register.attendees(session, window_start, asked_until - timedelta(days=reminder_days)):
            if booking.id in answered or booking.id in reminded or booking.id not in asked:
                continue
            if asked[booking.id] <= remind_before:  # a reminder follows the request, never comes with it
                queued += messages.after_course_email(session, booking, "feedback_reminder") is not None
    return queued


def feedback_job(session: Session, now: datetime, config) -> int:
    """The worker's job before each pass: feedback requests and reminders that have become due."""
    return queue_feedback_requests(session, now, config["FEEDBACK_DELAY_DAYS"], config["FEEDBACK_REMINDER_DAYS"])


def feedback_counts(session: Session, date_id: int) -> tuple[int, int]:
    """(responses, people who came) for a date."""
    people = sa.select(Booking.id).where(
        Booking.course_date_id == date_id,
        Booking.status == BookingStatus.CONFIRMED,
        Booking.id.in_(register.came_to_a_day()),
    )
    total = session.scalar(sa.select(sa.func.count()).select_from(people.subquery())) or 0
    given = session.scalar(sa.select(sa.func.count(Feedback.id)).where(Feedback.booking_id.in_(people))) or 0
    return given, total
