"""Keep rendered public pages until the data they show changes.

The dates pages are the busiest and are the same for everyone. A view names a version of its
data (one cheap query) and the rendered HTML is reused while the version stays the same. The
version doubles as an ETag, so browsers asking again get a 304.
"""

import hashlib
from collections.abc import Callable, Hashable

from flask import Response, current_app, make_response, request, session

MAX_PAGES = 64


def cached_page(name: str, version: Hashable, render: Callable[[], str]) -> Response:
    """The page `name` at `version`: from this process's cache, or rendered now and kept."""
    etag = hashlib.sha256(repr((name, version)).encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    elif session.get("_flashes"):
        response = make_response(render())  # a one-off message is showing: not for keeping
    else:
        pages = current_app.extensions.setdefault("page_cache", {})
        html = pages.get(etag)
        if html is None:
            if len(pages) >= MAX_PAGES:
                pages.clear()
            html = pages[etag] = render()
        response = make_response(html)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response
