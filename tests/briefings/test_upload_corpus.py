"""Crafted and broken uploads are refused with a plain sentence, or kept with a sane length: never an error page."""

import html
import io
import math
import random
import re
import struct
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.briefings import checks, media, service
from app.briefings.checks import MediaRefused
from app.models import Briefing, MediaKind
from tests.factories import SAMPLE, SLOT_OF, make_briefing, make_staff, sign_in

MAX_BYTES = 10 * 1024 * 1024
# Words that belong in a traceback or a spec, not in a message for the training team.
JARGON = re.compile(r"(?i)traceback|exception|error|errno|none\b|0x|mediainfo|webvtt-py|ebml|\bbox|recursion|overflow")


def box(kind: bytes, body: bytes) -> bytes:
    """An MP4 box: its size, its type, then its body."""
    return struct.pack(">I4s", 8 + len(body), kind) + body


def nested_traks(depth: int) -> bytes:
    """The sample's ftyp, then a moov holding `depth` trak boxes each inside the one before, then an empty mdat."""
    mp4 = SAMPLE["mp4"].read_bytes()
    ftyp = mp4[: struct.unpack(">I", mp4[:4])[0]]
    assert ftyp[4:8] == b"ftyp"
    # Each header's size covers every box inside it, so the nest is written in one pass, not rebuilt per level.
    traks = b"".join(struct.pack(">I4s", 8 * (depth - level), b"trak") for level in range(depth))
    return ftyp + box(b"moov", traks) + box(b"mdat", b"")


def webm_with_duration(value: float) -> bytes:
    """The sample WebM with its Info/Duration float set to value."""
    data = bytearray(SAMPLE["webm"].read_bytes())
    at = data.find(b"\x44\x89")
    assert data[at + 2] == 0x88, "the sample's Duration is an 8-byte float"
    data[at + 3 : at + 11] = struct.pack(">d", value)
    return bytes(data)


def mp4_with_endless_table(table: bytes) -> bytes:
    """The sample MP4 with one of its tables claiming four billion entries, which MediaInfo tries to read."""
    data = bytearray(SAMPLE["mp4"].read_bytes())
    count = data.find(table) + 8  # after the box's type, its version and flags
    data[count : count + 4] = b"\xff\xff\xff\xff"
    return bytes(data)


def vtt(*cues: str) -> bytes:
    return ("WEBVTT\n\n" + "\n\n".join(cues) + "\n").encode()


