"""Personal data is kept no longer than needed; counts for reports stay."""

import logging
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from app.database import writing
from app.enrolment.bookings import booking_by_token
from app.enrolment.dates import publish_date
from app.mail.outbox import send_due
from app.models import Attendance, Booking, BookingStatus, CouncilArea, DateStatus, Interest, OutboxMessage, Sector
from app.personal_data.retention import months_before, purge
from tests.factories import booked, details, interested, make_course, make_date


def booked_long_ago(session, *, days_ago: int, **person):
    """A date that ended `days_ago` days ago, with one confirmed booking made before it."""
    course_date = make_date(session, days_from_now=40)
    booking = booked(session, course_date.id, details(**person)).booking
    with writing(session):
        for day in course_date.days:
            day.day -= timedelta(days=41 + days_ago)
    return booking


def test_needs_go_a_month_after_the_course_and_the_rest_stays(session):
    old = booked_long_ago(
        session, days_ago=31, access_needs=["hearing_loop"], access_details="I lip-read", dietary_needs="Halal"
    )
    recent = booked_long_ago(session, days_ago=10, access_details="Step-free please")
    report = purge(session, datetime.now(UTC), access_needs_days=30, anonymise_months=24)
    assert report.needs_removed == 1
    session.rollback()
    old, recent = session.get(Booking, old.id), session.get(Booking, recent.id)
    assert (old.access_needs, old.access_details, old.dietary_needs) == ([], "", "")
    assert old.full_name.startswith("Person") and old.email.endswith("@example.org")
    assert recent.access_details == "Step-free please"
    assert purge(session, datetime.now(UTC), access_needs_days=30, anonymise_months=24).needs_removed == 0


def test_bookings_are_anonymised_after_two_years_keeping_what_reports_count(session, mail_server):
    booking = booked_long_ago(
        session, days_ago=800, full_name="Siân Evans", sector=Sector.SCHOOLS, council_area=CouncilArea.CUMBERLAND
    )
    token, reference = booking.manage_token, booking.reference
    with writing(session):
        session.add(Attendance(booking_id=booking.id, course_day_id=booking.course_date.days[0].id, mark="attended"))
    send_due(session)  # the confirmation email went out back then
    report = purge(session, datetime.now(UTC), access_needs_days=30, anonymise_months=24)
    assert report.anonymised == 1 and report.emails_removed == 1
    session.rollback()
    kept = session.get(Booking, booking.id)
    assert kept.full_name == "Removed" and "Siân" not in kept.email and kept.phone == ""
    assert kept.manager_name == "" and kept.organisation == ""
    assert (kept.reference, kept.status, kept.sector, kept.council_area) == (
        reference,
        BookingStatus.CONFIRMED,
        Sector.SCHOOLS,
        CouncilArea.CUMBERLAND,
    )
    assert session.scalar(sa.select(Attendance.mark)) == "attended"
    assert booking_by_token(session, token) is None  # the old manage link no longer works
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    assert purge(session, datetime.now(UTC), access_needs_days=30, anonymise_months=24).anonymised == 0


def test_people_told_about_new_dates_long_ago_are_forgotten(session):
    course = make_course(session)
    interested(session, course.id, "Lee", "lee@example.org")
    publish_date(session, make_date(session, course=course, status=DateStatus.DRAFT).id, actor=None)
    later = datetime.now(UTC) + timedelta(days=800)
    purge(session, later, access_needs_days=30, anonymise_months=24)
    assert session.scalar(sa.select(sa.func.count(Interest.id))) == 0


def test_the_purge_command_reports_what_it_did(runner, session):
    booked_long_ago(session, days_ago=40, dietary_needs="Vegan")
    result = runner.invoke(args=["data", "purge"])
    assert result.exit_code == 0
    assert "removed from 1 bookings" in result.output


def test_months_before_handles_short_months():
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 11, 29), 24) == date(2024, 11, 29)


def test_watched_records_are_anonymised_after_two_years_keeping_the_counts(session):
    from app.models import WatchedRecord
    from tests.factories import make_briefing

    briefing = make_briefing(session)
    record = WatchedRecord(
        briefing_id=briefing.id,
        full_name="Zoë Armstrong",
        email="zoe@example.org",
        organisation="Keswick School",
        sector=Sector.SCHOOLS,
        council_area=CouncilArea.CUMBERLAND,
    )
    with writing(session):
        session.add(record)
    purge(session, datetime.now(UTC), access_needs_days=30, anonymise_months=24)
    session.rollback()
    assert session.get(WatchedRecord, record.id).full_name == "Zoë Armstrong"  # too recent
    purge(session, datetime.now(UTC) + timedelta(days=800), access_needs_days=30, anonymise_months=24)
    session.rollback()
    kept = session.get(WatchedRecord, record.id)
    assert (kept.full_name, kept.email, kept.organisation) == ("Removed", "removed@removed.invalid", "")
    assert (kept.sector, kept.council_area) == (Sector.SCHOOLS, CouncilArea.CUMBERLAND)


def test_the_purge_removes_waiting_emails_about_anonymised_bookings_too(session):
    booking = booked_long_ago(session, days_ago=800, full_name="Siân Evans")  # its confirmation never went
    assert session.scalar(sa.select(OutboxMessage.status).where(OutboxMessage.booking_id == booking.id)) == "pending"
    purge(session, datetime.now(UTC), access_needs_days=30, anonymise_months=24)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_people_who_asked_about_new_dates_are_forgotten_after_a_year_even_if_never_told(session):
    course = make_course(session)
    interested(session, course.id, "Lee", "lee@example.org")
    purge(session, datetime.now(UTC) + timedelta(days=300), access_needs_days=30, anonymise_months=24)
    assert session.scalar(sa.select(sa.func.count(Interest.id))) == 1
    purge(session, datetime.now(UTC) + timedelta(days=370), access_needs_days=30, anonymise_months=24)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Interest.id))) == 0
    # Their address leaves the outbox with them: the email that confirmed the request went too.
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_a_request_nobody_confirms_is_forgotten_after_a_week_with_its_email(session):
    from app.enrolment.interest import register_interest

    course = make_course(session)
    register_interest(session, course.id, "Someone", "someone@example.org")
    purge(session, datetime.now(UTC) + timedelta(days=6), access_needs_days=30, anonymise_months=24)
    assert session.scalar(sa.select(sa.func.count(Interest.id))) == 1
    purge(session, datetime.now(UTC) + timedelta(days=8), access_needs_days=30, anonymise_months=24)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Interest.id))) == 0
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_the_email_workers_log_names_message_ids_not_addresses(app, session, caplog):
    booked(session, make_date(session).id, details(email="private.person@example.org"))
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_TIMEOUT=1)  # nothing listens on port 9
    try:
        with caplog.at_level(logging.INFO):
            send_due(session)
    finally:
        app.config.update(saved)
    assert "will be retried" in caplog.text
    assert "private.person@example.org" not in caplog.text and "/bookings/" not in caplog.text
