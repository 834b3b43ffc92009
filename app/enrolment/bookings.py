"""The booking rules: a place is never given twice, and the waiting list is first come, first served.

Every function here owns its transaction (`writing`): it locks the course date's row first
(app.enrolment.places.lock_dates), checks, writes the booking, its emails and its audit entry (by the
member of staff acting for someone, or by the person through the form or their booking link), and commits
once. A refused change writes nothing.
"""

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core import audit
from app.core.addresses import email_key
from app.core.clock import today_in_london
from app.core.filters import day_range
from app.database import utcnow, writing
from app.enrolment import approvals, date_emails
from app.enrolment import booking_emails as messages
from app.enrolment.availability import availability, dates_with_places, has_started
from app.enrolment.needs import check_needs
from app.enrolment.places import (
    fill_from_waiting_list,
    give_back_place,
    lock_dates,
    release_place,
    take_late_place,
    take_place,
    waiting_position,
)
from app.enrolment.refusals import (
    AlreadyBooked,
    AlreadyCompleted,
    BookedOnAnotherDate,
    BookingClosed,
    CannotChange,
    DateFull,
    DateNotFound,
)
from app.models import (
    Attendance,
    Booking,
    BookingStatus,
    Certificate,
    Completion,
    CouncilArea,
    CourseDate,
    DateStatus,
    Feedback,
    NeedsStatus,
    Sector,
    StaffUser,
    completion_of,
)

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 5
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass
class BookingDetails:
    """What a person tells us when they book."""

    full_name: str
    email: str
    job_title: str
    organisation: str
    sector: Sector
    council_area: CouncilArea
    manager_name: str
    manager_email: str
    manager_agrees: bool
    phone: str = ""
    access_needs: list[str] = field(default_factory=list)
    access_details: str = ""
    dietary_needs: str = ""


@dataclass
class BookingResult:
    booking: Booking
    created: bool
    waiting_position: int | None = None
    # Read before the commit expires the booking, so showing it needs no further query.
    manage_token: str = ""


@dataclass
class ChangeResult:
    """What a cancellation or move did, including who got a place from the waiting list."""

    booking: Booking
    promoted: list[Booking] = field(default_factory=list)
    changed: bool = True


def new_reference() -> str:
    """A short reference people can read out on the phone, like SOS-7KX2Q.

    Its uniqueness is left to the unique constraint: book_place tries again on the rare clash.
    """
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"SOS-{code}"


def new_manage_token() -> str:
    """An unguessable key for the manage link: 256 random bits."""
    return secrets.token_urlsafe(32)


def booking_by_token(session: Session, token: str, *, lock: bool = False) -> Booking | None:
    """The booking this manage link belongs to, if the link is well formed and known."""
    if not TOKEN_PATTERN.match(token or ""):
        return None
    query = sa.select(Booking).where(Booking.manage_token == token)
    return session.scalar(query.with_for_update(of=Booking) if lock else query)


def active_booking_for_course(session: Session, course_id: int, key: str, now: datetime) -> Booking | None:
    """This person's booking on a date of this course that has not yet finished."""
    # A plain column query keeps this cheap on the hot path; people rarely have more than one row.
    booking_ids = session.scalars(
        sa.select(Booking.id)
        .join(CourseDate, Booking.course_date_id == CourseDate.id)
        .where(
            Booking.email_key == key,
            Booking.status != BookingStatus.CANCELLED,
            CourseDate.course_id == course_id,
            CourseDate.status != DateStatus.CANCELLED,
        )
    ).all()
    today = today_in_london(now)
    for booking_id in booking_ids:
        booking = session.get(Booking, booking_id)
        if booking.course_date.days and booking.course_date.first_day >= today:
            return booking
    return None


