"""Certificates of attendance: only for people who came to every day, after their feedback when the
setting says so; a tagged PDF/UA with a title and language; checked by reference, showing little."""

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.after_course.certificates import NoCertificate, certificates_job, issue_certificate
from app.after_course.feedback import FeedbackAnswers, queue_feedback_requests, save_feedback
from app.after_course.register import mark_attendance
from app.core import audit
from app.database import utcnow, writing
from app.enrolment.bookings import book_place
from app.mail.outbox import send_due
from app.models import AttendanceMark, Certificate, Role
from app.personal_data.retention import purge
from tests.factories import begin_course, booked, details, make_date, make_staff, sign_in
from tests.pages import words

A, L, X = AttendanceMark.ATTENDED, AttendanceMark.LEFT_EARLY, AttendanceMark.ABSENT
ANSWERS = FeedbackAnswers("The scaling.", "", "", 4, 8, False, False)


@pytest.fixture
def course(session):
    """Siân came to both days; Liam left early on day 2. Jo Trainer taught it."""
    course_date = make_date(session)
    sian = booked(session, course_date.id, details(full_name="Siân Evans")).booking
    liam = booked(session, course_date.id, details(full_name="Liam Park")).booking
    trainer = make_staff(session, role=Role.TRAINER, name="Jo Trainer")
    with writing(session):
        course_date.trainers.append(trainer)
    begin_course(session, course_date, days_ago=2)
    day_one, day_two = course_date.days
    mark_attendance(session, day_one.id, {sian.id: A, liam.id: A}, actor=trainer)
    mark_attendance(session, day_two.id, {sian.id: A, liam.id: L}, actor=trainer)
    return course_date, sian, liam


