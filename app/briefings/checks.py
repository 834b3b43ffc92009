"""What an uploaded file really is, from its bytes and structure: never from its name.

Videos are walked box by box (MP4) or element by element (WebM) far enough to find their codecs and
length, reading only their headers, so checking a 2 GB file takes a moment and little memory.
"""

import re
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from app.models import MediaKind

TEXT_MAX_BYTES = 5 * 1024 * 1024
POSTER_MAX_BYTES = 10 * 1024 * 1024
# The boxes inside an MP4 that lead to the codecs (moov > trak > mdia > minf > stbl > stsd).
MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}
MP4_BRANDS = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash"}
# Sound codecs an MP4 may carry that are not AAC.
MP4_OTHER_SOUND = {b"ac-3", b"ec-3", b"Opus", b"fLaC", b".mp3", b"alac", b"samr", b"lpcm", b"sowt", b"twos", b"ipcm"}
MOOV_MAX_BYTES = 64 * 1024 * 1024
WEBM_HEAD_BYTES = 4 * 1024 * 1024
TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
CUE_TIMING = re.compile(rf"^{TIMESTAMP}[ \t]+-->[ \t]+{TIMESTAMP}(?:[ \t].*)?$")
WEBVTT_TAG = re.compile(r"<[^>]*>")
WEBVTT_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": " ", "&lrm;": "", "&rlm;": ""}