def completed_booking_for_course(session: Session, course_id: int, key: str) -> Booking | None:
    """This person's earlier booking of this course that the register shows they completed (every day
    attended), if any: the latest."""
    candidates = session.scalars(
        sa.select(Booking)
        .join(CourseDate, Booking.course_date_id == CourseDate.id)
        .where(
            Booking.email_key == key,
            Booking.status == BookingStatus.CONFIRMED,
            CourseDate.course_id == course_id,
            CourseDate.status == DateStatus.PUBLISHED,
        )
        .order_by(Booking.id.desc())
    ).all()
    if not candidates:
        return None
    marks = {
        (booking_id, day_id): mark
        for booking_id, day_id, mark in session.execute(
            sa.select(Attendance.booking_id, Attendance.course_day_id, Attendance.mark).where(
                Attendance.booking_id.in_([booking.id for booking in candidates])
            )
        )
    }
    for booking in candidates:
        days = booking.course_date.days
        if days and completion_of([marks.get((booking.id, day.id)) for day in days]) == Completion.COMPLETED:
            return booking
    return None


def book_place(
    session: Session,
    course_date_id: int,
    details: BookingDetails,
    *,
    submission_key: str | None = None,
    now: datetime | None = None,
    actor: StaffUser | None = None,
    email_checked: bool = False,
) -> BookingResult:
    """Give the person a place, or a place on the waiting list when the date is full.

    Made on the public form, it is a hold: it keeps the place until the person opens the link emailed to
    the address and confirms it (check_email), and is released at hold_until if they do not; until then
    that one email is all the address gets. `actor` is the member of staff booking for someone (audited):
    their booking needs no check, nor does one with `email_checked` (an address already shown to be theirs).
    """
    check_needs(details.access_needs, details.access_details, details.dietary_needs)
    checked = email_checked or actor is not None
    for _attempt in range(5):
        reference = new_reference()
        try:
            return _book_place_once(session, course_date_id, details, reference, submission_key, now, actor, checked)
        except IntegrityError:
            if session.scalar(sa.select(Booking.id).where(Booking.reference == reference)) is None:
                # Only reachable if the locks were bypassed; the unique indexes still held.
                raise AlreadyBooked("You have already booked this date.") from None
    raise RuntimeError("No free booking reference after five tries")


def booking_from(
    details: BookingDetails,
    course_date: CourseDate,
    *,
    reference: str,
    confirmed: bool,
    at: datetime,
    checked: bool,
    submission_key: str | None = None,
) -> Booking:
    """A new booking from what the person told us: a place (`confirmed`, already taken by the caller, who
    holds the date's lock) or a waiting-list place, made `at` this moment. Unless `checked` (their address
    is known to be theirs, or staff vouch for it), it is a hold until they confirm it."""
    return Booking(
        reference=reference,
        manage_token=new_manage_token(),
        submission_key=submission_key or None,
        course_date=course_date,
        status=BookingStatus.CONFIRMED if confirmed else BookingStatus.WAITING,
        full_name=details.full_name,
        email=details.email.strip(),
        email_key=email_key(details.email),
        phone=details.phone,
        job_title=details.job_title,
        organisation=details.organisation,
        sector=details.sector,
        council_area=details.council_area,
        manager_name=details.manager_name,
        manager_email=details.manager_email.strip(),
        manager_agrees=details.manager_agrees,
        access_needs=list(details.access_needs),
        access_details=details.access_details,
        dietary_needs=details.dietary_needs,
        queued_at=at,
        confirmed_at=at if confirmed else None,
        email_checked_at=at if checked else None,
        hold_until=None if checked else hold_until(course_date, at),
        calendar_entries=[],  # known to be empty, so the calendar sync need not look
    )