def truncated_samples():
    for name, path in SAMPLE.items():
        data = path.read_bytes()
        cuts = {1, 4, 8, 12, 16, 40, 100, 700, len(data) // 4, len(data) // 2, len(data) - 500, len(data) - 1}
        for cut in sorted(c for c in cuts if 0 < c < len(data)):
            yield f"{name}-cut-at-{cut}", SLOT_OF.get(name, name), data[:cut]


def random_files():
    rng = random.Random(20240601)  # the same bytes every run, so a failure can be repeated
    for slot in service.SLOTS:
        for size in (1, 7, 64, 4096):
            yield f"random-{size}-bytes-as-{slot}", slot, rng.randbytes(size)
    for name, magic in (("mp4", b"\x00\x00\x00\x20ftypisom"), ("webm", b"\x1a\x45\xdf\xa3")):
        for size in (16, 4096):
            yield f"random-bytes-after-{name}-magic-{size}", "video", magic + rng.randbytes(size)


CORPUS = [
    ("mp4-3000-nested-traks", "video", nested_traks(3000)),
    ("mp4-edit-list-of-four-billion-entries", "video", mp4_with_endless_table(b"elst")),
    ("mp4-time-table-of-four-billion-entries", "video", mp4_with_endless_table(b"stts")),
    *[(f"webm-duration-{v}", "video", webm_with_duration(v)) for v in (math.nan, math.inf, -math.inf, -5.0, 1e300)],
    ("vtt-400-digit-hour", "captions", vtt("1" * 400 + ":00:00.000 --> 00:00:01.000\nHi")),
    ("vtt-400-digit-end-hour", "captions", vtt("00:00:00.000 --> " + "9" * 400 + ":00:00.000\nHi")),
    ("vtt-minute-99", "captions", vtt("00:99:00.000 --> 00:99:01.000\nHi")),
    ("vtt-second-99", "captions", vtt("00:00:99.000 --> 00:00:99.500\nHi")),
    (
        "vtt-huge-minutes-and-seconds",
        "chapters",
        vtt("00:" + "9" * 300 + ":00.000 --> 00:00:" + "9" * 300 + ".000\nHi"),
    ),
    ("vtt-ten-digit-hours", "captions", vtt("9999999999:59:59.000 --> 9999999999:59:59.999\nHi")),
    ("vtt-25-hours", "chapters", vtt("25:00:00.000 --> 25:00:01.000\nHi")),
    *truncated_samples(),
    *[(f"empty-{slot}", slot, b"") for slot in service.SLOTS],
    *random_files(),
]


@pytest.fixture(autouse=True)
def quick_mediainfo(monkeypatch):
    """Tighter limits for MediaInfo's child process, so the files that make it loop are stopped in seconds."""
    monkeypatch.setattr(checks, "MEDIAINFO_SECONDS", 2)
    monkeypatch.setattr(checks, "MEDIAINFO_MEMORY", 512 * 1024 * 1024)


def assert_plain_sentence(message: str) -> None:
    assert re.fullmatch(r"[A-Z][^\n\r<{}\[\]\\]*\.", message), message
    assert not JARGON.search(message), message


def assert_sane_length(seconds: float | None) -> None:
    assert seconds is None or (math.isfinite(seconds) and 0 <= seconds <= checks.MAX_SECONDS), seconds


def stored_files(app) -> set[str]:
    return {path.name for path in Path(app.config["MEDIA_DIR"]).iterdir()}


def outcome(app, slot: str, data: bytes) -> str | None:
    """The refusal for this upload, or None if it is kept (then removed again, checking its length first)."""
    before = stored_files(app)
    with app.app_context():
        try:
            received = service.receive_file(slot, io.BytesIO(data), "upload.bin", max_bytes=MAX_BYTES)
        except MediaRefused as refused:
            assert stored_files(app) == before, "a refused upload left a file behind"
            return refused.message
        assert_sane_length(received.checked.duration_seconds)
        media.forget(received.stored_name)
    return None


@pytest.mark.parametrize("slot, data", [(slot, data) for _name, slot, data in CORPUS], ids=[c[0] for c in CORPUS])
def test_the_service_refuses_a_crafted_file_plainly_or_keeps_it_with_a_sane_length(app, slot, data):
    refusal = outcome(app, slot, data)
    if refusal is not None:
        assert_plain_sentence(refusal)


@pytest.mark.parametrize(
    "name, message",
    [
        ("mp4-3000-nested-traks", "no video"),
        ("vtt-400-digit-hour", "Line 3 has a cue time we cannot read"),
        ("vtt-400-digit-end-hour", "Line 3 has a cue time we cannot read"),
        ("vtt-minute-99", "Line 3 has a cue time we cannot read"),
        ("vtt-second-99", "Line 3 has a cue time we cannot read"),
        ("vtt-huge-minutes-and-seconds", "Line 3 has a cue time we cannot read"),
        ("vtt-ten-digit-hours", "more than 24 hours"),
        ("vtt-25-hours", "more than 24 hours"),
        ("mp4-cut-at-16", "damaged or incomplete"),
        ("mp4-cut-at-30999", "damaged or incomplete"),
        ("webm-cut-at-30151", "damaged or incomplete"),
        ("empty-video", "empty"),
    ],
)
def test_the_files_that_used_to_crash_are_refused_for_the_right_reason(app, name, message):
    (slot, data), *_ = [(slot, data) for n, slot, data in CORPUS if n == name]
    assert message in outcome(app, slot, data)


@pytest.mark.parametrize("table", [b"elst", b"stts"])
def test_a_file_that_makes_mediainfo_loop_is_stopped_by_its_limits_and_refused(app, table):
    # MediaInfo reads such an edit list until it runs out of memory, and such a time table until its time is up.
    started = time.monotonic()
    refusal = outcome(app, "video", mp4_with_endless_table(table))
    assert refusal is not None and time.monotonic() - started < 15


@pytest.mark.parametrize(
    "value, seconds", [(math.nan, 11.836), (math.inf, 11.836), (-math.inf, 11.836), (-5.0, None), (1e300, None)]
)
def test_a_webm_whose_duration_is_not_a_sane_number_gets_a_sane_length_or_none(app, value, seconds):
    with app.app_context():
        received = service.receive_file("video", io.BytesIO(webm_with_duration(value)), "v.webm", max_bytes=MAX_BYTES)
        media.forget(received.stored_name)
    assert received.checked.duration_seconds == (pytest.approx(seconds, abs=0.1) if seconds else None)


@pytest.fixture
def admin(client, session):
    """The test client, signed in as an admin."""
    sign_in(client, make_staff(session))
    return client


@pytest.mark.parametrize("slot", service.SLOTS)
def test_the_upload_page_shows_the_refusal_and_keeps_nothing_or_keeps_the_file(admin, app, session, slot):
    # One signed-in admin for every file of the slot: signing in is the slow part of each test.
    briefing = make_briefing(session, files=(), published=False)
    for name, _slot, data in [entry for entry in CORPUS if entry[1] == slot]:
        refusal = outcome(app, slot, data)
        before, kept_before = stored_files(app), kept_files(session, briefing.id)
        response = admin.post(
            f"/admin/briefings/{briefing.id}/upload/{slot}",
            data={"file": (io.BytesIO(data), "upload.bin")},
            content_type="multipart/form-data",
        )
        assert response.status_code < 500, name
        kept = kept_files(session, briefing.id)
        if refusal is None:
            # A file kept replaces the briefing's file of its kind, so that one is the only new file.
            assert response.status_code == 302, name
            (new,) = stored_files(app) - before
            assert new in kept, name
            assert_sane_length(kept[new])
        else:
            assert response.status_code in (200, 413), name
            page = response.get_data(as_text=True)
            assert "There is a problem" in page and html.escape(refusal, quote=False) in page, name
            assert kept == kept_before and stored_files(app) == before, name


def kept_files(session, briefing_id: int) -> dict[str, float | None]:
    """The stored name and length of each file the briefing has."""
    session.rollback()
    return {file.stored_name: file.duration_seconds for file in session.get(Briefing, briefing_id).files}


# --- fuzzing ---------------------------------------------------------------------------------------

SAMPLE_CAPTIONS = SAMPLE["captions"].read_text(encoding="utf-8")
SAMPLE_CHAPTERS = SAMPLE["chapters"].read_text(encoding="utf-8")
SAMPLE_VIDEOS = {name: SAMPLE[name].read_bytes() for name in ("mp4", "webm")}


# Timing lines, mostly well formed with times anywhere in a day and beyond, some only nearly, so the fuzzer
# spends its time where the parsing is.
def clock_time(hours: int, minutes: int, seconds: int, millis: int, short: bool) -> str:
    return (
        f"{minutes:02d}:{seconds:02d}.{millis:03d}"
        if short
        else f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
    )


CLOCK_TIME = st.builds(
    clock_time,
    st.one_of(st.integers(0, 30), st.integers(0, 30), st.integers(0, 10**12)),
    st.one_of(st.integers(0, 59), st.integers(0, 59), st.integers(0, 999)),
    st.one_of(st.integers(0, 59), st.integers(0, 59), st.integers(0, 999)),
    st.one_of(st.integers(0, 999), st.integers(0, 9999)),
    st.booleans(),
)
WELL_FORMED_TIMING = st.builds(
    lambda start, end, settings: f"{start} --> {end}{settings}",
    CLOCK_TIME,
    CLOCK_TIME,
    st.sampled_from(["", " align:start", " line:0 position:10%", " vertical:rl", " bogus", "\t"]),
)
NEARLY_TIMING = st.from_regex(
    r"\A[ \t]?(\d{1,12}:)?\d{1,3}:\d{1,3}\.\d{0,4}[ \t]{0,2}-->[ \t]{0,2}(\d{1,12}:)?\d{1,3}:\d{1,3}\.\d{0,4}"
    r"([ \t][a-z:%,0-9 ]{0,20})?\Z",
    fullmatch=True,
)
VTT_LINE = st.one_of(
    WELL_FORMED_TIMING,
    NEARLY_TIMING,
    st.sampled_from(["", "NOTE a note", "STYLE", "REGION", "id:fred", "-->", "1", "<v Sam>Hi</v>", "&amp;", " "]),
    st.text(max_size=40),
)


def assert_cues_are_sane(cues: list[checks.Cue]) -> None:
    assert cues
    for cue in cues:
        assert math.isfinite(cue.start) and math.isfinite(cue.end)
        assert 0 <= cue.start <= cue.end <= checks.MAX_SECONDS
        assert isinstance(checks.cue_words(cue), str)


def parse_or_refuse(text: str) -> None:
    try:
        cues = checks.parse_webvtt(text)
    except MediaRefused as refused:
        assert_plain_sentence(refused.message)
    else:
        assert_cues_are_sane(cues)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_any_text_is_refused_or_read_as_sane_cues(text):
    parse_or_refuse(text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["WEBVTT", "\ufeffWEBVTT", "WEBVTT - a title", "WEBVTT\t"]), st.lists(VTT_LINE, max_size=12))
