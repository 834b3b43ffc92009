"""The training team's accounts: who they are, how they sign in, what they may see."""

from app.mail.registry import Reference, Registry


def install(mail: Registry) -> None:
    """The emails staff get about their own account: named here and nowhere else."""
    import sqlalchemy.orm as so

    from app.models import StaffLink
    from app.staff import emails

    mail.load_with(StaffLink, so.joinedload(StaffLink.staff_user))
    for name in ("staff_invite", "staff_reset"):
        mail.email(name, emails.render_link, references=(Reference("staff_link_id", StaffLink),))
