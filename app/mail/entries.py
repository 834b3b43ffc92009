"""The calendar entries each person's calendar should hold, kept in step with their place.

`sync` is the one path every change takes (booking, waiting list place, cancelling, moving, the
training team changing or cancelling a date): it works out the entries the calendar should now
hold from the booking and its date, compares them with the stored ones, updates the rows, and
returns the changes to send, in order. The caller queues one email per change in the same
transaction, so the stored state and the emails that bring calendars to it commit together.

The entries a place wants: none unless the place is confirmed on a published date. Otherwise one
entry with a daily repeat when the days share their hours and are evenly spaced, else one per day.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.orm import Session

from app.models import (
    LONDON,
    Approval,
    Booking,
    BookingStatus,
    CalendarEntry,
    CourseDate,
    DateStatus,
    EntryStatus,
    SiteSetting,
)

REQUEST, CANCEL = "REQUEST", "CANCEL"
UID_DOMAIN_SETTING = "calendar_uid_domain"


@dataclass(frozen=True)
class Wanted:
    """An entry the calendar should hold: which part of the date, its days, what and where."""

    part: str
    days: list[dict]
    summary: str
    location: str


@dataclass(frozen=True)
class Change:
    """One calendar email to send: this entry, with this method and SEQUENCE, covering these days."""

    entry_id: int
    method: str
    sequence: int
    days: list[dict]

    def as_context(self) -> dict:
        return {"entry_id": self.entry_id, "method": self.method, "sequence": self.sequence, "days": self.days}


def day_groups(course_date: CourseDate) -> list[list]:
    """The days as calendar entries: all together when they can share a daily repeat, else one each."""
    days = list(course_date.days)
    if len(days) < 2:
        return [days] if days else []
    same_hours = all((d.start_time, d.end_time) == (days[0].start_time, days[0].end_time) for d in days)
    gaps = {(later.day - earlier.day).days for earlier, later in zip(days, days[1:], strict=False)}
    if same_hours and len(gaps) == 1:
        return [days]
    return [[day] for day in days]


def snapshot(day) -> dict:
    return {
        "day": day.day.isoformat(),
        "start": day.start_time.strftime("%H:%M"),
        "end": day.end_time.strftime("%H:%M"),
    }


def wanted_entries(booking: Booking) -> list[Wanted]:
    """What the person's calendar should hold for this booking now."""
    course_date = booking.course_date
    if booking.status != BookingStatus.CONFIRMED or course_date.status != DateStatus.PUBLISHED:
        return []
    if booking.approval == Approval.WAITING:  # not theirs until their manager agrees
        return []
    groups = day_groups(course_date)
    return [
        Wanted(
            part="all" if len(groups) == 1 else f"day{number}",
            days=[snapshot(day) for day in days],
            summary=course_date.course.title,
            location=course_date.venue.full_address,
        )
        for number, days in enumerate(groups, start=1)
    ]


def uid_domain(session: Session) -> str:
    """The domain that ends every UID: CALENDAR_UID_DOMAIN, else the one fixed when the service was set
    up (from BASE_URL then), so a later change of address keeps existing entries linked."""
    configured = current_app.config.get("CALENDAR_UID_DOMAIN")
    if configured:
        return configured
    known = current_app.extensions.get(UID_DOMAIN_SETTING)
    if known is None:
        stored = session.get(SiteSetting, UID_DOMAIN_SETTING)
        if stored is None:
            return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
        known = current_app.extensions[UID_DOMAIN_SETTING] = stored.value  # fixed for good: read it once
    return known


def sync(session: Session, booking: Booking) -> list[Change]:
    """Bring the stored entries to what the booking wants now, and return the emails that do it.

    Call inside the change's `writing` transaction, after the booking and its date are changed. New
    and changed entries come first (in day order), then cancellations, so the main email of a change
    carries its first invite. A moved booking's old entries are cancelled: they belong to the old date."""
    date_id = booking.course_date.id
    wanted = {f"{want.part}@{date_id}": want for want in wanted_entries(booking)}
    held = {f"{entry.part}@{entry.course_date_id}": entry for entry in booking.calendar_entries if entry.is_active}
    requests: list[CalendarEntry] = []
    for key, want in wanted.items():
        entry = held.get(key)
        if entry is None:
            entry = CalendarEntry(
                course_date_id=date_id,
                part=want.part,
                uid=f"{booking.reference}-e{len(booking.calendar_entries) + 1}@{uid_domain(session)}",
                sequence=0,
                status=EntryStatus.ACTIVE,
                days=want.days,
                summary=want.summary,
                location=want.location,
            )
            booking.calendar_entries.append(entry)
        elif (entry.days, entry.summary, entry.location) != (want.days, want.summary, want.location):
            entry.sequence += 1
            entry.days, entry.summary, entry.location = want.days, want.summary, want.location
        else:
            continue
        requests.append(entry)
    cancels = [entry for key, entry in held.items() if key not in wanted]
    for entry in cancels:
        entry.sequence += 1
        entry.status = EntryStatus.CANCELLED
    if not (requests or cancels):
        return []
    session.flush()  # one flush gives every new entry its id
    return [Change(e.id, REQUEST, e.sequence, e.days) for e in requests] + [
        Change(e.id, CANCEL, e.sequence, e.days) for e in cancels
    ]


def starts(day: dict) -> datetime:
    return datetime.combine(date.fromisoformat(day["day"]), time.fromisoformat(day["start"]), tzinfo=LONDON)


def ends(day: dict) -> datetime:
    return datetime.combine(date.fromisoformat(day["day"]), time.fromisoformat(day["end"]), tzinfo=LONDON)
