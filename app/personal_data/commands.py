"""`flask --app wsgi data purge`: keeping personal data no longer than needed (run it every night)."""

import click
from flask import current_app
from flask.cli import AppGroup

from app.database import utcnow
from app.extensions import db
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
