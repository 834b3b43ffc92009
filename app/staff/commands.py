"""`flask --app wsgi admin ...`: staff accounts from the command line, for the first admin."""

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.core.rules import NotFound, Refused
from app.extensions import db
from app.models import Role, StaffUser
from app.staff import accounts

admin_cli = AppGroup("admin", help="Accounts for the training team.")


def read_password() -> str:
    """Ask twice at a terminal; otherwise read one line from standard input."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@admin_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="The person's name, shown in the audit log.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ADMIN.value, show_default=True)
def create_command(email: str, name: str, role: str):
    """Create a staff account, or set a new password for an existing one (its role and state stay as they are)."""
    email = email.strip().lower()
    if "@" not in email:
        raise click.BadParameter("Enter an email address", param_hint="EMAIL")
    password = read_password()
    try:
        user, created = accounts.create_or_reset(db.session, email, name=name, role=Role(role), password=password)
    except Refused as refused:
        raise click.ClickException(refused.message) from None
    if created:
        click.echo(f"Created the {role} account {email}.")
    else:
        state = "" if user.active else " It is switched off: `flask admin activate` switches it on."
        click.echo(f"Updated {email}: new password. Its role is still {user.role}.{state}")


@admin_cli.command("list")
def list_command():
    """List the staff accounts."""
    for user in db.session.scalars(sa.select(StaffUser).order_by(StaffUser.email)):
        state = "" if user.active else " (switched off)"
        click.echo(f"{user.email}\t{user.role}\t{user.name}{state}")


@admin_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email: str):
    """Switch an account off: it can no longer sign in."""
    try:
        user = accounts.deactivate(db.session, email)
    except NotFound as refused:
        raise click.ClickException(refused.message) from None
    click.echo(f"{user.email} can no longer sign in.")


@admin_cli.command("activate")
@click.argument("email")
def activate_command(email: str):
    """Switch an account back on: it can sign in again with its password."""
    try:
        user = accounts.activate(db.session, email)
    except NotFound as refused:
        raise click.ClickException(refused.message) from None
    click.echo(f"{user.email} can sign in again.")
