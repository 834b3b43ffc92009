"""The pages every public service must have: privacy, accessibility and cookies. Linked from every footer."""

from flask import Blueprint, current_app, render_template

from app.web.public.page_text import extra_text

bp = Blueprint("pages", __name__)


def contact() -> str:
    """Whom to write to about personal data: DATA_PROTECTION_CONTACT, else the training team."""
    return current_app.config.get("DATA_PROTECTION_CONTACT") or current_app.config["TRAINING_TEAM_EMAIL"]


@bp.get("/privacy")
def privacy():
    return render_template("pages/privacy.html", contact=contact(), extra=extra_text("privacy"))


@bp.get("/accessibility")
def accessibility():
    return render_template("pages/accessibility.html", extra=extra_text("accessibility"))


@bp.get("/cookies")
def cookies():
    return render_template("pages/cookies.html", extra=extra_text("cookies"))
