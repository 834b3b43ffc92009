"""The training team's briefing pages: words, files, publishing and the report. Admins only."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from app.briefings import service
from app.briefings.checks import FileTooLarge, MediaRefused
from app.catalogue.records import SlugTaken
from app.core.rules import NotFound
from app.extensions import csrf, db
from app.models import Briefing, MediaKind
from app.staff.guard import acting_staff, require_staff
from app.web.admin.briefing_forms import BriefingForm, UploadForm
from app.web.downloads import download
from app.web.forms import ConfirmForm

bp = Blueprint("briefings_admin", __name__, url_prefix="/admin/briefings")
bp.before_request(require_staff)

BRIEFING = "<id:briefing_id>"
# Room for the form's other fields and the multipart boundaries around the file.
FORM_OVERHEAD_BYTES = 64 * 1024


def briefing_or_404(briefing_id: int) -> Briefing:
    return db.session.get(Briefing, briefing_id) or abort(404)


@bp.get("")
def index():
    """List every briefing with its plays and records."""
    reports = [service.report(db.session, b) for b in service.all_briefings(db.session)]
    return render_template("admin/briefings/index.html", reports=reports)


@bp.route("/new", methods=["GET", "POST"], defaults={"briefing_id": None})
@bp.route(f"/{BRIEFING}/edit", methods=["GET", "POST"])
def edit(briefing_id: int | None):
    """Add a briefing, or change its words."""
    briefing = briefing_or_404(briefing_id) if briefing_id else Briefing(published=False)
    form = BriefingForm(obj=briefing)
    if form.validate_on_submit():
        try:
            briefing = service.save_briefing(db.session, briefing_id, form.data, actor=acting_staff())
        except SlugTaken as refused:
            form.slug.errors.append(refused.message)
        except NotFound:
            abort(404)
        else:
            flash("The briefing has been saved.", "success")
            return redirect(url_for("briefings_admin.briefing", briefing_id=briefing.id))
    back = url_for("briefings_admin.briefing", briefing_id=briefing_id) if briefing_id else url_for(".index")
    heading = "Change the briefing" if briefing_id else "Add a briefing"
    return render_template("admin/form.html", form=form, heading=heading, button="Save the briefing", back=back)


@bp.get(f"/{BRIEFING}")
def briefing(briefing_id: int):
    """One briefing: its files, whether it is published, and links to change it."""
    found = briefing_or_404(briefing_id)
    return render_template(
        "admin/briefings/briefing.html", briefing=found, form=ConfirmForm(), can_publish=service.can_publish(found)
    )


@bp.route(f"/{BRIEFING}/upload/<slot>", methods=["GET", "POST"])
@csrf.exempt  # the token is checked in read_upload_form, once the larger upload limit applies
def upload(briefing_id: int, slot: str):
    """Upload or replace one of the briefing's files."""
    found = briefing_or_404(briefing_id)
    if slot not in service.SLOTS:
        abort(404)
    form, refused = read_upload_form()
    if refused is None and form.validate_on_submit():
        upload = form.file.data
        try:
            received = service.receive_file(slot, upload.stream, upload.filename, max_bytes=max_upload_bytes())
            service.attach_file(db.session, found.id, received, actor=acting_staff())
        except (MediaRefused, service.BriefingError) as error:
            refused = error
        else:
            flash(f"{received.checked.kind.label} uploaded.", "success")
            return redirect(url_for(".briefing", briefing_id=found.id))
    if refused is not None:
        form.file.errors = [*form.file.errors, refused.message]
    status = 413 if isinstance(refused, FileTooLarge) else 200
    return render_template("admin/briefings/upload.html", briefing=found, slot=slot, form=form), status


def max_upload_bytes() -> int:
    return current_app.config["MEDIA_MAX_UPLOAD_BYTES"]


def read_upload_form() -> tuple[UploadForm, MediaRefused | None]:
    """Read the upload under the media limit, then check the security token as CSRFProtect would have."""
    if request.method == "POST":
        request.max_content_length = max_upload_bytes() + FORM_OVERHEAD_BYTES
        try:
            request.files  # noqa: B018  (reads the body now, in chunks, into a temporary file)
        except RequestEntityTooLarge:
            limit = service.describe_size(max_upload_bytes())
            return UploadForm(formdata=None), FileTooLarge(f"The file must be smaller than {limit}.")
        if current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect()
    return UploadForm(), None


@bp.post(f"/{BRIEFING}/files/<kind>/remove")
def remove_file(briefing_id: int, kind: str):
    """Remove one of the briefing's files."""
    found = briefing_or_404(briefing_id)
    if kind not in set(MediaKind):
        abort(404)
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        service.remove_file(db.session, found.id, MediaKind(kind), actor=acting_staff())
    except service.BriefingError as refused:
        flash(refused.message, "error")
    else:
        flash(f"{MediaKind(kind).label} removed.", "success")
    return redirect(url_for(".briefing", briefing_id=briefing_id))


@bp.post(f"/{BRIEFING}/<action>")
def publish(briefing_id: int, action: str):
    """Put a briefing on the public pages, or take it off."""
    found = briefing_or_404(briefing_id)
    if action not in ("publish", "unpublish"):
        abort(404)
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        service.set_published(db.session, found.id, action == "publish", actor=acting_staff())
    except service.BriefingError as refused:
        flash(refused.message, "error")
    else:
        done = "The briefing is published." if action == "publish" else "The briefing is no longer published."
        flash(done, "success")
    return redirect(url_for(".briefing", briefing_id=briefing_id))


@bp.get(f"/{BRIEFING}/report")
def report(briefing_id: int):
    """Plays and "I have watched this" records, by area of work and council area."""
    found = briefing_or_404(briefing_id)
    return render_template("admin/briefings/report.html", report=service.report(db.session, found))


@bp.get(f"/{BRIEFING}/report.csv")
def report_csv(briefing_id: int):
    """Everyone who said they watched this briefing, as a spreadsheet."""
    found = briefing_or_404(briefing_id)
    return download(service.records_csv(db.session, found), "text/csv", f"{found.slug}-watched.csv", private=True)
