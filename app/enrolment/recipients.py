"""How many emails one address can be sent because of what someone else did: at most
EMAIL_LIMIT_PER_RECIPIENT in its window, everything included.

Someone who types an address that is not theirs can cause the emails below to reach it: the check of a
booking or a request, the note that a hold was released, a booking's link, the links to someone's
bookings, a line manager's note, a record of learning and a staff account's new-password link. The public
forms refuse once the address has had its share (app.web.limits), and the service itself leaves out a
manager's note or a released hold's note rather than send more. Emails the owner of the address asked for,
once they confirmed it, do not count.
"""

from datetime import datetime, timedelta

from flask import current_app
from limits import parse
from sqlalchemy.orm import Session

from app.database import utcnow
from app.mail.outbox import sent_within

UNASKED = (
    "booking_check", "hold_released", "booking_link", "booking_links", "already_completed", "manager_notice",
    "approval_request", "team_booked", "interest_check",
    "watched_record", "staff_reset",
)  # fmt: skip


def share() -> tuple[int, timedelta]:
    """How many such emails one address may have, and in how long (EMAIL_LIMIT_PER_RECIPIENT)."""
    limit = parse(current_app.config["EMAIL_LIMIT_PER_RECIPIENT"])
    return limit.amount, timedelta(seconds=limit.get_expiry())


def has_room(session: Session, address: str, now: datetime | None = None) -> bool:
    """Whether one more email someone else caused may go to this address now."""
    amount, window = share()
    return sent_within(session, address, (now or utcnow()) - window, UNASKED) < amount
