"""No page read by GET changes anything: every GET route, walked as a person with their booking link and as
a member of staff, leaves every table as it was. Certificates, which downloads once issued, are issued
only by the feedback path and the email worker."""

import re

import pytest
import sqlalchemy as sa
from werkzeug.routing import AnyConverter

from app.after_course.certificates import certificates_job
from app.after_course.feedback import FeedbackAnswers, save_feedback
from app.after_course.register import mark_attendance
from app.briefings.service import WatchedDetails, record_watched
from app.core import audit
from app.database import utcnow
from app.enrolment.bookings import book_place
from app.extensions import db
from app.models import AttendanceMark, AuditEvent, Certificate, CouncilArea, Sector
from tests.factories import begin_course, booked, details, make_briefing, make_date, make_staff, sign_in

ANSWERS = FeedbackAnswers("The scaling questions.", "", "", 3, 8, False, False)


def every_row(engine) -> dict[str, list[tuple]]:
    """Each table's rows, in a connection of their own so that nothing the requests did is missed."""
    with engine.connect() as connection:
        return {
            table.name: sorted(connection.execute(sa.select(table)).all(), key=repr)
            for table in db.metadata.sorted_tables
        }


@pytest.fixture
def world(app, session, monkeypatch):
    """A course that finished yesterday: Ana came to both days and has no certificate yet (the worker would
    issue it with the feedback request), Ben gave feedback and has his. A date to come with Cy on it."""
    monkeypatch.setitem(app.config, "CERTIFICATE_AFTER_FEEDBACK", False)
    finished = make_date(session)
    ana = booked(session, finished.id, details(full_name="Ana Came")).booking
    ben = booked(session, finished.id, details(full_name="Ben Answered")).booking
    begin_course(session, finished, days_ago=2)
    admin = make_staff(session)
    for day in finished.days:
        mark_attendance(
            session, day.id, {ana.id: AttendanceMark.ATTENDED, ben.id: AttendanceMark.ATTENDED}, actor=admin
        )
    save_feedback(session, ben.id, ANSWERS)
    upcoming = make_date(session, course=finished.course)
    cy = booked(session, upcoming.id, details(full_name="Cy Coming")).booking
    hal = book_place(session, upcoming.id, details(full_name="Hal Held")).booking  # not confirmed yet
    briefing = make_briefing(session, files=("webm", "captions", "transcript"))
    watched, _created = record_watched(
        session,
        briefing,
        WatchedDetails("Wyn Watched", "wyn@example.org", "Health", Sector.HEALTH, CouncilArea.CUMBERLAND),
    )
    session.rollback()
    return {
        "finished": (finished, ana),
        "upcoming": (upcoming, cy),
        "held": (upcoming, hal),
        "briefing": briefing,
        "reference": session.scalar(sa.select(Certificate.reference)),
        "admin": admin,
        "watched": watched,
    }


def get_routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            yield rule


def path_for(rule, world: dict, which: str) -> str:
    course_date, booking = world[which]
    briefing = world["briefing"]
    values = {
        "date_id": course_date.id,
        "day_id": course_date.days[0].id,
        "booking_id": booking.id,
        "token": booking.manage_token,
        "course_id": course_date.course_id,
        "venue_id": course_date.venue_id,
        "briefing_id": briefing.id,
        "reference": world["reference"],
        "slot": "captions",
        "user_id": world["admin"].id,
        "record_id": world["watched"].id,
    }
    for name, converter in rule._converters.items():
        if name == "slug":
            values[name] = briefing.slug if rule.endpoint.startswith("briefings") else course_date.course.slug
        elif name == "name":
            values[name] = briefing.files[0].stored_name if rule.endpoint.startswith("briefings") else "summary"
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
    return re.sub(r"<(?:[^>:]+:)?([^>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


@pytest.mark.parametrize("which", ["finished", "upcoming", "held"])
def test_no_get_route_changes_any_table_for_a_person_or_for_staff(app, client, world, which):
    staff = app.test_client()
    sign_in(staff, world["admin"])
    before = every_row(db.engine)
    walked = set()
    for rule in get_routes(app):
        path = path_for(rule, world, which)
        for who, browser in (("a person", client), ("staff", staff)):
            response = browser.get(path)
            assert response.status_code < 500, (who, path, response.status_code)
            after = every_row(db.engine)
            changed = [name for name in after if after[name] != before[name]]
            assert not changed, f"GET {path} as {who} changed {changed}"
            walked.add(rule.endpoint)
    assert {"booking.certificate", "admin.booking_certificate", "booking.manage", "admin.date"} <= walked
    assert len(walked) > 60


def test_the_download_waits_for_the_worker_which_issues_the_certificate_as_itself(app, session, client, world):
    _, ana = world["finished"]
    certificate = f"/bookings/{ana.manage_token}/certificate.pdf"
    assert client.get(certificate).status_code == 302  # not issued yet: the page says it is on its way
    assert "Your certificate of attendance is being made" in client.get(f"/bookings/{ana.manage_token}").text
    assert certificates_job(session, utcnow(), app.config) == 1
    assert client.get(certificate).status_code == 200
    actors = dict(session.execute(sa.select(AuditEvent.subject_id, AuditEvent.actor).where(
        AuditEvent.action == "certificate issued")).all())  # fmt: skip
    _, ben = (
        world["finished"][0],
        session.scalar(sa.select(Certificate.booking_id).where(Certificate.booking_id != ana.id)),
    )
    assert actors == {ana.id: audit.WORKER, ben: audit.PERSON_BOOKED}
