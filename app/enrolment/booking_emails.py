"""The emails a person gets when they book, join the waiting list, cancel or move: each kind the outbox sends.

Every change that can alter what the person's calendar should hold passes `calendar_changes=True`, so the
stored calendar entries are brought up to date in the same transaction (app.mail.entries)."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.core.clock import today_in_london
from app.core.filters import date_and_time, day_range, short_days
from app.database import utcnow
from app.enrolment.invites import (
    manage_url,
    queue_booking_email,
    starts_in,
    subject_for,
)
from app.enrolment.needs import venue_gaps
from app.enrolment.recipients import has_room
from app.enrolment.roster import needs_urgent_today
from app.mail.outbox import queue_message
from app.mail.registry import (
    Batch,
    NoLongerApplies,
    RenderedEmail,
    public_url,
    render_pair,
)
from app.models import ACCESS_NEEDS_FOR_STAFF, Booking, BookingStatus, CourseDate, OutboxMessage, OutboxStatus


def check_booking(session: Session, booking: Booking, *, again: bool = False, for_someone: bool = False) -> None:
    """The one email to an address nobody has confirmed yet: open this link to confirm the booking. Sent again
    (at most once an hour) when someone tries to book with the address while the hold lasts. `for_someone`
    when another person named them (a colleague's place passed on, or a team booked by their leader)."""
    queue_booking_email(
        session,
        booking,
        "booking_check",
        subject_for(booking.course_date, "Confirm your booking"),
        hold_until=date_and_time(booking.hold_until),
        waiting=booking.status == BookingStatus.WAITING,
        for_someone=for_someone,
        dedupe_key=f"booking-check:{booking.id}:{utcnow():%Y-%m-%dT%H}" if again else f"booking-check:{booking.id}",
    )


def hold_released(session: Session, booking: Booking) -> None:
    """Nobody confirmed the booking in time: its place has gone to someone else. Left out when the address
    has had its share of emails it did not ask for."""
    if not has_room(session, booking.email):
        return
    queue_booking_email(
        session, booking, "hold_released", subject_for(booking.course_date, "Not confirmed, so not booked")
    )


def place_confirmed(session: Session, booking: Booking) -> None:
    subject = subject_for(booking.course_date, "Booked")
    queue_booking_email(session, booking, "place_confirmed", subject, calendar_changes=True)


def team_booked(session: Session, leader_email: str, course_date: CourseDate, count: int) -> None:
    """The team leader's copy of what they booked: the course, its dates and how many colleagues, in our
    words only (the address is one nobody has confirmed, so no name or address typed on the form goes to
    it). Counted with the other emails someone else can cause an address to get, and left out past that."""
    if not has_room(session, leader_email):
        return
    queue_message(
        session,
        kind="team_booked",
        to=leader_email,
        subject=subject_for(course_date, "You booked places for colleagues"),
        context={"course_date_id": course_date.id, "count": count},
    )


def render_team_booked(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    course_date = batch.referenced(message)["course_date"]
    text, html = render_pair("team_booked", course_date=course_date, count=message.context["count"])
    return RenderedEmail(text, html)


def approval_request(session: Session, booking: Booking, *, reminder: bool = False) -> None:
    """Ask the person's manager to agree (once, and once more as a reminder), by a link written as the email
    goes (app.enrolment.approvals). Counted with the other emails someone else can cause an address to get,
    but never left out: without it the place would wait for nothing."""
    start = "Reminder: please answer" if reminder else "Please answer"
    queue_message(
        session,
        kind="approval_request",
        to=booking.manager_email,
        subject=subject_for(booking.course_date, f"{start}: can your colleague come to training?"),
        context={"course_date_id": booking.course_date_id, "reminder": reminder},
        booking=booking,
        dedupe_key=f"approval:{booking.id}:{'reminder' if reminder else 'first'}:{booking.approval_asked_at}",
    )


def approval_pending(session: Session, booking: Booking) -> None:
    """To the person: their place (or waiting-list place) is kept while their manager is asked."""
    queue_booking_email(
        session, booking, "approval_pending", subject_for(booking.course_date, "Waiting for your manager")
    )


def approval_given(session: Session, booking: Booking) -> None:
    """To the person: their manager agreed. With a place, it is the booking's confirmation, with its invite."""
    if booking.status == BookingStatus.CONFIRMED:
        queue_booking_email(
            session, booking, "place_confirmed", subject_for(booking.course_date, "Booked"), calendar_changes=True,
            manager_agreed=True,
        )  # fmt: skip
    else:
        queue_booking_email(session, booking, "approval_given", subject_for(booking.course_date, "Your manager agreed"))


def approval_refused(session: Session, booking: Booking, *, answered: bool, had_place: bool) -> None:
    """To the person: their manager said no, or nobody answered in time, so the place has gone."""
    start = "Your manager did not agree" if answered else "Your manager did not answer"
    subject = subject_for(booking.course_date, start)
    queue_booking_email(session, booking, "approval_refused", subject, answered=answered, had_place=had_place)


def added_to_waiting_list(session: Session, booking: Booking, position: int) -> None:
    subject = subject_for(booking.course_date, "Waiting list")
    queue_booking_email(session, booking, "waiting_list", subject, position=position)


def booking_cancelled(
    session: Session, booking: Booking, *, had_place: bool, passed_on: bool = False, sent_instead: bool = False
) -> None:
    """The person's cancellation; `passed_on` when their place went to someone on the waiting list,
    `sent_instead` when it went to the colleague they named."""
    subject = subject_for(booking.course_date, "Place passed on" if sent_instead else "Cancelled")
    queue_booking_email(
        session,
        booking,
        "booking_cancelled",
        subject,
        calendar_changes=True,
        had_place=had_place,
        passed_on=passed_on,
        sent_instead=sent_instead,
    )


def booking_moved(
    session: Session, booking: Booking, old_date: CourseDate, *, had_place: bool, reason: str = ""
) -> None:
    """One change: the new date's entries are added and, if the person had a place, the old ones removed.
    With a `reason`, the training team cancelled the old date and moved everyone on it."""
    subject = subject_for(booking.course_date, "Moved by the training team" if reason else "Moved")
    queue_booking_email(
        session,
        booking,
        "booking_moved",
        subject,
        calendar_changes=True,
        old_date_id=old_date.id,
        had_place=had_place,
        reason=reason,
    )


def booking_link(session: Session, booking: Booking) -> None:
    """The link to a booking, to its own address, when someone tries to book again with it. At most once an hour."""
    queue_booking_email(
        session,
        booking,
        "booking_link",
        subject_for(booking.course_date, "Your booking"),
        dedupe_key=f"booking-link:{booking.id}:{utcnow():%Y-%m-%dT%H}",
    )


def already_completed(session: Session, booking: Booking) -> None:
    """To someone who tried to book a course they have done: when they did it, and what to do if they must
    come again. At most once a day for a booking."""
    queue_booking_email(
        session,
        booking,
        "already_completed",
        subject_for(booking.course_date, "You have done this course"),
        dedupe_key=f"already-completed:{booking.id}:{utcnow():%Y-%m-%d}",
    )


def needs_updated(session: Session, booking: Booking) -> None:
    """To the person, when they changed their needs by their link: what we have now, and that the team knows.
    At most one an hour for a booking: one still to go shows the needs as they are when it goes."""
    queue_booking_email(
        session,
        booking,
        "needs_updated",
        subject_for(booking.course_date, "We have your changes"),
        dedupe_key=f"needs-updated:{booking.id}:{utcnow():%Y-%m-%dT%H}",
    )


def booking_links(session: Session, bookings: list[Booking]) -> None:
    """The links to each of someone's bookings, in one email to the address they booked with."""
    queue_message(
        session,
        kind="booking_links",
        to=bookings[0].email,
        subject="Your Signs of Safety training bookings",
        context={"booking_ids": [booking.id for booking in bookings]},
    )


def load_bookings(session: Session, batch: Batch, messages: list[OutboxMessage]) -> None:
    ids = {i for m in messages for i in (m.context or {}).get("booking_ids", []) if isinstance(i, int)}
    found = session.scalars(sa.select(Booking).where(Booking.id.in_(sorted(ids)))) if ids else []
    batch.records.setdefault(Booking, {}).update({booking.id: booking for booking in found})


def render_booking_links(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    """Skipped if every booking it names has been cancelled (or removed) since it was asked for."""
    held = batch.records.get(Booking, {})
    bookings = [held[i] for i in message.context.get("booking_ids", []) if i in held and held[i].is_active]
    if not bookings:
        raise NoLongerApplies("none of the bookings is still active")
    today = today_in_london(utcnow())
    links = [(booking, manage_url(booking), booking.course_date.last_day < today) for booking in bookings]
    text, html = render_pair("booking_links", links=links)
    return RenderedEmail(text, html)


MANAGER_NEWS = {
    "booked": "has booked a place on",
    "waiting": "has joined the waiting list for",
    "moved": "has moved their booking to",
    "cancelled": "has cancelled their booking for",
    "missed": "did not come to all of",
}


def tell_manager(session: Session, booking: Booking, what: str) -> None:
    """A short note to the person's line manager, if they gave one and have confirmed their own address: what
    happened, naming them by that address, and nothing typed into the form (the manager's address is one
    nobody has confirmed).

    The manager's address counts against EMAIL_LIMIT_PER_RECIPIENT with every other email someone else can
    cause it to get. A whole team may book at once, so it never stops a booking: the notes stop instead."""
    config = current_app.config
    if not config["MANAGER_EMAILS"] or not booking.manager_email or not booking.email_checked:
        return
    if not has_room(session, booking.manager_email):
        return
    queue_message(
        session,
        kind="manager_notice",
        to=booking.manager_email,
        subject=subject_for(booking.course_date, "Your colleague's training"),
        context={"course_date_id": booking.course_date_id, "what": what},
        booking=booking,
    )


def render_manager_notice(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    records = batch.referenced(message)
    news = MANAGER_NEWS.get(message.context.get("what"), "has changed their booking for")
    text, html = render_pair("manager_notice", news=news, what=message.context.get("what"), **records)
    return RenderedEmail(text, html)


# Why the training team hears about someone's needs: the heading, and what the person did.
NEEDS_NEWS = {
    "new": ("Access or dietary needs given", "has booked, and told us what they need to take part in,"),
    "changed": ("Access or dietary needs changed", "has changed what they need to take part in"),
    "moved": ("Someone with access or dietary needs has moved", "has moved their place, and needs these things for"),
    "placed": (
        "Someone with access or dietary needs has a place",
        "was on the waiting list and now has a place, and needs these things for",
    ),
    "cancelled": (
        "Someone with access or dietary needs has cancelled",
        "has cancelled their place, so nothing needs arranging for them any more at",
    ),
}


def needs_of(booking: Booking) -> dict:
    """What someone needs, as kept with an email to show what changed."""
    return {
        "access_needs": list(booking.access_needs or []),
        "access_details": booking.access_details,
        "dietary_needs": booking.dietary_needs,
    }


def needs_changed(
    session: Session,
    booking: Booking,
    *,
    reason: str = "changed",
    before: dict | None = None,
    old_date: CourseDate | None = None,
) -> None:
    """Tell the training team's mailbox at once what someone needs to take part: when they book with needs,
    change them (with what they were before), or move to another date. Marked urgent when the course is
    fewer than ACCESS_NEEDS_LEAD_DAYS away.

    Changes made through a booking link send at most one email an hour for a booking, however often they
    come: while one is still to go it says it all (the needs before the first change, and as they are when
    it goes); after one went, the next waits for the hour to pass."""
    config = current_app.config
    if not config["NEEDS_EMAILS"] or not booking.email_checked:
        return
    not_before = None
    if reason == "changed":  # a booking or a move is always told at once
        not_before = _after_the_last_needs_email(session, booking)
        if not_before is False:
            return
    course_date = booking.course_date
    urgent = needs_urgent_today(course_date)
    heading = NEEDS_NEWS[reason][0]
    queue_message(
        session,
        kind="needs_changed",
        to=config["TRAINING_TEAM_EMAIL"],
        subject=f"{'Urgent: ' if urgent else ''}{heading}: {booking.reference}, "
        f"{short_days([day.day for day in course_date.days])}",
        context={
            "course_date_id": booking.course_date_id,
            "reason": reason,
            "urgent": urgent,
            "before": before,
            # A move: what was arranged there is to stand down; and any gap at the new venue, for the team.
            "old_date": f"{day_range(old_date)}, at {old_date.venue.name}, {old_date.venue.town}" if old_date else "",
            "gaps": venue_gaps(course_date.venue, booking.access_needs) if reason != "cancelled" else [],
        },
        booking=booking,
        not_before=not_before,
    )


def _after_the_last_needs_email(session: Session, booking: Booking):
    """When a needs email about this booking may go: None for now, a time an hour after the last one, or False
    when one is still waiting to go (it will show the needs as they are then)."""
    earlier = session.execute(
        sa.select(OutboxMessage.status, OutboxMessage.created_at)
        .where(OutboxMessage.kind == "needs_changed", OutboxMessage.booking_id == booking.id)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    if earlier is None:
        return None
    if earlier.status == OutboxStatus.PENDING:
        return False
    if earlier.created_at > utcnow() - timedelta(hours=1):
        return earlier.created_at + timedelta(hours=1)
    return None


def render_needs_changed(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    records = batch.referenced(message)
    date_url = public_url(f"/admin/dates/{records['course_date'].id}/access")
    starts = starts_in(records["course_date"])
    # Messages queued before the reason was kept say only whether the booking was new.
    reason = message.context.get("reason") or ("new" if message.context.get("new") else "changed")
    heading, news = NEEDS_NEWS.get(reason, NEEDS_NEWS["changed"])
    text, html = render_pair(
        "needs_changed",
        labels=ACCESS_NEEDS_FOR_STAFF,
        date_url=date_url,
        starts_in=starts,
        heading=heading,
        news=news,
        urgent=bool(message.context.get("urgent")),
        before=message.context.get("before"),
        reason=reason,
        old_date=message.context.get("old_date") or "",
        gaps=message.context.get("gaps") or [],
        **records,
    )
    return RenderedEmail(text, html)