def _book_place_once(
    session: Session,
    course_date_id: int,
    details: BookingDetails,
    reference: str,
    submission_key: str | None,
    now: datetime | None,
    actor: StaffUser | None,
    checked: bool,
) -> BookingResult:
    clock_given = now is not None
    now = now or utcnow()
    with writing(session):
        course_date = lock_dates(session, course_date_id).get(course_date_id)
        # Checked with the lock held, so a double click waits for the first click's booking.
        if submission_key:
            earlier_id = session.scalar(sa.select(Booking.id).where(Booking.submission_key == submission_key))
            if earlier_id is not None:
                earlier = session.get(Booking, earlier_id)
                position = waiting_position(session, earlier)
                return BookingResult(
                    earlier, created=False, waiting_position=position, manage_token=earlier.manage_token
                )
        if course_date is None:
            raise DateNotFound("We could not find that date.")
        if (reason := availability(course_date, now).reason) is not None:
            raise BookingClosed(reason)
        key = email_key(details.email)
        existing = active_booking_for_course(session, course_date.course_id, key, now)
        if existing is not None:
            if existing.course_date_id == course_date_id:
                raise AlreadyBooked("You have already booked this date.", existing)
            raise BookedOnAnotherDate("You already have a booking for another date of this course.", existing)
        if actor is None and (done := completed_booking_for_course(session, course_date.course_id, key)) is not None:
            # Before any place is taken. Staff may still book someone again (a refresher), knowingly.
            raise AlreadyCompleted(f"You completed this course on {day_range(done.course_date)}.", done)

        confirmed = take_place(session, course_date)
        # Read the clock again now that the lock is held, so queue order is the order of arrival.
        queued_at = now if clock_given else utcnow()
        booking = booking_from(
            details,
            course_date,
            reference=reference,
            confirmed=confirmed,
            at=queued_at,
            checked=checked,
            submission_key=submission_key,
        )
        session.add(booking)
        session.flush()
        position = None if confirmed else waiting_position(session, booking)
        if checked:
            _announce(session, booking, position, ask_manager=actor is None)
        else:
            messages.check_booking(session, booking)
        if actor is not None or not checked:
            # On the public form nobody has shown the address is theirs yet: "someone using the booking form".
            where = "a place" if confirmed else f"number {position} on the waiting list"
            summary = f"Booked {booking.reference} ({where}) on {day_range(course_date)}"
            if not checked:
                summary += ", kept until the person confirms it by the link we emailed"
            audit.record(session, actor, "booking added", booking, summary, by=audit.BOOKING_FORM)
        return BookingResult(booking, created=True, waiting_position=position, manage_token=booking.manage_token)


def hold_until(course_date: CourseDate, now: datetime) -> datetime:
    """Until when a booking made on the public form keeps its place for the person to confirm their address:
    BOOKING_CONFIRM_HOURS, or half the time left before the course starts when that is sooner, so that a
    place nobody confirms still goes to someone else in time."""
    hours = timedelta(hours=current_app.config["BOOKING_CONFIRM_HOURS"])
    if not course_date.days:
        return now + hours
    return min(now + hours, now + (course_date.starts_at - now) / 2)


def _announce(session: Session, booking: Booking, position: int | None, *, ask_manager: bool = True) -> None:
    """The emails of a booking whose address is known to be the person's: their place (with its calendar
    invite) or waiting-list place, their line manager's note, and the training team's note of their needs.
    On a course that needs the manager's agreement, the manager is asked instead, and the rest waits for
    their answer (app.enrolment.approvals); not when the training team booked for the person."""
    if ask_manager and approvals.needed(booking):
        approvals.ask(session, booking, utcnow())
        return
    if booking.status == BookingStatus.CONFIRMED:
        messages.place_confirmed(session, booking)
    else:
        messages.added_to_waiting_list(session, booking, position)
    messages.tell_manager(session, booking, "booked" if booking.status == BookingStatus.CONFIRMED else "waiting")
    # Someone waiting has their needs arranged when a place is theirs: the team hears then ("placed").
    if booking.status == BookingStatus.CONFIRMED and (booking.access_needs or booking.access_details.strip()):
        messages.needs_changed(session, booking, reason="new")


