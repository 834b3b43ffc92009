"""The briefing rules: what is shown, which files a briefing has, plays, and "I have watched this" records.

Every function that writes owns its transaction. Files are written to disk before the row that names
them is committed, and an old file is removed only after the row that replaced it is committed, so a
row never names a file that is not there.
"""

import math
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.briefings import checks, media, messages
from app.briefings.checks import MediaRefused
from app.catalogue.records import save_record
from app.core import audit
from app.core.addresses import email_key
from app.core.exports import csv_text
from app.core.rules import NotFound, Refused
from app.core.search import contains_typed
from app.database import utcnow, writing
from app.models import (
    COUNCIL_AREA_LABELS,
    SECTOR_LABELS,
    Briefing,
    BriefingFile,
    BriefingPlay,
    CouncilArea,
    MediaKind,
    Sector,
    StaffUser,
    WatchedRecord,
)

# What staff upload, one file at a time. A video may turn out to be WebM or MP4: a briefing can have both.
SLOTS = ("video", "described_video", "captions", "chapters", "transcript", "poster")
VIDEO_SLOTS = ("video", "described_video")
REQUIRED_TO_PUBLISH = "To publish a briefing, upload a video and its captions first."


BRIEFING_FIELDS = ("title", "slug", "summary", "description", "audience")


class BriefingError(Refused):
    """A briefing rule said no. The message is written for the person who asked."""


class BriefingNotFound(BriefingError, NotFound):
    """There is no such briefing."""


@dataclass
class WatchedDetails:
    """What a person tells us when they say they watched a briefing."""

    full_name: str
    email: str
    organisation: str
    sector: Sector
    council_area: CouncilArea
    learning_note: str = ""


@dataclass
class BriefingReport:
    briefing: Briefing
    plays: int
    records: int
    by_sector: list[tuple[str, int]] = field(default_factory=list)
    by_council_area: list[tuple[str, int]] = field(default_factory=list)


def published_briefings(session: Session) -> list[Briefing]:
    """The briefings anyone can watch, in title order."""
    return list(session.scalars(sa.select(Briefing).where(Briefing.published).order_by(Briefing.title)))


def all_briefings(session: Session) -> list[Briefing]:
    """Every briefing, published or not, for the training team."""
    return list(session.scalars(sa.select(Briefing).order_by(Briefing.title)))


def briefing_by_slug(session: Session, slug: str, *, include_unpublished: bool = False) -> Briefing | None:
    """The briefing at this address; unpublished ones only when asked for."""
    query = sa.select(Briefing).where(Briefing.slug == slug)
    if not include_unpublished:
        query = query.where(Briefing.published)
    return session.scalar(query)


def save_briefing(session: Session, briefing_id: int | None, values: dict, *, actor: StaffUser | None) -> Briefing:
    """Add a briefing (briefing_id None, unpublished) or change its words."""
    return save_record(
        session,
        Briefing,
        briefing_id,
        values,
        BRIEFING_FIELDS,
        actor=actor,
        describe=lambda b: f"Saved the briefing '{b.title}'",
        new=lambda: Briefing(published=False),
        not_found=BriefingNotFound,
    )


def _locked(session: Session, briefing_id: int) -> Briefing:
    briefing = session.get(Briefing, briefing_id, with_for_update=True)
    if briefing is None:
        raise BriefingNotFound("We could not find that briefing.")
    return briefing


def length_of(briefing: Briefing) -> int | None:
    """The briefing's length in seconds: the video's, or failing that the end of the last caption."""
    for kind in (MediaKind.WEBM_VIDEO, MediaKind.MP4_VIDEO, MediaKind.CAPTIONS):
        file = briefing.file(kind)
        if file is not None and file.duration_seconds:
            return math.ceil(file.duration_seconds)
    return None


@dataclass
class ReceivedFile:
    """An upload that passed its checks and is kept under its new name, waiting to be attached."""

    checked: checks.CheckedMedia
    stored_name: str
    original_name: str
    size_bytes: int


