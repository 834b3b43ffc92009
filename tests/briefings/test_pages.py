"""The public briefing pages: the list, a briefing with captions and transcript, and "I have watched this"."""

import re

import pytest
import sqlalchemy as sa

from app import create_app
from app.mail.outbox import send_due
from app.models import Briefing, BriefingPlay, MediaKind, OutboxMessage, WatchedRecord
from tests.factories import SAMPLE, attach, make_briefing, make_staff, sign_in


def plays(session) -> int:
    session.rollback()  # end the test's read snapshot, to see what the requests wrote
    return session.scalar(sa.select(sa.func.count(BriefingPlay.id)))


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def watched_form(**overrides) -> dict:
    values = {
        "full_name": "Zoë Armstrong",
        "email": "zoe.armstrong@example.org",
        "organisation": "Workington Health Visiting team",
        "sector": "health",
        "council_area": "cumberland",
        "learning_note": "Ask families what is going well first.",
        "submission_key": "a-hidden-key-1234567890",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def test_the_list_shows_each_published_briefing_with_summary_length_and_audience(client, session):
    shown = make_briefing(session, title="Signs of Safety partner briefing")
    hidden = make_briefing(session, title="Not ready yet", published=False)
    page = text(client.get("/briefings"))
    assert shown.title in page and f'href="/briefings/{shown.slug}"' in page
    assert shown.summary in page
    assert "Under 1 minute" in page
    assert "Partners in schools, health and the voluntary sector." in page
    assert hidden.title not in page


def test_the_list_says_so_when_there_is_nothing_to_watch(client):
    assert "There are no briefings to watch at the moment" in text(client.get("/briefings"))


def test_the_navigation_and_the_home_page_lead_to_the_briefings(client):
    page = text(client.get("/"))
    assert page.count('href="/briefings"') >= 2  # the navigation and "If you cannot come to the training"


def test_a_briefing_page_has_the_video_with_poster_captions_chapters_and_transcript(client, session):
    briefing = make_briefing(session, files=("webm", "mp4", "captions", "chapters", "transcript", "poster"))
    page = text(client.get(f"/briefings/{briefing.slug}"))
    video = re.search(r"<video[^>]*>", page).group(0)
    assert "controls" in video and 'preload="metadata"' in video
    assert f'poster="/briefings/{briefing.slug}/media/{briefing.file(MediaKind.POSTER).stored_name}"' in video
    assert page.index('type="video/webm"') < page.index('type="video/mp4"')
    captions = briefing.file(MediaKind.CAPTIONS).stored_name
    assert re.search(rf'<track kind="captions" srclang="en" label="English" src="[^"]*{captions}" default>', page)
    assert '<track kind="chapters"' in page
    assert "0:03</span> What Signs of Safety is" in page  # the chapters, as text
    assert "Signs of Safety starts from what is going well for a family." in page  # the transcript
    assert f'href="/briefings/{briefing.slug}/transcript.txt"' in page
    assert "Download the video (MP4 file, 61 KB)" in page
    assert '<script type="module" src="/static/js/briefing.js">' in page


def test_the_page_works_without_javascript_and_has_no_inline_script_of_its_own(client, session):
    briefing = make_briefing(session)
    page = text(client.get(f"/briefings/{briefing.slug}"))
    inline = re.findall(r"<script(?![^>]*src=)[^>]*>(.*?)</script>", page, re.DOTALL)
    assert len(inline) == 1 and "govuk-frontend-supported" in inline[0]  # GOV.UK Frontend's, allowed by hash
    assert "style=" not in page


def test_without_a_transcript_file_the_page_shows_the_words_of_the_captions_escaped(client, session, tmp_path):
    briefing = make_briefing(session, files=("webm",), published=False)
    hostile = tmp_path / "hostile.vtt"
    hostile.write_text(
        "WEBVTT\n\n00:00.000 --> 00:02.000\n<script>alert('captions')</script>Hello\n\n"
        "00:02.000 --> 00:04.000\n<img src=x onerror=alert(1)>&lt;script&gt;alert(2)&lt;/script&gt;\n"
    )
    attach(session, briefing, "captions", hostile)
    sign_in(client, make_staff(session))
    page = text(client.get(f"/briefings/{briefing.slug}"))
    assert "These are the words of the captions." in page
    assert "<script>alert" not in page and "<img src=x" not in page and "onerror" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page  # the words, shown as words
    download = client.get(f"/briefings/{briefing.slug}/transcript.txt")
    assert download.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" in download.headers["Content-Disposition"]
    assert "<script>alert(2)</script>" in download.get_data(as_text=True)  # plain text, never run


def test_a_transcript_file_is_shown_escaped_and_downloads_as_text(client, session, tmp_path):
    briefing = make_briefing(session, files=("webm", "captions"))
    hostile = tmp_path / "transcript.txt"
    hostile.write_text("Welcome.\n\n<script>alert('transcript')</script>\nSecond line.\n")
    attach(session, briefing, "transcript", hostile)
    page = text(client.get(f"/briefings/{briefing.slug}"))
    assert "<script>alert('transcript')" not in page
    assert "&lt;script&gt;alert(&#39;transcript&#39;)&lt;/script&gt;\nSecond line." in page
    download = client.get(f"/briefings/{briefing.slug}/transcript.txt")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert download.headers["Content-Disposition"] == f"attachment; filename={briefing.slug}-transcript.txt"
    assert download.data == hostile.read_bytes()


def test_an_unpublished_briefing_is_hidden_from_the_public_and_previewed_by_staff(app, session):
    briefing = make_briefing(session, published=False)
    client = app.test_client()
    for path in ("", "/transcript.txt", "/watched"):
        assert client.get(f"/briefings/{briefing.slug}{path}").status_code == 404
    sign_in(client, make_staff(session))
    page = text(client.get(f"/briefings/{briefing.slug}"))
    assert "Not published" in page
    assert "data-play-url" not in page  # staff previews are not counted
    assert client.get(f"/briefings/{briefing.slug}/watched").status_code == 404


@pytest.mark.parametrize("path", ["/briefings/nope", "/briefings/nope/transcript.txt", "/briefings/nope/media/x"])
def test_unknown_briefings_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_the_watched_form_asks_for_each_answer_with_an_error_summary(client, session):
    briefing = make_briefing(session)
    response = client.post(f"/briefings/{briefing.slug}/watched", data={})
    page = text(response)
    assert "<title>Error: Tell us you watched this briefing" in page
    assert "There is a problem" in page
    for message in (
        "Enter your full name",
        "Enter your work email address",
        "Enter the organisation or team you work for",
        "Select the area you work in",
        "Select the council area you work in",
    ):
        assert message in page
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(WatchedRecord.id))) == 0


