"""Calendar invites and feeds (RFC 5545 and 5546), built as pure functions.

Outlook reads only the first VEVENT of an invite email, so each invite carries one VEVENT: one stored
calendar entry (app.mail.entries). An entry whose days share their hours and are evenly spaced is one
VEVENT with an RRULE (FREQ=DAILY;INTERVAL=n;COUNT=days); otherwise each day is an entry of its own.
UIDs are stable and SEQUENCE rises with every change, so updates replace the entry and cancellations
remove it. The manage link is never in an invite: delegates and shared calendars can read them.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vDuration, vText

from app.mail.entries import CANCEL, day_groups, ends, snapshot, starts
from app.models import Booking, CalendarEntry, CourseDate

PRODID = "-//Cumbria Safeguarding Children Partnership//Signs of Safety training//EN"
PUBLISH = "PUBLISH"
ORGANISER_NAME = "Signs of Safety training team"
# How often subscribed calendars should fetch a feed again.
FEED_REFRESH = timedelta(hours=12)


@dataclass(frozen=True)
class Invite:
    """One calendar object: its UID and the .ics text."""

    uid: str
    ics: str


def _new_calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _param_text(value: str) -> vText:
    """A name for a CN parameter. icalendar writes a double quote as ^' (RFC 6868), which Outlook shows
    as it is, so a double quote becomes a single one."""
    return vText(value.replace('"', "'"))


def _organiser(email: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = _param_text(ORGANISER_NAME)
    return address


def _event(*, uid: str, sequence: int, days: list[dict], summary: str, location: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("summary", summary)
    event.add("dtstart", starts(days[0]))
    event.add("dtend", ends(days[0]))
    if len(days) > 1:
        interval = (date.fromisoformat(days[1]["day"]) - date.fromisoformat(days[0]["day"])).days
        event.add("rrule", {"freq": "daily", "interval": interval, "count": len(days)})
    event.add("location", location)
    return event


@cache
def london_timezone() -> str:
    """Europe/London as one VTIMEZONE with its yearly rules, written once.

    The clocks go forward at 1am UTC on the last Sunday in March and back on the last Sunday in October.
    Outlook reads a zone with both parts and yearly rules reliably; one cut to a few dates, with only
    the part in force or with one-off changes, it can read as an hour out.
    """
    zone = Timezone()
    zone.add("tzid", "Europe/London")
    summer = TimezoneDaylight()
    summer.add("tzname", "BST")
    summer.add("tzoffsetfrom", timedelta(hours=0))
    summer.add("tzoffsetto", timedelta(hours=1))
    summer.add("dtstart", datetime(1970, 3, 29, 1, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1SU"})
    winter = TimezoneStandard()
    winter.add("tzname", "GMT")
    winter.add("tzoffsetfrom", timedelta(hours=1))
    winter.add("tzoffsetto", timedelta(hours=0))
    winter.add("dtstart", datetime(1970, 10, 25, 2, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1SU"})
    zone.add_component(summer)
    zone.add_component(winter)
    return zone.to_ical().decode("utf-8")


def _finish(calendar: Calendar) -> str:
    """The calendar's text, with the London time zone ahead of its first event (written once, not per invite)."""
    text = calendar.to_ical().decode("utf-8")
    return text.replace("BEGIN:VEVENT\r\n", london_timezone() + "BEGIN:VEVENT\r\n", 1)


def booking_description(booking: Booking, entry: CalendarEntry) -> str:
    """The essentials, for the entry's notes. No manage link: the email carries it."""
    return "\n".join(
        [
            f"{entry.summary}. Please come for the whole of every day.",
            f"Your reference: {booking.reference}",
            f"Where: {entry.location}",
            "Replying to this invite does not change your booking. To cancel or move it, use the link in "
            "your booking email.",
        ]
    )


def _entry_event(
    booking: Booking, entry: CalendarEntry, *, sequence: int, cancelled: bool, organiser: str, now: datetime
) -> Event:
    event = _event(
        uid=entry.uid, sequence=sequence, days=entry.days, summary=entry.summary, location=entry.location, now=now
    )
    event.add("description", booking_description(booking, entry))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _organiser(organiser))
    return event


def entry_invite(
    booking: Booking, entry: CalendarEntry, *, method: str, sequence: int, organiser: str, now: datetime
) -> Invite:
    """The REQUEST or CANCEL for one stored entry, with the person as the only attendee."""
    event = _entry_event(booking, entry, sequence=sequence, cancelled=method == CANCEL, organiser=organiser, now=now)
    attendee = vCalAddress(f"mailto:{booking.email}")
    attendee.params["cn"] = _param_text(booking.full_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee, encode=0)
    calendar = _new_calendar(method)
    calendar.add_component(event)
    return Invite(uid=entry.uid, ics=_finish(calendar))


def booking_download(booking: Booking, entries: list[CalendarEntry], *, organiser: str, now: datetime) -> str:
    """An .ics file of a place's entries to add to a calendar by hand (METHOD:PUBLISH, so no ATTENDEE),
    each with the last SEQUENCE sent."""
    calendar = _new_calendar(PUBLISH)
    for entry in entries:
        calendar.add_component(
            _entry_event(booking, entry, sequence=entry.sequence, cancelled=False, organiser=organiser, now=now)
        )
    return _finish(calendar)


def dates_feed(
    course_dates: list[CourseDate], *, name: str, base_url: str, uid_domain: str, organiser: str, now: datetime
) -> str:
    """A subscribable calendar (METHOD:PUBLISH) of published dates. They show as free time: people
    subscribe to see what is on, not because they are going."""
    calendar = _new_calendar(PUBLISH)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
    for course_date in course_dates:
        groups = day_groups(course_date)
        for number, days in enumerate(groups, start=1):
            suffix = "" if len(groups) == 1 else f"-day{number}"
            page = f"{base_url}/dates/{course_date.id}"
            event = _event(
                uid=f"date-{course_date.id}{suffix}@{uid_domain}",
                sequence=course_date.feed_sequence,
                days=[snapshot(day) for day in days],
                summary=course_date.course.title,
                location=course_date.venue.full_address,
                now=now,
            )
            event.add("description", f"{course_date.course.title}. Book a place: {page}")
            event.add("url", page)
            event.add("status", "CONFIRMED")
            event.add("transp", "TRANSPARENT")
            event.add("organizer", _organiser(organiser))
            event.add("last-modified", course_date.updated_at)
            calendar.add_component(event)
    return _finish(calendar)