def receive_file(slot: str, stream: BinaryIO, filename: str | None, *, max_bytes: int) -> ReceivedFile:
    """Copy an upload to the media folder, check what it really is, and keep it under a new name."""
    limit = max_bytes if slot in VIDEO_SLOTS else checks.POSTER_MAX_BYTES if slot == "poster" else checks.TEXT_MAX_BYTES
    limit = min(limit, max_bytes)
    incoming = media.receive(stream, limit, f"The file must be smaller than {describe_size(limit)}.")
    try:
        checked = check_upload(incoming, slot)
        size = incoming.stat().st_size
    except BaseException:
        incoming.unlink(missing_ok=True)
        raise
    return ReceivedFile(checked, media.keep(incoming, checked), media.safe_display_name(filename), size)


def attach_file(session: Session, briefing_id: int, received: ReceivedFile, *, actor: StaffUser | None) -> BriefingFile:
    """Let a received file replace the briefing's file of its kind; the old file is removed after the commit."""
    try:
        file, replaced = _record_file(session, briefing_id, received, actor)
    except BaseException:
        media.forget(received.stored_name)
        raise
    media.forget(replaced)
    return file


def check_upload(path: Path, slot: str) -> checks.CheckedMedia:
    """What the upload in this slot really is, or MediaRefused."""
    if slot == "video":
        return checks.check_video(path)
    if slot == "described_video":
        # The same checks as the video; kept as its audio-described kind, beside the plain one.
        checked = checks.check_video(path)
        return replace(checked, kind=checked.kind.described)
    if slot in ("captions", "chapters"):
        return checks.check_webvtt(path, MediaKind(slot))
    if slot == "transcript":
        return checks.check_transcript(path)
    if slot == "poster":
        return checks.check_poster(path)
    raise MediaRefused("Choose what you are uploading.")


def _record_file(
    session: Session, briefing_id: int, received: ReceivedFile, actor: StaffUser | None
) -> tuple[BriefingFile, str | None]:
    checked = received.checked
    with writing(session):
        briefing = _locked(session, briefing_id)
        file = briefing.file(checked.kind)
        replaced = file.stored_name if file else None
        if file is None:
            file = BriefingFile(kind=checked.kind)
            briefing.files.append(file)
        file.stored_name = received.stored_name
        file.content_type = checked.content_type
        file.size_bytes = received.size_bytes
        file.duration_seconds = checked.duration_seconds
        file.original_name = received.original_name
        file.uploaded_at = utcnow()
        briefing.duration_seconds = length_of(briefing)
        summary = f"Uploaded {checked.kind.label.lower()} '{received.original_name}' for '{briefing.title}'"
        audit.record(session, actor, "briefing file uploaded", briefing, summary)
    return file, replaced


def remove_file(session: Session, briefing_id: int, kind: MediaKind, *, actor: StaffUser | None) -> None:
    """Remove one file. A published briefing keeps at least one video and its captions."""
    with writing(session):
        briefing = _locked(session, briefing_id)
        file = briefing.file(kind)
        if file is None:
            raise BriefingError("That file has already been removed.")
        briefing.files.remove(file)
        if briefing.published and not can_publish(briefing):
            raise BriefingError("A published briefing needs a video and captions. Upload a new one instead.")
        stored_name = file.stored_name
        briefing.duration_seconds = length_of(briefing)
        audit.record(session, actor, "briefing file removed", briefing, f"Removed the {kind.label.lower()}")
    media.forget(stored_name)


def can_publish(briefing: Briefing) -> bool:
    """Captions are the law for recorded video: no briefing goes out without them."""
    return bool(briefing.videos) and briefing.file(MediaKind.CAPTIONS) is not None


def set_published(session: Session, briefing_id: int, published: bool, *, actor: StaffUser | None) -> Briefing:
    """Publish a briefing, or take it off the public pages."""
    with writing(session):
        briefing = _locked(session, briefing_id)
        if published and not can_publish(briefing):
            raise BriefingError(REQUIRED_TO_PUBLISH)
        if published == briefing.published:
            return briefing
        if published:
            briefing.published_at = utcnow()
        briefing.published = published
        action = "briefing published" if published else "briefing unpublished"
        done = "Published" if published else "Unpublished"
        audit.record(session, actor, action, briefing, f"{done} the briefing '{briefing.title}'")
    return briefing


def count_play(session: Session, briefing_id: int) -> None:
    """Count one anonymous play."""
    with writing(session):
        session.add(BriefingPlay(briefing_id=briefing_id))


