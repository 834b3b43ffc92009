"""The words of the privacy notice, accessibility statement and cookies page that the council can change.

Each page is written in a template with the facts read from settings (who to contact, how long each
thing is kept). The council can add to a page, without changing code, by putting a Markdown file in
the instance folder (`instance/pages/privacy.md`, `accessibility.md`, `cookies.md`). It is rendered
with HTML switched off, so nothing in it can add markup or scripts: raw HTML shows as text, and links
to javascript: and other unsafe addresses are not made into links.
"""

from pathlib import Path

from flask import current_app
from markdown_it import MarkdownIt
from markupsafe import Markup

MAX_BYTES = 200_000

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def extra_text(page: str) -> Markup | None:
    """The council's own text for a page, as safe HTML, or None when there is no file."""
    path = Path(current_app.instance_path) / "pages" / f"{page}.md"
    try:
        raw = path.read_bytes()[:MAX_BYTES]
    except OSError:
        return None
    html = _markdown.render(raw.decode("utf-8", errors="replace"))
    return Markup(govuk_classes(html))


def govuk_classes(html: str) -> str:
    """Give the rendered elements the GOV.UK classes, so the text looks like the rest of the page."""
    for tag, classes in (
        ("<p>", '<p class="govuk-body">'),
        ("<h1>", '<h2 class="govuk-heading-l">'),
        ("</h1>", "</h2>"),
        ("<h2>", '<h2 class="govuk-heading-m">'),
        ("<h3>", '<h3 class="govuk-heading-s">'),
        ("<ul>", '<ul class="govuk-list govuk-list--bullet">'),
        ("<ol>", '<ol class="govuk-list govuk-list--number">'),
        ("<a href=", '<a class="govuk-link" href='),
    ):
        html = html.replace(tag, classes)
    return html
