"""What someone needs to take part: the limits on what they tell us, what a venue lacks of it, and what the
training team records it has done about it (arranged, not possible, or still to arrange)."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import audit
from app.database import utcnow, writing
from app.enrolment.invites import queue_booking_email, render_booking_email, subject_for
from app.enrolment.refusals import CannotChange, DateNotFound, NeedsChanged, NotAllowed
from app.mail.registry import Batch, NoLongerApplies, RenderedEmail
from app.models import ACCESS_NEEDS, Booking, BookingStatus, NeedsStatus, OutboxMessage, StaffUser

# The longest answers kept about someone's needs, and the training team's note on them.
ACCESS_DETAILS_MAX = 1000
DIETARY_NEEDS_MAX = 500
NEEDS_NOTE_MAX = 1000


def check_needs(access_needs: list[str], access_details: str, dietary_needs: str) -> None:
    """Only the access needs we offer, and needs in words no longer than the limits."""
    if any(need not in ACCESS_NEEDS for need in access_needs):
        raise NotAllowed("Choose from the needs shown.")
    if len(access_details.strip()) > ACCESS_DETAILS_MAX:
        raise NotAllowed(f"What you need must be {ACCESS_DETAILS_MAX} characters or fewer.")
    if len(dietary_needs.strip()) > DIETARY_NEEDS_MAX:
        raise NotAllowed(f"Dietary needs must be {DIETARY_NEEDS_MAX} characters or fewer.")


def needs_fingerprint(booking: Booking) -> str:
    """A short digest of someone's needs and the date they are for, to tell whether they changed."""
    parts = [sorted(booking.access_needs or []), booking.access_details, booking.dietary_needs, booking.course_date_id]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def record_needs_outcome(
    session: Session,
    booking_id: int,
    status: NeedsStatus,
    note: str,
    *,
    actor: StaffUser,
    seen: str | None = None,
    now: datetime | None = None,
) -> Booking:
    """The training team says what it has done about someone's needs: arranged, not possible (with a note
    saying why and what was offered), or back to still to arrange. Audited without the note, which may
    say something about the person's health.

    `seen` is the needs_fingerprint of the needs the member of staff was looking at: if the person has
    changed their needs since, nothing is saved, so "arranged" never covers needs nobody read."""
    now = now or utcnow()
    note = note.strip()
    with writing(session):
        query = sa.select(Booking).where(Booking.id == booking_id).with_for_update(of=Booking)
        booking = session.scalars(query).first()
        if booking is None:
            raise DateNotFound("We could not find that booking.")
        if seen is not None and seen != needs_fingerprint(booking):
            raise NeedsChanged("Their needs changed while you were looking. Read them again before you save.")
        if not booking.is_active:
            raise CannotChange("This booking has been cancelled.")
        if not booking.has_needs:
            raise CannotChange("This person has not told us about any access or dietary needs.")
        if status == NeedsStatus.NOT_POSSIBLE and not note:
            raise CannotChange("Say why it is not possible, and what you have offered instead.")
        if len(note) > NEEDS_NOTE_MAX:
            raise CannotChange(f"The note must be {NEEDS_NOTE_MAX} characters or fewer.")
        told_before = (booking.needs_status, booking.needs_note)
        booking.needs_status = status
        booking.needs_note = note
        booking.needs_checked_at = now
        booking.needs_checked_by_id = actor.id
        summary = f"Needs for {booking.reference} marked: {status.label.lower()}"
        audit.record(session, actor, "needs checked", booking, summary)
        if status in TOLD and booking.status == BookingStatus.CONFIRMED and told_before != (status, note):
            queue_booking_email(
                session,
                booking,
                "needs_outcome",
                subject_for(booking.course_date, TOLD[status]),
                dedupe_key=f"needs-outcome:{booking.id}:{now.isoformat()}",
                outcome=status.value,
            )
    return booking


# What the person is told when the team records what it did about their needs: the subject's start.
TOLD = {
    NeedsStatus.ARRANGED: "What you need is arranged",
    NeedsStatus.NOT_POSSIBLE: "We could not arrange everything you asked for",
}


def render_needs_outcome(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    """Skipped if the team's record changed again, or the person no longer has that place, before it went."""
    booking = batch.referenced(message)["booking"]
    context = message.context or {}
    if (
        booking.status != BookingStatus.CONFIRMED
        or booking.course_date_id != context.get("course_date_id")
        or booking.needs_status != context.get("outcome")
    ):
        raise NoLongerApplies("the team's record of their needs changed before this email went")
    return render_booking_email(message, batch)


# What a venue must have for a need someone ticked, how to name it, and how to say that it does not.
VENUE_FOR_NEED = {
    "step_free": ("step_free_access", "step-free access", "no step-free access"),
    "hearing_loop": ("hearing_loop", "a hearing loop", "no hearing loop"),
    "parking": ("parking", "parking", "no parking close to the entrance"),
}


@dataclass(frozen=True)
class VenueFit:
    """How a venue meets what someone asked for: what it lacks ("Kendal Town Hall has no hearing loop"), and
    what it has with a note they should read first ("Kendal Town Hall has step-free access: by the side
    door"). Both empty when it simply has everything, or nothing was asked that a venue provides."""

    gaps: list[str]
    notes: list[str]

    def __bool__(self) -> bool:
        return bool(self.gaps or self.notes)


def venue_fit(venue, needs: list[str]) -> VenueFit:
    gaps, notes = [], []
    for need, (attribute, named, lacking) in VENUE_FOR_NEED.items():
        if need not in (needs or []):
            continue
        has, note = (bool(venue.parking), venue.parking) if attribute == "parking" else venue.facility(attribute)
        if not has:
            gaps.append(f"{venue.name} has {lacking}")
        elif note:
            notes.append(f"{venue.name} has {named}: {note.rstrip('.')}")
    return VenueFit(gaps, notes)


def venue_gaps(venue, needs: list[str]) -> list[str]:
    """What this venue lacks of what the person asked for, in plain words ("Kendal Town Hall has no hearing loop")."""
    return venue_fit(venue, needs).gaps
