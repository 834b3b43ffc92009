"""Briefings: recorded videos that partners watch online, with captions, transcripts and a record of learning."""

from app.mail.registry import Reference, Registry


def install(mail: Registry) -> None:
    """The one email briefings send: the record of learning for someone who watched."""
    import sqlalchemy.orm as so

    from app.briefings import messages
    from app.models import WatchedRecord

    mail.load_with(WatchedRecord, so.joinedload(WatchedRecord.briefing))
    mail.email(
        "watched_record",
        messages.render_record_of_learning,
        references=(Reference("watched_record_id", WatchedRecord),),
    )