def test_the_watched_form_refuses_answers_that_are_not_on_the_list(client, session):
    briefing = make_briefing(session)
    page = text(client.post(f"/briefings/{briefing.slug}/watched", data=watched_form(sector="hackers", email="nope")))
    assert "Select the area you work in" in page
    assert "Enter your email address in the correct format" in page


def test_watched_records_and_emails_a_record_of_learning(client, session, mail_server):
    briefing = make_briefing(session, title="Early Help – Signs of Wellbeing")
    response = client.post(f"/briefings/{briefing.slug}/watched", data=watched_form())
    assert response.status_code == 302
    assert response.headers["Location"] == f"/briefings/{briefing.slug}/watched/done"
    assert "Your record is on its way" in text(client.get(response.headers["Location"]))
    again = client.post(f"/briefings/{briefing.slug}/watched", data=watched_form())  # a second click
    assert again.status_code == 302
    session.rollback()
    (record,) = session.scalars(sa.select(WatchedRecord)).all()
    assert (record.full_name, record.sector, record.council_area) == ("Zoë Armstrong", "health", "cumberland")
    assert session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1
    assert mail_server.messages == []  # nothing is sent during the request
    send_due(session)
    (message,) = mail_server.messages
    assert message["To"] == "zoe.armstrong@example.org"
    assert "Ask families what is going well first." not in message.get_body(("plain",)).get_content()  # kept, not sent


