"""The training team manages briefings: words, uploads checked by content, publishing and the report."""

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.briefings import service
from app.models import AuditEvent, Briefing, BriefingFile, CouncilArea, MediaKind, Role, Sector
from tests.factories import SAMPLE, make_briefing, make_staff, sign_in

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 4000


@pytest.fixture
def admin(client, session):
    """The test client, signed in as an admin."""
    sign_in(client, make_staff(session))
    return client


def upload(client, briefing_id: int, slot: str, data: bytes, filename: str, **extra):
    return client.post(
        f"/admin/briefings/{briefing_id}/upload/{slot}",
        data={"file": (io.BytesIO(data), filename), **extra},
        content_type="multipart/form-data",
    )


def files_in(app) -> set[str]:
    return {path.name for path in Path(app.config["MEDIA_DIR"]).iterdir()}


def briefing_files(session) -> list[BriefingFile]:
    session.rollback()
    return list(session.scalars(sa.select(BriefingFile)))


def briefing_form(**overrides) -> dict:
    values = {
        "title": "Signs of Safety partner briefing",
        "slug": "partner-briefing",
        "summary": "A narrated briefing about Signs of Safety.",
        "description": "What it is.\n\nHow we work.",
        "audience": "Partners in schools and health.",
    }
    values.update(overrides)
    return values


