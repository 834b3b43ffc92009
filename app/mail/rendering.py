"""Turning an outbox row into the words and the calendar invite that are sent."""

from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm import Session

from app.database import utcnow
from app.mail import calendar
from app.models import (
    ACCESS_NEEDS,
    Booking,
    BookingStatus,
    CourseDate,
    DateStatus,
    Interest,
    OutboxMessage,
    WatchedRecord,
)


class RenderError(Exception):
    """The message can no longer be written, for example because its booking is gone."""


class NoLongerApplies(Exception):
    """The message should not go out any more, such as a reminder for a place since cancelled."""


@dataclass
class RenderedEmail:
    text: str
    html: str
    calendar_method: str | None = None
    calendar_ics: str | None = None


def public_url(path: str) -> str:
    """A full link to a page of the service, for use in emails."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def manage_url(booking: Booking) -> str:
    return public_url(f"/bookings/{booking.manage_token}")


def uid_domain() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def organiser_email() -> str:
    return current_app.config["TRAINING_TEAM_EMAIL"]


def render_pair(template: str, **context) -> tuple[str, str]:
    """The plain text and HTML versions of an email."""
    context.setdefault("team_email", organiser_email())
    context.setdefault("base_url", current_app.config["BASE_URL"].rstrip("/"))
    return render_template(f"email/{template}.txt", **context), render_template(f"email/{template}.html", **context)


def _get(session: Session, model, key):
    found = session.get(model, key) if key is not None else None
    if found is None:
        raise RenderError(f"{model.__name__} {key} no longer exists")
    return found


def render_message(session: Session, message: OutboxMessage) -> RenderedEmail:
    """Write the email for an outbox row, as things stand now."""
    context = dict(message.context or {})
    if message.kind == "watched_record":
        record = _get(session, WatchedRecord, context.get("watched_record_id"))
        text, html = render_pair(
            "watched_record",
            record=record,
            briefing=record.briefing,
            briefing_url=public_url(f"/briefings/{record.briefing.slug}"),
            dates_url=public_url("/dates"),
        )
        return RenderedEmail(text, html)
    course_date = _get(session, CourseDate, context.pop("course_date_id", None))
    if message.kind == "dates_published":
        interest = _get(session, Interest, context.pop("interest_id", None))
        text, html = render_pair(
            "dates_published",
            interest=interest,
            course_date=course_date,
            date_url=public_url(f"/dates/{course_date.id}"),
            dates_url=public_url("/dates"),
        )
        return RenderedEmail(text, html)
    if message.kind == "access_summary":
        needs = [
            b
            for b in session.scalars(
                sa.select(Booking)
                .where(Booking.course_date_id == course_date.id, Booking.status != BookingStatus.CANCELLED)
                .order_by(Booking.full_name)
            )
            if b.access_needs or b.access_details or b.dietary_needs
        ]
        text, html = render_pair(
            "access_summary",
            course_date=course_date,
            needs=needs,
            labels=ACCESS_NEEDS,
            date_url=public_url(f"/admin/dates/{course_date.id}/access"),
        )
        return RenderedEmail(text, html)

    booking = _get(session, Booking, message.booking_id)
    if message.kind == "reminder" and (
        booking.status != BookingStatus.CONFIRMED
        or booking.course_date_id != course_date.id
        or course_date.status != DateStatus.PUBLISHED
    ):
        raise NoLongerApplies("the place was cancelled or moved, or the date was cancelled")
    method = context.pop("method", None)
    sequence = context.pop("sequence", 0)
    day = context.pop("day", 1)
    if "old_date_id" in context:
        context["old_date"] = _get(session, CourseDate, context.pop("old_date_id"))
    link = manage_url(booking)
    invite = None
    if method:
        invites = calendar.booking_invites(
            booking,
            course_date,
            method=method,
            sequence=sequence,
            organiser=organiser_email(),
            manage_url=link,
            uid_domain=uid_domain(),
            now=utcnow(),
        )
        invite = invites[day - 1] if day <= len(invites) else None
    if message.kind == "calendar_day":
        if day > len(course_date.days):
            raise RenderError(f"day {day} of date {course_date.id} no longer exists")
        context.update(day=course_date.days[day - 1], day_number=day, cancelled=method == calendar.CANCEL)
    text, html = render_pair(message.kind, booking=booking, course_date=course_date, manage_url=link, **context)
    return RenderedEmail(text, html, method if invite else None, invite.ics if invite else None)