def check_email(session: Session, token: str, *, now: datetime | None = None) -> Booking:
    """The person opened the link emailed to them and confirmed their booking: the address is theirs, so the
    hold becomes their booking and they get its emails. Confirming twice changes nothing."""
    now = now or utcnow()
    with writing(session):
        booking, _dates = _lock_booking(session, token)
        if booking.email_checked:
            return booking
        if not booking.is_active:
            raise CannotChange("This booking was not confirmed in time, so its place has gone. You can book again.")
        booking.email_checked_at = now
        booking.hold_until = None
        _announce(session, booking, waiting_position(session, booking))
        audit.record(
            session, None, "booking confirmed", booking, f"Confirmed {booking.reference} by its email link",
            by=audit.PERSON_BOOKED,
        )  # fmt: skip
    return booking


def release_holds(session: Session, now: datetime) -> int:
    """Give back the places of bookings nobody confirmed by their hold_until, to the waiting list, and tell the
    address. Each in its own short transaction, holding one date's lock. Returns how many were released."""
    expired = sa.select(Booking.manage_token).where(
        Booking.email_checked_at.is_(None), Booking.status != BookingStatus.CANCELLED, Booking.hold_until <= now
    )
    released = 0
    for token in session.scalars(expired).all():
        with writing(session):
            booking, dates = _lock_booking(session, token)
            if booking.email_checked or not booking.is_active:
                continue  # confirmed or cancelled since the list was read
            course_date = dates[booking.course_date_id]
            if release_place(session, booking, course_date, now):
                fill_from_waiting_list(session, course_date, now)
            messages.hold_released(session, booking)
            audit.record(session, None, "hold released", booking, f"Released {booking.reference}: not confirmed",
                         by=audit.WORKER)  # fmt: skip
            released += 1
    session.rollback()
    return released


def release_holds_job(session: Session, now: datetime, config) -> int:
    """The worker's job before each pass: release the holds nobody confirmed in time."""
    return release_holds(session, now)


def tell_already_completed(session: Session, booking_id: int, tried_date_id: int) -> None:
    """Someone who completed the course tried to book it again: tell their address (the one the register
    knows), once a day at most, and put it in the audit log for the team. No place was taken."""
    with writing(session):
        booking = session.get(Booking, booking_id)
        if booking is None:
            return
        tried = session.get(CourseDate, tried_date_id)
        messages.already_completed(session, booking)
        audit.record(
            session,
            None,
            "booking refused: done already",
            booking,
            f"{booking.reference} completed {day_range(booking.course_date)} and tried to book "
            f"{day_range(tried) if tried else 'another date'}: told they need not come again",
            by=audit.BOOKING_FORM,
        )


def send_booking_link(session: Session, booking_id: int) -> None:
    """For someone who tried to book again with an address that has a booking: email that booking's link to
    its own address (and to no one else), or, while it is not confirmed, the email that confirms it."""
    with writing(session):
        booking = session.get(Booking, booking_id)
        if booking is None or not booking.is_active:
            return
        if booking.email_checked:
            messages.booking_link(session, booking)
        else:
            messages.check_booking(session, booking, again=True)


def _lock_booking(session: Session, token: str, *other_date_ids: int) -> tuple[Booking, dict]:
    """Find a booking by its manage link and lock its date (and any others named). Call inside `writing`."""
    booking = booking_by_token(session, token)
    if booking is None:
        raise DateNotFound("We could not find that booking.")
    dates = lock_dates(session, booking.course_date_id, *other_date_ids)
    session.refresh(booking)
    return booking, dates


def cancel_booking(
    session: Session, token: str, *, now: datetime | None = None, actor: StaffUser | None = None
) -> ChangeResult:
    """Cancel a booking; its place goes to the first person on the waiting list."""
    now = now or utcnow()
    with writing(session):
        booking, dates = _lock_booking(session, token)
        course_date = dates[booking.course_date_id]
        if booking.status == BookingStatus.CANCELLED:
            return ChangeResult(booking, changed=False)
        if has_started(course_date, now):
            raise CannotChange("This course has already started, so the booking cannot be cancelled.")
        had_place = release_place(session, booking, course_date, now)
        promoted = fill_from_waiting_list(session, course_date, now) if had_place else []
        messages.booking_cancelled(session, booking, had_place=had_place, passed_on=bool(promoted))
        messages.tell_manager(session, booking, "cancelled")
        if had_place and booking.has_needs:
            messages.needs_changed(session, booking, reason="cancelled")
        summary = f"Cancelled booking {booking.reference} on {day_range(course_date)}"
        audit.record(session, actor, "booking cancelled", booking, summary, by=audit.PERSON_BOOKED)
    return ChangeResult(booking, promoted)


