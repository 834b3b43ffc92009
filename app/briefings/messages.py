"""The record of learning emailed to someone who watched a briefing."""

from sqlalchemy.orm import Session

from app.mail.outbox import queue_message
from app.mail.registry import Batch, RenderedEmail, public_url, render_pair
from app.models import Briefing, OutboxMessage, WatchedRecord


def record_of_learning(session: Session, record: WatchedRecord, briefing: Briefing) -> None:
    queue_message(
        session,
        kind="watched_record",
        to=record.email,
        subject=f"Your record of learning: {briefing.title}",
        context={"watched_record_id": record.id},
    )


def render_record_of_learning(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    record = batch.referenced(message)["watched_record"]
    text, html = render_pair(
        "watched_record",
        record=record,
        briefing=record.briefing,
        briefing_url=public_url(f"/briefings/{record.briefing.slug}"),
        dates_url=public_url("/dates"),
    )
    return RenderedEmail(text, html)
