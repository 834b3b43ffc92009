"""The emails staff get about their own account: an invitation, and a link to set a new password."""

from flask import current_app

from app.mail.registry import Batch, NoLongerApplies, RenderedEmail, public_url, render_pair
from app.models import OutboxMessage
from app.staff.links import LINK_HOURS


def render_link(message: OutboxMessage, batch: Batch) -> RenderedEmail:
    """An invitation or a new-password link; not once it has been used, replaced or has run out."""
    link = batch.referenced(message)["staff_link"]
    if link.used_at is not None:
        raise NoLongerApplies("the link was used or replaced before this email went")
    text, html = render_pair(
        f"staff_{link.purpose}",
        user=link.staff_user,
        link_url=public_url(f"/admin/set-password/{link.token}"),
        hours=LINK_HOURS[link.purpose],
        invited_by=message.context.get("invited_by") or "The training team",
        sign_in_url=public_url("/admin/sign-in"),
        service_name=current_app.config["PARTNERSHIP_NAME"],
    )
    return RenderedEmail(text, html)
