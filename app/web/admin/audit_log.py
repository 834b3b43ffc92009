"""The audit log and emails that could not be sent."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for

from app.extensions import db
from app.mail.outbox import retry_failed
from app.models import AuditEvent
from app.staff.guard import acting_staff
from app.web.admin.blueprint import bp
from app.web.forms import ConfirmForm

PAGE_SIZE = 100


@bp.get("/audit")
def audit_log():
    """Who changed what, newest first, a page at a time."""
    page = request.args.get("page", 1, type=int)
    if page < 1 or page > 100000:
        abort(404)
    events = db.session.scalars(
        sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "admin/audit_log.html", events=events[:PAGE_SIZE], page=page, has_more=len(events) > PAGE_SIZE
    )


@bp.post("/emails/<id:message_id>/retry")
def retry_email(message_id: int):
    """Put an email the worker gave up on back in the queue."""
    ConfirmForm().validate_on_submit() or abort(400)
    if retry_failed(db.session, message_id, actor=acting_staff()):
        flash("The email will be tried again within a minute.", "success")
    else:
        flash("That email is not waiting to be tried again.", "error")
    return redirect(url_for("admin.dashboard"))
