"""Video is sent with byte ranges, validators and caching, the way browsers and RFC 9110 expect."""

import pytest

from app.models import MediaKind
from tests.factories import SAMPLE, make_briefing, make_staff, sign_in

VIDEO = SAMPLE["webm"].read_bytes()
SIZE = len(VIDEO)


@pytest.fixture
def video_url(session):
    briefing = make_briefing(session, files=("webm", "captions", "poster"))
    return f"/briefings/{briefing.slug}/media/{briefing.file(MediaKind.WEBM_VIDEO).stored_name}"


def get(client, url, range_header=None, **headers):
    if range_header is not None:
        headers["Range"] = range_header
    return client.get(url, headers=headers)


def test_the_whole_video_comes_with_ranges_validators_and_caching(client, video_url):
    response = get(client, video_url)
    assert response.status_code == 200
    assert response.data == VIDEO
    assert response.headers["Content-Type"] == "video/webm"
    assert response.headers["Content-Length"] == str(SIZE)
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=86400" in cache
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_first_bytes(client, video_url):
    response = get(client, video_url, "bytes=0-99")
    assert response.status_code == 206
    assert response.data == VIDEO[:100]
    assert response.headers["Content-Range"] == f"bytes 0-99/{SIZE}"
    assert response.headers["Content-Length"] == "100"


def test_a_range_in_the_middle(client, video_url):
    response = get(client, video_url, "bytes=1000-1999")
    assert response.status_code == 206
    assert response.data == VIDEO[1000:2000]
    assert response.headers["Content-Range"] == f"bytes 1000-1999/{SIZE}"


def test_the_last_500_bytes(client, video_url):
    response = get(client, video_url, "bytes=-500")
    assert response.status_code == 206
    assert response.data == VIDEO[-500:]
    assert response.headers["Content-Range"] == f"bytes {SIZE - 500}-{SIZE - 1}/{SIZE}"


def test_an_open_ended_range(client, video_url):
    response = get(client, video_url, "bytes=60000-")
    assert response.status_code == 206
    assert response.data == VIDEO[60000:]
    assert response.headers["Content-Range"] == f"bytes 60000-{SIZE - 1}/{SIZE}"


def test_a_range_ending_past_the_end_is_cut_to_the_end(client, video_url):
    response = get(client, video_url, f"bytes=100-{SIZE * 2}")
    assert response.status_code == 206
    assert response.data == VIDEO[100:]


def test_a_suffix_longer_than_the_file_is_the_whole_file(client, video_url):
    response = get(client, video_url, f"bytes=-{SIZE * 10}")
    assert response.status_code == 206
    assert response.data == VIDEO
    assert response.headers["Content-Range"] == f"bytes 0-{SIZE - 1}/{SIZE}"


@pytest.mark.parametrize("range_header", [f"bytes={SIZE}-", f"bytes={SIZE + 1000}-{SIZE + 2000}"])
def test_a_range_starting_past_the_end_cannot_be_satisfied(client, video_url, range_header):
    response = get(client, video_url, range_header)
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{SIZE}"


@pytest.mark.parametrize(
    "range_header",
    [
        "bytes=abc",  # not numbers
        "bytes=500-100",  # ends before it starts: an invalid range (RFC 9110, 14.1.1)
        "bytes=--5",
        "bytes",  # no ranges at all
        "pages=1-2",  # a unit we do not know must be ignored (RFC 9110, 14.2)
        "bytes=0-9,20-29",  # several ranges: we send the whole file rather than a multipart answer
        "bytes=-0",
    ],
)
def test_a_malformed_or_unsupported_range_is_ignored_and_the_whole_file_sent(client, video_url, range_header):
    response = get(client, video_url, range_header)
    assert response.status_code == 200
    assert response.data == VIDEO


def test_the_etag_lets_a_browser_revalidate_without_downloading_again(client, video_url):
    etag = get(client, video_url).headers["ETag"]
    response = get(client, video_url, **{"If-None-Match": etag})
    assert response.status_code == 304 and response.data == b""


