"""`flask --app wsgi briefings make-sample | tidy-media`."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.briefings.sample import SampleError, make_sample
from app.briefings.service import stray_files
from app.extensions import db
from config import BASE_DIR

briefings_cli = AppGroup("briefings", help="Briefing videos and their files.")
SAMPLE_DIR = BASE_DIR / "tests" / "fixtures" / "briefings"


@briefings_cli.command("make-sample")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=SAMPLE_DIR, show_default=True)
def make_sample_command(out: Path):
    """Make the short sample video, captions, chapters, transcript and poster (needs ffmpeg and espeak-ng)."""
    try:
        paths = make_sample(out)
    except SampleError as error:
        raise click.ClickException(str(error)) from None
    for path in paths:
        click.echo(f"{path} ({path.stat().st_size:,} bytes)")


@briefings_cli.command("tidy-media")
@click.option("--dry-run", is_flag=True, help="List the files without removing them.")
def tidy_media_command(dry_run: bool):
    """Remove files in the media folder that no briefing uses, such as uploads cut off half way."""
    paths = stray_files(db.session)
    for path in paths:
        if not dry_run:
            path.unlink(missing_ok=True)
        click.echo(f"{'Would remove' if dry_run else 'Removed'} {path}")
    click.echo(f"{len(paths)} stray file(s).")
