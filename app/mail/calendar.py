"""Calendar invites and feeds (RFC 5545 and 5546), built from the models as pure functions.

Outlook reads only the first VEVENT of an invite email, so each invite carries one VEVENT.
A course whose days share their hours and are evenly spaced is one VEVENT with an RRULE
(FREQ=DAILY;INTERVAL=n;COUNT=days). Days with different hours get one invite per day, each
with its own UID. UIDs are stable and SEQUENCE rises with every change, so updates replace
the calendar entry and cancellations remove it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vText

from app.models import Booking, CourseDate, CourseDay

PRODID = "-//Cumbria Safeguarding Children Partnership//Signs of Safety training//EN"
REQUEST, CANCEL, PUBLISH = "REQUEST", "CANCEL", "PUBLISH"


@dataclass(frozen=True)
class Invite:
    """One calendar object: its UID and the .ics text."""

    uid: str
    ics: str


def day_groups(course_date: CourseDate) -> list[list[CourseDay]]:
    """The days as calendar events: all together when they can share an RRULE, else one each."""
    days = list(course_date.days)
    if len(days) < 2:
        return [days]
    same_hours = all((d.start_time, d.end_time) == (days[0].start_time, days[0].end_time) for d in days)
    gaps = {(later.day - earlier.day).days for earlier, later in zip(days, days[1:], strict=False)}
    if same_hours and len(gaps) == 1:
        return [days]
    return [[day] for day in days]


def _new_calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _event(
    course_date: CourseDate, days: list[CourseDay], *, uid: str, sequence: int, now: datetime, description: str
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("summary", course_date.course.title)
    event.add("dtstart", days[0].starts_at)
    event.add("dtend", days[0].ends_at)
    if len(days) > 1:
        interval = (days[1].day - days[0].day).days
        event.add("rrule", {"freq": "daily", "interval": interval, "count": len(days)})
    event.add("location", course_date.venue.full_address)
    event.add("description", description)
    event.add("transp", "OPAQUE")
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


def _finish(calendar: Calendar, course_dates: list[CourseDate]) -> str:
    """The calendar's text, with the London time zone ahead of its first event (written once, not per invite)."""
    text = calendar.to_ical().decode("utf-8")
    if not any(course_date.days for course_date in course_dates):
        return text
    return text.replace("BEGIN:VEVENT\r\n", london_timezone() + "BEGIN:VEVENT\r\n", 1)


def _booking_events(
    booking: Booking,
    course_date: CourseDate,
    *,
    cancelled: bool,
    sequence: int,
    organiser: str,
    manage_url: str,
    uid_domain: str,
    now: datetime,
) -> list[Event]:
    """The calendar events for one person's place on a date."""
    groups = day_groups(course_date)
    events = []
    for number, days in enumerate(groups, start=1):
        suffix = "" if len(groups) == 1 else f"-day{number}"
        event = _event(
            course_date,
            days,
            uid=f"{booking.reference}-{course_date.id}{suffix}@{uid_domain}",
            sequence=sequence,
            now=now,
            description=booking_description(booking, course_date, manage_url),
        )
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("url", manage_url)
        organiser_address = vCalAddress(f"mailto:{organiser}")
        organiser_address.params["cn"] = vText("Signs of Safety training team")
        event.add("organizer", organiser_address)
        attendee = vCalAddress(f"mailto:{booking.email}")
        attendee.params["cn"] = vText(booking.full_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("ACCEPTED")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee, encode=0)
        events.append(event)
    return events


def booking_invites(booking: Booking, course_date: CourseDate, *, method: str, **details) -> list[Invite]:
    """Invites (REQUEST) or cancellations (CANCEL) for a place: one VEVENT per invite, for Outlook."""
    invites = []
    for event in _booking_events(booking, course_date, cancelled=method == CANCEL, **details):
        calendar = _new_calendar(method)
        calendar.add_component(event)
        invites.append(Invite(uid=str(event["uid"]), ics=_finish(calendar, [course_date])))
    return invites


def booking_download(booking: Booking, course_date: CourseDate, **details) -> str:
    """An .ics file of a place to add to a calendar by hand (METHOD:PUBLISH)."""
    calendar = _new_calendar(PUBLISH)
    for event in _booking_events(booking, course_date, cancelled=False, **details):
        calendar.add_component(event)
    return _finish(calendar, [course_date])


def booking_description(booking: Booking, course_date: CourseDate, manage_url: str) -> str:
    """The essentials, for the calendar entry's notes."""
    lines = [
        f"{course_date.course.title}: you need to come to every day.",
        f"Your reference: {booking.reference}",
        f"Where: {course_date.venue.full_address}",
        f"See, move or cancel your booking: {manage_url}",
    ]
    return "\n".join(lines)


def dates_feed(course_dates: list[CourseDate], *, name: str, base_url: str, uid_domain: str, now: datetime) -> str:
    """A subscribable calendar (METHOD:PUBLISH) of published dates."""
    calendar = _new_calendar(PUBLISH)
    calendar.add("x-wr-calname", name)
    for course_date in course_dates:
        groups = day_groups(course_date)
        for number, days in enumerate(groups, start=1):
            suffix = "" if len(groups) == 1 else f"-day{number}"
            page = f"{base_url}/dates/{course_date.id}"
            event = _event(
                course_date,
                days,
                uid=f"date-{course_date.id}{suffix}@{uid_domain}",
                sequence=0,
                now=now,
                description=f"{course_date.course.title}. Book a place: {page}",
            )
            event.add("url", page)
            event.add("status", "CONFIRMED")
            event.add("last-modified", course_date.updated_at)
            calendar.add_component(event)
    return _finish(calendar, course_dates)
