"""Every kind of email renders through the registry, and a batch costs the same number of queries at any size."""

from datetime import time, timedelta

import sqlalchemy as sa
from sqlalchemy import event

from app.after_course import emails as after_course_emails
from app.briefings import service as briefings
from app.database import utcnow, writing
from app.enrolment import booking_emails as booking_messages
from app.enrolment import date_emails as date_messages
from app.enrolment.bookings import book_place
from app.enrolment.invites import queue_booking_email
from app.extensions import db
from app.mail.registry import RenderedEmail, registry, render_batch
from app.models import (
    Approval,
    Audience,
    CouncilArea,
    CourseDate,
    DateMessage,
    Interest,
    LinkPurpose,
    OutboxMessage,
    Role,
    Sector,
    StaffUser,
)
from app.staff import links
from tests.factories import booked, details, make_briefing, make_date, make_staff

PEOPLE = 50


def queue_every_kind(session, people: int) -> None:
    from flask import current_app as app

    """For each of `people` dates, one booking and one email of every kind, each about records of its own."""
    staff = make_staff(session)
    for number in range(people):
        briefing = make_briefing(session, files=(), published=False)
        course_date = make_date(session, days_from_now=20 + number, capacity=1)
        other_date = make_date(session, days_from_now=200 + number)
        booking = booked(session, course_date.id, details(access_details="A quiet room")).booking
        waiting = booked(session, course_date.id, details(email=f"waiting{number}@example.org")).booking
        held = book_place(session, other_date.id, details(email=f"held{number}@example.org")).booking  # check sent
        with writing(session):
            # Day 2 gets other hours, so the next change sends one invite per day, in calendar_update emails too.
            day_two = session.get(CourseDate, course_date.id).days[1]
            day_two.start_time, day_two.end_time = time(13), time(17)
            session.flush()
            booking = session.merge(booking)
            booking_messages.booking_link(session, booking)
            booking_messages.already_completed(session, booking)
            booking_messages.needs_updated(session, booking)
            queue_booking_email(session, booking, "needs_outcome", "Needs", outcome=booking.needs_status.value)
            booking_messages.booking_cancelled(session, booking, had_place=True)
            booking_messages.booking_moved(session, booking, session.get(CourseDate, other_date.id), had_place=True)
            date_messages.place_offered(session, booking)
            date_messages.date_changed(session, booking, ["Day 2 was earlier. It is now later."])
            date_messages.date_cancelled(session, booking, "The trainer is ill.", had_place=True)
            date_messages.reminder(session, booking, 2)
            date_messages.place_confirmed_late(session, booking)
            date_messages.late_place_open(session, session.merge(waiting), utcnow())
            booking_messages.booking_links(session, [booking])
            booking_messages.hold_released(session, session.merge(held))
            booking_messages.needs_changed(session, booking)
            # The emails of a manager's agreement, about the person waiting for a place.
            asking = session.merge(waiting)
            asking.approval, asking.approval_nonce = Approval.WAITING, f"{number:032d}"
            asking.approval_asked_at, asking.approval_due_at = utcnow(), utcnow() + timedelta(days=7)
            booking_messages.approval_request(session, asking)
            booking_messages.approval_pending(session, asking)
            booking_messages.approval_given(session, asking)
            booking_messages.approval_refused(session, asking, answered=True, had_place=False)
            booking_messages.team_booked(session, f"leader{number}@example.org", booking.course_date, 3)
            for kind in after_course_emails.AFTER_COURSE:
                after_course_emails.after_course_email(session, booking, kind)
            after_course_emails.missed_course(session, booking)
            saved = app.config["MANAGER_EMAILS"], app.config["EMAIL_LIMIT_PER_RECIPIENT"]
            app.config.update(MANAGER_EMAILS=True, EMAIL_LIMIT_PER_RECIPIENT="1000 per hour")
            booking_messages.tell_manager(session, booking, "booked")
            app.config["MANAGER_EMAILS"], app.config["EMAIL_LIMIT_PER_RECIPIENT"] = saved
            interest = Interest(
                course_id=course_date.course_id,
                full_name="Lee",
                email=f"lee{number}@example.org",
                email_key=str(number),
            )
            session.add(interest)
            session.flush()
            interest.check_token = f"{number:043d}"
            date_messages.interest_check(session, interest)
            date_messages.dates_published(session, interest, booking.course_date)
            date_messages.access_summary(session, staff, booking.course_date)
            booking.course_date.minimum_places = 2  # one place taken of two needed
            date_messages.below_minimum(session, booking.course_date)
            to_date = DateMessage(course_date_id=course_date.id, subject="Room 4", body="We are in Room 4.",
                                  audience=Audience.EVERYONE, recipients=1, sent_by="Sam Staff")  # fmt: skip
            session.add(to_date)
            session.flush()
            date_messages.date_message(session, booking, to_date)
            member = StaffUser(email=f"member{number}@example.org", name="Mo Member", role=Role.TRAINER)
            session.add(member)
            session.flush()
            for purpose in LinkPurpose:
                links.send_link(session, member, purpose, invited_by=staff)
        briefings.record_watched(
            session,
            briefing,
            briefings.WatchedDetails(
                "Zoë", f"zoe{number}@example.org", "Keswick School", Sector.SCHOOLS, CouncilArea.CUMBERLAND
            ),
        )


