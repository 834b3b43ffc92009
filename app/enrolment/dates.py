"""A course date's whole life: added as a draft, changed, published, its places and trainers, cancelled.

Each operation takes the session and the member of staff acting, locks the date through
places.locked_date, checks, writes, adds its own audit entry and its own emails, and commits
once (`writing`). A refused change raises Refused and writes nothing at all.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import EllipsisType

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import audit
from app.core.filters import date_and_time, day_range, long_date, short_time
from app.core.rules import NotFound, Refused
from app.database import utcnow, writing
from app.enrolment import date_emails as messages
from app.enrolment.availability import dates_with_places, has_started
from app.enrolment.bookings import cancel_with_the_date, move_with_the_date
from app.enrolment.interest import waiting_to_hear
from app.enrolment.places import active_bookings, fill_from_waiting_list, lock_dates, locked_date
from app.models import (
    LONDON,
    Audience,
    Booking,
    BookingStatus,
    Course,
    CourseDate,
    CourseDay,
    DateMessage,
    DateStatus,
    Role,
    StaffUser,
    Venue,
)
from app.models.date_message import NOBODY_IN


class CapacityTooLow(Refused):
    """Fewer places than people already booked."""


class DateStarted(Refused):
    """Day 1 has begun: the date, its places and its people stay as they were on the day, so the register,
    completion, certificates and reports stay true."""


def refuse_once_started(course_date: CourseDate, now: datetime, what: str) -> None:
    if has_started(course_date, now):
        raise DateStarted(f"This course has started, so {what}.")


class DateRuleBroken(Refused):
    """The days, places or closing time of a date break a rule; `field` names the form field at fault."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


CAPACITY_MAX = 500
CANCEL_REASON_MAX = 1000
MESSAGE_SUBJECT_MAX = 150
MESSAGE_BODY_MAX = 5000


@dataclass(frozen=True)
class DayTimes:
    """One day of a course date as the training team enters it."""

    day: date
    start_time: time
    end_time: time


def _day_line(day) -> str:
    return f"{long_date(day.day)}, {short_time(day.start_time)} to {short_time(day.end_time)}"


def describe_day_changes(old: list[CourseDay], new: list[DayTimes]) -> list[str]:
    """What changed about the days, in words people understand."""
    old_lines, new_lines = [_day_line(d) for d in old], [_day_line(d) for d in new]
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


def date_problems(days: list[DayTimes | None], closes_at: datetime | None) -> dict[str, str]:
    """Every rule the days and closing time break, by the form field at fault, so a form shows them all at
    once: at least one day, each ending after it starts and after the one before it, and booking closing
    before the first day starts. A day or closing time the form could not read (None) is left out of the
    rules that need it (its own field says what is wrong)."""
    problems = {}
    if not days:
        problems["day1"] = "Enter the date of day 1"
    for number, day in enumerate(days, start=1):
        if day is None:
            continue
        if day.end_time <= day.start_time:
            problems[f"day{number}_end"] = f"Day {number} must end after it starts"
        before = days[number - 2] if number > 1 else None
        if before is not None and day.day <= before.day:
            problems[f"day{number}"] = f"Day {number} must be after day {number - 1}"
    first = days[0] if days else None
    if first is not None and closes_at is not None:
        if closes_at >= datetime.combine(first.day, first.start_time, tzinfo=LONDON):
            problems["closes_on"] = "Booking must close before day 1 starts"
    return problems


def check_days(days: list[DayTimes], closes_at: datetime) -> None:
    """Refuse days or a closing time that break a rule of date_problems, naming the first."""
    for field, message in date_problems(list(days), closes_at).items():
        raise DateRuleBroken(message, field)


# Unless the training team says otherwise, booking closes at 5pm three days before the first day: time to
# print the register and arrange what people need.
CLOSES_DAYS_BEFORE = 3
CLOSES_AT = time(17, 0)


def default_closing(first_day: date, at: time = CLOSES_AT) -> datetime:
    """When booking closes if the training team does not choose: `at` (5pm), CLOSES_DAYS_BEFORE days
    before the first day, UK time."""
    return datetime.combine(first_day - timedelta(days=CLOSES_DAYS_BEFORE), at, tzinfo=LONDON)


def check_capacity(capacity: int, *, least: int) -> None:
    if not least <= capacity <= CAPACITY_MAX:
        raise DateRuleBroken(f"Places must be between {least} and {CAPACITY_MAX}", "capacity")


def _venue(session: Session, venue_id: int) -> Venue:
    venue = session.get(Venue, venue_id)
    if venue is None:
        raise NotFound("We could not find that venue.")
    return venue


