"""The audit log and emails that could not be sent."""

from flask import abort, flash, redirect, render_template, request, url_for

from app.core import audit
from app.extensions import db
from app.mail.outbox import retry_failed
from app.staff.guard import acting_staff
from app.web.admin.blueprint import bp
from app.web.admin.forms import AuditLogForm
from app.web.fields import choices_from
from app.web.forms import ConfirmForm

PAGE_SIZE = 100
FILTERS = ("start", "end", "person", "action", "done_by")


def audit_log_form() -> AuditLogForm:
    """The filters, with the actions the log has and everyone who can have done something."""
    form = AuditLogForm(request.args)
    form.action.choices = choices_from({"": "Anything"} | {action: action for action in audit.actions(db.session)})
    staff = {f"{audit.STAFF_PREFIX}{user.id}": user.label for user in audit.staff_who_acted(db.session)}
    form.done_by.choices = choices_from(
        {"": "Anyone"} | {value: words for value, (words, _actors) in audit.DONE_BY.items()} | staff
    )
    return form


@bp.get("/audit")
def audit_log():
    """Who changed what, newest first, a page at a time, narrowed by days, person, action and who did it."""
    page = request.args.get("page", 1, type=int)
    if page < 1 or page > 100000:
        abort(404)
    form = audit_log_form()
    if not form.validate():
        return render_template("admin/audit_log.html", form=form, found=None, chosen={}), 400
    filters = audit.Filters(form.start.data, form.end.data, form.person.data or "", form.action.data or "",
                            form.done_by.data or "")  # fmt: skip
    found = audit.entries(db.session, filters, page, PAGE_SIZE)
    chosen = {key: values for key, values in request.args.lists() if key in FILTERS and any(values)}
    return render_template("admin/audit_log.html", form=form, found=found, chosen=chosen)


@bp.post("/emails/<id:message_id>/retry")
def retry_email(message_id: int):
    """Put an email the worker gave up on back in the queue."""
    ConfirmForm().validate_on_submit() or abort(400)
    if retry_failed(db.session, message_id, actor=acting_staff()):
        flash("The email will be tried again within a minute.", "success")
    else:
        flash("That email is not waiting to be tried again.", "error")
    return redirect(url_for("admin.dashboard"))