def read_pdf(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def assert_accessible_pdf(reader: PdfReader, *texts: str) -> None:
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root, "no structure tree: the PDF is not tagged"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert reader.metadata.title.startswith("Certificate")
    text = " ".join(page.extract_text() for page in reader.pages)
    for expected in texts:
        assert expected in text, (expected, text)


def test_the_certificate_comes_with_the_thank_you_after_feedback_and_is_a_tagged_pdf(session, mail_server, course):
    course_date, sian, liam = course
    with pytest.raises(NoCertificate, match="Tell us what you thought"):
        issue_certificate(session, sian.id, by=audit.WORKER)
    send_due(session)
    mail_server.messages.clear()
    save_feedback(session, sian.id, ANSWERS)
    send_due(session)
    (thanks,) = mail_server.inbox.to(sian.email)
    (attachment,) = [part for part in thanks.iter_attachments() if part.get_content_type() == "application/pdf"]
    certificate = session.scalars(sa.select(Certificate)).one()
    assert attachment.get_filename() == f"certificate-{certificate.reference}.pdf"
    reader = read_pdf(attachment.get_content())
    assert_accessible_pdf(reader, "Siân Evans", course_date.course.title, "14 hours of learning", "Jo Trainer",
                          certificate.reference, "Cumbria Safeguarding Children Partnership")  # fmt: skip
    assert reader.metadata.title == "Certificate of attendance: Siân Evans"
    # Found again by searching the mailbox: the subject and the first line say the certificate is there.
    assert thanks["Subject"].startswith("Your certificate of attendance, and thank you for your feedback: ")
    body = thanks.get_body(("plain",)).get_content()
    assert body.split("\n\n")[1] == (
        "Your certificate of attendance is attached to this email. Keep it as a record of your training."
    )


def test_a_finished_booking_reads_as_finished_and_its_links_can_be_found_again(client, session, mail_server, course):
    course_date, sian, liam = course
    begin_course(session, course_date, days_ago=5)  # both days over
    save_feedback(session, sian.id, ANSWERS)
    page = words(client.get(f"/bookings/{sian.manage_token}"))
    assert "Your course" in page and "Finished" in page
    for gone in ("to your calendar", "Getting in and around the venue", "We will arrange", "Place confirmed"):
        assert gone not in page, gone
    send_due(session)
    mail_server.messages.clear()
    # Siân finished with feedback: her link comes back. Liam gave no feedback and has no certificate: not his.
    for person in (sian, liam):
        client.post("/bookings/find", data={"email": person.email})
    send_due(session)
    (links,) = mail_server.inbox.to(sian.email)
    assert sian.manage_token in links.get_body(("plain",)).get_content()
    assert "(finished)" in links.get_body(("plain",)).get_content()
    assert mail_server.inbox.to(liam.email) == []


def test_only_people_who_came_to_every_day_get_one(session, course):
    course_date, sian, liam = course
    save_feedback(session, liam.id, ANSWERS)  # partly attended: feedback yes, certificate no
    with pytest.raises(NoCertificate, match="came to every day"):
        issue_certificate(session, liam.id, by=audit.WORKER)
    assert session.scalars(sa.select(Certificate)).all() == []


def test_with_feedback_not_first_the_certificate_goes_with_the_feedback_request(app, session, mail_server, course,
                                                                                monkeypatch):  # fmt: skip
    monkeypatch.setitem(app.config, "CERTIFICATE_AFTER_FEEDBACK", False)
    course_date, sian, liam = course
    send_due(session)
    mail_server.messages.clear()
    queue_feedback_requests(session, utcnow(), delay_days=1, reminder_days=7)
    send_due(session)
    (to_sian,) = mail_server.inbox.to(sian.email)
    (to_liam,) = mail_server.inbox.to(liam.email)
    assert [p.get_content_type() for p in to_sian.iter_attachments()] == ["application/pdf"]
    assert list(to_liam.iter_attachments()) == []


def test_the_person_and_staff_download_it_and_staff_get_a_dates_certificates_in_one_file(client, session, course):
    course_date, sian, liam = course
    manage = f"/bookings/{sian.manage_token}"
    assert "When you have told us what you thought, your certificate" in words(client.get(manage))
    response = client.get(f"{manage}/certificate.pdf")
    assert response.status_code == 302  # not yet: feedback first
    save_feedback(session, sian.id, ANSWERS)
    assert "Download your certificate of attendance (PDF)" in words(client.get(manage))
    response = client.get(f"{manage}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]  # never kept by a shared cache
    assert_accessible_pdf(read_pdf(response.data), "Siân Evans")

    staff = client.application.test_client()
    sign_in(staff, make_staff(session))
    page = words(staff.get(f"/admin/dates/{course_date.id}"))
    assert "Download all 1 certificates as one PDF" in page
    bundle = staff.get(f"/admin/dates/{course_date.id}/certificates.pdf")
    assert bundle.status_code == 200 and len(read_pdf(bundle.data).pages) == 1
    assert staff.get(f"/admin/bookings/{sian.id}/certificate.pdf").status_code == 200
    assert staff.get(f"/admin/bookings/{liam.id}/certificate.pdf").status_code == 302


def test_the_check_page_shows_only_the_name_course_and_days(client, session, course):
    course_date, sian, _ = course
    save_feedback(session, sian.id, ANSWERS)
    certificate = session.scalars(sa.select(Certificate)).one()
    page = words(client.get(f"/certificates/{certificate.reference.lower()}"))
    assert "This certificate is genuine" in page and "Siân Evans" in page and course_date.course.title in page
    for private in (sian.email, sian.reference, sian.organisation, "Jo Trainer", sian.manage_token):
        assert private not in page
    for unknown in ("CERT-22222222", "CERT-1", "anything%00", "CERT-" + "A" * 200):
        response = client.get(f"/certificates/{unknown}")
        assert response.status_code == 404 and "We could not find that certificate" in words(response)


def test_after_the_purge_the_certificate_checks_out_without_the_name(client, session, course):
    from datetime import timedelta

    _, sian, _ = course
    save_feedback(session, sian.id, ANSWERS)
    purge(session, utcnow() + timedelta(days=800), access_needs_days=30, anonymise_months=24)
    session.rollback()
    certificate = session.scalars(sa.select(Certificate)).one()
    assert certificate.full_name == "Removed"
    page = words(client.get(f"/certificates/{certificate.reference}"))
    assert "We no longer keep this certificate's details" in page
    assert certificate.course_title not in page and "Removed" not in page


def test_a_persons_training_record_has_every_booking_attendance_and_certificate(client, session, course):
    course_date, sian, _ = course
    save_feedback(session, sian.id, ANSWERS)
    later_date = make_date(session, course=course_date.course, days_from_now=30)
    # She completed it: only staff can book her again (a refresher).
    later = book_place(session, later_date.id, details(full_name="Siân Evans", email=sian.email),
                       actor=make_staff(session)).booking  # fmt: skip
    other = booked(session, later.course_date_id, details(full_name="Someone Else")).booking
    admin = make_staff(session)
    sign_in(client, admin)
    search = words(client.get("/admin/search?q=evans"))
    assert "Training record of Siân Evans" in search
    page = words(client.get(f"/admin/people/{later.id}"))
    assert "Training record: Siân Evans" in page and "Completed the training 1 time." in page
    assert page.count("Signs of Safety") >= 2 and "Register not taken yet" in page and "Completed" in page
    certificate = session.scalars(sa.select(Certificate)).one()
    assert certificate.reference in page and "Someone Else" not in page
    assert client.get(f"/admin/people/{other.id}").status_code == 200


def test_a_certificate_that_becomes_due_later_is_issued_and_emailed_once(app, session, mail_server, course):
    course_date, sian, liam = course
    # Liam gives feedback while his register says he left early; then it is corrected to attended.
    save_feedback(session, liam.id, ANSWERS)
    send_due(session)
    mail_server.messages.clear()
    mark_attendance(session, course_date.days[1].id, {liam.id: A}, actor=make_staff(session))
    assert certificates_job(session, utcnow(), app.config) == 1
    assert certificates_job(session, utcnow(), app.config) == 0
    send_due(session)
    ready = [m for m in mail_server.inbox.to(liam.email) if m["Subject"].startswith("Your certificate of attendance")]
    assert len(ready) == 1
    assert [p.get_content_type() for p in ready[0].iter_attachments()] == ["application/pdf"]


def test_when_feedback_closes_people_who_came_every_day_get_their_certificate_anyway(session, mail_server, course):
    from app.enrolment.dates import close_feedback

    course_date, sian, _ = course
    with pytest.raises(NoCertificate):
        issue_certificate(session, sian.id, by=audit.WORKER)
    close_feedback(session, course_date.id, actor=make_staff(session))
    assert issue_certificate(session, sian.id, by=audit.WORKER).full_name == "Siân Evans"


def test_a_corrected_register_withdraws_the_certificate(client, session, course):
    course_date, sian, _ = course
    save_feedback(session, sian.id, ANSWERS)
    certificate = session.scalars(sa.select(Certificate)).one()
    mark_attendance(session, course_date.days[1].id, {sian.id: X}, actor=make_staff(session))
    page = words(client.get(f"/certificates/{certificate.reference}"))
    assert "This certificate has been withdrawn" in page and "Siân Evans" not in page
    assert client.get(f"/bookings/{sian.manage_token}/certificate.pdf").status_code == 302


def test_a_feedback_request_is_not_sent_after_they_answered(session, mail_server, course):
    course_date, sian, liam = course
    send_due(session)
    mail_server.messages.clear()
    queue_feedback_requests(session, utcnow(), delay_days=1, reminder_days=7)
    save_feedback(session, liam.id, ANSWERS)  # before the worker sends the request
    send_due(session)
    subjects = [m["Subject"].split(":")[0] for m in mail_server.inbox.to(liam.email)]
    assert subjects == ["Thank you for your feedback"]


def test_the_check_page_is_limited_so_references_cannot_be_guessed(app, client, session, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_CHECK_LIMIT_PER_ADDRESS", "3 per hour")
    for number in range(3):
        assert client.get(f"/certificates/CERT-2222222{number + 2}").status_code == 404
    assert client.get("/certificates/CERT-22222229").status_code == 429


SCRIPTS = {
    "Chinese": ("李小龍", "Noto-Sans-CJK"),
    "Arabic": ("محمد عبد الله", "Noto-Sans-Arabic"),
    "Vietnamese": ("Nguyễn Thị Minh Khai", None),
}


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_name_in_any_script_prints_with_a_font_that_has_it(app, session, course, script):
    """Not empty boxes: the name's letters come from a font that has them, embedded in the PDF."""
    from app.after_course.certificate_pdf import certificate_pdf

    name, font = SCRIPTS[script]
    _course_date, sian, _liam = course
    save_feedback(session, sian.id, ANSWERS)
    issued = session.scalar(sa.select(Certificate).where(Certificate.booking_id == sian.id))
    with app.test_request_context():
        copy = Certificate(**{key: getattr(issued, key) for key in ("reference", "course_title", "days", "hours",
                                                                    "venue", "trainers", "issued_at")},
                           full_name=name)  # fmt: skip
        reader = read_pdf(certificate_pdf([copy]))
    fonts = {str(f["/BaseFont"]) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    text = reader.pages[0].extract_text()
    assert name.replace(" ", "") in text.replace(" ", ""), text
    if font:
        assert any(font in embedded for embedded in fonts), fonts
    # Every font that draws text is embedded, so the printer and the reader's computer need none of them.
    for value in (f for page in reader.pages for f in page["/Resources"]["/Font"].values()):
        descriptor = value.get_object().get("/FontDescriptor") or value["/DescendantFonts"][0]["/FontDescriptor"]
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), value
