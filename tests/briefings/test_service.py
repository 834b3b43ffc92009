"""The briefing rules: publishing, replacing files, plays, "I have watched this" records and the report."""

import csv
import io
import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.briefings import media, service
from app.mail.outbox import send_due
from app.models import (
    Briefing,
    BriefingFile,
    BriefingPlay,
    CouncilArea,
    MediaKind,
    OutboxMessage,
    Sector,
    WatchedRecord,
)
from tests.factories import SAMPLE, attach, make_briefing


def watched_details(**overrides) -> service.WatchedDetails:
    values = {
        "full_name": "Aoife O'Neill",
        "email": "aoife.oneill@example.org",
        "organisation": "Keswick School",
        "sector": Sector.SCHOOLS,
        "council_area": CouncilArea.CUMBERLAND,
        "learning_note": "Start from what is going well.",
    }
    values.update(overrides)
    return service.WatchedDetails(**values)


def media_file_exists(app, name: str) -> bool:
    return (Path(app.config["MEDIA_DIR"]) / name).exists()


def test_a_briefing_cannot_be_published_without_a_video_and_captions(session):
    briefing = make_briefing(session, files=("webm",), published=False)
    with pytest.raises(service.BriefingError, match="upload a video and its captions"):
        service.set_published(session, briefing.id, True, actor=None)
    attach(session, briefing, "captions", SAMPLE["captions"])
    assert service.set_published(session, briefing.id, True, actor=None).published


def test_only_published_briefings_are_listed_for_the_public(session):
    shown = make_briefing(session, title="Shown")
    make_briefing(session, title="Draft", published=False)
    assert [b.title for b in service.published_briefings(session)] == [shown.title]
    assert service.briefing_by_slug(session, "briefing-does-not-exist") is None


def test_a_new_upload_replaces_the_file_of_its_kind_and_the_old_file_is_removed(app, session):
    briefing = make_briefing(session, files=("webm", "captions"))
    old = briefing.file(MediaKind.WEBM_VIDEO).stored_name
    attach(session, briefing, "video", SAMPLE["webm"], filename="version 2.webm")
    session.expire_all()
    files = session.scalars(sa.select(BriefingFile).where(BriefingFile.kind == MediaKind.WEBM_VIDEO)).all()
    assert len(files) == 1 and files[0].stored_name != old and files[0].original_name == "version_2.webm"
    assert not media_file_exists(app, old)
    assert media_file_exists(app, files[0].stored_name)


def test_an_mp4_is_added_beside_a_webm_and_webm_is_offered_first(session):
    briefing = make_briefing(session, files=("mp4", "webm", "captions"))
    assert [f.kind for f in briefing.videos] == [MediaKind.WEBM_VIDEO, MediaKind.MP4_VIDEO]


def test_the_length_comes_from_the_video_or_else_from_the_captions(session):
    briefing = make_briefing(session, files=("captions",), published=False)
    assert briefing.duration_seconds == 12  # the last caption ends at 11.4 s
    attach(session, briefing, "video", SAMPLE["webm"])
    session.expire_all()
    assert session.get(Briefing, briefing.id).duration_seconds == 12  # 11.8 s, rounded up


def test_a_published_briefing_keeps_its_video_and_captions(app, session):
    briefing = make_briefing(session, files=("webm", "captions", "chapters"))
    with pytest.raises(service.BriefingError, match="needs a video and captions"):
        service.remove_file(session, briefing.id, MediaKind.CAPTIONS, actor=None)
    chapters = briefing.file(MediaKind.CHAPTERS).stored_name
    service.remove_file(session, briefing.id, MediaKind.CHAPTERS, actor=None)
    assert session.get(Briefing, briefing.id).file(MediaKind.CHAPTERS) is None
    assert not media_file_exists(app, chapters)
    with pytest.raises(service.BriefingError, match="already been removed"):
        service.remove_file(session, briefing.id, MediaKind.CHAPTERS, actor=None)


def test_a_file_kept_for_a_briefing_that_has_gone_is_removed_again(app, session):
    with app.app_context(), open(SAMPLE["webm"], "rb") as stream:
        received = service.receive_file("video", stream, "x.webm", max_bytes=10**7)
    with pytest.raises(service.BriefingError):
        service.attach_file(session, 999999, received, actor=None)
    assert not media_file_exists(app, received.stored_name)


