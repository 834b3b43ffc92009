"""`flask --app wsgi mail ...`: the outbox worker and what it has done."""

import signal
import threading
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.database import utcnow
from app.extensions import db
from app.mail.outbox import failed_messages, outbox_summary, send_due
from app.mail.registry import registry

REMINDER_INTERVAL_SECONDS = 60

mail_cli = AppGroup("mail", help="Deliver the emails waiting in the outbox.")


def warn_if_lease_too_short() -> None:
    """Half a lease must cover the slowest send (four SMTP replies, each up to MAIL_TIMEOUT)."""
    config = current_app.config
    if float(config["MAIL_LEASE_SECONDS"]) < 8 * float(config["MAIL_TIMEOUT"]):
        current_app.logger.warning(
            "MAIL_LEASE_SECONDS (%s) is less than eight times MAIL_TIMEOUT (%s): a mail server that takes "
            "longer than half a lease over one email could let its lease run out, and it could go twice",
            config["MAIL_LEASE_SECONDS"],
            config["MAIL_TIMEOUT"],
        )


def one_pass(with_reminders: bool = True) -> str:
    """Queue what has become due (the scheduled jobs: reminders, feedback requests...), then deliver what is due."""
    queued = 0
    if with_reminders:
        for job in registry().jobs.values():
            queued += job(db.session, utcnow(), current_app.config)
    report = send_due(db.session)
    db.session.remove()
    return (
        f"reminders and summaries queued: {queued}, sent: {report.sent}, skipped: {report.skipped}, "
        f"to retry: {report.retrying}, failed: {report.failed}"
    )


@mail_cli.command("send-due")
def send_due_command():
    """Deliver what is due now, then exit (for cron)."""
    warn_if_lease_too_short()
    click.echo(one_pass())


@mail_cli.command("worker")
def worker_command():
    """Keep delivering emails until stopped (Ctrl+C or SIGTERM)."""
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    warn_if_lease_too_short()
    poll = float(current_app.config["MAIL_POLL_SECONDS"])
    server = current_app.config["MAIL_SERVER"]
    where = f"SMTP server {server}" if server else f".eml files in {current_app.config['MAIL_FILE_DIR']}"
    click.echo(f"Email worker started: delivering to {where}. Ctrl+C stops it.")
    next_reminders = 0.0
    while not stop.is_set():
        try:
            # Reminders are looked for once a minute; emails as often as MAIL_POLL_SECONDS.
            with_reminders = time.monotonic() >= next_reminders
            if with_reminders:
                next_reminders = time.monotonic() + REMINDER_INTERVAL_SECONDS
            current_app.logger.debug(one_pass(with_reminders))
        except Exception:  # noqa: BLE001 - the worker must outlive a bad pass; the error is logged
            current_app.logger.exception("Email worker pass failed")
            db.session.remove()
        stop.wait(poll)
    click.echo("Email worker stopped.")


@mail_cli.command("status")
def status_command():
    """Show how many emails are waiting, sent and failed, and list the failed ones."""
    counts = outbox_summary(db.session)
    click.echo(", ".join(f"{status}: {count}" for status, count in counts.items()))
    for message in failed_messages(db.session):
        click.echo(f"failed #{message.id} {message.kind} to {message.to_address} after {message.attempts} tries:")
        click.echo(f"    {message.last_error}")
