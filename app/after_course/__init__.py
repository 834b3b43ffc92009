"""After the course: the register of each day, completion, feedback, certificates of attendance, the
follow-up of people who missed a day, and each person's training record."""

from app.mail.registry import Registry


def install(mail: Registry) -> None:
    """Every email sent after a course, and the jobs the email worker runs for it, in the order they run:
    named here and nowhere else."""
    from app.after_course import certificates, emails, feedback, follow_up
    from app.enrolment.invites import BOOKING_REFERENCES

    # Each carries the person's certificate when they have one; a request or reminder goes only unanswered.
    after = {"references": BOOKING_REFERENCES, "prepare": emails.load_certificates}
    mail.email("feedback_request", emails.render_unless_answered, **after)
    mail.email("feedback_reminder", emails.render_unless_answered, **after)
    mail.email("feedback_thanks", emails.render_with_certificate, **after)
    mail.email("certificate_ready", emails.render_with_certificate, **after)
    mail.email(
        "missed_course", emails.render_missed_course, references=BOOKING_REFERENCES, prepare=emails.load_next_dates
    )

    # Feedback requests first: with CERTIFICATE_AFTER_FEEDBACK off a certificate rides on the request.
    mail.job("feedback requests and reminders", feedback.feedback_job)
    mail.job("certificates", certificates.certificates_job)
    mail.job("follow-ups", follow_up.follow_up_job)
