"""The register of each day of a course: who came, left early or was absent, and who therefore came at all.

Everything after the course reads it: completion, feedback, certificates and the follow-up of people who
missed a day.
"""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import audit
from app.core.clock import today_in_london
from app.core.filters import long_date, short_days
from app.core.rules import NotFound, Refused
from app.database import utcnow, writing
from app.enrolment.availability import first_day_column, last_day_column
from app.enrolment.places import lock_dates
from app.models import (
    Attendance,
    AttendanceMark,
    Booking,
    BookingStatus,
    CourseDate,
    CourseDay,
    DateStatus,
    StaffUser,
)

# The emails after a course are queued for courses that ended at most this many days ago, so a worker
# that was stopped for a while catches up, and an old course never starts sending.
WINDOW_DAYS = 60


class RegisterNotOpen(Refused):
    """The register of a day cannot be taken before the course begins."""


def register_opens(course_date: CourseDate) -> date:
    """The register opens on the first day of the course, for every day of it."""
    return course_date.first_day


def mark_attendance(
    session: Session, day_id: int, marks: dict[int, AttendanceMark], *, actor: StaffUser, now: datetime | None = None
) -> int:
    """Record who came on one day: attended, left early or absent. Only confirmed bookings on that date
    can be marked, and only from the first day of the course (a register saved weeks before is a mistake)."""
    return _save_register(session, day_id, marks, actor=actor, now=now, rest_attended=False).count


def mark_everyone_else_attended(
    session: Session, day_id: int, marks: dict[int, AttendanceMark], *, actor: StaffUser, now: datetime | None = None
) -> int:
    """Save the marks given, then mark everyone on the day without a mark as attended, so the coordinator
    only changes the few who were absent or left early. A mark already saved is never replaced by
    "attended". Returns how many were marked attended this way."""
    return _save_register(session, day_id, marks, actor=actor, now=now, rest_attended=True).attended


@dataclass
class _Saved:
    count: int  # people whose mark was given (changed or not)
    attended: int  # people without a mark, marked attended


def _save_register(
    session: Session,
    day_id: int,
    marks: dict[int, AttendanceMark],
    *,
    actor: StaffUser,
    now: datetime | None,
    rest_attended: bool,
) -> _Saved:
    now = now or utcnow()
    with writing(session):
        day = session.get(CourseDay, day_id)
        if day is None:
            raise NotFound("We could not find that day.")
        lock_dates(session, day.course_date_id)  # two people saving the same register take turns
        opens = register_opens(day.course_date)
        if today_in_london(now) < opens:
            raise RegisterNotOpen(f"The register opens on the first day of the course, {long_date(opens)}.")
        allowed = set(
            session.scalars(
                sa.select(Booking.id).where(
                    Booking.course_date_id == day.course_date_id,
                    Booking.status == BookingStatus.CONFIRMED,
                    Booking.email_checked_at.is_not(None),
                )
            )
        )
        existing = {
            a.booking_id: a for a in session.scalars(sa.select(Attendance).where(Attendance.course_day_id == day.id))
        }
        count = first_marks = 0
        corrections: list[tuple[int, AttendanceMark, AttendanceMark]] = []
        for booking_id, mark in marks.items():
            if booking_id not in allowed:
                continue
            record = existing.get(booking_id)
            if record is None:
                session.add(Attendance(booking_id=booking_id, course_day_id=day.id, mark=mark, marked_by_id=actor.id))
                first_marks += 1
            elif record.mark != mark:
                corrections.append((booking_id, record.mark, mark))
                record.mark = mark
                record.marked_by_id = actor.id
            count += 1
        unmarked = sorted(allowed - existing.keys() - marks.keys()) if rest_attended else []
        for booking_id in unmarked:
            attended = AttendanceMark.ATTENDED
            session.add(Attendance(booking_id=booking_id, course_day_id=day.id, mark=attended, marked_by_id=actor.id))
        if first_marks or unmarked:
            done = [f"{first_marks} marked"] if first_marks else []
            done += [f"{len(unmarked)} without a mark marked attended"] if unmarked else []
            summary = f"Took the register for {day.day:%d %B %Y}: {' and '.join(done)}"
            audit.record(session, actor, "register taken", day, summary)
        _record_corrections(session, day, corrections, actor)
    return _Saved(count, len(unmarked))


def _record_corrections(
    session: Session, day: CourseDay, corrections: list[tuple[int, AttendanceMark, AttendanceMark]], actor: StaffUser
) -> None:
    """One entry for each mark changed on a register already saved, about that person's booking: "Register for
    day 1 of 3 and 4 March 2027: Siân Evans (SOS-ABC12) changed from absent to attended". The name is written
    exactly as the booking has it, so that erasing a person's details can find it."""
    if not corrections:
        return
    course_date = day.course_date
    number = [d.id for d in course_date.days].index(day.id) + 1
    days = f"{short_days([d.day for d in course_date.days])} {course_date.last_day.year}"
    bookings = {b.id: b for b in session.scalars(sa.select(Booking).where(Booking.id.in_([c[0] for c in corrections])))}
    for booking_id, before, after in corrections:
        booking = bookings[booking_id]
        summary = (
            f"Register for day {number} of {days}: {booking.full_name} ({booking.reference}) "
            f"changed from {before.label.lower()} to {after.label.lower()}"
        )
        audit.record(session, actor, "register corrected", booking, summary)


@dataclass
class LastSaved:
    at: datetime
    by: str


def register_last_saved(session: Session, day_id: int) -> LastSaved | None:
    """When the register of a day was last changed, and by whom."""
    row = session.execute(
        sa.select(Attendance.marked_at, StaffUser.name, StaffUser.email)
        .outerjoin(StaffUser, Attendance.marked_by_id == StaffUser.id)
        .where(Attendance.course_day_id == day_id)
        .order_by(Attendance.marked_at.desc(), Attendance.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return LastSaved(row.marked_at, row.name or row.email or "someone whose account has been removed")


def came_to_a_day():
    """The bookings the register shows at a day of their course, all of it or part."""
    return sa.select(Attendance.booking_id).where(Attendance.mark != AttendanceMark.ABSENT)


def came(session: Session, booking: Booking) -> bool:
    """Whether the register says they came to at least one day (all of it, or part)."""
    return session.scalar(came_to_a_day().where(Attendance.booking_id == booking.id).limit(1)) is not None


def attendees(session: Session, last_day_from, last_day_to, *, include_closed: bool = False) -> list[Booking]:
    """Confirmed bookings on published dates whose last day is in the range and whose feedback is open
    (or closed too), who came to at least one day."""
    last_day = last_day_column()
    dates = sa.select(CourseDate.id).where(
        CourseDate.status == DateStatus.PUBLISHED,
        sa.true() if include_closed else CourseDate.feedback_closed_at.is_(None),
        last_day >= last_day_from,
        last_day <= last_day_to,
        first_day_column().is_not(None),
    )
    return list(
        session.scalars(
            sa.select(Booking)
            .where(
                Booking.course_date_id.in_(dates),
                Booking.status == BookingStatus.CONFIRMED,
                Booking.anonymised_at.is_(None),
                Booking.id.in_(came_to_a_day()),
            )
            .order_by(Booking.id)
        )
    )
