"""What a briefing page shows, gathered from the briefing's files."""

from dataclasses import dataclass, field

from flask import url_for

from app.briefings import checks, media
from app.models import Briefing, BriefingFile, MediaKind

CUES_PER_PARAGRAPH = 6


@dataclass
class VideoSource:
    url: str
    content_type: str
    label: str
    size_bytes: int


@dataclass
class Chapter:
    start: float
    title: str


@dataclass
class BriefingPage:
    briefing: Briefing
    videos: list[VideoSource] = field(default_factory=list)
    # MP4 when there is one: more video players on computers and phones open it.
    download: VideoSource | None = None
    captions_url: str | None = None
    chapters_url: str | None = None
    chapters: list[Chapter] = field(default_factory=list)
    poster_url: str | None = None
    transcript: list[str] = field(default_factory=list)
    # True when there is no transcript file and the words come from the captions.
    transcript_from_captions: bool = False
    transcript_size: int | None = None
    # Whether this page plays the audio-described videos, and whether the briefing has any.
    described: bool = False
    has_described: bool = False


def file_url(briefing: Briefing, file: BriefingFile) -> str:
    return url_for("briefings.media_file", slug=briefing.slug, name=file.stored_name)


def captions_paragraphs(captions: BriefingFile) -> list[str]:
    """The words of the captions, a few cues to a paragraph, with WebVTT tags removed."""
    words = [checks.cue_words(cue) for cue in media.cues(captions)]
    words = [text for text in words if text]
    return [" ".join(words[i : i + CUES_PER_PARAGRAPH]) for i in range(0, len(words), CUES_PER_PARAGRAPH)]


def transcript_download(briefing: Briefing) -> str | None:
    """A transcript made from the captions, for a briefing without a transcript file."""
    captions = briefing.file(MediaKind.CAPTIONS)
    if captions is None:
        return None
    return briefing.title + "\n\n" + "\n\n".join(captions_paragraphs(captions)) + "\n"


def briefing_page(briefing: Briefing, *, described: bool = False) -> BriefingPage:
    """Everything the briefing's page shows: with the plain videos, or with the audio-described ones."""
    page = BriefingPage(briefing, described=described, has_described=bool(briefing.described_videos))
    for video in briefing.described_videos if described else briefing.videos:
        label = "MP4" if video.content_type == "video/mp4" else "WebM"
        page.videos.append(VideoSource(file_url(briefing, video), video.content_type, label, video.size_bytes))
    page.download = next((v for v in page.videos if v.label == "MP4"), page.videos[0] if page.videos else None)
    if captions := briefing.file(MediaKind.CAPTIONS):
        page.captions_url = file_url(briefing, captions)
    if chapters := briefing.file(MediaKind.CHAPTERS):
        page.chapters_url = file_url(briefing, chapters)
        page.chapters = [Chapter(cue.start, checks.cue_words(cue)) for cue in media.cues(chapters)]
    if poster := briefing.file(MediaKind.POSTER):
        page.poster_url = file_url(briefing, poster)
    if transcript := briefing.file(MediaKind.TRANSCRIPT):
        text = media.transcript_text(transcript).replace("\r\n", "\n").replace("\r", "\n")
        page.transcript = [part.strip() for part in text.split("\n\n") if part.strip()]
        page.transcript_size = transcript.size_bytes
    elif captions:
        page.transcript = captions_paragraphs(captions)
        page.transcript_from_captions = True
    return page
