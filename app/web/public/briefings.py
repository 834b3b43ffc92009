"""Public pages: the briefings, each video with captions and transcript, and "I have watched this"."""

from flask import Blueprint, Response, abort, current_app, redirect, render_template, session, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from app.briefings import media, service
from app.extensions import db, limiter
from app.models import CouncilArea, MediaKind, Sector
from app.web import limits
from app.web.public.briefing_pages import briefing_page, transcript_download
from app.web.public.forms import WatchedForm

bp = Blueprint("briefings", __name__)

COUNTED = "counted_briefings"

bp.add_app_template_filter(service.describe_length, "briefing_length")
bp.add_app_template_filter(service.describe_size, "file_size")
bp.add_app_template_filter(service.clock, "clock")


def visible_briefing(slug: str):
    """A published briefing, or any briefing for signed-in staff checking it before it goes out; else 404."""
    found = service.briefing_by_slug(db.session, slug, include_unpublished=True)
    # The sign-in is looked at only when needed, so public pages and videos do not vary by cookie.
    if found is None or not (found.published or current_user.is_authenticated):
        abort(404)
    return found


@bp.errorhandler(RequestedRangeNotSatisfiable)
def range_not_satisfiable(error: RequestedRangeNotSatisfiable):
    """416 with the Content-Range that tells the browser how long the file is."""
    headers = {"Content-Range": f"bytes */{error.length}"} if error.length is not None else {}
    return Response("The range asked for is past the end of the file.\n", 416, headers, mimetype="text/plain")


@bp.get("/briefings")
def index():
    """List the briefings anyone can watch."""
    return render_template("briefings/index.html", briefings=service.published_briefings(db.session))


@bp.get("/briefings/<slug:slug>")
def briefing(slug: str):
    """Show one briefing: the video with captions, its chapters and the full transcript."""
    found = visible_briefing(slug)
    return render_template("briefings/briefing.html", page=briefing_page(found))


@bp.get("/briefings/<slug:slug>/audio-described")
def described(slug: str):
    """The same page, playing the video with audio description (a voice that says what is shown)."""
    found = visible_briefing(slug)
    if not found.described_videos:
        abort(404)
    return render_template("briefings/briefing.html", page=briefing_page(found, described=True))


@bp.get("/briefings/<slug:slug>/transcript.txt")
def transcript(slug: str):
    """Download the transcript as a text file."""
    found = visible_briefing(slug)
    download_name = f"{found.slug}-transcript.txt"
    file = found.file(MediaKind.TRANSCRIPT)
    if file is not None:
        return media.send_media(file, public=found.published, download_name=download_name)
    text = transcript_download(found) or abort(404)
    response = Response(text, mimetype="text/plain")
    response.headers.set("Content-Disposition", "attachment", filename=download_name)
    return response


@bp.get("/briefings/<slug:slug>/media/<name>")
def media_file(slug: str, name: str):
    """Send a video, captions, chapters or poster, with support for ranges."""
    found = visible_briefing(slug)
    file = next((f for f in found.files if f.stored_name == name), None) or abort(404)
    return media.send_media(file, public=found.published)


@bp.route("/briefings/<slug:slug>/watched", methods=["GET", "POST"])
def watched(slug: str):
    """Ask for name, work and email; keep the record and email the person a record of their learning."""
    found = service.briefing_by_slug(db.session, slug) or abort(404)
    form = WatchedForm()
    if form.validate_on_submit() and limits.take_for(
        form.email, limits.by_address("WATCHED_LIMIT_PER_ADDRESS", "watched"), limits.by_recipient(form.email.data)
    ):
        details = service.WatchedDetails(
            full_name=form.full_name.data,
            email=form.email.data,
            organisation=form.organisation.data,
            sector=Sector(form.sector.data),
            council_area=CouncilArea(form.council_area.data),
            learning_note=form.learning_note.data or "",
        )
        service.record_watched(db.session, found, details, submission_key=form.submission_key.data)
        return redirect(url_for("briefings.watched_done", slug=slug))
    return render_template("briefings/watched.html", briefing=found, form=form), limits.status_for(form)


@bp.get("/briefings/<slug:slug>/watched/done")
def watched_done(slug: str):
    """Confirm the record is on its way."""
    found = service.briefing_by_slug(db.session, slug) or abort(404)
    return render_template("briefings/watched_done.html", briefing=found)


@bp.post("/briefings/<slug:slug>/plays")
@limiter.limit(lambda: current_app.config["PLAY_COUNT_LIMIT"])
def count_play(slug: str):
    """Count an anonymous play, once per visit. Sent by static/js/briefing.js when most of the video was watched."""
    found = service.briefing_by_slug(db.session, slug) or abort(404)
    counted = session.get(COUNTED, [])
    if found.id not in counted:
        service.count_play(db.session, found.id)
        session[COUNTED] = [*counted, found.id][-20:]
    return "", 204
