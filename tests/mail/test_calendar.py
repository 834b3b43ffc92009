"""Calendar invites and feeds: valid iCalendar that survives the clocks changing."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrulestr

from app.database import writing
from app.enrolment.bookings import cancel_booking
from app.enrolment.dates import DayTimes, change_date
from app.mail import calendar
from app.models import CourseDay, DateStatus
from tests.factories import booked, details, make_date, make_venue

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)


def invites_for(session, booking, method="REQUEST"):
    """The invites for a booking's stored entries, as the outbox would write them."""
    session.refresh(booking)
    return [
        calendar.entry_invite(
            booking, entry, method=method, sequence=entry.sequence, organiser="team@example.org", now=NOW
        )
        for entry in booking.calendar_entries
    ]


def set_days(session, course_date, *days):
    with writing(session):
        course_date.days.clear()
        session.flush()
        course_date.days.extend(CourseDay(day=d, start_time=s, end_time=e) for d, s, e in days)


def parse(ics):
    return icalendar.Calendar.from_ical(ics)


def test_a_weekly_two_day_course_across_the_clocks_changing_keeps_its_local_times(session):
    course_date = make_date(session, days_from_now=400)
    set_days(
        session,
        course_date,
        (date(2027, 3, 23), time(9, 30), time(16, 30)),
        (date(2027, 3, 30), time(9, 30), time(16, 30)),
    )
    booking = booked(session, course_date.id, details()).booking
    (invite,) = invites_for(session, booking)
    parsed = parse(invite.ics)

    assert str(parsed["METHOD"]) == "REQUEST"
    (event,) = parsed.walk("VEVENT")
    assert event["RRULE"].to_ical() == b"FREQ=DAILY;COUNT=2;INTERVAL=7"
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None and str(event["DTSTART"].params["TZID"]) == "Europe/London"
    occurrences = list(rrulestr(event["RRULE"].to_ical().decode(), dtstart=start))
    assert [o.astimezone(UTC).hour for o in occurrences] == [9, 8]  # GMT, then BST
    assert [o.astimezone(LONDON).time() for o in occurrences] == [time(9, 30), time(9, 30)]

    (timezone,) = parsed.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Europe/London"
    kinds = {component.name for component in timezone.subcomponents}
    assert kinds == {"STANDARD", "DAYLIGHT"}
    assert event["DTSTAMP"].to_ical().endswith(b"Z")


def test_an_invite_names_organiser_attendee_and_location_but_never_the_manage_link(session):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details(full_name='Siân "Sid" O\'Neill', email="sian@example.org"))
    booking = booking.booking
    (invite,) = invites_for(session, booking)
    (event,) = parse(invite.ics).walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:team@example.org"
    assert str(event["ATTENDEE"]) == "mailto:sian@example.org"
    # A double quote would be written ^' (RFC 6868), which Outlook shows as it is.
    assert event["ATTENDEE"].params["CN"] == "Siân 'Sid' O'Neill" and "^'" not in invite.ics
    assert str(event["LOCATION"]) == "Civic Centre, Rickergate, Carlisle, CA3 8QG"
    assert booking.manage_token not in invite.ics.replace("\r\n ", "")
    assert "URL" not in event
    assert "Replying to this invite does not change your booking" in str(event["DESCRIPTION"])
    assert str(event["UID"]) == f"{booking.reference}-e1@training.example.test"