def create_date(
    session: Session,
    *,
    course_id: int,
    venue_id: int,
    capacity: int,
    closes_at: datetime,
    days: list[DayTimes],
    actor: StaffUser | None,
    trainer_ids: list[int] | None = None,
) -> CourseDate:
    """Add a date, in draft until it is published, with the trainers who will run it (active trainer
    accounts; they see the date and its people, and take its register)."""
    check_days(days, closes_at)
    check_capacity(capacity, least=1)
    with writing(session):
        if session.get(Course, course_id) is None:
            raise NotFound("We could not find that course.")
        trainers = list(
            session.scalars(
                sa.select(StaffUser)
                .where(StaffUser.id.in_(trainer_ids or []), StaffUser.role == Role.TRAINER, StaffUser.active)
                .order_by(StaffUser.name, StaffUser.email)
            )
        )
        course_date = CourseDate(
            course_id=course_id,
            venue=_venue(session, venue_id),
            capacity=capacity,
            booking_closes_at=closes_at,
            status=DateStatus.DRAFT,
            days=[CourseDay(day=d.day, start_time=d.start_time, end_time=d.end_time) for d in days],
            trainers=trainers,
        )
        session.add(course_date)
        session.flush()
        summary = f"Added a draft date: {day_range(course_date)}"
        if trainers:
            summary += f"; trainers: {', '.join(user.label for user in trainers)}"
        audit.record(session, actor, "date added", course_date, summary)
    return course_date


def change_date(
    session: Session,
    date_id: int,
    *,
    days: list[DayTimes] | None = None,
    venue_id: int | None = None,
    closes_at: datetime | None = None,
    actor: StaffUser | None,
    now: datetime | None = None,
) -> list[str]:
    """Change the days, times, venue and closing time in one go (None keeps each as it is). People
    booked or waiting are told what changed about their days and venue. Returns those changes;
    nothing is written if nothing changed."""
    with writing(session):
        course_date = locked_date(session, date_id)
        refuse_once_started(course_date, now or utcnow(), "its days, venue and closing time cannot change")
        kept = [DayTimes(d.day, d.start_time, d.end_time) for d in course_date.days]
        check_days(kept if days is None else days, course_date.booking_closes_at if closes_at is None else closes_at)
        before = day_range(course_date)
        changes = describe_day_changes(course_date.days, days) if days is not None else []
        if changes:
            course_date.days.clear()
            session.flush()
            course_date.days.extend(CourseDay(day=d.day, start_time=d.start_time, end_time=d.end_time) for d in days)
        if venue_id is not None and venue_id != course_date.venue_id:
            venue = _venue(session, venue_id)
            changes.append(f"The venue was {course_date.venue.full_address}. It is now {venue.full_address}.")
            course_date.venue = venue
        noted = list(changes)
        if closes_at is not None and closes_at != course_date.booking_closes_at:
            noted.append(f"Booking now closes at {date_and_time(closes_at)}.")
            course_date.booking_closes_at = closes_at
        if not noted:
            return []
        course_date.updated_at = utcnow()
        if changes:
            course_date.feed_sequence += 1  # subscribed calendars replace the date's entry
        session.flush()
        session.refresh(course_date, ["days"])
        if changes and course_date.status == DateStatus.PUBLISHED:
            for booking in active_bookings(session, date_id):
                messages.date_changed(session, booking, changes)
        audit.record(session, actor, "date changed", course_date, f"Changed {before}: {' '.join(noted)}")
    return changes


def publish_date(session: Session, date_id: int, *, actor: StaffUser | None) -> int:
    """Open a draft date for booking and tell everyone who asked to hear about new dates. Returns how many."""
    with writing(session):
        course_date = locked_date(session, date_id)
        if course_date.status != DateStatus.DRAFT:
            raise Refused("Only a date in draft can be published.")
        course_date.status = DateStatus.PUBLISHED
        course_date.updated_at = utcnow()
        interested = session.scalars(waiting_to_hear(course_date.course_id)).all()
        now = utcnow()
        for interest in interested:
            messages.dates_published(session, interest, course_date)
            interest.notified_at = now
        audit.record(session, actor, "date published", course_date, f"Published {day_range(course_date)}")
        return len(interested)


def unpublish_date(session: Session, date_id: int, *, actor: StaffUser | None, now: datetime | None = None) -> None:
    """Take a date back to draft. Only possible while nobody is booked or waiting, before it starts."""
    with writing(session):
        course_date = locked_date(session, date_id)
        refuse_once_started(course_date, now or utcnow(), "it cannot go back to draft")
        if course_date.status != DateStatus.PUBLISHED:
            raise Refused("Only a published date can go back to draft.")
        active = session.scalar(
            sa.select(sa.func.count(Booking.id)).where(
                Booking.course_date_id == date_id, Booking.status != BookingStatus.CANCELLED
            )
        )
        if active:
            raise Refused(
                f"{active} people are booked or waiting, so the date cannot go back to draft. Cancel the date instead."
            )
        course_date.status = DateStatus.DRAFT
        course_date.updated_at = utcnow()
        audit.record(session, actor, "date unpublished", course_date, f"Took {day_range(course_date)} back to draft")


