"""What an uploaded file really is, from its bytes and structure: never from its name.

The first bytes of a video say which container it claims to be; MediaInfo (pymediainfo, whose wheel
bundles libmediainfo) then reads the container, the codecs and the length from its headers, so checking
a 2 GB file takes a moment and little memory. Captions and chapters are read with webvtt-py, with the
checks it leaves out added here. Nothing here recurses, every number read is checked to be finite and in
range, and a crafted file is always refused with a plain message, never an error page.
"""

import json
import logging
import math
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from app.core.rules import Refused
from app.models import MediaKind

logger = logging.getLogger(__name__)

TEXT_MAX_BYTES = 5 * 1024 * 1024
POSTER_MAX_BYTES = 10 * 1024 * 1024
# A briefing is minutes long: a length or cue time past a day is a damaged or crafted file.
MAX_SECONDS = 24 * 60 * 60
MP4_VIDEO = {"avc1", "avc3"}
WEBM_VIDEO = {"V_VP8", "V_VP9", "V_AV1"}
WEBM_SOUND = {"A_OPUS", "A_VORBIS"}
# MediaInfo runs in a child process with a time and memory limit: a few crafted bytes (an MP4 edit list
# claiming four billion entries, say) make libmediainfo loop for a minute and take gigabytes of memory.
MEDIAINFO_SECONDS = 30
MEDIAINFO_MEMORY = 1024 * 1024 * 1024
# The child sets its limits (never above the machine's own, and no core dump of a gigabyte), reads the file
# with pymediainfo and prints what check_video needs as JSON. A length longer than 40 characters is no length
# a video has, so it is left out rather than cut short.
MEDIAINFO_CHILD = """
import json, resource, sys

path, seconds, memory = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for kind, value in ((resource.RLIMIT_CPU, seconds), (resource.RLIMIT_AS, memory), (resource.RLIMIT_CORE, 0)):
    hard = resource.getrlimit(kind)[1]
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (value, value))
from pymediainfo import MediaInfo


def text(value):
    return "" if value is None else str(value).strip()[:100]


info = MediaInfo.parse(path)
general = info.general_tracks[0] if info.general_tracks else None
duration = text(general and general.duration)
json.dump(
    {
        "container": text(general and general.format),
        "truncated": text(general and general.istruncated) == "Yes",
        "duration": duration if len(duration) <= 40 else "",
        "videos": [(text(t.format), text(t.codec_id)) for t in info.video_tracks],
        "sounds": [(text(t.format), text(t.codec_id)) for t in info.audio_tracks],
    },
    sys.stdout,
)
"""
CANNOT_READ_VIDEO = "We could not read this video. Export it again as MP4 (H.264) or WebM and upload the new file."
WEBVTT_HEADER = re.compile(r"^WEBVTT(?:[ \t].*)?$")
# WebVTT ends lines only at these, as webvtt-py does, so line numbers here match its reading.
WEBVTT_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A cue time as browsers read it: webvtt-py also reads short forms such as 0:1.5, whose cues browsers skip.
# Hours are capped at 10 digits, as webvtt-py caps them, so no time is too big to turn into a number.
TIMESTAMP = r"(?:\d{2,10}:)?[0-5]\d:[0-5]\d\.\d{3}"
CUE_TIMING = re.compile(rf"{TIMESTAMP}[ \t]*-->[ \t]*{TIMESTAMP}(?:[ \t].*)?")
# webvtt-py writes each cue time back as hours, minutes, seconds and milliseconds.
WEBVTT_TIME = re.compile(r"(\d{2,10}):([0-5]\d):([0-5]\d)\.(\d{3})")
CANNOT_READ_CUE = "has a cue time we cannot read, like 00:01.000 --> 00:04.000."
WEBVTT_TAG = re.compile(r"<[^>]*>")
WEBVTT_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": " ", "&lrm;": "", "&rlm;": ""}


class MediaRefused(Refused):
    """An upload was not accepted. The message tells staff what to do about it."""


class FileTooLarge(MediaRefused):
    """An upload was bigger than allowed."""


@dataclass
class CheckedMedia:
    """What an upload turned out to be."""

    kind: MediaKind
    content_type: str
    extension: str
    duration_seconds: float | None = None


@dataclass
class Cue:
    start: float
    end: float
    text: str


@dataclass
class VideoTracks:
    """MediaInfo's answer: the container, whether it is cut short, the length in ms, each track's format and codec."""

    container: str
    truncated: bool
    duration: str
    videos: list[tuple[str, str]]
    sounds: list[tuple[str, str]]