class MediaRefused(Exception):
    """An upload was not accepted. The message tells staff what to do about it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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


def check_video(path: Path) -> CheckedMedia:
    """An MP4 with H.264 video (and AAC sound, if any), or a WebM with VP8, VP9 or AV1 (and Opus or Vorbis)."""
    with open(path, "rb") as file:
        head = file.read(12)
    if head[4:8] == b"ftyp":
        return CheckedMedia(MediaKind.MP4_VIDEO, "video/mp4", "mp4", mp4_duration(path))
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return CheckedMedia(MediaKind.WEBM_VIDEO, "video/webm", "webm", webm_duration(path))
    raise MediaRefused("The file is not an MP4 or WebM video. Export the video as MP4 (H.264) or WebM and try again.")


def mp4_boxes(data: bytes, start: int = 0, end: int | None = None):
    """The (type, body start, body end) of each box between start and end of an MP4 held in memory."""
    end = len(data) if end is None else end
    position = start
    while position + 8 <= end:
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1 and position + 16 <= end:
            size, header = struct.unpack(">Q", data[position + 8 : position + 16])[0], 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise MediaRefused("The MP4 file is damaged. Export the video again and upload the new file.")
        yield kind, position + header, position + size
        position += size


def mp4_duration(path: Path) -> float | None:
    """Walk the top-level boxes (seeking, not reading, past the video data); check the codecs in moov."""
    size = path.stat().st_size
    seen: dict[bytes, bytes] = {}
    with open(path, "rb") as file:
        position = 0
        while position < size:
            file.seek(position)
            header = file.read(16)
            if len(header) < 8:
                raise MediaRefused("The MP4 file is damaged or incomplete. Upload it again.")
            box_size, kind = struct.unpack(">I4s", header[:8])
            header_size = 8
            if box_size == 1:
                if len(header) < 16:
                    raise MediaRefused("The MP4 file is damaged or incomplete. Upload it again.")
                box_size, header_size = struct.unpack(">Q", header[8:16])[0], 16
            elif box_size == 0:
                box_size = size - position
            if box_size < header_size or position + box_size > size or not kind.isascii():
                raise MediaRefused("The MP4 file is damaged or incomplete. Upload it again.")
            if not seen and kind != b"ftyp":
                raise MediaRefused("The file is not an MP4 video.")
            if kind in (b"ftyp", b"moov"):
                if box_size > MOOV_MAX_BYTES:
                    raise MediaRefused("The MP4 file's index is too large to check. Export it again.")
                file.seek(position + header_size)
                seen[kind] = file.read(box_size - header_size)
            elif kind == b"mdat":
                seen[kind] = b""
            position += box_size
    brands = {seen[b"ftyp"][i : i + 4] for i in range(0, len(seen[b"ftyp"]), 4)}
    if not brands & MP4_BRANDS:
        raise MediaRefused("The file is not an MP4 video that browsers can play. Export it as MP4 (H.264).")
    if b"moov" not in seen or b"mdat" not in seen:
        raise MediaRefused("The MP4 file is incomplete. Export the video again and upload the new file.")
    return mp4_codecs_and_duration(seen[b"moov"])


def mp4_codecs_and_duration(moov: bytes) -> float | None:
    """Refuse video that is not H.264 and sound that is not AAC; return the length from mvhd."""
    codecs: set[bytes] = set()
    duration = None

    def walk(start: int, end: int) -> None:
        nonlocal duration
        for kind, body, stop in mp4_boxes(moov, start, end):
            if kind in MP4_CONTAINERS:
                walk(body, stop)
            elif kind == b"stsd" and stop - body >= 8:
                codecs.update(entry for entry, _b, _s in mp4_boxes(moov, body + 8, stop))
            elif kind == b"mvhd" and stop - body >= 20:
                if moov[body] == 1 and stop - body >= 32:
                    timescale, length = struct.unpack(">IQ", moov[body + 20 : body + 32])
                else:
                    timescale, length = struct.unpack(">II", moov[body + 12 : body + 20])
                duration = length / timescale if timescale else None

    walk(0, len(moov))
    if not codecs & {b"avc1", b"avc3"}:
        raise MediaRefused("The video in this MP4 is not H.264, so some browsers cannot play it. Export it again.")
    if codecs & MP4_OTHER_SOUND and b"mp4a" not in codecs:
        raise MediaRefused("The sound in this MP4 is not AAC, so some browsers cannot play it. Export it again.")
    return duration


def ebml_number(data: bytes, position: int, keep_marker: bool) -> tuple[int | None, int]:
    """Read an EBML variable-length number; None means 'size unknown'."""
    if position >= len(data) or data[position] == 0:
        raise MediaRefused("The WebM file is damaged. Export the video again and upload the new file.")
    length = 9 - data[position].bit_length()
    if length > (4 if keep_marker else 8) or position + length > len(data):
        raise MediaRefused("The WebM file is damaged. Export the video again and upload the new file.")
    value = int.from_bytes(data[position : position + length], "big")
    if keep_marker:
        return value, position + length
    value &= (1 << (7 * length)) - 1
    return (None if value == (1 << (7 * length)) - 1 else value), position + length


def ebml_elements(data: bytes, start: int, end: int):
    """The (id, body start, body end) of each element from start to end; stops at the end of what was read."""
    position = start
    while position < end:
        element, position = ebml_number(data, position, keep_marker=True)
        size, position = ebml_number(data, position, keep_marker=False)
        stop = end if size is None else min(position + size, end)
        yield element, position, stop
        position = stop


def webm_duration(path: Path) -> float | None:
    """Check the EBML header says webm and the codecs are ones browsers play; return the length if given."""
    with open(path, "rb") as file:
        data = file.read(WEBM_HEAD_BYTES)
    elements = ebml_elements(data, 0, len(data))
    header_id, body, stop = next(elements)
    doc_type = next((data[b:s] for e, b, s in ebml_elements(data, body, stop) if e == 0x4282), b"")
    if header_id != 0x1A45DFA3 or doc_type.rstrip(b"\0") != b"webm":
        raise MediaRefused("The file is not a WebM video. Export it as WebM (VP9 with Opus sound) and try again.")
    segment = next(elements, None)
    if segment is None or segment[0] != 0x18538067:
        raise MediaRefused("The WebM file is incomplete. Export the video again and upload the new file.")
    scale, duration, codecs = 1_000_000, None, set()
    for element, body, stop in ebml_elements(data, segment[1], segment[2]):
        if element == 0x1F43B675:  # the first cluster: the header is over
            break
        if element == 0x1549A966:  # Info
            for child, b, s in ebml_elements(data, body, stop):
                if child == 0x2AD7B1:
                    scale = int.from_bytes(data[b:s], "big")
                elif child == 0x4489 and s - b in (4, 8):
                    duration = struct.unpack(">f" if s - b == 4 else ">d", data[b:s])[0]
        elif element == 0x1654AE6B:  # Tracks
            for entry, b, s in ebml_elements(data, body, stop):
                if entry == 0xAE:
                    codecs.update(data[cb:cs] for c, cb, cs in ebml_elements(data, b, s) if c == 0x86)
    if not codecs & {b"V_VP8", b"V_VP9", b"V_AV1"}:
        raise MediaRefused("The video in this WebM is not VP8, VP9 or AV1, so browsers cannot play it. Export again.")
    if codecs - {b"V_VP8", b"V_VP9", b"V_AV1", b"A_OPUS", b"A_VORBIS"}:
        raise MediaRefused("The sound in this WebM is not Opus or Vorbis, so browsers cannot play it. Export it again.")
    return duration * scale / 1e9 if duration else None


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
    """The cues of a WebVTT file, refusing anything that is not WebVTT."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        raise MediaRefused("The file is not WebVTT. A WebVTT file starts with the word WEBVTT on its first line.")
    cues: list[Cue] = []
    number = 1
    while number < len(lines):
        line = lines[number]
        if "-->" in line:
            timing = CUE_TIMING.match(line.strip())
            if timing is None:
                raise MediaRefused(f"Line {number + 1} has a cue time we cannot read, like 00:01.000 --> 00:04.000.")
            start, end = seconds(*timing.groups()[:4]), seconds(*timing.groups()[4:])
            if end < start:
                raise MediaRefused(f"Line {number + 1} has a cue that ends before it starts.")
            words = []
            number += 1
            while number < len(lines) and lines[number].strip():
                words.append(lines[number])
                number += 1
            cues.append(Cue(start, end, "\n".join(words)))
        number += 1
    if not cues:
        raise MediaRefused("The WebVTT file has no cues. Check it has times and words.")
    return cues


def seconds(hours: str | None, minutes: str, secs: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000


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