def cancel_with_the_date(
    session: Session, booking: Booking, course_date: CourseDate, reason: str, now: datetime
) -> None:
    """The training team cancelled the date: cancel this booking with it and tell the person why, with a
    cancellation for their calendar. Called by cancel_date, in its transaction, which holds the date's lock."""
    had_place = release_place(session, booking, course_date, now)
    date_emails.date_cancelled(session, booking, reason, had_place=had_place)


def take_freed_place(session: Session, token: str, *, now: datetime | None = None) -> ChangeResult:
    """Someone on the waiting list takes a place that came free after the cut-off, first come first served."""
    now = now or utcnow()
    with writing(session):
        booking, dates = _lock_booking(session, token)
        course_date = dates[booking.course_date_id]
        if not take_late_place(session, booking, course_date, now):
            raise DateFull("Sorry, someone else has taken the free place. You are still on the waiting list.")
        summary = f"{booking.reference} took a place that came free on {day_range(course_date)}"
        audit.record(session, None, "place taken from the waiting list", booking, summary, by=audit.PERSON_BOOKED)
    return ChangeResult(booking)


def move_booking(
    session: Session, token: str, new_date_id: int, *, now: datetime | None = None, actor: StaffUser | None = None
) -> ChangeResult:
    """Move a booking to another date of the same course that has a place free."""
    now = now or utcnow()
    with writing(session):
        booking, dates = _lock_booking(session, token, new_date_id)
        old_date = dates[booking.course_date_id]
        new_date = dates.get(new_date_id)
        _check_move(booking, old_date, new_date, now)
        if not take_place(session, new_date):
            raise DateFull("That date is now full. Choose another date.")
        had_place = _put_on(session, booking, old_date, new_date, now)
        promoted = fill_from_waiting_list(session, old_date, now) if had_place else []
        summary = f"Moved booking {booking.reference} from {day_range(old_date)} to {day_range(new_date)}"
        audit.record(session, actor, "booking moved", booking, summary, by=audit.PERSON_BOOKED)
    return ChangeResult(booking, promoted)


def _put_on(
    session: Session, booking: Booking, old_date: CourseDate, new_date: CourseDate, now: datetime, reason: str = ""
) -> bool:
    """Give the booking the place already taken for it on the new date, hand back its old place if it had
    one (True then), and tell the person (with the team's `reason` when the team moved them), their
    manager and, for needs, the training team. The caller holds both dates' locks."""
    had_place = booking.status == BookingStatus.CONFIRMED
    # What was arranged for the old date (an interpreter, a room) does not carry over to the new one.
    booking.needs_status = NeedsStatus.TO_ARRANGE
    booking.needs_note = ""
    booking.course_date_id = new_date.id
    booking.course_date = new_date
    booking.status = BookingStatus.CONFIRMED
    booking.queued_at = now
    booking.confirmed_at = now
    if had_place:
        give_back_place(session, old_date)
    messages.booking_moved(session, booking, old_date, had_place=had_place, reason=reason)
    messages.tell_manager(session, booking, "moved")
    if booking.has_needs:
        messages.needs_changed(session, booking, reason="moved", old_date=old_date if had_place else None)
    return had_place


def move_with_the_date(
    session: Session, booking: Booking, old_date: CourseDate, new_date: CourseDate, reason: str, now: datetime
) -> None:
    """The training team cancelled the date and moved everyone on it to another: this booking gets a place
    on the new date, and the person is told why, with their calendar changed. Called by cancel_date, in its
    transaction, which holds both dates' locks and checked there is room for everyone."""
    if not take_place(session, new_date):
        raise DateFull("That date no longer has room for everyone. Choose another date, or add places to it first.")
    _put_on(session, booking, old_date, new_date, now, reason)