def movable(bookings: list[Booking]) -> list[Booking]:
    """The people on a date who can be moved with it: booked or waiting with their address confirmed. A place
    held for an address nobody has confirmed is cancelled with the date, as a stranger may have typed it."""
    return [booking for booking in bookings if booking.email_checked]


def dates_to_move_everyone_to(session: Session, course_date: CourseDate, now: datetime) -> list[CourseDate]:
    """Other dates of the same course, open for booking, with a free place for everyone who can be moved."""
    needed = len(movable(active_bookings(session, course_date.id)))
    others = dates_with_places(session, now, course_ids=[course_date.course_id], excluding=course_date.id)
    return [other for other in others if other.capacity - other.places_taken >= max(needed, 1)]


def cancel_date(
    session: Session,
    date_id: int,
    reason: str,
    *,
    move_to: int | None = None,
    actor: StaffUser | None,
    now: datetime | None = None,
) -> int:
    """Cancel a date and, with it, every booking and waiting-list place on it; tell each person, with the
    reason, and remove the date from their calendar. Or, with `move_to`, move everyone booked or waiting to
    that date of the same course in one step (it must have a place for each of them): each gets a place
    there and is told why, with their calendar changed. Returns how many were told. Never once it has
    started: its register, certificates and reports stay as they are."""
    now = now or utcnow()
    reason = reason.strip()
    if not reason or len(reason) > CANCEL_REASON_MAX:
        raise DateRuleBroken(f"Enter why the date is cancelled, in {CANCEL_REASON_MAX} characters or fewer", "reason")
    with writing(session):
        dates = lock_dates(session, date_id, *([move_to] if move_to is not None else []))
        course_date = dates.get(date_id)
        if course_date is None:
            raise NotFound("We could not find that date.")
        if course_date.status == DateStatus.CANCELLED:
            raise Refused("This date is already cancelled.")
        refuse_once_started(course_date, now, "it cannot be cancelled. Its register and certificates stay as they are")
        new_date = dates.get(move_to) if move_to is not None else None
        if move_to is not None and (
            new_date is None or new_date not in dates_to_move_everyone_to(session, course_date, now)
        ):
            raise DateRuleBroken(
                "That date has no room for everyone now. Choose another date, or cancel their bookings", "move_to"
            )
        was_published = course_date.status == DateStatus.PUBLISHED
        people = active_bookings(session, date_id) if was_published else []
        course_date.status = DateStatus.CANCELLED
        course_date.cancellation_reason = reason
        course_date.updated_at = now
        moving = movable(people) if new_date is not None else []
        for booking in moving:
            move_with_the_date(session, booking, course_date, new_date, reason, now)
            summary = f"Moved booking {booking.reference} from {day_range(course_date)} to {day_range(new_date)}"
            audit.record(session, actor, "booking moved", booking, summary)
        # Each other booking is cancelled with the date, so its page says so and its calendar entries go.
        for booking in people:
            if booking not in moving:
                cancel_with_the_date(session, booking, course_date, reason, now)
        summary = f"Cancelled {day_range(course_date)}: {reason}"
        if new_date is not None:
            summary += f". Moved {len(moving)} people to {day_range(new_date)}"
        audit.record(session, actor, "date cancelled", course_date, summary)
        return len(people)


