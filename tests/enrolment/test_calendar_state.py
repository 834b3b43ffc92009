"""Whatever happens to bookings and dates, each person's calendar ends up holding exactly their place.

A Hypothesis state machine plays random sequences of what people and the training team do, with a
real SMTP server that sometimes turns mail away. After every step the outbox is delivered and each
person's invites are fed, in the order they arrived, into a small calendar that follows the iTIP
rules a calendar client does: a REQUEST creates or replaces the entry with its UID unless its
SEQUENCE is lower; a CANCEL removes it. Its entries are expanded with recurring-ical-events and must
be exactly the days of the person's current confirmed place, at the right times, and nothing else.
"""

from datetime import UTC, datetime, time, timedelta

import icalendar
import pytest
import recurring_ical_events
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from app.core.rules import Refused
from app.enrolment.bookings import cancel_booking, move_booking
from app.enrolment.dates import DayTimes, cancel_date, change_date, set_capacity
from app.extensions import db
from app.mail.calendar import london_timezone
from app.mail.outbox import send_due
from app.models import Booking, BookingStatus, CourseDate, DateStatus, OutboxMessage, OutboxStatus
from tests.conftest import empty_tables
from tests.factories import booked, details, make_course, make_date, make_venue
from tests.mail_server import MailServer, calendar_part

PEOPLE = ["ash@example.org", "bo@example.org", "cai@example.org", "dee@example.org"]
WINDOW = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC))


class Calendar:
    """One person's calendar, changed only by the invites they receive."""

    def __init__(self):
        self.events: dict[str, icalendar.Event] = {}

    def receive(self, ics: str) -> None:
        parsed = icalendar.Calendar.from_ical(ics)
        method = str(parsed["METHOD"])
        (event,) = parsed.walk("VEVENT")  # one entry per email, for Outlook
        uid, sequence = str(event["UID"]), int(event.get("SEQUENCE", 0))
        held = self.events.get(uid)
        if held is not None and sequence < int(held.get("SEQUENCE", 0)):
            return  # an older version: clients ignore it
        if method == "CANCEL":
            self.events.pop(uid, None)
        elif method == "REQUEST":
            self.events[uid] = event
        else:
            raise AssertionError(f"an invite email with METHOD:{method}")

    def days(self) -> list[tuple[datetime, datetime]]:
        """Every occurrence the calendar shows, as UTC start and end."""
        whole = icalendar.Calendar.from_ical(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n" + london_timezone() + "END:VCALENDAR\r\n"
        )
        for event in self.events.values():
            whole.add_component(event)
        shown = recurring_ical_events.of(whole).between(*WINDOW)
        return sorted((e.decoded("DTSTART").astimezone(UTC), e.decoded("DTEND").astimezone(UTC)) for e in shown)