def test_a_cancellation_keeps_the_uid_and_says_cancelled(session):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details()).booking
    (request,) = invites_for(session, booking)
    cancel_booking(session, booking.manage_token)
    (cancel,) = invites_for(session, booking, "CANCEL")
    parsed = parse(cancel.ics)
    (event,) = parsed.walk("VEVENT")
    assert str(parsed["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert cancel.uid == request.uid
    assert int(event["SEQUENCE"]) == 1


def test_days_with_different_hours_become_one_event_each(session):
    course_date = make_date(session)
    first = course_date.first_day
    set_days(session, course_date, (first, time(9, 30), time(16, 30)), (first + timedelta(days=1), time(9), time(12)))
    booking = booked(session, course_date.id, details()).booking
    invites = invites_for(session, booking)
    assert len(invites) == 2
    assert len({invite.uid for invite in invites}) == 2
    for invite in invites:
        (event,) = parse(invite.ics).walk("VEVENT")
        assert "RRULE" not in event


def test_the_dates_feed_publishes_upcoming_published_dates_only(client, session):
    shown = make_date(session)
    hidden = make_date(session, status=DateStatus.DRAFT)
    response = client.get("/dates.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    parsed = parse(response.data)
    assert str(parsed["METHOD"]) == "PUBLISH"
    uids = [str(e["UID"]) for e in parsed.walk("VEVENT")]
    assert uids == [f"date-{shown.id}@training.example.test"]
    assert f"date-{hidden.id}@" not in response.get_data(as_text=True)
    course_feed = client.get(f"/courses/{shown.course.slug}/dates.ics")
    assert [str(e["UID"]) for e in parse(course_feed.data).walk("VEVENT")] == uids


def test_the_feeds_show_free_time_refresh_twice_a_day_and_replace_a_changed_date(client, session):
    course_date = make_date(session)
    (event,) = parse(client.get("/dates.ics").data).walk("VEVENT")
    assert str(event["TRANSP"]) == "TRANSPARENT"  # subscribers do not look busy
    assert int(event["SEQUENCE"]) == 0
    assert str(event["ORGANIZER"]) == "mailto:SignsOfSafety@cumbria.gov.uk"
    text = client.get("/dates.ics").get_data(as_text=True)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT12H\r\n" in text and "X-PUBLISHED-TTL:PT12H\r\n" in text
    first = course_date.first_day
    change_date(session, course_date.id, days=[DayTimes(first, time(10), time(15))], actor=None)
    (changed,) = parse(client.get("/dates.ics").data).walk("VEVENT")
    assert int(changed["SEQUENCE"]) == 1 and str(changed["UID"]) == str(event["UID"])


def test_the_manage_page_offers_the_booking_as_a_calendar_file(client, session):
    course_date = make_date(session)
    booking = booked(session, course_date.id, details()).booking
    change_date(session, course_date.id, venue_id=make_venue(session, town="Kendal").id, actor=None)
    page = client.get(f"/bookings/{booking.manage_token}").get_data(as_text=True)
    assert f"/bookings/{booking.manage_token}/calendar.ics" in page
    response = client.get(f"/bookings/{booking.manage_token}/calendar.ics")
    assert response.status_code == 200
    parsed = parse(response.data)
    assert str(parsed["METHOD"]) == "PUBLISH"
    (event,) = parsed.walk("VEVENT")
    assert str(event["UID"]).startswith(booking.reference)
    assert "ATTENDEE" not in event  # RFC 5546: PUBLISH has no attendees
    assert int(event["SEQUENCE"]) == 1  # the last one sent: the change of venue
    assert "Kendal" in str(event["LOCATION"])
    assert client.get("/bookings/not-a-real-token/calendar.ics").status_code == 404
    cancel_booking(session, booking.manage_token)
    assert client.get(f"/bookings/{booking.manage_token}/calendar.ics").status_code == 404


def test_the_london_time_zone_in_invites_has_yearly_summer_and_winter_rules():
    from datetime import datetime

    from icalendar import Timezone

    from app.mail.calendar import london_timezone

    zone = Timezone.from_ical(london_timezone())
    parts = {part.name: part for part in zone.subcomponents}
    assert set(parts) == {"STANDARD", "DAYLIGHT"}
    assert parts["DAYLIGHT"]["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
    assert parts["STANDARD"]["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"
    tz = zone.to_tz()  # read as a client would, from the rules alone, not from the name
    assert datetime(2027, 7, 14, 9, 30, tzinfo=tz).utcoffset().total_seconds() == 3600
    assert datetime(2027, 1, 12, 9, 30, tzinfo=tz).utcoffset().total_seconds() == 0
    assert datetime(2027, 3, 28, 0, 30, tzinfo=tz).utcoffset().total_seconds() == 0  # before the change at 1am
    assert datetime(2027, 3, 28, 2, 30, tzinfo=tz).utcoffset().total_seconds() == 3600
    assert datetime(2027, 10, 31, 2, 30, tzinfo=tz).utcoffset().total_seconds() == 0