def test_fuzz_a_webvtt_header_then_any_lines_is_refused_or_read_as_sane_cues(header, lines):
    parse_or_refuse("\n".join([header, *lines]))


@st.composite
def mutated(draw, original: str | bytes, pieces, keep: int = 0):
    """The original with a few bytes flipped, overwritten, inserted or cut off, leaving its first `keep` alone."""
    data = bytearray(original.encode() if isinstance(original, str) else original)
    # Most of the structure is near the start (the MP4's moov ends before byte 5000, the WebM's header at 700).
    position = st.one_of(st.integers(keep, min(5000, len(data) - 1)), st.integers(keep, len(data) - 1))
    for _ in range(draw(st.integers(1, 6))):
        at = max(keep, draw(position) % max(len(data), 1))
        action = draw(st.sampled_from(["flip", "overwrite", "insert", "cut"]))
        if action == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "overwrite":
            piece = draw(pieces)
            data[at : at + len(piece)] = piece
        elif action == "insert":
            data[at:at] = draw(pieces)
        elif action == "cut":
            del data[at:]
    return bytes(data)


def mutations(original: str | bytes, pieces, keep: int):
    """Mutated copies of the original, half of them with its first bytes (its magic or header) left whole."""
    return st.one_of(mutated(original, pieces), mutated(original, pieces, keep))


