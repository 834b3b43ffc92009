"""Uploads are checked by what they contain, never by their names, and stored under names we choose."""

import io
from pathlib import Path

import pytest

from app.briefings import checks, media, service
from app.briefings.checks import FileTooLarge, MediaRefused
from app.models import MediaKind
from tests.factories import SAMPLE

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 2000


def receive(app, slot: str, data: bytes, filename: str = "upload", max_bytes: int = 10 * 1024 * 1024):
    with app.app_context():
        return service.receive_file(slot, io.BytesIO(data), filename, max_bytes=max_bytes)


def stored_files(app) -> set[str]:
    return {path.name for path in Path(app.config["MEDIA_DIR"]).iterdir()}


@pytest.mark.parametrize(
    "slot, sample, kind, content_type",
    [
        ("video", "webm", MediaKind.WEBM_VIDEO, "video/webm"),
        ("video", "mp4", MediaKind.MP4_VIDEO, "video/mp4"),
        ("captions", "captions", MediaKind.CAPTIONS, "text/vtt"),
        ("chapters", "chapters", MediaKind.CHAPTERS, "text/vtt"),
        ("transcript", "transcript", MediaKind.TRANSCRIPT, "text/plain"),
        ("poster", "poster", MediaKind.POSTER, "image/png"),
    ],
)
def test_the_sample_files_are_recognised_by_their_content(app, slot, sample, kind, content_type):
    received = receive(app, slot, SAMPLE[sample].read_bytes(), filename="anything.bin")
    assert received.checked.kind == kind
    assert received.checked.content_type == content_type
    assert media.STORED_NAME.match(received.stored_name)
    assert received.size_bytes == SAMPLE[sample].stat().st_size


@pytest.mark.parametrize("sample", ["webm", "mp4"])
def test_the_length_of_a_video_is_read_from_the_file(app, sample):
    received = receive(app, "video", SAMPLE[sample].read_bytes())
    assert received.checked.duration_seconds == pytest.approx(11.8, abs=0.1)


def test_an_executable_renamed_mp4_is_refused_and_nothing_is_kept(app):
    before = stored_files(app)
    with pytest.raises(MediaRefused, match="not an MP4 or WebM video"):
        receive(app, "video", ELF, filename="briefing.mp4")
    assert stored_files(app) == before


@pytest.mark.parametrize("slot", ["captions", "chapters", "transcript", "poster"])
def test_an_executable_is_refused_whatever_it_is_uploaded_as(app, slot):
    with pytest.raises(MediaRefused):
        receive(app, slot, ELF, filename=f"file.{ {'poster': 'png', 'transcript': 'txt'}.get(slot, 'vtt') }")


def test_a_video_passing_the_size_limit_is_refused_and_its_part_removed(app):
    before = stored_files(app)
    data = SAMPLE["webm"].read_bytes()
    with pytest.raises(FileTooLarge, match="smaller than 10 KB"):
        receive(app, "video", data, max_bytes=10 * 1024)
    assert stored_files(app) == before  # the partial copy in the media folder went too


