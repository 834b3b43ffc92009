"""`flask --app wsgi data purge`: keeping personal data no longer than needed (run it every night)."""

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.database import utcnow
from app.extensions import db
from app.personal_data.backup import BackupFailed, make_backup, restore_backup
from app.personal_data.on_request import CannotErase, erase_person, everything_about
from app.personal_data.retention import purge

data_cli = AppGroup("data", help="Looking after the data the service keeps.")


@data_cli.command("purge")
def purge_command():
    """Remove access and dietary needs, and anonymise old bookings, as the retention settings say."""
    config = current_app.config
    report = purge(
        db.session,
        utcnow(),
        access_needs_days=config["RETENTION_ACCESS_NEEDS_DAYS"],
        anonymise_months=config["RETENTION_ANONYMISE_MONTHS"],
        interest_months=config["RETENTION_INTEREST_MONTHS"],
    )
    click.echo(
        f"Access and dietary needs removed from {report.needs_removed} bookings; "
        f"{report.anonymised} bookings anonymised; {report.emails_removed} old emails removed."
    )


@data_cli.command("copy")
@click.argument("email")
def copy_command(email: str):
    """Print everything held about the person with this email address, as JSON (their right of access)."""
    click.echo(json.dumps(everything_about(db.session, email, actor=None), indent=2, ensure_ascii=False))


@data_cli.command("erase")
@click.argument("email")
@click.confirmation_option(prompt="This cannot be undone. Erase everything held about this person?")
def erase_command(email: str):
    """Erase the person with this email address (their right to erasure), as the training record's page does."""
    try:
        report = erase_person(db.session, email, actor=None)
    except CannotErase as refused:
        raise click.ClickException(refused.message) from None
    click.echo(
        f"Erased. Bookings: {report.bookings}. Briefing records: {report.watched}. Requests to hear about dates: "
        f"{report.interest}. Emails: {report.emails}. Other people's bookings naming them as manager: {report.managed}."
    )


@data_cli.command("backup")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
def backup_command(destination: Path):
    """Back up the database and the briefing videos into a new folder inside DESTINATION."""
    try:
        folder = make_backup(destination, utcnow())
    except BackupFailed as failed:
        raise click.ClickException(str(failed)) from None
    click.echo(f"Backed up to {folder}")


@data_cli.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.confirmation_option(prompt="Stop the service first. Restore this backup into the empty database?")
def restore_command(folder: Path):
    """Restore a backup made by `flask data backup` into an empty database and the media folder."""
    try:
        manifest = restore_backup(folder)
    except BackupFailed as failed:
        raise click.ClickException(str(failed)) from None
    click.echo(f"Restored the backup made at {manifest['made_at']} (database version {manifest['migration']}).")
