"""A person's data on request (UK GDPR): a copy of everything held about them, and erasing it. Both follow
app/personal_data/inventory.py, so what one holds the other removes; the reports still add up afterwards."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.after_course.certificates import issue_certificate
from app.after_course.feedback import FeedbackAnswers, save_feedback
from app.after_course.register import mark_attendance
from app.briefings.service import WatchedDetails, record_watched
from app.core import audit
from app.database import utcnow, writing
from app.enrolment.bookings import cancel_booking
from app.extensions import db
from app.mail.outbox import send_due
from app.models import AttendanceMark, AuditEvent, Booking, Certificate, CouncilArea, Role, Sector
from app.personal_data.inventory import ABOUT_PEOPLE, ROW_GOES
from app.personal_data.on_request import CannotErase, erase_person, everything_about
from app.reports.report import build_report, financial_year_of
from tests.factories import (
    begin_course,
    booked,
    details,
    interested,
    make_briefing,
    make_course,
    make_date,
    make_staff,
    sign_in,
)

EMAIL = "sian.evans@example.org"
# Words only this person gave us: none may be left anywhere in the database once they are erased.
THEIRS = {
    "full_name": "Siân Zyxevans",
    "phone": "01228 555 0199",
    "job_title": "Zyx family worker",
    "organisation": "Zyx Family Centre & <Partners>",
    "manager_name": "Morgan Zyxmanager",
    "manager_email": "morgan.zyx@example.org",
    "access_details": "Zyx: I lip-read, please face me",
    "dietary_needs": "Zyx halal",
}
FEEDBACK_WORDS = ("Zyx the scaling questions", "Zyx time", "Zyx use it in supervision")
LEARNING_NOTE = "Zyx I will use the three columns"


@pytest.fixture
def person(session, mail_server):
    """Siân: a finished course she came to (register, feedback, certificate), a place on a later date, a
    briefing she watched, a course she asked to hear about, a colleague who named her as manager, the emails
    all of that sent, and an audit entry that names her."""
    admin = make_staff(session, email="ada@example.org")
    course = make_course(session)
    finished = make_date(session, course=course)
    mine = dict(THEIRS, sector=Sector.SCHOOLS, council_area=CouncilArea.CUMBERLAND, access_needs=["hearing_loop"])
    done = booked(session, finished.id, details(email=EMAIL, **mine)).booking
    colleague = booked(session, finished.id, details(manager_name="Siân", manager_email=EMAIL.upper())).booking
    later = make_date(session, course=make_course(session, slug="practice-day", title="Practice day"), days_from_now=40)
    upcoming = booked(session, later.id, details(email=EMAIL, **mine)).booking  # booked before she finished
    begin_course(session, finished, days_ago=3)
    for day in finished.days:
        mark_attendance(session, day.id, {done.id: AttendanceMark.ATTENDED}, actor=admin)
    save_feedback(session, done.id, FeedbackAnswers(*FEEDBACK_WORDS, 4, 8, True, True))
    issue_certificate(session, done.id, by=audit.WORKER)
    briefing = make_briefing(session, files=(), published=False)
    watched = WatchedDetails(THEIRS["full_name"], EMAIL, THEIRS["organisation"], Sector.SCHOOLS,
                             CouncilArea.CUMBERLAND, LEARNING_NOTE)  # fmt: skip
    record_watched(session, briefing, watched)
    interested(session, make_course(session, slug="refresher", title="Refresher").id, THEIRS["full_name"], EMAIL)
    with writing(session):
        audit.record(session, admin, "register taken", done, f"Corrected the register: {THEIRS['full_name']} came")
    send_due(session)
    return {"admin": admin, "done": done, "upcoming": upcoming, "colleague": colleague, "finished": finished}


CHANGED = ("organisation", "answers", "waiting")


def every_text_in_the_database(session) -> str:
    """Every value of every column of every table, as text."""
    session.rollback()
    found = []
    for table in db.metadata.sorted_tables:
        for row in session.execute(sa.select(table)):
            found.extend(str(value) for value in row)
    return "\n".join(found)


def test_the_copy_holds_every_personal_column_of_every_row_about_them(session, person):
    copy = everything_about(session, EMAIL, actor=person["admin"])
    assert copy["email_address"] == EMAIL
    assert {b["reference"] for b in copy["booking"]} == {person["done"].reference, person["upcoming"].reference}
    for table, columns in ABOUT_PEOPLE.items():
        assert copy[table], f"the copy has no {table} rows, though the person has some"
        for row in copy[table]:
            missing = [column for column in columns if column not in row]
            assert not missing, (table, missing)
    text = json.dumps(copy, ensure_ascii=False)
    for words in (*THEIRS.values(), *FEEDBACK_WORDS, LEARNING_NOTE, "hearing_loop"):
        assert json.dumps(words, ensure_ascii=False)[1:-1] in text, words
    # Secret keys are named, never shown: a copy sent by email must not let anyone change the booking.
    assert person["done"].manage_token not in text and "(held, but not shown: a secret key)" in text
    # Only what is about them from the colleague's booking: the name and address they were given as.
    (managed,) = copy["named_as_manager"]
    assert managed["manager_email"] == EMAIL.upper() and person["colleague"].full_name not in text
    session.rollback()
    assert session.scalar(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc())) == "personal data copied"


def test_erasing_is_refused_while_they_still_have_a_place_to_come_to(session, person):
    with pytest.raises(CannotErase, match=f"{person['upcoming'].reference}.*Cancel it first"):
        erase_person(session, EMAIL, actor=person["admin"])
    session.rollback()
    assert session.get(Booking, person["done"].id).full_name == THEIRS["full_name"]


def test_erasing_leaves_none_of_their_words_anywhere_and_the_reports_still_add_up(session, person, client):
    cancel_booking(session, person["upcoming"].manage_token)
    send_due(session)
    period = financial_year_of(utcnow().date())
    # Every figure stays but three: organisations (theirs goes with their details), the written feedback
    # answers (their words go; the scores stay), and requests to hear about new dates (theirs goes, as the
    # retention purge removes such requests).
    before = {t.key: t.rows for t in build_report(session, period).tables if t.key not in CHANGED}
    assert THEIRS["full_name"] in every_text_in_the_database(session)

    report = erase_person(session, EMAIL, actor=person["admin"])
    assert (report.bookings, report.watched, report.interest, report.managed) == (2, 1, 1, 1)
    everything = every_text_in_the_database(session)
    for words in (*THEIRS.values(), *FEEDBACK_WORDS, LEARNING_NOTE, EMAIL, EMAIL.upper(), "Siân"):
        assert words not in everything, words
    after = {t.key: t.rows for t in build_report(session, period).tables if t.key not in CHANGED}
    assert after == before

    done = session.get(Booking, person["done"].id)
    assert (done.reference, done.sector, done.council_area) == (person["done"].reference, Sector.SCHOOLS,
                                                                 CouncilArea.CUMBERLAND)  # fmt: skip
    assert done.erased_at is not None and done.anonymised_at is not None
    actions = session.scalars(sa.select(AuditEvent.action)).all()
    assert "personal data erased" in actions and "register taken" in actions  # the entry stays, without the name
    certificate = session.scalar(sa.select(Certificate).where(Certificate.booking_id == done.id))
    page = client.get(f"/certificates/{certificate.reference}").get_data(as_text=True)
    assert "the person asked us to remove their details" in page
    # Erasing again finds nothing more to erase.
    assert erase_person(session, EMAIL, actor=person["admin"]).bookings == 0


def test_admins_give_a_copy_and_erase_from_the_training_record(client, session, person):
    sign_in(client, person["admin"])
    done = person["done"]
    record = client.get(f"/admin/people/{done.id}").get_data(as_text=True)
    assert f'href="/admin/people/{done.id}/data"' in record
    page = client.get(f"/admin/people/{done.id}/data").get_data(as_text=True)
    assert "2 bookings" in page and "1 briefing they told us they watched" in page

    assert client.get(f"/admin/people/{done.id}/data.json").status_code == 405  # a copy is recorded: a POST
    as_json = client.post(f"/admin/people/{done.id}/data.json")
    assert as_json.headers["Content-Disposition"].startswith("attachment")
    assert as_json.headers["Cache-Control"] == "no-store"
    assert json.loads(as_json.get_data(as_text=True))["email_address"] == EMAIL

    readable = client.post(f"/admin/people/{done.id}/data.html")
    assert readable.headers["Content-Disposition"].startswith("attachment")
    html = readable.get_data(as_text=True)
    assert "<h2>Your bookings</h2>" in html and "<dt>Full name</dt><dd>Siân Zyxevans</dd>" in html
    assert "Zyx Family Centre &amp; &lt;Partners&gt;" in html  # text, never markup
    assert done.manage_token not in html

    refused = client.post(f"/admin/people/{done.id}/erase", follow_redirects=True).get_data(as_text=True)
    assert "Cancel it first" in refused
    cancel_booking(session, person["upcoming"].manage_token)
    check = client.get(f"/admin/people/{done.id}/erase").get_data(as_text=True)
    assert "This cannot be undone" in check
    erased = client.post(f"/admin/people/{done.id}/erase", follow_redirects=True).get_data(as_text=True)
    assert "Their details have been erased" in erased
    assert client.get(f"/admin/people/{done.id}").status_code == 404
    assert client.post(f"/admin/people/{done.id}/data.json").status_code == 404


def test_trainers_cannot_copy_or_erase_anyone(client, session, person):
    trainer = make_staff(session, email="trainer@example.org", role=Role.TRAINER)
    sign_in(client, trainer)
    for path in ("data", "erase"):
        assert client.get(f"/admin/people/{person['done'].id}/{path}").status_code == 403
    for path in ("data.json", "data.html", "erase"):
        assert client.post(f"/admin/people/{person['done'].id}/{path}").status_code == 403


def test_the_purge_and_erasure_remove_the_same_things(session, person):
    """One home: the retention purge anonymises old bookings through the same function, so both leave the
    same columns as the inventory says."""
    from app.personal_data.retention import purge

    cancel_booking(session, person["upcoming"].manage_token)
    with writing(session):
        for day in person["finished"].days:
            day.day -= timedelta(days=900)
    purge(session, utcnow(), access_needs_days=30, anonymise_months=24)
    session.rollback()
    done = session.get(Booking, person["done"].id)
    for column, value in ABOUT_PEOPLE["booking"].items():
        if value is not ROW_GOES and not callable(value):
            assert getattr(done, column) == value, column
    assert done.erased_at is None  # removed after a time, not at their request


def test_the_commands_copy_and_erase_someone_who_never_booked(runner, session, mail_server):
    """A request by email from someone with no booking (they only asked to hear about dates) is answered
    at the command line."""
    interested(session, make_course(session).id, "Zoë Zyxwatcher", "zoe@example.org")
    copy = json.loads(runner.invoke(args=["data", "copy", "ZOE@example.org"]).output)
    assert [i["full_name"] for i in copy["interest"]] == ["Zoë Zyxwatcher"]
    assert runner.invoke(args=["data", "erase", "zoe@example.org"], input="n\n").exit_code == 1  # not confirmed
    result = runner.invoke(args=["data", "erase", "zoe@example.org", "--yes"])
    assert "Requests to hear about dates: 1." in result.output
    assert "Zyxwatcher" not in every_text_in_the_database(session)