def test_a_play_is_counted_once_per_visit(client, session):
    briefing = make_briefing(session)
    assert client.post(f"/briefings/{briefing.slug}/plays").status_code == 204
    assert client.post(f"/briefings/{briefing.slug}/plays").status_code == 204
    assert plays(session) == 1
    another_visit = client.application.test_client()
    assert another_visit.post(f"/briefings/{briefing.slug}/plays").status_code == 204
    assert plays(session) == 2


def test_plays_of_unknown_or_unpublished_briefings_are_not_counted(client, session):
    hidden = make_briefing(session, published=False)
    assert client.post(f"/briefings/{hidden.slug}/plays").status_code == 404
    assert client.post("/briefings/nope/plays").status_code == 404
    assert client.get(f"/briefings/{hidden.slug}/plays").status_code == 405


@pytest.fixture
def csrf_app(app):
    """An app like production: security tokens checked."""
    return create_app({**app.config, "WTF_CSRF_ENABLED": True, "TESTING": True})


def test_the_play_counter_needs_the_pages_security_token(csrf_app, session):
    briefing = make_briefing(session)
    client = csrf_app.test_client()
    assert client.post(f"/briefings/{briefing.slug}/plays").status_code == 400
    page = text(client.get(f"/briefings/{briefing.slug}"))
    token = re.search(r'data-csrf-token="([^"]+)"', page).group(1)
    assert client.post(f"/briefings/{briefing.slug}/plays", headers={"X-CSRFToken": token}).status_code == 204
    assert plays(session) == 1


def test_the_play_counter_is_rate_limited_per_address(app, session):
    from app.extensions import limiter

    briefing = make_briefing(session)
    app.config["PLAY_COUNT_LIMIT"] = "2 per hour"
    try:
        limiter.reset()
        statuses = [app.test_client().post(f"/briefings/{briefing.slug}/plays").status_code for _ in range(3)]
    finally:
        app.config["PLAY_COUNT_LIMIT"] = "30 per hour"
        limiter.reset()
    assert statuses == [204, 204, 429]


def test_a_briefing_with_no_known_length_shows_no_length_at_all(client, session):
    from app.database import writing

    briefing = make_briefing(session)
    with writing(session):
        briefing.duration_seconds = None  # a video whose length could not be read
    for path in ("/briefings", f"/briefings/{briefing.slug}"):
        page = text(client.get(path))
        assert "Length" not in page and "not known" not in page


def test_a_briefing_with_audio_description_offers_it_and_plays_it_with_the_same_captions(client, session):
    plain = make_briefing(session)
    page = text(client.get(f"/briefings/{plain.slug}"))
    assert "audio description" not in page
    assert client.get(f"/briefings/{plain.slug}/audio-described").status_code == 404

    briefing = make_briefing(session)
    attach(session, briefing.id, "described_video", SAMPLE["mp4"])
    session.rollback()
    stored = session.get(Briefing, briefing.id)
    described = stored.file(MediaKind.DESCRIBED_MP4_VIDEO)
    page = text(client.get(f"/briefings/{briefing.slug}"))
    assert f'href="/briefings/{briefing.slug}/audio-described">Watch with audio description</a>' in page
    assert described.stored_name not in page  # the plain page plays the plain video

    page = text(client.get(f"/briefings/{briefing.slug}/audio-described"))
    sources = re.findall(r'<source src="([^"]+)" type="([^"]+)">', page)
    assert sources == [(f"/briefings/{briefing.slug}/media/{described.stored_name}", "video/mp4")]
    assert stored.file(MediaKind.CAPTIONS).stored_name in page  # the same captions
    assert "Watch without audio description" in page and "Download the video with audio description" in page
    assert client.get(sources[0][0]).status_code == 200


def test_the_list_says_which_briefings_have_audio_description(client, session):
    briefing = make_briefing(session, title="Described <briefing>")
    make_briefing(session, title="Plain briefing")
    attach(session, briefing.id, "described_video", SAMPLE["webm"])
    page = text(client.get("/briefings"))
    assert page.count("Watch with audio description") == 1
    link = f'<a class="govuk-link" href="/briefings/{briefing.slug}/audio-described">Watch with audio description'
    assert link in page and ": Described &lt;briefing&gt;</span></a>" in page
