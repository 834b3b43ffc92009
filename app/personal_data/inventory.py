"""What the service holds about the people who book, watch a briefing or ask to hear about new dates: every
column of every table, sorted into one of three lists.

- ABOUT_PEOPLE: columns that say something about a person. A request for their data exports each of them
  from the rows about that person, and erasing (on request, or by the retention purge) puts the value given
  here in its place, or removes the row (ROW_GOES).
- NOT_PERSONAL: columns that say nothing about anyone on their own: ids, dates, statuses, and what the
  reports count (area of work, council area, attendance marks, feedback scores). They stay, so the reports
  still add up after someone is erased.
- STAFF: the training team's own accounts and what they write, looked after on the accounts page.

tests/personal_data/test_inventory.py fails when a table or column is in none of them (or in two), so a new
column cannot hold personal data without saying how it is exported and erased.
"""

import sqlalchemy as sa

REMOVED = "Removed"
# The person's name, wherever it appears in the text, is replaced by REMOVED; the rest of the text stays.
NAME_IN_TEXT = object()
# The row itself goes when the person is erased: what it is for (telling them about dates, an email to
# them) is nothing without them.
ROW_GOES = object()


def removed_marker(table: sa.Table):
    """A unique stand-in for a value that must stay unique ("removed-12"), as an SQL expression."""
    return sa.literal("removed-") + sa.cast(table.c.id, sa.String)


def removed_address(table: sa.Table):
    return removed_marker(table) + "@removed.invalid"


# column -> what erasing puts there (a value, or a function of the table giving an SQL expression)
ABOUT_PEOPLE: dict[str, dict[str, object]] = {
    "booking": {
        "full_name": REMOVED,
        "email": removed_address,
        "email_key": removed_address,
        "manage_token": removed_marker,
        "submission_key": None,
        "phone": "",
        "job_title": "",
        "organisation": "",
        "manager_name": "",
        "manager_email": "",
        "access_needs": [],
        "access_details": "",
        "dietary_needs": "",
        "needs_note": "",
        "search_text": "",
    },
    "certificate": {"full_name": REMOVED},
    "feedback": {"worked_well": "", "worries": "", "next_steps": "", "may_quote": False, "quote_with_name": False},
    "watched_record": {
        "full_name": REMOVED,
        "email": "removed@removed.invalid",
        "organisation": "",
        "learning_note": "",
        "submission_key": None,
        "email_key": "",
        "search_text": "",
    },
    "interest": {
        "full_name": ROW_GOES,
        "email": ROW_GOES,
        "email_key": ROW_GOES,
        "organisation": ROW_GOES,
        "check_token": ROW_GOES,
    },
    "outbox_message": {
        "to_address": ROW_GOES,
        "to_key": ROW_GOES,
        "subject": ROW_GOES,
        "context": ROW_GOES,
        "last_error": ROW_GOES,
        "dedupe_key": ROW_GOES,
        "message_id": ROW_GOES,
    },
    # Entries about someone's booking may name them ("Siân Evans changed from absent to attended"): erasing
    # puts REMOVED in place of the name. The entry itself stays, as the record of what was done.
    "audit_event": {"summary": NAME_IN_TEXT},
}

NOT_PERSONAL: dict[str, set[str]] = {
    "booking": {
        "id", "reference", "course_date_id", "status", "sector", "council_area", "manager_agrees", "needs_status",
        "approval", "approval_nonce", "approval_asked_at", "approval_due_at", "approval_reminded_at",
        "approval_answered_at",
        "needs_checked_at", "needs_checked_by_id", "email_checked_at", "hold_until", "queued_at", "confirmed_at",
        "cancelled_at", "anonymised_at", "erased_at", "created_at", "updated_at",
    },
    "certificate": {"id", "booking_id", "reference", "course_title", "days", "hours", "venue", "trainers", "issued_at"},
    "feedback": {"id", "booking_id", "confidence_before", "confidence_after", "created_at", "updated_at"},
    "watched_record": {"id", "briefing_id", "sector", "council_area", "created_at"},
    "interest": {"id", "course_id", "email_checked_at", "created_at", "notified_at"},
    "outbox_message": {
        "id", "kind", "booking_id", "status", "attempts", "next_attempt_at", "locked_until", "claim_token",
        "created_at", "sent_at",
    },
    "audit_event": {"id", "at", "staff_user_id", "actor", "action", "subject_type", "subject_id"},
    "attendance": {"id", "booking_id", "course_day_id", "mark", "marked_by_id", "marked_at"},
    "calendar_entry": {"id", "booking_id", "course_date_id", "part", "uid", "sequence", "status", "days",
                       "summary", "location", "updated_at"},
    "course": {"id", "slug", "title", "summary", "description", "audience", "in_person", "manager_approval",
               "created_at", "updated_at"},
    "course_date": {
        "id", "course_id", "venue_id", "capacity", "places_taken", "minimum_places", "status", "booking_closes_at",
        "cancellation_reason", "feedback_closed_at", "feed_sequence", "created_at", "updated_at",
    },
    "course_day": {"id", "course_date_id", "day", "start_time", "end_time"},
    "venue": {
        "id", "name", "address", "town", "postcode", "step_free_access", "step_free_access_note", "hearing_loop",
        "hearing_loop_note", "accessible_toilets", "accessible_toilets_note", "parking", "access_notes",
        "created_at", "updated_at",
    },
    "briefing": {"id", "slug", "title", "summary", "description", "audience", "duration_seconds", "published",
                 "published_at", "created_at", "updated_at"},
    "briefing_file": {"id", "briefing_id", "kind", "stored_name", "content_type", "size_bytes", "duration_seconds",
                      "original_name", "uploaded_at"},
    "briefing_play": {"id", "briefing_id", "counted_at"},
    "site_setting": {"name", "value"},
    "alembic_version": {"version_num"},
}  # fmt: skip

STAFF: dict[str, set[str]] = {
    "staff_user": {
        "id", "email", "tenant_id", "object_id", "name", "password_hash", "role", "active", "session_key",
        "created_at", "last_signed_in_at", "totp_secret", "totp_last_step", "second_factor_required",
    },
    "staff_link": {"id", "token", "staff_user_id", "purpose", "created_at", "expires_at", "used_at"},
    "staff_session": {"id", "token", "staff_user_id", "started_at"},
    "course_date_trainer": {"course_date_id", "staff_user_id"},
    # A message the team sent to everyone on a date: the team's words, and how many it went to.
    "date_message": {"id", "course_date_id", "subject", "body", "audience", "recipients", "sent_by_id", "sent_by",
                     "submission_key", "sent_at"},
}  # fmt: skip


# Secret keys (a booking's link, a confirmation link): held about the person, named in their data but not
# shown, since a copy of the export could be used to change their booking.
SECRETS = {
    ("booking", "manage_token"), ("booking", "submission_key"), ("watched_record", "submission_key"),
    ("interest", "check_token"), ("outbox_message", "dedupe_key"), ("outbox_message", "claim_token"),
}  # fmt: skip


def erased_values(table: sa.Table) -> dict:
    """What erasing puts in each personal column of a table whose rows stay, as values for an UPDATE."""
    values = {}
    for column, value in ABOUT_PEOPLE[table.name].items():
        if value is ROW_GOES or value is NAME_IN_TEXT:
            raise ValueError(f"{table.name}.{column} is not set to one value")
        values[column] = value(table) if callable(value) else value
    return values