VTT_PIECES = st.sampled_from(
    [b"9", b"99", b"0", b":", b".", b"-->", b"\n", b"\r", b"\n\n", b" ", b"\xef\xbb\xbf", b"\x00"]
)
VIDEO_PIECES = st.one_of(
    st.binary(min_size=1, max_size=8),
    st.sampled_from(
        [b"\xff" * 8, b"\x00" * 8, b"\x01\xff\xff\xff\xff\xff\xff\xff", b"\x7f\xf8\x00\x00\x00\x00\x00\x00"]
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(mutations(SAMPLE_CAPTIONS, VTT_PIECES, 8), mutations(SAMPLE_CHAPTERS, VTT_PIECES, 8)))
def test_fuzz_mutated_sample_captions_are_refused_or_read_as_sane_cues(data):
    parse_or_refuse(data.decode("utf-8", errors="replace"))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """A folder for the fuzzed files; module-scoped, as Hypothesis runs many examples in one test."""
    return tmp_path_factory.mktemp("fuzzed")


@settings(max_examples=200, deadline=None)
@given(data=st.one_of(mutations(SAMPLE_CAPTIONS, VTT_PIECES, 8), st.binary(max_size=200)))
def test_fuzz_check_webvtt_refuses_or_accepts_a_sane_length(scratch, data):
    path = scratch / "fuzzed.vtt"
    path.write_bytes(data)
    for kind in (MediaKind.CAPTIONS, MediaKind.CHAPTERS):
        try:
            checked = checks.check_webvtt(path, kind)
        except MediaRefused as refused:
            assert_plain_sentence(refused.message)
        else:
            assert checked.kind == kind
            assert_sane_length(checked.duration_seconds)


# Each example starts MediaInfo's child process, a tenth of a second, so fewer examples keep this test quick.
@settings(max_examples=50, deadline=None)
@given(
    data=st.one_of(mutations(SAMPLE_VIDEOS["mp4"], VIDEO_PIECES, 12), mutations(SAMPLE_VIDEOS["webm"], VIDEO_PIECES, 4))
)
def test_fuzz_mutated_sample_videos_are_refused_or_accepted_with_a_sane_length(scratch, data):
    path = scratch / "fuzzed-video"
    path.write_bytes(data)
    try:
        checked = checks.check_video(path)
    except MediaRefused as refused:
        assert_plain_sentence(refused.message)
    else:
        assert checked.kind in (MediaKind.MP4_VIDEO, MediaKind.WEBM_VIDEO)
        assert_sane_length(checked.duration_seconds)