def test_watching_keeps_a_record_and_queues_its_email_in_the_same_transaction(session):
    briefing = make_briefing(session)
    record, created = service.record_watched(session, briefing, watched_details(), submission_key="k" * 20)
    assert created
    session.rollback()
    (message,) = session.scalars(sa.select(OutboxMessage)).all()
    assert message.kind == "watched_record" and message.to_address == "aoife.oneill@example.org"
    assert message.context == {"watched_record_id": record.id}
    assert message.subject == f"Your record of learning: {briefing.title}"


def test_the_same_form_sent_twice_makes_one_record_and_one_email(session):
    briefing = make_briefing(session)
    first, _ = service.record_watched(session, briefing, watched_details(), submission_key="same-key-123456789")
    second, created = service.record_watched(session, briefing, watched_details(), submission_key="same-key-123456789")
    assert not created and second.id == first.id
    assert session.scalar(sa.select(sa.func.count(WatchedRecord.id))) == 1
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


def test_the_record_of_learning_reaches_the_mail_server(session, mail_server):
    briefing = make_briefing(session, title="Early Help – Signs of Wellbeing")
    service.record_watched(session, briefing, watched_details(full_name="Nguyễn Thị Lan", email="lan@example.org"))
    report = send_due(session)
    assert report.sent == 1, report.errors
    (message,) = mail_server.messages
    assert message["To"] == "lan@example.org"
    assert message["Subject"] == "Your record of learning: Early Help – Signs of Wellbeing"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Keep this email as a record of your learning" in body
        assert "Schools and education" in body and "Cumberland" in body
        # What the person typed is kept for the team, but never sent from the council's address to an address
        # nobody has confirmed: not the note, nor the name or organisation a stranger could have typed.
        for typed in ("Start from what is going well.", "Nguyễn Thị Lan", "Keswick School"):
            assert typed not in body
        assert f"http://training.example.test/briefings/{briefing.slug}" in body


def test_the_email_escapes_what_staff_typed_and_leaves_out_what_the_person_typed(session, mail_server):
    briefing = make_briefing(session, title="Wellbeing <script>alert(1)</script>")
    service.record_watched(session, briefing, watched_details(organisation="<b>Urgent</b> desk"))
    send_due(session)
    html = mail_server.messages[0].get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Urgent" not in html


def test_plays_are_counted_without_anything_about_the_person(session):
    briefing = make_briefing(session)
    service.count_play(session, briefing.id)
    service.count_play(session, briefing.id)
    plays = session.scalars(sa.select(BriefingPlay)).all()
    assert len(plays) == 2
    assert set(BriefingPlay.__table__.columns.keys()) == {"id", "briefing_id", "counted_at"}


def test_the_report_counts_plays_and_records_by_area_of_work_and_council_area(session):
    briefing = make_briefing(session)
    other = make_briefing(session)
    for _ in range(3):
        service.count_play(session, briefing.id)
    service.count_play(session, other.id)
    service.record_watched(session, briefing, watched_details())
    service.record_watched(session, briefing, watched_details(sector=Sector.HEALTH))
    service.record_watched(
        session, briefing, watched_details(sector=Sector.HEALTH, council_area=CouncilArea.WESTMORLAND_FURNESS)
    )
    service.record_watched(session, other, watched_details())
    report = service.report(session, briefing)
    assert (report.plays, report.records) == (3, 3)
    assert dict(report.by_sector)["Health"] == 2 and dict(report.by_sector)["Schools and education"] == 1
    assert dict(report.by_sector)["Police"] == 0  # every area is listed, even with none
    assert dict(report.by_council_area) == {"Cumberland": 2, "Westmorland and Furness": 1, "Outside Cumbria": 0}


def test_the_csv_has_a_byte_order_mark_and_never_runs_a_formula(session):
    briefing = make_briefing(session)
    service.record_watched(
        session,
        briefing,
        watched_details(full_name='=HYPERLINK("http://evil")', organisation="+44 team", learning_note="@SUM(A1)"),
    )
    service.record_watched(
        session, briefing, watched_details(full_name="李明", organisation="-minus", learning_note="")
    )
    text = service.records_csv(session, briefing)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Date", "Full name", "Work email", "Organisation", "Area of work", "Council area", "Learning"]
    assert rows[1][1:4] == ['\'=HYPERLINK("http://evil")', "aoife.oneill@example.org", "'+44 team"]
    assert rows[1][6] == "'@SUM(A1)"
    assert rows[2][1] == "李明" and rows[2][3] == "'-minus"


