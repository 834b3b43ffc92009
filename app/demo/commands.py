"""`flask --app wsgi demo load`: sample data for trying the service."""

import click
from flask.cli import AppGroup

from app.database import utcnow
from app.demo.data import demo_accounts, load_demo
from app.extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying the service.")


@demo_cli.command("load")
def load_command():
    """Load the course, venues in Cumbria, sample dates and a finished course with its register,
    feedback and certificates. Safe to run again."""
    added = load_demo(db.session, utcnow())
    click.echo(f"Demo data loaded: {added} new date(s).")
    click.echo("To try the training team's pages, sign in at /admin as (new passwords each time the demo loads):")
    for email, role, password in demo_accounts(db.session):
        click.echo(f"  {role:8} {email:28} password: {password}")
