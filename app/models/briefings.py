"""Briefings: recorded videos partners watch online, their files, plays and "I have watched this" records."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.models.booking import CouncilArea, Sector, enum_column
from app.models.folding import search_text


class MediaKind(enum.StrEnum):
    """Which file of a briefing this is. A briefing has at most one file of each kind."""

    WEBM_VIDEO = "webm_video"
    MP4_VIDEO = "mp4_video"
    CAPTIONS = "captions"
    CHAPTERS = "chapters"
    TRANSCRIPT = "transcript"
    POSTER = "poster"
    # The same video with audio description: a voice that says what is shown when the narration does not.
    DESCRIBED_WEBM_VIDEO = "described_webm_video"
    DESCRIBED_MP4_VIDEO = "described_mp4_video"

    @property
    def label(self) -> str:
        return MEDIA_KIND_LABELS[self]

    @property
    def described(self) -> "MediaKind":
        """The audio-described kind of a video kind."""
        return {
            MediaKind.WEBM_VIDEO: MediaKind.DESCRIBED_WEBM_VIDEO,
            MediaKind.MP4_VIDEO: MediaKind.DESCRIBED_MP4_VIDEO,
        }[self]


MEDIA_KIND_LABELS = {
    MediaKind.WEBM_VIDEO: "Video (WebM)",
    MediaKind.MP4_VIDEO: "Video (MP4)",
    MediaKind.CAPTIONS: "Captions",
    MediaKind.CHAPTERS: "Chapters",
    MediaKind.TRANSCRIPT: "Transcript",
    MediaKind.POSTER: "Poster image",
    MediaKind.DESCRIBED_WEBM_VIDEO: "Video with audio description (WebM)",
    MediaKind.DESCRIBED_MP4_VIDEO: "Video with audio description (MP4)",
}


class Briefing(db.Model):
    """A recorded briefing or training video that anyone can watch without an account."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    summary: so.Mapped[str] = so.mapped_column(sa.String(500))
    description: so.Mapped[str] = so.mapped_column(sa.Text)
    audience: so.Mapped[str] = so.mapped_column(sa.Text)
    # Read from the video when it is uploaded, or from the end of the captions when the video does not say.
    duration_seconds: so.Mapped[int | None]
    published: so.Mapped[bool] = so.mapped_column(default=False, index=True)
    published_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    files: so.Mapped[list["BriefingFile"]] = so.relationship(
        back_populates="briefing", cascade="all, delete-orphan", lazy="selectin", order_by="BriefingFile.kind"
    )

    def file(self, kind: MediaKind) -> "BriefingFile | None":
        """This briefing's file of one kind, if it has one."""
        return next((f for f in self.files if f.kind == kind), None)

    @property
    def videos(self) -> list["BriefingFile"]:
        """The video files, WebM first: every current browser plays it, and it is usually smaller."""
        return [f for f in (self.file(MediaKind.WEBM_VIDEO), self.file(MediaKind.MP4_VIDEO)) if f]

    @property
    def described_videos(self) -> list["BriefingFile"]:
        """The audio-described video files, WebM first."""
        kinds = (MediaKind.DESCRIBED_WEBM_VIDEO, MediaKind.DESCRIBED_MP4_VIDEO)
        return [f for f in (self.file(kind) for kind in kinds) if f]

    def __repr__(self) -> str:
        return f"<Briefing {self.slug}>"


class BriefingFile(db.Model):
    """A file of a briefing, kept in the media folder under a name the service chose."""

    __table_args__ = (sa.UniqueConstraint("briefing_id", "kind", name="uq_briefing_file_briefing_kind"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # The unique constraint on (briefing_id, kind) is also the index for finding a briefing's files.
    briefing_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("briefing.id", ondelete="CASCADE"))
    kind: so.Mapped[MediaKind] = so.mapped_column(enum_column(MediaKind, "media_kind"))
    # Random hex and an extension for the content found, such as 3f2a...9c.webm. Never the uploader's name.
    stored_name: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    content_type: so.Mapped[str] = so.mapped_column(sa.String(80))
    size_bytes: so.Mapped[int] = so.mapped_column(sa.BigInteger)
    duration_seconds: so.Mapped[float | None]
    # The uploader's file name, made safe, shown to staff only so they know which file this was.
    original_name: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    uploaded_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    briefing: so.Mapped[Briefing] = so.relationship(back_populates="files")

    def __repr__(self) -> str:
        return f"<BriefingFile {self.kind} {self.stored_name}>"


class BriefingPlay(db.Model):
    """One visit in which most of a briefing was watched. Anonymous: no person, address or cookie is kept."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    briefing_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("briefing.id", ondelete="CASCADE"), index=True)
    counted_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class WatchedRecord(db.Model):
    """Someone told us they watched a briefing, and asked for a record of their learning."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    briefing_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("briefing.id", ondelete="CASCADE"), index=True)
    # The hidden key of the form that made this record: sending the form twice makes one record.
    submission_key: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    # app.core.addresses.email_key of the email, to find the person's bookings and this together.
    email_key: so.Mapped[str] = so.mapped_column(sa.String(254), default="", server_default="", index=True)
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200))
    sector: so.Mapped[Sector] = so.mapped_column(enum_column(Sector, "sector"))
    council_area: so.Mapped[CouncilArea] = so.mapped_column(enum_column(CouncilArea, "council_area"))
    # The name, email and organisation folded (app.models.folding), kept up to date by the events below.
    search_text: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    learning_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    briefing: so.Mapped[Briefing] = so.relationship()


@sa.event.listens_for(WatchedRecord, "before_insert")
@sa.event.listens_for(WatchedRecord, "before_update")
def _fold_for_search(_mapper, _connection, record: WatchedRecord) -> None:
    record.search_text = search_text(record.full_name, record.email, record.organisation)