class Calendars(RuleBasedStateMachine):
    app = None
    server: MailServer = None

    @initialize()
    def set_up(self):
        empty_tables(self.app)
        self.context = self.app.app_context()
        self.context.push()
        self.session = db.session
        self.server.messages.clear()
        self.server.inbox.refusing = False
        self.calendars = {person: Calendar() for person in PEOPLE}
        course = make_course(self.session)
        self.venues = [make_venue(self.session, town="Carlisle"), make_venue(self.session, town="Kendal")]
        self.date_ids = [
            make_date(self.session, course=course, venue=self.venues[0], capacity=2, days_from_now=days).id
            for days in (30, 40, 215)  # the last one is after the clocks change
        ]
        self.clock = datetime.now(UTC)

    def teardown(self):
        if getattr(self, "context", None) is not None:
            self.session.remove()
            self.context.pop()

    # What people do.

    @rule(person=st.sampled_from(PEOPLE), which=st.integers(0, 2))
    def book(self, person, which):
        try:
            booked(self.session, self.date_ids[which], details(email=person))
        except Refused:
            self.session.rollback()

    def booking_of(self, person) -> Booking | None:
        self.session.rollback()
        return self.session.scalar(
            sa.select(Booking).where(Booking.email == person, Booking.status != BookingStatus.CANCELLED)
        )

    @rule(person=st.sampled_from(PEOPLE))
    def cancel(self, person):
        booking = self.booking_of(person)
        if booking is not None:
            cancel_booking(self.session, booking.manage_token)

    @rule(person=st.sampled_from(PEOPLE), which=st.integers(0, 2))
    def move(self, person, which):
        booking = self.booking_of(person)
        if booking is not None:
            try:
                move_booking(self.session, booking.manage_token, self.date_ids[which])
            except Refused:
                self.session.rollback()

    # What the training team does.

    def days_of(self, which) -> list[DayTimes]:
        self.session.rollback()
        course_date = self.session.get(CourseDate, self.date_ids[which])
        return [DayTimes(d.day, d.start_time, d.end_time) for d in course_date.days]

    def change(self, which, **changes):
        try:
            change_date(self.session, self.date_ids[which], actor=None, **changes)
        except Refused:
            self.session.rollback()

    @rule(which=st.integers(0, 2), day=st.integers(0, 2), start=st.integers(8, 11), end=st.integers(13, 17))
    def change_hours(self, which, day, start, end):
        days = self.days_of(which)
        if day < len(days):
            days[day] = DayTimes(days[day].day, time(start, 30 if start == 9 else 0), time(end))
            self.change(which, days=days)

    @rule(which=st.integers(0, 2), gap=st.integers(1, 7))
    def add_day(self, which, gap):
        days = self.days_of(which)
        if len(days) < 4:
            last = days[-1]
            self.change(which, days=[*days, DayTimes(last.day + timedelta(days=gap), last.start_time, last.end_time)])

    @rule(which=st.integers(0, 2))
    def remove_day(self, which):
        days = self.days_of(which)
        if len(days) > 1:
            self.change(which, days=days[:-1])

    @rule(which=st.integers(0, 2), venue=st.integers(0, 1))
    def change_venue(self, which, venue):
        self.change(which, venue_id=self.venues[venue].id)

    @rule(which=st.integers(0, 2), capacity=st.integers(0, 3))
    def change_capacity(self, which, capacity):
        try:
            set_capacity(self.session, self.date_ids[which], capacity, actor=None)
        except Refused:
            self.session.rollback()

    @rule(which=st.integers(0, 2))
    def cancel_the_date(self, which):
        try:
            cancel_date(self.session, self.date_ids[which], "The trainer is ill.", actor=None)
        except Refused:
            self.session.rollback()

    @rule(which=st.integers(0, 2), to=st.integers(0, 2))
    def cancel_the_date_moving_everyone(self, which, to):
        try:
            cancel_date(self.session, self.date_ids[which], "Too few booked.", move_to=self.date_ids[to], actor=None)
        except Refused:
            self.session.rollback()

    # The mail server and the worker.

    @rule()
    def mail_server_turns_mail_away(self):
        self.server.inbox.refusing = True

    @rule()
    def mail_server_takes_mail_again(self):
        self.server.inbox.refusing = False

    @precondition(lambda self: self.server.inbox.refusing)
    @rule()
    def the_worker_tries_and_fails(self):
        self.deliver(passes=1)

    def deliver(self, passes: int = 10):
        """Run the worker until nothing is due, an hour apart so that retries come due. One message a
        batch, so messages go in the order they fall due: a retried one after newer ones, as happens
        when a slow server shrinks the worker's batches."""
        for _ in range(passes):
            self.clock += timedelta(hours=1)
            report = send_due(self.session, now=self.clock, batch_size=1)
            if not (report.sent or report.skipped or report.retrying or report.failed):
                break
        for message in self.server.messages:
            part = calendar_part(message)
            if part is not None:
                self.calendars[message["To"]].receive(part.get_content())
        self.server.messages.clear()

    @invariant()
    def each_calendar_holds_exactly_the_current_place(self):
        if self.server.inbox.refusing:
            return  # mail waits in the outbox; the check comes when the server takes it again
        self.deliver()
        self.session.rollback()
        assert not self.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.FAILED)
        )
        for person in PEOPLE:
            booking = self.booking_of(person)
            expected = []
            if (
                booking is not None
                and booking.status == BookingStatus.CONFIRMED
                and booking.course_date.status == DateStatus.PUBLISHED
            ):
                expected = sorted(
                    (day.starts_at.astimezone(UTC), day.ends_at.astimezone(UTC)) for day in booking.course_date.days
                )
            assert self.calendars[person].days() == expected, person


@pytest.fixture
def refusing_mail_server(app):
    server = MailServer().start()
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_MAX_ATTEMPTS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_MAX_ATTEMPTS=100)
    yield server
    server.stop()
    app.config.update(saved)


def test_every_calendar_holds_exactly_the_place_whatever_happens(app, refusing_mail_server):
    Calendars.app, Calendars.server = app, refusing_mail_server
    machine = Calendars.TestCase
    machine.settings = settings(
        max_examples=50,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    machine().runTest()


def test_a_change_retried_after_the_booking_was_cancelled_does_not_bring_the_entry_back(app, refusing_mail_server):
    """Point 3 of the calendar issue, step by step: the mail server turns the change away, the person
    cancels, and when mail flows again the cancellation goes first and the retried invite must not."""
    Calendars.app, Calendars.server = app, refusing_mail_server
    machine = Calendars()
    try:
        machine.set_up()
        machine.book(PEOPLE[0], 0)
        machine.each_calendar_holds_exactly_the_current_place()
        machine.mail_server_turns_mail_away()
        machine.change_hours(0, 0, 10, 15)
        machine.the_worker_tries_and_fails()
        machine.cancel(PEOPLE[0])
        machine.mail_server_takes_mail_again()
        machine.each_calendar_holds_exactly_the_current_place()
    finally:
        machine.teardown()