def count_queries(session, messages: list[OutboxMessage]) -> tuple[int, dict]:
    """Render the messages in a fresh session, counting the SQL statements that takes."""
    ids = [message.id for message in messages]
    session.close()
    fresh = list(session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(ids))))
    statements = []

    def count(_connection, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        rendered = render_batch(session, fresh)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements), rendered


def messages_by_kind(session, people: int) -> dict[str, list[OutboxMessage]]:
    queue_every_kind(session, people)
    session.rollback()
    by_kind: dict[str, list[OutboxMessage]] = {}
    for message in session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)):
        by_kind.setdefault(message.kind, []).append(message)
    return by_kind


def test_every_kind_renders_through_the_registry_and_fifty_cost_as_many_queries_as_five(session):
    every_kind = messages_by_kind(session, PEOPLE)
    kinds = registry().kinds
    assert set(every_kind) == set(kinds)
    costs = {}
    for kind, messages in sorted(every_kind.items()):
        assert len(messages) >= PEOPLE, kind
        few, few_rendered = count_queries(session, messages[:5])
        many, many_rendered = count_queries(session, messages[:PEOPLE])
        problems = [r for r in [*few_rendered.values(), *many_rendered.values()] if not isinstance(r, RenderedEmail)]
        assert problems == [], kind
        assert all(r.text.strip() and r.html.strip() for r in many_rendered.values()), kind
        costs[kind] = (few, many)
    assert {kind: few for kind, (few, many) in costs.items()} == {kind: many for kind, (few, many) in costs.items()}
    assert max(many for _few, many in costs.values()) <= 6, costs

    mixed_few = [message for messages in every_kind.values() for message in messages[:1]]
    mixed_many = [message for messages in every_kind.values() for message in messages[: PEOPLE // 5]]
    # One email of each kind in a batch costs no more than a query per kind, and ten of each no more than one.
    assert count_queries(session, mixed_few)[0] == count_queries(session, mixed_many)[0] <= len(kinds)


def test_a_message_whose_booking_is_gone_fails_alone(session):
    good = messages_by_kind(session, 1)["place_confirmed"][0]
    with writing(session):
        orphan = OutboxMessage(
            kind="place_confirmed",
            to_address="x@example.org",
            subject="Booked",
            context={"course_date_id": 987654},
            message_id="<orphan@example.org>",
        )
        session.add(orphan)
    rendered = render_batch(session, [session.get(OutboxMessage, good.id), session.get(OutboxMessage, orphan.id)])
    assert isinstance(rendered[good.id], RenderedEmail)
    assert "no longer exists" in str(rendered[orphan.id])
