"""A partner watches a briefing in Chromium: the video plays, the captions load, plays are counted once."""

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.models import BriefingPlay
from tests.factories import SAMPLE, attach, make_briefing

pytestmark = pytest.mark.e2e

ALL_FILES = ("webm", "mp4", "captions", "chapters", "transcript", "poster")


def plays(session) -> int:
    session.rollback()  # see what the browser's requests wrote
    return session.scalar(sa.select(sa.func.count(BriefingPlay.id)))


def wait_for_plays(session, expected: int, timeout: float = 5.0) -> int:
    deadline = time.monotonic() + timeout
    while (count := plays(session)) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return count


def start_playing(page, rate: float = 1.0) -> None:
    """Play muted (browsers allow that without a click), at the given speed."""
    page.evaluate(
        """rate => { const video = document.querySelector('video');
                     video.muted = true; video.playbackRate = rate; return video.play(); }""",
        rate,
    )


def test_the_video_plays_and_its_captions_track_loads(page, session):
    briefing = make_briefing(session, files=ALL_FILES)
    page.goto(f"/briefings/{briefing.slug}")
    expect(page.get_by_role("heading", name=briefing.title)).to_be_visible()
    start_playing(page)
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5")
    state = page.evaluate(
        """() => { const video = document.querySelector('video');
                   const track = document.querySelector('track[kind=captions]');
                   const captions = [...video.textTracks].find(t => t.kind === 'captions');
                   return {source: video.currentSrc, trackState: track.readyState, mode: captions.mode,
                           cues: captions.cues.length, first: captions.cues[0].text,
                           error: video.error && video.error.code}; }"""
    )
    assert state["error"] is None
    assert state["source"].endswith(".webm")  # the first source Chromium can play
    assert state["trackState"] == 2  # HTMLTrackElement.LOADED
    assert state["mode"] == "showing"  # default: captions on without asking
    assert state["cues"] == 3 and state["first"] == "Welcome to the Signs of Safety partner briefing."


def test_a_play_is_counted_once_when_most_of_the_video_was_watched(page, session):
    briefing = make_briefing(session)
    page.goto(f"/briefings/{briefing.slug}")
    start_playing(page, rate=4)
    page.wait_for_function("() => document.querySelector('video').ended", timeout=15000)
    assert wait_for_plays(session, 1) == 1
    page.reload()
    start_playing(page, rate=4)
    page.wait_for_function("() => document.querySelector('video').ended", timeout=15000)
    time.sleep(0.5)
    assert plays(session) == 1  # the same visit


def test_skipping_to_the_end_is_not_a_play(page, session):
    briefing = make_briefing(session)
    page.goto(f"/briefings/{briefing.slug}")
    start_playing(page)
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.3")
    page.evaluate("() => { const v = document.querySelector('video'); v.currentTime = v.duration - 0.3; }")
    page.wait_for_function("() => document.querySelector('video').ended", timeout=10000)
    time.sleep(0.5)
    assert plays(session) == 0


def test_captions_with_script_in_them_do_nothing(page, session, tmp_path):
    briefing = make_briefing(session, files=("webm",), published=False)
    hostile = tmp_path / "hostile.vtt"
    hostile.write_text(
        "WEBVTT\n\n00:00.000 --> 00:05.000\n<script>alert('captions')</script><b>Hello</b>\n\n"
        "00:05.000 --> 00:10.000\n<img src=x onerror=alert(2)>Welcome\n"
    )
    attach(session, briefing, "captions", hostile)
    from app.briefings import service

    service.set_published(session, briefing.id, True, actor=None)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"/briefings/{briefing.slug}")
    start_playing(page)
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.5")
    html = page.evaluate(
        """() => { const track = [...document.querySelector('video').textTracks].find(t => t.kind === 'captions');
                   const box = document.createElement('div');
                   box.appendChild(track.cues[0].getCueAsHTML());
                   box.appendChild(track.cues[1].getCueAsHTML());
                   return box.innerHTML; }"""
    )
    assert "<script" not in html and "<img" not in html and "Hello" in html
    assert page.locator("main script, main img").count() == 0
    expect(page.locator(".app-transcript")).to_contain_text("alert('captions')Hello")
    assert dialogs == []