def routes(app):
    """Every briefings admin route and method, with made-up values for its parts."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("briefings_admin."):
            path = re.sub(
                r"<(?:[^>:]+:)?([^>]+)>", lambda m: "1" if m.group(1) == "briefing_id" else "video", rule.rule
            )
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield path, method


def test_every_briefings_admin_page_needs_sign_in(app, session):
    make_briefing(session)
    client = app.test_client()
    found = list(routes(app))
    assert len(found) >= 9
    for path, method in found:
        response = client.open(path, method=method)
        assert response.status_code == 302 and "/admin/sign-in" in response.headers["Location"], (path, method)


def test_trainers_cannot_manage_briefings(app, session, client):
    make_briefing(session)
    sign_in(client, make_staff(session, role=Role.TRAINER))
    for path, method in routes(app):
        assert client.open(path, method=method).status_code == 403, (path, method)


def test_an_upload_from_someone_signed_out_is_never_read(app, client, session):
    briefing = make_briefing(session, published=False)
    before = files_in(app)
    response = upload(client, briefing.id, "video", SAMPLE["webm"].read_bytes(), "briefing.webm")
    assert response.status_code == 302
    assert files_in(app) == before


def test_an_admin_adds_a_briefing_uploads_its_files_and_publishes_it(admin, app, session):
    response = admin.post("/admin/briefings/new", data=briefing_form())
    assert response.status_code == 302
    session.rollback()
    briefing = session.scalar(sa.select(Briefing).where(Briefing.slug == "partner-briefing"))
    assert response.headers["Location"] == f"/admin/briefings/{briefing.id}"
    for slot, sample in [("video", "webm"), ("video", "mp4"), ("captions", "captions"), ("transcript", "transcript"),
                         ("poster", "poster"), ("chapters", "chapters"),
                         ("described_video", "webm"), ("described_video", "mp4")]:  # fmt: skip
        response = upload(admin, briefing.id, slot, SAMPLE[sample].read_bytes(), SAMPLE[sample].name)
        assert response.status_code == 302, (slot, response.get_data(as_text=True))
    page = admin.get(f"/admin/briefings/{briefing.id}").get_data(as_text=True)
    assert "sample-poster.png" in page and "Publish this briefing" in page
    assert admin.get("/briefings/partner-briefing").status_code == 200  # the preview
    assert admin.post(f"/admin/briefings/{briefing.id}/publish").status_code == 302
    assert admin.application.test_client().get("/briefings/partner-briefing").status_code == 200  # the public
    session.rollback()
    assert {f.kind for f in session.get(Briefing, briefing.id).files} == set(MediaKind)
    actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["briefing added"] + ["briefing file uploaded"] * 8 + ["briefing published"]


def test_the_web_address_name_must_be_well_formed_and_unused(admin, session):
    make_briefing(session, slug="taken")
    page = admin.post("/admin/briefings/new", data=briefing_form(slug="Not OK!")).get_data(as_text=True)
    assert "Use only lower-case letters, numbers and single hyphens" in page
    page = admin.post("/admin/briefings/new", data=briefing_form(slug="taken")).get_data(as_text=True)
    assert "Another briefing already uses this web address name" in page
    page = admin.post("/admin/briefings/new", data=briefing_form(title="", summary="")).get_data(as_text=True)
    assert "Enter the title" in page and "Enter a summary" in page and "There is a problem" in page


def test_an_executable_renamed_mp4_is_refused_with_a_plain_message(admin, app, session):
    briefing = make_briefing(session, files=(), published=False)
    before = files_in(app)
    response = upload(admin, briefing.id, "video", ELF, "briefing.mp4")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and "The file is not an MP4 or WebM video." in page
    assert briefing_files(session) == [] and files_in(app) == before


def test_a_hostile_webvtt_file_that_is_really_html_is_refused(admin, session):
    briefing = make_briefing(session, files=(), published=False)
    response = upload(admin, briefing.id, "captions", b"<html><script>alert(1)</script></html>", "captions.vtt")
    assert "The file is not WebVTT" in response.get_data(as_text=True)
    assert briefing_files(session) == []


def test_choosing_no_file_says_so(admin, session):
    briefing = make_briefing(session, files=(), published=False)
    response = admin.post(f"/admin/briefings/{briefing.id}/upload/video", data={}, content_type="multipart/form-data")
    assert "Choose a file to upload" in response.get_data(as_text=True)


def test_path_tricks_in_the_file_name_are_harmless(admin, app, session):
    briefing = make_briefing(session, files=(), published=False)
    response = upload(admin, briefing.id, "video", SAMPLE["webm"].read_bytes(), "../../../../tmp/evil.webm")
    assert response.status_code == 302
    (file,) = briefing_files(session)
    assert re.fullmatch(r"[0-9a-f]{32}\.webm", file.stored_name)
    assert (Path(app.config["MEDIA_DIR"]) / file.stored_name).is_file()
    assert file.original_name == "tmp_evil.webm"
    assert not Path("/tmp/evil.webm").exists()


@pytest.fixture
def upload_limit(app):
    """Set MEDIA_MAX_UPLOAD_BYTES for one test."""
    saved = app.config["MEDIA_MAX_UPLOAD_BYTES"]

    def set_limit(size: int):
        app.config["MEDIA_MAX_UPLOAD_BYTES"] = size

    yield set_limit
    app.config["MEDIA_MAX_UPLOAD_BYTES"] = saved


def test_a_video_over_the_configured_limit_is_refused(admin, app, session, upload_limit):
    briefing = make_briefing(session, files=(), published=False)
    upload_limit(10 * 1024)
    before = files_in(app)
    response = upload(admin, briefing.id, "video", SAMPLE["webm"].read_bytes(), "briefing.webm")
    assert response.status_code == 413
    assert "The file must be smaller than 10 KB." in response.get_data(as_text=True)
    assert briefing_files(session) == [] and files_in(app) == before


def test_a_request_far_over_the_limit_is_refused_before_it_is_read(admin, session, upload_limit):
    briefing = make_briefing(session, files=(), published=False)
    upload_limit(1024)
    response = upload(admin, briefing.id, "video", b"\0" * (200 * 1024), "huge.webm")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file must be smaller than 1 KB." in page and "Choose the file" in page


def test_uploads_may_be_larger_than_the_limit_for_other_forms(admin, app, session):
    briefing = make_briefing(session, files=(), published=False)
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    transcript = ("Families lead their own plans. " * 50_000).encode()  # 1.5 MB
    response = upload(admin, briefing.id, "transcript", transcript, "transcript.txt")
    assert response.status_code == 302
    assert briefing_files(session)[0].size_bytes == len(transcript)


def test_the_upload_form_still_needs_its_security_token(app, session):
    production = create_app({**app.config, "WTF_CSRF_ENABLED": True, "TESTING": True})
    client = production.test_client()
    sign_in_page = client.get("/admin/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', sign_in_page).group(1)
    user = make_staff(session)
    from tests.factories import STAFF_PASSWORD

    signed_in = client.post(
        "/admin/sign-in", data={"email": user.email, "password": STAFF_PASSWORD, "csrf_token": token}
    )
    assert signed_in.status_code == 302
    briefing = make_briefing(session, files=(), published=False)
    response = upload(client, briefing.id, "captions", SAMPLE["captions"].read_bytes(), "sample.vtt")
    assert response.status_code == 400 and "your form timed out" in response.get_data(as_text=True)
    form = client.get(f"/admin/briefings/{briefing.id}/upload/captions").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = upload(client, briefing.id, "captions", SAMPLE["captions"].read_bytes(), "sample.vtt", csrf_token=token)
    assert response.status_code == 302


def test_a_briefing_cannot_be_published_without_captions(admin, session):
    briefing = make_briefing(session, files=("webm",), published=False)
    page = admin.get(f"/admin/briefings/{briefing.id}").get_data(as_text=True)
    assert "To publish this briefing, upload a video and its captions first." in page
    response = admin.post(f"/admin/briefings/{briefing.id}/publish", follow_redirects=True)
    assert "upload a video and its captions first" in response.get_data(as_text=True)
    session.rollback()
    assert not session.get(Briefing, briefing.id).published


def test_unpublishing_takes_the_briefing_off_the_public_pages(admin, app, session):
    briefing = make_briefing(session)
    response = admin.post(f"/admin/briefings/{briefing.id}/unpublish", follow_redirects=True)
    assert "The briefing is no longer published." in response.get_data(as_text=True)
    assert app.test_client().get(f"/briefings/{briefing.slug}").status_code == 404


def test_removing_a_file(admin, session):
    briefing = make_briefing(session, files=("webm", "captions", "poster"))
    response = admin.post(f"/admin/briefings/{briefing.id}/files/poster/remove", follow_redirects=True)
    assert "Poster image removed." in response.get_data(as_text=True)
    response = admin.post(f"/admin/briefings/{briefing.id}/files/captions/remove", follow_redirects=True)
    assert "A published briefing needs a video and captions" in response.get_data(as_text=True)
    assert {f.kind for f in briefing_files(session)} == {MediaKind.WEBM_VIDEO, MediaKind.CAPTIONS}


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/admin/briefings/999999"),
        ("GET", "/admin/briefings/{id}/upload/virus"),
        ("POST", "/admin/briefings/{id}/files/secrets/remove"),
        ("POST", "/admin/briefings/{id}/delete-everything"),
        ("GET", "/admin/briefings/{id}/report.csv/extra"),
    ],
)
def test_unknown_briefings_files_and_actions_are_not_found(admin, session, method, path):
    briefing = make_briefing(session)
    assert admin.open(path.format(id=briefing.id), method=method).status_code == 404


def test_the_report_shows_plays_records_and_breakdowns_and_downloads_as_csv(admin, session):
    briefing = make_briefing(session)
    service.count_play(session, briefing.id)
    details = service.WatchedDetails(
        full_name="=cmd|' /C calc'!A0",
        email="sam@example.org",
        organisation="Barrow family hub",
        sector=Sector.EARLY_HELP,
        council_area=CouncilArea.WESTMORLAND_FURNESS,
    )
    service.record_watched(session, briefing, details)
    listing = admin.get("/admin/briefings").get_data(as_text=True)
    assert briefing.title in listing
    page = admin.get(f"/admin/briefings/{briefing.id}/report").get_data(as_text=True)
    assert "<strong>1</strong> play:" in page and '<strong>1</strong> "I have watched this" record' in page
    assert re.search(r"Early help</th>\s*<td[^>]*>1</td>", page)
    assert re.search(r"Westmorland and Furness</th>\s*<td[^>]*>1</td>", page)
    response = admin.get(f"/admin/briefings/{briefing.id}/report.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f"attachment; filename={briefing.slug}-watched.csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeffDate,Full name") and "'=cmd|' /C calc'!A0" in body


def test_the_video_with_audio_description_has_the_same_checks_and_its_own_place(admin, app, session):
    briefing = make_briefing(session)
    assert upload(admin, briefing.id, "described_video", ELF, "described.mp4").status_code == 200
    response = upload(admin, briefing.id, "described_video", SAMPLE["mp4"].read_bytes(), "described.mp4")
    assert response.status_code == 302
    session.rollback()
    kinds = {f.kind for f in session.get(Briefing, briefing.id).files}
    assert MediaKind.DESCRIBED_MP4_VIDEO in kinds and MediaKind.WEBM_VIDEO in kinds  # beside, not instead
    page = admin.get(f"/admin/briefings/{briefing.id}").get_data(as_text=True)
    assert "Video with audio description (MP4): described.mp4" in page
