"""The emails after a course: the feedback request, its reminder, the thank-you and the certificate, each once
per booking and carrying the person's certificate when they have one; and the offer of the next dates to
someone who missed a day."""

from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.after_course.certificate_pdf import certificate_pdf
from app.database import utcnow
from app.enrolment.availability import dates_with_places
from app.enrolment.invites import queue_booking_email, render_booking_email, subject_for
from app.mail.outbox import queue_message
from app.mail.registry import Batch, NoLongerApplies, RenderedEmail, public_url, render_pair
from app.models import Booking, Certificate, CourseDate, Feedback, OutboxMessage


def load_certificates(session: Session, batch: Batch, messages: list[OutboxMessage]) -> None:
    """The certificates of the batch's bookings, and which of them gave feedback, in one query."""
    ids = sorted({message.booking_id for message in messages if message.booking_id})
    rows = (
        session.execute(
            sa.select(Booking.id, Certificate, Feedback.id)
            .outerjoin(Certificate, Certificate.booking_id == Booking.id)
            .outerjoin(Feedback, Feedback.booking_id == Booking.id)
            .where(Booking.id.in_(ids))
        ).all()
        if ids
        else []
    )
    batch.extra["certificates"] = {booking_id: certificate for booking_id, certificate, _ in rows if certificate}
    batch.extra["answered"] = {booking_id for booking_id, _, feedback_id in rows if feedback_id}


def render_with_certificate(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    """A booking email that carries the person's certificate as a PDF, when they have one."""
    certificate = batch.extra["certificates"].get(message.booking_id)
    rendered = render_booking_email(message, batch, certificate_attached=certificate is not None)
    if certificate is None:
        return rendered
    pdf = certificate_pdf([certificate])
    # The subject and the first line say the certificate is there, so it is found again by searching.
    subject = subject_for(batch.referenced(message)["course_date"], WITH_CERTIFICATE[message.kind])
    return replace(rendered, attachments=((f"certificate-{certificate.reference}.pdf", "pdf", pdf),), subject=subject)


def render_unless_answered(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    """A request for feedback, or its reminder: not once they have answered, or feedback has closed."""
    if message.booking_id in batch.extra["answered"] or batch.referenced(message)["course_date"].feedback_closed_at:
        raise NoLongerApplies("they gave their feedback, or feedback closed, before this email went")
    return render_with_certificate(message, batch)


# The emails after the course, each sent at most once per booking: the start of its subject, and the
# prefix of its dedupe key.
AFTER_COURSE = {
    "feedback_request": ("Tell us what you thought", "feedback"),
    "feedback_reminder": ("A reminder to tell us what you thought", "feedback-reminder"),
    "feedback_thanks": ("Thank you for your feedback", "feedback-thanks"),
    "certificate_ready": ("Your certificate of attendance", "certificate"),
}


# The start of the subject when the email carries the certificate.
WITH_CERTIFICATE = {
    "feedback_request": "Your certificate of attendance, and tell us what you thought",
    "feedback_reminder": "Your certificate of attendance, and a reminder to tell us what you thought",
    "feedback_thanks": "Your certificate of attendance, and thank you for your feedback",
    "certificate_ready": "Your certificate of attendance",
}


def after_course_email(session: Session, booking: Booking, kind: str) -> OutboxMessage | None:
    """One of the AFTER_COURSE emails to this booking (it carries their certificate, if they have one);
    None if it was queued before."""
    start, prefix = AFTER_COURSE[kind]
    return queue_booking_email(
        session, booking, kind, subject_for(booking.course_date, start), dedupe_key=f"{prefix}:{booking.id}"
    )


def load_next_dates(session: Session, batch: Batch, messages: list[OutboxMessage]) -> None:
    """The next published dates with places, of each course the batch's follow-ups are about, in one query."""
    dates = batch.records.get(CourseDate, {})
    course_ids = sorted({dates[m.context["course_date_id"]].course_id for m in messages
                         if m.context.get("course_date_id") in dates})  # fmt: skip
    now = utcnow()
    found = dates_with_places(session, now, course_ids=course_ids) if course_ids else []
    batch.extra["next_dates"] = {
        course_id: [d for d in found if d.course_id == course_id][:3] for course_id in course_ids
    }


def render_missed_course(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    records = batch.referenced(message)
    course_date = records["course_date"]
    text, html = render_pair(
        "missed_course",
        next_dates=batch.extra["next_dates"].get(course_date.course_id, []),
        dates_url=public_url("/dates"),
        **records,
    )
    return RenderedEmail(text, html)


def missed_course(session: Session, booking: Booking) -> OutboxMessage | None:
    """To someone absent on a day of their course: you still need the training, and here are the next dates."""
    return queue_message(
        session,
        kind="missed_course",
        to=booking.email,
        subject=subject_for(booking.course_date, "You missed some of the course"),
        context={"course_date_id": booking.course_date_id},
        booking=booking,
        dedupe_key=f"missed:{booking.id}",
    )
