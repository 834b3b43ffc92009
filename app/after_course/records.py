"""A person's training record: everything they booked, what the register says, their certificate and feedback."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm import Session

from app.enrolment.roster import rosters
from app.models import AuditEvent, Booking, BookingStatus, Certificate, Completion, CourseDate, Feedback, WatchedRecord


@dataclass
class RecordLine:
    booking: Booking
    completion: Completion | None
    certificate: Certificate | None
    gave_feedback: bool
    # The audit entries of each time the booking was moved to another date, oldest first.
    moves: list[AuditEvent] = field(default_factory=list)


def first_day_of(course_date: CourseDate) -> date:
    """The first day, or the earliest date there is for a date with no days (it sorts last)."""
    return course_date.first_day if course_date.days else date.min


def training_record(session: Session, email_key: str) -> list[RecordLine]:
    """Everything one person (by their email address) has booked, newest date first: what happened, what
    the register says, their certificate and whether they gave feedback."""
    bookings = list(
        session.scalars(
            sa.select(Booking)
            .where(Booking.email_key == email_key, Booking.anonymised_at.is_(None))
            .order_by(Booking.id.desc())
        )
    )
    dates = list({b.course_date_id: b.course_date for b in bookings}.values())
    found = rosters(session, dates)
    ids = [b.id for b in bookings]
    certificates = {
        c.booking_id: c for c in session.scalars(sa.select(Certificate).where(Certificate.booking_id.in_(ids)))
    }
    feedback = set(session.scalars(sa.select(Feedback.booking_id).where(Feedback.booking_id.in_(ids))))
    moves = moves_of(session, ids)
    lines = [
        RecordLine(
            b,
            found[b.course_date_id].completion(b) if b.status == BookingStatus.CONFIRMED else None,
            certificates.get(b.id),
            b.id in feedback,
            moves[b.id],
        )
        for b in bookings
    ]
    return sorted(lines, key=lambda line: first_day_of(line.booking.course_date), reverse=True)


def moves_of(session: Session, booking_ids: list[int]) -> dict[int, list[AuditEvent]]:
    """Each time these bookings were moved to another date, by staff or by the person, oldest first."""
    moves = defaultdict(list)
    query = (
        sa.select(AuditEvent)
        .where(
            AuditEvent.action == "booking moved",
            AuditEvent.subject_type == "booking",
            AuditEvent.subject_id.in_(booking_ids),
        )
        .order_by(AuditEvent.id)
    )
    for event in session.scalars(query):
        moves[event.subject_id].append(event)
    return moves


def briefings_watched(session: Session, email_key: str) -> list[WatchedRecord]:
    """The briefings this person (by their email address) told us they watched, the latest first."""
    if not email_key:
        return []
    query = sa.select(WatchedRecord).where(WatchedRecord.email_key == email_key).order_by(WatchedRecord.id.desc())
    return list(session.scalars(query.options(so.joinedload(WatchedRecord.briefing))))