def check_video(path: Path) -> CheckedMedia:
    """An MP4 with H.264 video (and AAC sound, if any), or a WebM with VP8, VP9 or AV1 (and Opus or Vorbis)."""
    try:
        with open(path, "rb") as file:
            head = file.read(12)
    except OSError:
        logger.exception("Could not open the uploaded video %s", path.name)
        raise MediaRefused(CANNOT_READ_VIDEO) from None
    if head[4:8] == b"ftyp":
        tracks = video_tracks(path)
        check_mp4(tracks)
        return CheckedMedia(MediaKind.MP4_VIDEO, "video/mp4", "mp4", length_in_seconds(tracks.duration))
    if head[:4] == b"\x1a\x45\xdf\xa3":
        tracks = video_tracks(path)
        check_webm(tracks)
        return CheckedMedia(MediaKind.WEBM_VIDEO, "video/webm", "webm", length_in_seconds(tracks.duration))
    raise MediaRefused("The file is not an MP4 or WebM video. Export the video as MP4 (H.264) or WebM and try again.")


def video_tracks(path: Path) -> VideoTracks:
    """Read the video's tracks with MediaInfo in a child process; anything that goes wrong there is a refusal."""
    command = [sys.executable, "-I", "-c", MEDIAINFO_CHILD, str(path), str(MEDIAINFO_SECONDS), str(MEDIAINFO_MEMORY)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=MEDIAINFO_SECONDS + 5, check=False)
    except subprocess.TimeoutExpired:
        logger.warning("MediaInfo took over %s seconds to read the uploaded video %s", MEDIAINFO_SECONDS, path.name)
        raise MediaRefused(CANNOT_READ_VIDEO) from None
    except OSError:
        logger.exception("Could not start MediaInfo to read the uploaded video %s", path.name)
        raise MediaRefused(CANNOT_READ_VIDEO) from None
    if done.returncode != 0:
        # A crafted file, or one that hit the time or memory limit: the child's last words are for us, not staff.
        stderr = done.stderr[-2000:].decode("utf-8", "replace")
        logger.warning("MediaInfo stopped (%s) reading the uploaded video %s: %s", done.returncode, path.name, stderr)
        raise MediaRefused(CANNOT_READ_VIDEO)
    try:
        found = json.loads(done.stdout)
        return VideoTracks(
            container=str(found["container"]),
            truncated=found["truncated"] is True,
            duration=str(found["duration"]),
            videos=[(str(format_), str(codec)) for format_, codec in found["videos"]],
            sounds=[(str(format_), str(codec)) for format_, codec in found["sounds"]],
        )
    except (ValueError, TypeError, KeyError):
        logger.warning("MediaInfo gave an answer we could not read for the uploaded video %s", path.name)
        raise MediaRefused(CANNOT_READ_VIDEO) from None


def check_mp4(tracks: VideoTracks) -> None:
    """Refuse an MP4 that is damaged, has no video, or has video or sound some browsers cannot play."""
    if tracks.container != "MPEG-4":
        raise MediaRefused("The file is not an MP4 video. Export it as MP4 (H.264) and try again.")
    check_whole_with_video(tracks, "MP4")
    if any(codec not in MP4_VIDEO for _format, codec in tracks.videos):
        raise MediaRefused("The video in this MP4 is not H.264, so some browsers cannot play it. Export it again.")
    # MediaInfo names the codec from the sample entry and the format from the stream, so both must say AAC.
    if any(not (codec.startswith("mp4a") and format_ == "AAC") for format_, codec in tracks.sounds):
        raise MediaRefused("The sound in this MP4 is not AAC, so some browsers cannot play it. Export it again.")


def check_webm(tracks: VideoTracks) -> None:
    """Refuse a WebM that is damaged, has no video, or has video or sound browsers cannot play."""
    if tracks.container != "WebM":
        raise MediaRefused("The file is not a WebM video. Export it as WebM (VP9 with Opus sound) and try again.")
    check_whole_with_video(tracks, "WebM")
    if any(codec not in WEBM_VIDEO for _format, codec in tracks.videos):
        raise MediaRefused("The video in this WebM is not VP8, VP9 or AV1, so browsers cannot play it. Export again.")
    if any(codec not in WEBM_SOUND for _format, codec in tracks.sounds):
        raise MediaRefused("The sound in this WebM is not Opus or Vorbis, so browsers cannot play it. Export it again.")


def check_whole_with_video(tracks: VideoTracks, container: str) -> None:
    """Refuse a video file that was cut short or has no picture in it."""
    if tracks.truncated:
        raise MediaRefused(f"The {container} file is damaged or incomplete. Export the video again and upload it.")
    if not tracks.videos:
        raise MediaRefused(f"There is no video in this {container} file. Export the video again and upload it.")


def length_in_seconds(milliseconds: str) -> float | None:
    """A length MediaInfo gave in milliseconds, or None unless it is a number above 0 and at most a day."""
    try:
        seconds = float(milliseconds) / 1000
    except (ValueError, OverflowError):
        return None
    return seconds if math.isfinite(seconds) and 0 < seconds <= MAX_SECONDS else None


