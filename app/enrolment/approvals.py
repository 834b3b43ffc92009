"""A line manager's agreement, on courses that need it (Course.manager_approval).

When someone with a manager books such a course (with a place, or on the waiting list) and has confirmed
their own address, their manager is emailed a signed link that works once and expires; the person keeps
their place meanwhile but has no calendar entry and no reminders. The manager is reminded once, halfway.
An answer of yes makes the place the person's (with its invite); no, or no answer within
MANAGER_APPROVAL_WORKING_DAYS working days, releases it to the waiting list. The person is told at each
step. The manager's address is one nobody has confirmed, so their emails hold only our words and the
person's own (confirmed) address, as the manager's notes do.
"""

import secrets
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.core import audit
from app.core.clock import today_in_london
from app.core.rules import Refused
from app.database import utcnow, writing
from app.enrolment import booking_emails as messages
from app.enrolment.places import fill_from_waiting_list, lock_dates, release_place
from app.mail.registry import Batch, NoLongerApplies, RenderedEmail, public_url, render_pair
from app.models import LONDON, Approval, Booking, BookingStatus, OutboxMessage

SALT = "manager-approval"
BY_MANAGER = "the person's manager, by the link we emailed them"


class LinkNotValid(Refused):
    """The link was used already, has expired, or the booking no longer waits for an answer."""


def needed(booking: Booking) -> bool:
    """Whether this booking must wait for the person's manager: the course says so and they named one."""
    return booking.course_date.course.manager_approval and bool(booking.manager_email.strip())


def working_days_after(moment: datetime, days: int) -> datetime:
    """5pm (UK time) on the `days`-th working day (Monday to Friday) after the day of `moment`. Bank holidays
    are counted as working days."""
    day = today_in_london(moment)
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return datetime.combine(day, time(17), tzinfo=LONDON)


def ask(session: Session, booking: Booking, now: datetime) -> None:
    """Ask the person's manager, and tell the person their place is held until the manager agrees. Called
    where a booking is announced, in its transaction."""
    booking.approval = Approval.WAITING
    booking.approval_nonce = secrets.token_hex(16)
    booking.approval_asked_at = now
    booking.approval_due_at = working_days_after(now, current_app.config["MANAGER_APPROVAL_WORKING_DAYS"])
    booking.approval_reminded_at = None
    messages.approval_request(session, booking)
    messages.approval_pending(session, booking)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def link_token(booking: Booking) -> str:
    """The manager's link: the booking and its single-use key, signed with the app's secret."""
    return _serializer().dumps([booking.id, booking.approval_nonce])


def _waiting_booking(session: Session, token: str, *, lock: bool = False) -> Booking:
    max_age = (current_app.config["MANAGER_APPROVAL_WORKING_DAYS"] + 4) * 24 * 3600  # longer than any wait
    try:
        booking_id, nonce = _serializer().loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        raise LinkNotValid("This link is not valid.") from None
    if not isinstance(booking_id, int) or not isinstance(nonce, str):
        raise LinkNotValid("This link is not valid.")
    booking = session.get(Booking, booking_id)
    if booking is not None and lock:
        lock_dates(session, booking.course_date_id)
        booking = session.scalars(sa.select(Booking).where(Booking.id == booking_id).with_for_update(of=Booking)).one()
    if (
        booking is None
        or booking.approval != Approval.WAITING
        or not booking.is_active
        or not booking.approval_nonce
        or not secrets.compare_digest(booking.approval_nonce, nonce)
    ):
        raise LinkNotValid("This link has been used already, or the booking no longer needs an answer.")
    return booking


def booking_for_link(session: Session, token: str) -> Booking:
    """The booking a manager's link asks about, while it waits for their answer; LinkNotValid if not."""
    return _waiting_booking(session, token)


def answer(session: Session, token: str, agrees: bool, *, now: datetime | None = None) -> Booking:
    """The manager's answer, once. Yes: the place is the person's, with its calendar invite. No: it is
    released to the waiting list. Either way the person is told, and the link stops working."""
    now = now or utcnow()
    with writing(session):
        booking = _waiting_booking(session, token, lock=True)
        booking.approval_nonce = None
        booking.approval_answered_at = now
        if agrees:
            booking.approval = Approval.APPROVED
            messages.approval_given(session, booking)
            if booking.status == BookingStatus.CONFIRMED and booking.has_needs:
                messages.needs_changed(session, booking, reason="new")
            audit.record(
                session, None, "manager agreed", booking, f"Manager agreed to {booking.reference}", by=BY_MANAGER
            )
        else:
            booking.approval = Approval.DECLINED
            messages.approval_refused(session, booking, answered=True, had_place=_release(session, booking, now))
            summary = f"Manager did not agree to {booking.reference}: released"
            audit.record(session, None, "manager did not agree", booking, summary, by=BY_MANAGER)
    return booking


def _release(session: Session, booking: Booking, now: datetime) -> bool:
    """Cancel the booking; its place, if it had one, goes to the waiting list. True when it had a place."""
    course_date = booking.course_date
    had_place = release_place(session, booking, course_date, now)
    if had_place:
        fill_from_waiting_list(session, course_date, now)
    return had_place


def chase(session: Session, now: datetime) -> int:
    """Remind managers once, halfway to the time given; release the places nobody answered for in time.
    Returns how many emails were queued."""
    with writing(session):
        waiting = list(
            session.scalars(
                sa.select(Booking)
                .where(Booking.approval == Approval.WAITING, Booking.status != BookingStatus.CANCELLED)
                .order_by(Booking.id)
            )
        )
        queued = 0
        for booking in waiting:
            if booking.approval_due_at <= now:
                lock_dates(session, booking.course_date_id)
                booking.approval = Approval.NOT_ANSWERED
                booking.approval_nonce = None
                had_place = _release(session, booking, now)
                messages.approval_refused(session, booking, answered=False, had_place=had_place)
                summary = f"Nobody answered for {booking.reference} in time: released"
                audit.record(session, None, "manager did not answer", booking, summary, by=audit.WORKER)
                queued += 1
            elif (
                booking.approval_reminded_at is None
                and now >= booking.approval_asked_at + (booking.approval_due_at - booking.approval_asked_at) / 2
            ):
                booking.approval_reminded_at = now
                messages.approval_request(session, booking, reminder=True)
                queued += 1
        return queued


def approvals_job(session: Session, now: datetime, config) -> int:
    """The worker's job before each pass: reminders to managers, and places nobody agreed to in time."""
    return chase(session, now)


def render_approval_request(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    """The manager's email, with the link written as it goes; skipped once they answered or it is moot."""
    records = batch.referenced(message)
    booking = records["booking"]
    if booking.approval != Approval.WAITING or not booking.is_active or not booking.approval_nonce:
        raise NoLongerApplies("the manager answered, or the booking changed, before this email went")
    text, html = render_pair(
        "approval_request",
        link=public_url(f"/approval/{link_token(booking)}"),
        reminder=(message.context or {}).get("reminder", False),
        due=booking.approval_due_at,
        team_email=current_app.config["TRAINING_TEAM_EMAIL"],
        **records,
    )
    return RenderedEmail(text, html)