def test_if_range_with_the_current_etag_gives_the_range_and_with_an_old_one_the_whole_file(client, video_url):
    etag = get(client, video_url).headers["ETag"]
    assert get(client, video_url, "bytes=0-9", **{"If-Range": etag}).status_code == 206
    stale = get(client, video_url, "bytes=0-9", **{"If-Range": '"an-old-version"'})
    assert stale.status_code == 200 and stale.data == VIDEO


def test_head_answers_with_the_headers_only(client, video_url):
    response = client.head(video_url)
    assert response.status_code == 200 and response.data == b""
    assert response.headers["Content-Length"] == str(SIZE)


def test_captions_are_served_as_webvtt_text(client, session):
    briefing = make_briefing(session, files=("webm", "captions"))
    response = client.get(f"/briefings/{briefing.slug}/media/{briefing.file(MediaKind.CAPTIONS).stored_name}")
    assert response.headers["Content-Type"] == "text/vtt; charset=utf-8"
    assert response.data == SAMPLE["captions"].read_bytes()


@pytest.mark.parametrize(
    "name",
    ["../../config.py", "..%2F..%2Fconfig.py", "0123456789abcdef0123456789abcdef.webm", "sample.webm", "secret_key"],
)
def test_only_the_briefings_own_files_are_served(client, video_url, name):
    slug = video_url.split("/")[2]
    assert client.get(f"/briefings/{slug}/media/{name}").status_code == 404


def test_a_file_of_one_briefing_is_not_served_under_another(client, session, video_url):
    other = make_briefing(session)
    name = video_url.rsplit("/", 1)[1]
    assert client.get(f"/briefings/{other.slug}/media/{name}").status_code == 404


def test_files_of_an_unpublished_briefing_are_for_signed_in_staff_only_and_never_cached(app, session):
    briefing = make_briefing(session, published=False)
    url = f"/briefings/{briefing.slug}/media/{briefing.file(MediaKind.WEBM_VIDEO).stored_name}"
    client = app.test_client()
    assert client.get(url).status_code == 404
    sign_in(client, make_staff(session))
    response = client.get(url)
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]


def test_a_file_missing_from_disk_is_a_404_not_a_crash(app, client, session, video_url):
    from pathlib import Path

    (Path(app.config["MEDIA_DIR"]) / video_url.rsplit("/", 1)[1]).unlink()
    assert client.get(video_url).status_code == 404


def test_behind_nginx_the_file_is_handed_over_with_x_accel_redirect(app, client, video_url):
    app.config["MEDIA_ACCEL_REDIRECT_PREFIX"] = "/_media/"
    try:
        response = get(client, video_url, "bytes=0-99")
    finally:
        app.config["MEDIA_ACCEL_REDIRECT_PREFIX"] = None
    assert response.status_code == 200  # nginx answers the range itself
    assert response.data == b""
    assert response.headers["X-Accel-Redirect"] == "/_media/" + video_url.rsplit("/", 1)[1]
    assert response.headers["Content-Type"] == "video/webm"
    assert "max-age=86400" in response.headers["Cache-Control"]


class ServerFileWrapper:
    """Like gunicorn's wrapper: it can only read forward, one block at a time."""

    used = 0

    def __init__(self, file, buffer_size=8192):
        ServerFileWrapper.used += 1
        self.file, self.buffer_size = file, buffer_size

    def __iter__(self):
        return self

    def __next__(self):
        data = self.file.read(self.buffer_size)
        if not data:
            raise StopIteration
        return data

    def close(self):
        self.file.close()


def test_ranges_seek_to_their_start_and_whole_files_use_the_servers_wrapper(client, video_url):
    """A range near the end of a long video must not read everything before it (gunicorn's wrapper cannot seek)."""
    environ = {"wsgi.file_wrapper": ServerFileWrapper}
    ServerFileWrapper.used = 0
    whole = client.get(video_url, environ_overrides=environ)
    assert whole.data == VIDEO and ServerFileWrapper.used == 1  # so gunicorn can use sendfile
    ranged = client.get(video_url, headers={"Range": "bytes=-100"}, environ_overrides=environ)
    assert ranged.status_code == 206 and ranged.data == VIDEO[-100:]
    assert ServerFileWrapper.used == 1  # Werkzeug's own wrapper, which seeks