def test_the_page_and_the_record_form_work_without_javascript(new_page, session):
    briefing = make_briefing(session, files=ALL_FILES)
    page = new_page(java_script_enabled=False)
    page.goto(f"/briefings/{briefing.slug}")
    expect(page.locator("video[controls]")).to_have_count(1)
    expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
    page.get_by_role("button", name="I have watched this").click()
    page.get_by_label("Full name", exact=True).fill("Callum Birkett")
    page.get_by_label("Work email address", exact=True).fill("callum.birkett@example.org")
    page.get_by_label("Organisation or team", exact=True).fill("Barrow family hub")
    page.get_by_label("Early help", exact=True).check()
    page.get_by_label("Westmorland and Furness", exact=True).check()
    page.get_by_role("button", name="Send me my record").click()
    expect(page.get_by_role("heading", name="Your record is on its way")).to_be_visible()


def test_the_content_security_policy_lets_the_play_counter_run(new_page, session):
    briefing = make_briefing(session)
    page = new_page(bypass_csp=False)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(f"/briefings/{briefing.slug}")
    start_playing(page, rate=4)
    page.wait_for_function("() => document.querySelector('video').ended", timeout=15000)
    assert wait_for_plays(session, 1) == 1
    assert problems == []


@pytest.fixture
def briefing_paths(session):
    briefing = make_briefing(session, files=ALL_FILES, title="Early Help – Signs of Wellbeing")
    attach(session, briefing.id, "described_video", SAMPLE["webm"])
    make_briefing(session, title="Signs of Safety partner briefing")
    return {
        "audio described": f"/briefings/{briefing.slug}/audio-described",
        "list": "/briefings",
        "briefing": f"/briefings/{briefing.slug}",
        "record form": f"/briefings/{briefing.slug}/watched",
        "record sent": f"/briefings/{briefing.slug}/watched/done",
    }


@pytest.mark.parametrize("name", ["list", "briefing", "audio described", "record form", "record sent"])
def test_briefing_pages_have_no_accessibility_violations(page, briefing_paths, assert_accessible, name):
    """axe-core finds nothing against WCAG 2.2 AA."""
    page.goto(briefing_paths[name])
    assert_accessible(page)


def test_the_record_form_with_errors_has_no_accessibility_violations(page, briefing_paths, assert_accessible):
    page.goto(briefing_paths["record form"])
    page.get_by_role("button", name="Send me my record").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)


def sign_in_as_admin(page, session) -> None:
    from tests.factories import STAFF_PASSWORD, make_staff

    admin = make_staff(session)
    page.goto("/admin/sign-in")
    page.get_by_label("Email address", exact=True).fill(admin.email)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_an_admin_uploads_captions_in_the_browser_and_the_briefing_pages_are_accessible(
    page, session, assert_accessible
):
    from tests.factories import SAMPLE

    briefing = make_briefing(session, files=("webm", "poster"), published=False)
    sign_in_as_admin(page, session)
    page.goto("/admin/briefings")
    assert_accessible(page)
    page.get_by_role("link", name=briefing.title).click()
    expect(page.get_by_text("To publish this briefing, upload a video and its captions first.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Upload the captions").click()
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a file to upload")
    assert_accessible(page)
    page.get_by_label("Choose the file").set_input_files(str(SAMPLE["captions"]))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Captions uploaded.")).to_be_visible()
    page.get_by_role("button", name="Publish this briefing").click()
    expect(page.get_by_text("The briefing is published.")).to_be_visible()
    page.get_by_role("button", name="See the report").click()
    expect(page.get_by_role("heading", name=briefing.title)).to_be_visible()
    assert_accessible(page)