def test_captions_have_their_own_smaller_limit(app):
    big = b"WEBVTT\n\n00:00.000 --> 00:01.000\n" + b"words " * (checks.TEXT_MAX_BYTES // 6 + 1)
    with pytest.raises(FileTooLarge, match="smaller than 5 MB"):
        receive(app, "captions", big)


def test_an_empty_file_is_refused(app):
    with pytest.raises(MediaRefused, match="empty"):
        receive(app, "captions", b"")


@pytest.mark.parametrize(
    "filename",
    ["../../../../etc/passwd", "..\\..\\windows\\system32\\evil.webm", "/tmp/absolute.webm", "a\x00b.webm", "%2e%2e/x"],
)
def test_path_tricks_in_the_file_name_change_nothing_about_where_it_is_kept(app, filename):
    received = receive(app, "video", SAMPLE["webm"].read_bytes(), filename=filename)
    media_dir = Path(app.config["MEDIA_DIR"]).resolve()
    with app.app_context():
        kept = media.media_path(received.stored_name).resolve()
    assert kept.parent == media_dir and kept.is_file()
    assert "/" not in received.original_name and "\\" not in received.original_name
    assert ".." not in received.original_name and "\x00" not in received.original_name


def test_stored_names_are_random_and_never_the_uploaders(app):
    first = receive(app, "video", SAMPLE["webm"].read_bytes(), filename="briefing.webm")
    second = receive(app, "video", SAMPLE["webm"].read_bytes(), filename="briefing.webm")
    assert first.stored_name != second.stored_name
    assert "briefing" not in first.stored_name and first.stored_name.endswith(".webm")


def test_media_path_refuses_names_the_service_did_not_make(app):
    with app.app_context(), pytest.raises(ValueError):
        media.media_path("../config.py")


def test_an_mp4_with_a_damaged_box_is_refused(app):
    data = bytearray(SAMPLE["mp4"].read_bytes())
    data[-500:] = b""  # cut off: the last box now claims more bytes than there are
    with pytest.raises(MediaRefused, match="damaged or incomplete"):
        receive(app, "video", bytes(data))


def test_an_mp4_whose_video_is_not_h264_is_refused(app):
    data = SAMPLE["mp4"].read_bytes().replace(b"avc1", b"hvc1")
    with pytest.raises(MediaRefused, match="not H.264"):
        receive(app, "video", data)


def test_an_mp4_whose_sound_is_not_aac_is_refused(app):
    data = SAMPLE["mp4"].read_bytes().replace(b"mp4a", b"ac-3")
    with pytest.raises(MediaRefused, match="not AAC"):
        receive(app, "video", data)


def test_a_matroska_file_that_is_not_webm_is_refused(app):
    data = SAMPLE["webm"].read_bytes().replace(b"\x42\x82\x84webm", b"\x42\x82\x84mkv ", 1)
    with pytest.raises(MediaRefused, match="not a WebM video"):
        receive(app, "video", data)


def test_a_webm_whose_video_browsers_cannot_play_is_refused(app):
    data = SAMPLE["webm"].read_bytes().replace(b"V_VP9", b"V_XYZ")
    with pytest.raises(MediaRefused, match="not VP8, VP9 or AV1"):
        receive(app, "video", data)


def test_a_webm_whose_sound_browsers_cannot_play_is_refused(app):
    data = SAMPLE["webm"].read_bytes().replace(b"A_OPUS", b"A_FLAC")
    with pytest.raises(MediaRefused, match="not Opus or Vorbis"):
        receive(app, "video", data)


HOSTILE_VTT = b"""WEBVTT

00:00.000 --> 00:02.000
<script>alert('captions')</script>Hello

00:02.000 --> 00:04.000
<img src=x onerror=alert(1)> <v Sam>Welcome</v> &lt;b&gt;
"""


def test_a_webvtt_file_with_script_in_a_cue_is_kept_as_captions_and_its_words_are_plain_text(app):
    received = receive(app, "captions", HOSTILE_VTT, filename="captions.vtt")
    assert received.checked.kind == MediaKind.CAPTIONS
    cues = checks.parse_webvtt(HOSTILE_VTT.decode())
    assert [checks.cue_words(cue) for cue in cues] == ["alert('captions')Hello", "Welcome <b>"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"<html><script>alert(1)</script></html>", "not WebVTT"),
        (b"WEBVTTX\n\n00:00.000 --> 00:01.000\nHi\n", "not WebVTT"),
        (b"WEBVTT\n\n00:00.000 --> soon\nHi\n", "cue time we cannot read"),
        (b"WEBVTT\n\n00:05.000 --> 00:01.000\nHi\n", "ends before it starts"),
        (b"WEBVTT\n\nNo cues at all\n", "no cues"),
        (b"WEBVTT\n\n00:00.000 --> 00:01.000\n\xff\xfe not utf-8\n", "UTF-8"),
        (b"WEBVTT\n\n00:00.000 --> 00:01.000\nnul \x00 byte\n", "not text"),
    ],
)
def test_files_that_are_not_good_webvtt_are_refused_with_a_reason(app, data, message):
    with pytest.raises(MediaRefused, match=message):
        receive(app, "captions", data, filename="captions.vtt")


def test_cue_times_keep_their_milliseconds(app):
    cues = checks.parse_webvtt(SAMPLE["captions"].read_text(encoding="utf-8"))
    assert [(cue.start, cue.end) for cue in cues] == [(0.0, 3.22), (3.62, 7.573), (7.973, 11.429)]
    assert receive(app, "chapters", SAMPLE["chapters"].read_bytes()).checked.duration_seconds == 11.829


@pytest.mark.parametrize(
    "timing, message",
    [
        ("0:01.500 --> 0:02.000", "Line 3 has a cue time we cannot read"),  # short forms browsers skip
        ("00:01.5 --> 00:02.000", "Line 3 has a cue time we cannot read"),
        ("00:00:00.000 --> " + "9" * 400 + ":00:00.000", "Line 3 has a cue time we cannot read"),
        ("00:60:00.000 --> 00:61:00.000", "Line 3 has a cue time we cannot read"),
        ("24:00:00.000 --> 24:00:00.001", "Line 3 has a cue time more than 24 hours"),
    ],
)
def test_cue_times_browsers_cannot_read_or_past_a_day_are_refused(app, timing, message):
    with pytest.raises(MediaRefused, match=message):
        receive(app, "captions", f"WEBVTT\n\n{timing}\nHi\n".encode())


def test_webvtt_with_a_byte_order_mark_hours_and_windows_line_ends_is_accepted(app):
    data = "\ufeffWEBVTT - made in Windows\r\n\r\n01:00:00.000 --> 01:00:02.500 align:start\r\nHi\r\n".encode()
    received = receive(app, "captions", data)
    assert received.checked.duration_seconds == 3602.5


def test_a_poster_must_be_png_or_jpeg_not_svg(app):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(MediaRefused, match="PNG or JPEG"):
        receive(app, "poster", svg, filename="poster.png")
    jpeg = receive(app, "poster", b"\xff\xd8\xff\xe0" + b"\x00" * 100, filename="poster.png")
    assert jpeg.checked.content_type == "image/jpeg" and jpeg.stored_name.endswith(".jpg")


def test_a_transcript_must_be_text(app):
    with pytest.raises(MediaRefused, match="UTF-8"):
        receive(app, "transcript", SAMPLE["poster"].read_bytes(), filename="transcript.txt")
    with pytest.raises(MediaRefused, match="empty"):
        receive(app, "transcript", b"  \n\n ")
    ok = receive(app, "transcript", "Siân said: ‘Families lead their plans.’\n".encode())
    assert ok.checked.kind == MediaKind.TRANSCRIPT
