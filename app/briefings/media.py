"""Briefing files on disk: receiving uploads into the media folder, and sending files back.

Uploads are copied in chunks from Werkzeug's temporary file into the media folder, so memory stays
flat whatever their size, and are stored under a random name the service chooses. What a file is
comes from app.briefings.checks.
"""

import os
import re
import secrets
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from flask import Response, abort, current_app, request
from werkzeug.http import parse_range_header
from werkzeug.utils import secure_filename
from werkzeug.utils import send_file as werkzeug_send_file

from app.briefings.checks import CheckedMedia, Cue, FileTooLarge, MediaRefused, parse_webvtt, read_text
from app.models import BriefingFile

CHUNK_BYTES = 1024 * 1024
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(webm|mp4|vtt|txt|png|jpg)$")


def media_dir() -> Path:
    """The folder that holds briefing files, made if it is missing."""
    folder = Path(current_app.config["MEDIA_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def media_path(stored_name: str) -> Path:
    """Where a stored file lives. Only names the service made are accepted."""
    if not STORED_NAME.match(stored_name):
        raise ValueError(f"not a stored media name: {stored_name!r}")
    return media_dir() / stored_name


def safe_display_name(filename: str | None) -> str:
    """The uploader's file name without any folders or odd characters, for staff to recognise it."""
    return secure_filename(unicodedata.normalize("NFKC", filename or ""))[-200:]


def receive(stream: BinaryIO, max_bytes: int, too_large: str) -> Path:
    """Copy an upload into the media folder in chunks; refuse it as soon as it passes max_bytes."""
    incoming = media_dir() / f".incoming-{secrets.token_hex(16)}"
    size = 0
    try:
        with open(incoming, "xb") as out:
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > max_bytes:
                    raise FileTooLarge(too_large)
                out.write(chunk)
        if size == 0:
            raise MediaRefused("The file is empty. Choose the file again.")
    except BaseException:
        incoming.unlink(missing_ok=True)
        raise
    return incoming


def keep(incoming: Path, checked: CheckedMedia) -> str:
    """Give a checked upload its stored name and return that name."""
    stored_name = f"{secrets.token_hex(16)}.{checked.extension}"
    os.replace(incoming, media_dir() / stored_name)
    return stored_name


def forget(stored_name: str | None) -> None:
    """Remove a stored file, if it is there."""
    if stored_name and STORED_NAME.match(stored_name):
        (media_dir() / stored_name).unlink(missing_ok=True)


@lru_cache(maxsize=16)
def _cues_at(path: str) -> tuple[Cue, ...]:
    return tuple(parse_webvtt(read_text(Path(path), "WebVTT file")))


def cues(file: BriefingFile) -> list[Cue]:
    """The cues of a stored captions or chapters file. Stored files never change, so they are kept in memory."""
    return list(_cues_at(str(media_path(file.stored_name))))


def transcript_text(file: BriefingFile) -> str:
    """The words of a stored transcript."""
    return media_path(file.stored_name).read_text(encoding="utf-8-sig")


# --- sending ---------------------------------------------------------------------------------------


def follow_rfc_9110(environ: dict, size: int) -> None:
    """Adjust the Range header where RFC 9110 asks for more than Werkzeug does.

    A range in another unit, a malformed one, or several at once is ignored (the whole file, 200),
    as the RFC allows. A suffix longer than the file means the whole file, as a 206.
    """
    header = environ.get("HTTP_RANGE")
    if header is None:
        return
    parsed = parse_range_header(header)
    if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
        del environ["HTTP_RANGE"]
        return
    start, end = parsed.ranges[0]
    if end is None and start < 0 and -start > size:
        environ["HTTP_RANGE"] = "bytes=0-"


def send_media(file: BriefingFile, *, public: bool, download_name: str | None = None) -> Response:
    """Send a stored file with ranges and validators, or hand it to nginx when that is set up."""
    max_age = current_app.config["MEDIA_CACHE_SECONDS"] if public else 0
    prefix = current_app.config["MEDIA_ACCEL_REDIRECT_PREFIX"]
    if prefix:
        response = current_app.response_class(mimetype=file.content_type)
        response.headers["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{file.stored_name}"
        if download_name:
            response.headers.set("Content-Disposition", "attachment", filename=download_name)
    else:
        path = media_path(file.stored_name)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            current_app.logger.error("Briefing file %s is missing from %s", file.stored_name, media_dir())
            abort(404)
        # A copy of the request's environment, adjusted for sending this file only.
        environ = dict(request.environ)
        follow_rfc_9110(environ, size)
        if "HTTP_RANGE" in environ:
            # gunicorn's file wrapper cannot seek, so Werkzeug would read and throw away every byte before
            # the range. Its own wrapper seeks. Whole files keep the server's wrapper, which uses sendfile.
            environ.pop("wsgi.file_wrapper", None)
        response = werkzeug_send_file(
            path,
            environ,
            mimetype=file.content_type,
            as_attachment=download_name is not None,
            download_name=download_name,
            conditional=True,
            etag=True,
            max_age=max_age,
            response_class=current_app.response_class,
        )
    if public:
        response.cache_control.public = True
        response.cache_control.max_age = max_age
    else:
        response.cache_control.public = False
        response.cache_control.private = True
        response.cache_control.no_cache = True
    return response