def read_text(path: Path, what: str) -> str:
    """The file as UTF-8 text, refusing anything with bytes that plain text does not have."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MediaRefused(f"The {what} must be saved as UTF-8 text. Save it again as UTF-8 and try again.") from None
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text):
        raise MediaRefused(f"The {what} has characters that are not text. Check it is a plain text file.")
    return text


def parse_webvtt(text: str) -> list[Cue]:
    """The cues of a WebVTT file, refusing anything that is not WebVTT or has a time that makes no sense."""
    text = text.removeprefix("\ufeff")
    lines = WEBVTT_LINE_BREAK.split(text)
    if not WEBVTT_HEADER.match(lines[0]):
        raise MediaRefused("The file is not WebVTT. A WebVTT file starts with the word WEBVTT on its first line.")
    timing_lines = [number for number, line in enumerate(lines, 1) if "-->" in line]
    for number in timing_lines:
        if not CUE_TIMING.fullmatch(lines[number - 1].strip()):
            raise MediaRefused(f"Line {number} {CANNOT_READ_CUE}")
    captions = webvtt_captions(text)
    # webvtt-py leaves out a cue whose times it cannot read, so every line with "-->" must have become a cue.
    if len(captions) != len(timing_lines):
        number = next((n for n in timing_lines if not webvtt_captions(f"WEBVTT\n\n{lines[n - 1]}\n")), None)
        where = f"Line {number}" if number else "The WebVTT file"
        raise MediaRefused(f"{where} {CANNOT_READ_CUE}")
    cues = []
    for number, caption in zip(timing_lines, captions, strict=True):
        start, end = cue_seconds(caption.start, number), cue_seconds(caption.end, number)
        if end < start:
            raise MediaRefused(f"Line {number} has a cue that ends before it starts.")
        cues.append(Cue(start, end, caption.raw_text))
    if not cues:
        raise MediaRefused("The WebVTT file has no cues. Check it has times and words.")
    return cues


def webvtt_captions(text: str) -> list[webvtt.Caption]:
    """The cues webvtt-py reads from the text; whatever else it raises is a refusal, not an error page."""
    try:
        return webvtt.from_string(text).captions
    except MalformedFileError:
        raise MediaRefused("The file is not WebVTT. Check it was saved as WebVTT captions (.vtt).") from None
    except MalformedCaptionError:
        raise MediaRefused(f"The WebVTT file {CANNOT_READ_CUE}") from None
    except Exception:
        logger.exception("webvtt-py could not read an uploaded WebVTT file")
        raise MediaRefused("We could not read this WebVTT file. Save it again as WebVTT and upload it.") from None


def cue_seconds(timestamp: str, number: int) -> float:
    """A cue time as webvtt-py writes it, in seconds with its milliseconds, at most a day."""
    match = WEBVTT_TIME.fullmatch(timestamp)
    if match is None:
        raise MediaRefused(f"Line {number} {CANNOT_READ_CUE}")
    hours, minutes, secs, millis = (int(part) for part in match.groups())
    seconds = hours * 3600 + minutes * 60 + secs + millis / 1000
    if seconds > MAX_SECONDS:
        raise MediaRefused(f"Line {number} has a cue time more than 24 hours into the video. Check its times.")
    return seconds


def cue_words(cue: Cue) -> str:
    """The words of a cue as plain text: WebVTT tags such as <v Sam> or <i> removed."""
    text = WEBVTT_TAG.sub("", cue.text)
    for entity, character in WEBVTT_ENTITIES.items():
        text = text.replace(entity, character)
    return " ".join(text.split())


def check_webvtt(path: Path, kind: MediaKind) -> CheckedMedia:
    """Captions or chapters: UTF-8 WebVTT with at least one cue. Its length is the end of the last cue."""
    cues = parse_webvtt(read_text(path, "WebVTT file"))
    return CheckedMedia(kind, "text/vtt", "vtt", max(cue.end for cue in cues))


def check_transcript(path: Path) -> CheckedMedia:
    """A plain UTF-8 text file with some words in it."""
    if not read_text(path, "transcript").strip():
        raise MediaRefused("The transcript is empty. Choose the file with the words in it.")
    return CheckedMedia(MediaKind.TRANSCRIPT, "text/plain", "txt")


def check_poster(path: Path) -> CheckedMedia:
    """A PNG or JPEG image."""
    with open(path, "rb") as file:
        head = file.read(8)
    if head == b"\x89PNG\r\n\x1a\n":
        return CheckedMedia(MediaKind.POSTER, "image/png", "png")
    if head[:3] == b"\xff\xd8\xff":
        return CheckedMedia(MediaKind.POSTER, "image/jpeg", "jpg")
    raise MediaRefused("The poster must be a PNG or JPEG image.")
