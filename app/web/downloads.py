"""Files people download: calendar files and spreadsheets."""

from flask import Response


def download(body: str, mimetype: str, filename: str, *, private: bool = False) -> Response:
    """A file to save. Private ones (people's details) are never kept by a browser or proxy."""
    response = Response(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["Cache-Control"] = "no-store" if private else "no-cache"
    return response