def record_watched(
    session: Session, briefing: Briefing, details: WatchedDetails, *, submission_key: str | None = None
) -> tuple[WatchedRecord, bool]:
    """Keep the record and queue its email in one transaction. The same form sent twice makes one record."""
    earlier = sa.select(WatchedRecord).where(WatchedRecord.submission_key == submission_key)
    try:
        with writing(session):
            if submission_key and (found := session.scalar(earlier)) is not None:
                return found, False
            record = WatchedRecord(
                briefing_id=briefing.id,
                submission_key=submission_key or None,
                full_name=details.full_name,
                email=details.email.strip(),
                email_key=email_key(details.email),
                organisation=details.organisation,
                sector=details.sector,
                council_area=details.council_area,
                learning_note=details.learning_note,
            )
            session.add(record)
            session.flush()
            messages.record_of_learning(session, record, briefing)
        return record, True
    except IntegrityError:  # the same form sent twice at the same moment
        found = session.scalar(earlier) if submission_key else None
        if found is None:
            raise
        return found, False


def people_who_watched(session: Session, typed: str, limit: int = 50) -> list[WatchedRecord]:
    """The "I have watched this" records whose name, email or organisation holds what was typed (any case,
    with or without accents), the latest first. Records whose person was removed have nothing to find."""
    typed = " ".join(typed.split())
    if len(typed) < 2:
        return []
    query = (
        sa.select(WatchedRecord)
        .where(contains_typed(WatchedRecord.search_text, typed))
        .options(so.joinedload(WatchedRecord.briefing))
        .order_by(WatchedRecord.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def report(session: Session, briefing: Briefing) -> BriefingReport:
    """Plays and records for one briefing, with records counted by area of work and by council area."""
    plays = session.scalar(sa.select(sa.func.count(BriefingPlay.id)).where(BriefingPlay.briefing_id == briefing.id))
    rows = session.execute(
        sa.select(WatchedRecord.sector, WatchedRecord.council_area).where(WatchedRecord.briefing_id == briefing.id)
    ).all()
    sectors = Counter(sector for sector, _area in rows)
    areas = Counter(area for _sector, area in rows)
    return BriefingReport(
        briefing=briefing,
        plays=plays or 0,
        records=len(rows),
        by_sector=[(label, sectors[sector]) for sector, label in SECTOR_LABELS.items()],
        by_council_area=[(label, areas[area]) for area, label in COUNCIL_AREA_LABELS.items()],
    )


def records_csv(session: Session, briefing: Briefing) -> str:
    """Everyone who said they watched this briefing, oldest first, as a spreadsheet safe to open in Excel."""
    records = session.scalars(
        sa.select(WatchedRecord).where(WatchedRecord.briefing_id == briefing.id).order_by(WatchedRecord.id)
    )
    header = ["Date", "Full name", "Work email", "Organisation", "Area of work", "Council area", "Learning"]
    rows = (
        [
            f"{record.created_at:%Y-%m-%d}",
            record.full_name,
            record.email,
            record.organisation,
            SECTOR_LABELS.get(record.sector, record.sector),
            COUNCIL_AREA_LABELS.get(record.council_area, record.council_area),
            record.learning_note,
        ]
        for record in records
    )
    return csv_text(header, rows)


def describe_size(size: int) -> str:
    """2 GB, 5 MB, 12 KB."""
    for unit, step in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= step:
            value = size / step
            return f"{value:.0f} {unit}" if value >= 10 or value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def describe_length(seconds: int | None) -> str:
    """Under 1 minute, 1 minute, 25 minutes, 1 hour 5 minutes."""
    if not seconds:
        return "Length not known"
    minutes = round(seconds / 60)
    if minutes < 1:
        return "Under 1 minute"
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours > 1 else ''}"] if hours else []
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes > 1 else ''}")
    return " ".join(parts)


def clock(seconds: float) -> str:
    """0:05, 12:30, 1:02:03 - a time in a video."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def stray_files(session: Session, older_than_seconds: int = 3600) -> list[Path]:
    """Files in the media folder that no briefing names, such as uploads cut off half way, once they are old."""
    named = set(session.scalars(sa.select(BriefingFile.stored_name)))
    cutoff = time.time() - older_than_seconds
    return sorted(
        path
        for path in media.media_dir().iterdir()
        if path.is_file() and path.name not in named and path.stat().st_mtime < cutoff
    )