def _check_move(booking: Booking, old_date: CourseDate, new_date: CourseDate | None, now: datetime) -> None:
    """Refuse a move the rules do not allow, with a reason the person can act on."""
    if booking.status == BookingStatus.CANCELLED:
        raise CannotChange("This booking has been cancelled, so it cannot be moved.")
    if has_started(old_date, now):
        raise CannotChange("This course has already started, so the booking cannot be moved.")
    if new_date is None or new_date.course_id != old_date.course_id:
        raise DateNotFound("Choose one of the dates shown.")
    if new_date.id == old_date.id:
        raise CannotChange("Your booking is already for this date. Choose a different date.")
    if (reason := availability(new_date, now).reason) is not None:
        raise BookingClosed(reason)


def dates_to_move_to(session: Session, booking: Booking, now: datetime) -> list[CourseDate]:
    """Other dates of the same course that can be booked now with a place free."""
    return dates_with_places(session, now, course_ids=[booking.course_date.course_id], excluding=booking.course_date_id)


def can_change(booking: Booking, now: datetime) -> bool:
    """Whether the person can still cancel or move this booking, or change their needs: until the course starts."""
    return booking.is_active and not has_started(booking.course_date, now)


def send_booking_links(session: Session, email: str, now: datetime | None = None) -> int:
    """Email the links to this address's bookings, to that address only, in one email: every booking still
    to come, and each finished one with feedback given or a certificate (where both are found again).

    Returns how many bookings it named; the page says the same whatever the answer, so that nobody learns
    from it who has booked."""
    now = now or utcnow()
    today = today_in_london(now)
    with writing(session):
        bookings = list(
            session.scalars(
                sa.select(Booking)
                .where(Booking.email_key == email_key(email), Booking.status != BookingStatus.CANCELLED)
                .order_by(Booking.id)
            )
        )
        ids = [booking.id for booking in bookings]
        kept = set(session.scalars(sa.select(Certificate.booking_id).where(Certificate.booking_id.in_(ids))))
        kept |= set(session.scalars(sa.select(Feedback.booking_id).where(Feedback.booking_id.in_(ids))))
        found = [
            booking
            for booking in bookings
            if booking.course_date.days and (booking.course_date.last_day >= today or booking.id in kept)
        ]
        if found:
            messages.booking_links(session, found)
        return len(found)


def change_needs(
    session: Session,
    token: str,
    *,
    access_needs: list[str],
    access_details: str,
    dietary_needs: str,
    now: datetime | None = None,
    actor: StaffUser | None = None,
) -> bool:
    """Change what someone needs to take part and their dietary needs, from their booking link (or staff for
    them). The change is audited and the training team is told at once. False when nothing changed."""
    now = now or utcnow()
    with writing(session):
        booking = booking_by_token(session, token, lock=True)
        if booking is None:
            raise DateNotFound("We could not find that booking.")
        if not booking.is_active:
            raise CannotChange("This booking has been cancelled.")
        if has_started(booking.course_date, now):
            raise CannotChange("This course has already started. Tell the trainer on the day.")
        check_needs(access_needs, access_details, dietary_needs)
        new = (sorted(access_needs), access_details.strip(), dietary_needs.strip())
        if new == (sorted(booking.access_needs or []), booking.access_details, booking.dietary_needs):
            return False
        before = messages.needs_of(booking)
        booking.access_needs, booking.access_details, booking.dietary_needs = list(access_needs), new[1], new[2]
        booking.needs_status = NeedsStatus.TO_ARRANGE
        audit.record(
            session,
            actor,
            "needs changed",
            booking,
            f"Access or dietary needs changed for {booking.reference}",
            by=audit.PERSON_BOOKED,
        )
        messages.needs_changed(session, booking, before=before)
        if actor is None:
            messages.needs_updated(session, booking)
        return True
