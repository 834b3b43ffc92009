"""Certificates of attendance: for each booking that completed its course (attended every day), and,
when CERTIFICATE_AFTER_FEEDBACK says so, once the person has given their feedback.

The words are kept when the certificate is issued (app.models.Certificate) and the PDF is made from an
HTML template by WeasyPrint as a tagged PDF/UA document, with its title and language, so screen readers
read it in order (app.after_course.certificate_pdf). Anyone can check a certificate at
/certificates/<reference>, which shows only the name, the course and the days.
"""

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.after_course import emails as messages
from app.after_course import register
from app.core import audit
from app.core.clock import today_in_london
from app.core.rules import Refused
from app.database import writing
from app.enrolment.bookings import REFERENCE_ALPHABET
from app.enrolment.roster import roster
from app.models import Booking, BookingStatus, Certificate, Completion, CourseDate, Feedback

CERTIFICATE_CODE_LENGTH = 8


class NoCertificate(Refused):
    """This booking has no certificate, or not yet."""


def new_certificate_reference() -> str:
    """Like CERT-7KX2QH9M: 40 bits of chance, in letters and digits that are not mistaken for each other."""
    return "CERT-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(CERTIFICATE_CODE_LENGTH))


def hours_of_learning(course_date: CourseDate) -> float:
    """The hours from the start to the end of each day, added up."""
    minutes = sum(
        (datetime.combine(day.day, day.end_time) - datetime.combine(day.day, day.start_time)).seconds // 60
        for day in course_date.days
    )
    return round(minutes / 60, 2)


def why_none(session: Session, booking: Booking) -> str | None:
    """Why this booking has no certificate yet, in words for the person; None when it can have one."""
    if booking.status != BookingStatus.CONFIRMED or booking.anonymised_at is not None:
        return "Certificates are for people who came to every day of the course."
    if roster(session, booking.course_date).completion(booking) != Completion.COMPLETED:
        return "Certificates are for people who came to every day of the course."
    # Feedback first, while it can be given: once the team closes it, nobody waits on it any more.
    feedback_first = current_app.config["CERTIFICATE_AFTER_FEEDBACK"] and booking.course_date.feedback_closed_at is None
    if feedback_first and session.scalar(sa.select(Feedback.id).where(Feedback.booking_id == booking.id)) is None:
        return "Tell us what you thought of the course first, then your certificate is ready."
    return None


def still_valid(session: Session, certificate: Certificate) -> bool:
    """Whether the register still says they came to every day: a register corrected afterwards
    withdraws the certificate (its reference then says so)."""
    booking = certificate.booking
    if booking.anonymised_at is not None:
        return True  # the register is kept; the person's details are not
    return booking.status == BookingStatus.CONFIRMED and (
        roster(session, booking.course_date).completion(booking) == Completion.COMPLETED
    )


def certificate_of(session: Session, booking_id: int) -> Certificate | None:
    return session.scalar(sa.select(Certificate).where(Certificate.booking_id == booking_id))


class CertificateOnItsWay(NoCertificate):
    """The rules give them a certificate and the email worker is about to issue it."""


def certificate_to_download(session: Session, booking: Booking) -> Certificate:
    """The certificate issued to this booking, while the register still shows they came to every day;
    NoCertificate with the reason, in words for them, otherwise. It only reads: downloading never issues."""
    issued = certificate_of(session, booking.id)
    if issued is None:
        if (reason := why_none(session, booking)) is not None:
            raise NoCertificate(reason)
        raise CertificateOnItsWay("Your certificate of attendance is being made. We will email it to you soon.")
    if not still_valid(session, issued):
        raise NoCertificate("The register no longer shows you came to every day. Ask the training team.")
    return issued


def issue_certificate(session: Session, booking_id: int, *, by: str) -> Certificate:
    """This booking's certificate: the one already issued, or a new one if the rules allow it. Only the
    feedback path (`by` the person) and the worker's jobs (`by` audit.WORKER) issue certificates: a download
    reads one that exists and never makes one."""
    with writing(session):
        booking = session.scalars(sa.select(Booking).where(Booking.id == booking_id).with_for_update(of=Booking)).one()
        existing = certificate_of(session, booking.id)
        if existing is not None:
            if not still_valid(session, existing):
                raise NoCertificate("The register no longer shows you came to every day. Ask the training team.")
            return existing
        if (reason := why_none(session, booking)) is not None:
            raise NoCertificate(reason)
        course_date = booking.course_date
        certificate = Certificate(
            booking_id=booking.id,
            reference=new_certificate_reference(),
            full_name=booking.full_name,
            course_title=course_date.course.title,
            days=[day.day.isoformat() for day in course_date.days],
            hours=hours_of_learning(course_date),
            venue=f"{course_date.venue.name}, {course_date.venue.town}",
            trainers=", ".join(t.name or t.email for t in course_date.trainers),
        )
        session.add(certificate)
        session.flush()
        audit.record(session, None, "certificate issued", booking, f"Certificate {certificate.reference} issued", by=by)
    return certificate


def certificates_of_date(session: Session, date_id: int) -> list[Certificate]:
    """Every certificate issued for a date, by name."""
    query = (
        sa.select(Certificate)
        .join(Booking, Certificate.booking_id == Booking.id)
        .where(Booking.course_date_id == date_id)
        .order_by(Certificate.full_name, Certificate.id)
    )
    return list(session.scalars(query))


def certificate_by_reference(session: Session, reference: str) -> Certificate | None:
    return session.scalar(sa.select(Certificate).where(Certificate.reference == reference.strip().upper()))


def queue_due_certificates(session: Session, bookings: list[Booking]) -> int:
    """Issue and email the certificate of each of these bookings that has become due and has none yet
    (the register finished after their feedback, or feedback closed before they gave it). Once each."""
    ids = [booking.id for booking in bookings]
    issued = set(session.scalars(sa.select(Certificate.booking_id).where(Certificate.booking_id.in_(ids))))
    queued = 0
    with writing(session):
        for booking in bookings:
            if booking.id in issued or why_none(session, booking) is not None:
                continue
            issue_certificate(session, booking.id, by=audit.WORKER)
            queued += messages.after_course_email(session, booking, "certificate_ready") is not None
    return queued


def certificates_job(session: Session, now: datetime, config) -> int:
    """The worker's job before each pass: the certificates that became due since the feedback requests (the
    last register was taken after someone's feedback, say, or feedback closed before they gave it)."""
    today = today_in_london(now)
    bookings = register.attendees(
        session,
        today - timedelta(days=register.WINDOW_DAYS),
        today - timedelta(days=config["FEEDBACK_DELAY_DAYS"]),
        include_closed=True,
    )
    return queue_due_certificates(session, bookings)
