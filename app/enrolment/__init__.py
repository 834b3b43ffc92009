"""Enrolment: the life of a place, from a published date to the first day. Whether a date can be booked,
its places and waiting list, booking, moving and cancelling, the date's own life, reminders, and every
email a booking or a date causes."""

from app.mail.registry import Reference, Registry
from app.models import CourseDate, DateMessage, Interest


def install(mail: Registry) -> None:
    """Every email enrolment sends, and the jobs the email worker runs for it: named here and nowhere else."""
    import sqlalchemy.orm as so

    from app.enrolment import approvals, booking_emails, bookings, date_emails, invites, needs, reminders
    from app.enrolment.invites import (
        BOOKING_REFERENCES,
        booking_kind,
        place_still_active,
        place_still_held,
        still_waiting,
    )

    # To an address nobody has confirmed yet: confirm this booking, or it was released. Our words only.
    booking_kind(mail, "booking_check", check=invites.still_a_hold)
    booking_kind(mail, "hold_released")
    # About one booking, written from email/<kind>, each with its calendar invite while still current.
    booking_kind(mail, "place_confirmed", check=place_still_held)
    booking_kind(mail, "waiting_list", check=still_waiting)
    booking_kind(mail, "booking_cancelled")
    booking_kind(mail, "booking_moved", references=(Reference("old_date_id", CourseDate),), check=place_still_held)
    booking_kind(mail, "booking_link")
    booking_kind(mail, "already_completed")
    booking_kind(mail, "needs_updated", check=place_still_active)
    mail.email("needs_outcome", needs.render_needs_outcome, references=BOOKING_REFERENCES)
    booking_kind(mail, "place_offered", check=place_still_held)
    booking_kind(mail, "late_place", check=still_waiting)
    booking_kind(mail, "late_place_taken", check=place_still_held)
    booking_kind(mail, "date_changed")
    booking_kind(mail, "date_cancelled")
    booking_kind(mail, "reminder", check=date_emails.reminder_still_applies)
    booking_kind(
        mail,
        "date_message",
        references=(Reference("date_message_id", DateMessage),),
        check=date_emails.still_on_the_date,
    )
    mail.email(
        "calendar_update", invites.render_calendar_update, references=BOOKING_REFERENCES, prepare=invites.load_entries
    )
    mail.email("booking_links", booking_emails.render_booking_links, prepare=booking_emails.load_bookings)
    mail.email("manager_notice", booking_emails.render_manager_notice, references=BOOKING_REFERENCES)
    mail.email("approval_request", approvals.render_approval_request, references=BOOKING_REFERENCES)
    mail.email("team_booked", booking_emails.render_team_booked, references=(Reference("course_date_id", CourseDate),))
    booking_kind(mail, "approval_pending", check=invites.still_waiting_for_the_manager)
    booking_kind(mail, "approval_given", check=place_still_active)
    booking_kind(mail, "approval_refused")
    mail.email("needs_changed", booking_emails.render_needs_changed, references=BOOKING_REFERENCES)
    mail.load_with(Interest, so.joinedload(Interest.course))
    mail.email("interest_check", date_emails.render_interest_check, references=(Reference("interest_id", Interest),))
    mail.email(
        "dates_published",
        date_emails.render_dates_published,
        references=(Reference("interest_id", Interest), Reference("course_date_id", CourseDate)),
    )
    mail.email("below_minimum", date_emails.render_below_minimum, references=(Reference("course_date_id", CourseDate),))
    mail.email(
        "access_summary",
        date_emails.render_access_summary,
        references=(Reference("course_date_id", CourseDate),),
        prepare=date_emails.load_needs,
    )

    mail.job("released holds", bookings.release_holds_job)
    mail.job("reminders", reminders.reminders_job)
    mail.job("access summaries", reminders.access_summaries_job)
    mail.job("minimum numbers", reminders.below_minimum_job)
    mail.job("manager approvals", approvals.approvals_job)
