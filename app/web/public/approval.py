"""A line manager answers whether their colleague can come, by the signed link we emailed them (no account).
The link shows the question; the answer is a POST (mail scanners open links), and works once."""

from flask import Blueprint, abort, render_template, request

from app.enrolment import approvals
from app.extensions import db
from app.web.forms import ConfirmForm

bp = Blueprint("approval", __name__)
ANSWERS = {"yes": True, "no": False}


@bp.get("/approval/<token>")
def question(token: str):
    """Can they come? With the course, its days and venue, and the two answers."""
    try:
        booking = approvals.booking_for_link(db.session, token)
    except approvals.LinkNotValid as refused:
        return render_template("approval/not_valid.html", reason=refused.message), 404
    return render_template("approval/question.html", booking=booking, form=ConfirmForm())


@bp.post("/approval/<token>")
def answer(token: str):
    ConfirmForm().validate_on_submit() or abort(400)
    agrees = ANSWERS.get(request.form.get("answer", ""))
    if agrees is None:
        abort(400)
    try:
        booking = approvals.answer(db.session, token, agrees)
    except approvals.LinkNotValid as refused:
        return render_template("approval/not_valid.html", reason=refused.message), 404
    return render_template("approval/answered.html", booking=booking, agrees=agrees)