def set_capacity(
    session: Session,
    date_id: int,
    capacity: int,
    *,
    minimum: int | None | EllipsisType = ...,
    actor: StaffUser | None,
    now: datetime | None = None,
) -> list[Booking]:
    """Change the number of places, and the fewest people needed for the date to run (None for no such
    number; left out, it stays). New places go to the waiting list in order; a cut below the number booked
    is refused, safely even against a booking arriving at the same moment."""
    check_capacity(capacity, least=0)
    with writing(session):
        course_date = locked_date(session, date_id)
        refuse_once_started(course_date, now or utcnow(), "the number of places cannot change")
        least = course_date.minimum_places if minimum is ... else minimum
        if least is not None and not 1 <= least <= capacity:
            raise DateRuleBroken(
                f"The fewest people needed must be at least 1 and no more than the places ({capacity})", "minimum"
            )
        noted = []
        if minimum is not ... and minimum != course_date.minimum_places:
            course_date.minimum_places = minimum
            noted.append(f"fewest needed set to {minimum}" if minimum else "no fewest number needed")
        if capacity == course_date.capacity:
            if noted:
                audit.record(session, actor, "capacity changed", course_date, f"{day_range(course_date)}: {noted[0]}")
            return []
        changed = session.execute(
            sa.update(CourseDate)
            .where(CourseDate.id == date_id, CourseDate.places_taken <= capacity)
            .values(capacity=capacity, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:
            taken = course_date.places_taken
            raise CapacityTooLow(
                f"{taken} people already have a place, so there must be at least {taken} places. "
                "Cancel or move bookings first."
            )
        session.expire(course_date, ["capacity", "places_taken", "updated_at"])
        promoted = fill_from_waiting_list(session, course_date, utcnow())
        summary = f"Places on {day_range(course_date)} set to {capacity}"
        if noted:
            summary += f"; {noted[0]}"
        if promoted:
            summary += f"; {len(promoted)} from the waiting list got a place"
        audit.record(session, actor, "capacity changed", course_date, summary)
        return promoted


def assign_trainers(session: Session, date_id: int, trainer_ids: list[int], *, actor: StaffUser | None) -> None:
    """Choose which trainers see this date and take its register."""
    with writing(session):
        course_date = locked_date(session, date_id)
        trainers = list(session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(trainer_ids))))
        course_date.trainers = trainers
        names = ", ".join(user.label for user in trainers) or "nobody"
        audit.record(
            session, actor, "trainers assigned", course_date, f"Trainers for {day_range(course_date)}: {names}"
        )


def message_recipients(session: Session, date_id: int, audience: Audience) -> list[Booking]:
    """The people on a date a message to this audience goes to, in the order they came."""
    wanted = {
        Audience.CONFIRMED: {BookingStatus.CONFIRMED},
        Audience.WAITING: {BookingStatus.WAITING},
        Audience.EVERYONE: {BookingStatus.CONFIRMED, BookingStatus.WAITING},
    }[audience]
    return [
        b
        for b in active_bookings(session, date_id)
        if b.status in wanted and b.email_checked and b.anonymised_at is None
    ]


def send_date_message(
    session: Session,
    date_id: int,
    *,
    subject: str,
    body: str,
    audience: Audience,
    actor: StaffUser,
    submission_key: str | None = None,
) -> DateMessage:
    """Email the training team's message to the people on a date with a place, on its waiting list, or
    both: one email each through the outbox, the message kept for the date page, and audited. Sending
    the same form twice sends once."""
    subject, body = " ".join(subject.split()), body.strip()
    if not subject or len(subject) > MESSAGE_SUBJECT_MAX:
        raise Refused(f"Enter a subject of {MESSAGE_SUBJECT_MAX} characters or fewer.")
    if not body or len(body) > MESSAGE_BODY_MAX:
        raise Refused(f"Enter a message of {MESSAGE_BODY_MAX} characters or fewer.")
    with writing(session):
        course_date = locked_date(session, date_id)  # one sender at a time per date
        if submission_key:
            sent = session.scalar(sa.select(DateMessage).where(DateMessage.submission_key == submission_key))
            if sent is not None:
                return sent
        recipients = message_recipients(session, date_id, audience)
        if not recipients:
            raise Refused(NOBODY_IN[audience])
        message = DateMessage(
            course_date_id=course_date.id,
            subject=subject,
            body=body,
            audience=audience,
            recipients=len(recipients),
            sent_by_id=actor.id,
            sent_by=actor.name or actor.email,
            submission_key=submission_key,
        )
        session.add(message)
        session.flush()
        for booking in recipients:
            messages.date_message(session, booking, message)
        summary = f"Emailed {len(recipients)} ({audience.label.lower()}) on {day_range(course_date)}: '{subject}'"
        audit.record(session, actor, "date message sent", course_date, summary)
    return message


def date_messages(session: Session, date_id: int) -> list[DateMessage]:
    """The messages sent to a date, newest first."""
    query = sa.select(DateMessage).where(DateMessage.course_date_id == date_id).order_by(DateMessage.id.desc())
    return list(session.scalars(query))


def close_feedback(session: Session, date_id: int, *, actor: StaffUser | None) -> None:
    """Stop taking and changing feedback for a date: its answers are final for the reports."""
    with writing(session):
        course_date = locked_date(session, date_id)
        if course_date.feedback_closed_at is not None:
            raise Refused("Feedback for this date is already closed.")
        course_date.feedback_closed_at = utcnow()
        audit.record(session, actor, "feedback closed", course_date, f"Closed feedback for {day_range(course_date)}")