def test_stray_files_are_found_only_when_old_and_unused(app, session):
    briefing = make_briefing(session)
    with app.app_context():
        folder = media.media_dir()
    stray = folder / ".incoming-cut-off-upload"
    stray.write_bytes(b"half a video")
    fresh = folder / ".incoming-still-uploading"
    fresh.write_bytes(b"arriving")
    an_hour_ago = time.time() - 7200
    os.utime(stray, (an_hour_ago, an_hour_ago))
    used = folder / briefing.file(MediaKind.WEBM_VIDEO).stored_name
    os.utime(used, (an_hour_ago, an_hour_ago))
    with app.app_context():
        found = service.stray_files(session)
    assert stray in found and fresh not in found and used not in found


@pytest.mark.parametrize(
    "seconds, words",
    [
        (None, "Length not known"),
        (12, "Under 1 minute"),
        (60, "1 minute"),
        (25 * 60, "25 minutes"),
        (3900, "1 hour 5 minutes"),
    ],
)
def test_lengths_are_written_in_words(seconds, words):
    assert service.describe_length(seconds) == words


def test_sizes_and_clock_times_read_naturally():
    assert service.describe_size(2 * 1024**3) == "2 GB"
    assert service.describe_size(5 * 1024**2) == "5 MB"
    assert service.describe_size(61_999) == "61 KB"
    assert service.clock(5) == "0:05" and service.clock(3723) == "1:02:03"


def test_the_demo_adds_the_two_briefings_with_the_sample_media_once(app, runner, session):
    runner.invoke(args=["demo", "load"])
    runner.invoke(args=["demo", "load"])
    session.rollback()
    briefings = session.scalars(sa.select(Briefing).order_by(Briefing.slug)).all()
    assert [(b.title, b.published) for b in briefings] == [
        ("Early Help – Signs of Wellbeing", True),
        ("Signs of Safety partner briefing", True),
    ]
    for briefing in briefings:
        # Every kind but audio description: the sample video has nothing to describe, so none is made up.
        described = {MediaKind.DESCRIBED_WEBM_VIDEO, MediaKind.DESCRIBED_MP4_VIDEO}
        assert {f.kind for f in briefing.files} == set(MediaKind) - described
        assert all(media_file_exists(app, f.stored_name) for f in briefing.files)
        assert "CSCP" not in briefing.description + briefing.summary + briefing.audience


def test_tidy_media_removes_only_old_stray_files(app, runner, session):
    briefing = make_briefing(session)
    with app.app_context():
        folder = media.media_dir()
    stray = folder / ".incoming-left-behind"
    stray.write_bytes(b"x")
    os.utime(stray, (time.time() - 7200, time.time() - 7200))
    result = runner.invoke(args=["briefings", "tidy-media", "--dry-run"])
    assert f"Would remove {stray}" in result.output and stray.exists()
    result = runner.invoke(args=["briefings", "tidy-media"])
    assert f"Removed {stray}" in result.output and not stray.exists()
    assert (folder / briefing.file(MediaKind.WEBM_VIDEO).stored_name).exists()


def test_making_the_sample_says_what_to_install_when_a_tool_is_missing(runner, monkeypatch, tmp_path):
    from app.briefings import sample

    monkeypatch.setattr(sample.shutil, "which", lambda tool: None if tool == "espeak-ng" else "/usr/bin/" + tool)
    result = runner.invoke(args=["briefings", "make-sample", "--out", str(tmp_path / "sample")])
    assert result.exit_code != 0
    assert "espeak-ng is not installed. Install it with: apt-get install -y ffmpeg espeak-ng" in result.output


def test_the_committed_sample_is_small_and_its_captions_match_the_transcript():
    from app.briefings import checks

    assert sum(path.stat().st_size for path in SAMPLE.values()) < 200 * 1024
    words = [checks.cue_words(cue) for cue in checks.parse_webvtt(SAMPLE["captions"].read_text())]
    assert all(sentence in SAMPLE["transcript"].read_text() for sentence in words)
