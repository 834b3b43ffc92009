"""`flask --app wsgi doctor`: check the settings a council would get wrong, and say how to fix each."""

import click
from flask.cli import with_appcontext

from app.doctor.checks import examine


@click.command("doctor")
@with_appcontext
def doctor_command():
    """Check the secret key, web address, database, limits, email, fonts and media folder."""
    findings = examine()
    for finding in findings:
        click.echo(f"{'OK     ' if finding.ok else 'PROBLEM'}  {finding.name}: {finding.said}")
        if finding.fix:
            click.echo(f"         How to fix it: {finding.fix}")
    problems = sum(not finding.ok for finding in findings)
    click.echo("Everything looks right." if not problems else f"{problems} to put right.")
    if problems:
        raise SystemExit(1)
