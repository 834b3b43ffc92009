"""What a page shows is text, never markup: a walk over every page a person and a member of staff can reach.

It starts from the home page and from the staff dashboard, follows every link on the service, adds the
pages only a booking's link reaches (confirmation, manage, cancel, move), the error pages and the HTML of
every email, and fails if any text shown holds markup (such as a tag that was escaped) or the words None,
null or undefined on their own.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import sqlalchemy as sa

from app.enrolment.bookings import cancel_booking
from app.enrolment.dates import send_date_message
from app.enrolment.needs import record_needs_outcome
from app.mail.registry import NoLongerApplies, render_batch
from app.models import Audience, NeedsStatus, OutboxMessage
from tests.factories import booked, details, make_briefing, make_course, make_date, make_staff, sign_in

MARKUP = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>|&(lt|gt|amp|quot|#\d+);")
EMPTY_WORDS = re.compile(r"\b(None|null|undefined)\b")
SHOWN_ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "aria-description"}
LIMIT = 400


class Shown(HTMLParser):
    """The text a person sees or hears on a page, and the links on it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.hidden += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.texts.append(value)
            if tag == "a" and name == "href" and value:
                self.links.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(data)


def problems(where: str, html: str) -> tuple[list[str], list[str]]:
    shown = Shown()
    shown.feed(html)
    found = []
    for text in shown.texts:
        if MARKUP.search(text):
            found.append(f"{where}: markup shown as text: {text.strip()[:120]!r}")
        if EMPTY_WORDS.search(text):
            found.append(f"{where}: an empty value shown: {text.strip()[:120]!r}")
    return found, shown.links


def walk(client, starts: list[str]) -> list[str]:
    """Every page reachable from `starts` by GET, on this service only; the problems found."""
    seen, queue, found = set(), list(starts), []
    while queue and len(seen) < LIMIT:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if not response.mimetype == "text/html":
            continue
        page_problems, links = problems(path, response.get_data(as_text=True))
        found += page_problems
        for link in links:
            target = urlsplit(urljoin("http://localhost" + path, link))
            if target.netloc in ("localhost", "training.example.test") and target.scheme.startswith("http"):
                next_path = target.path + (f"?{target.query}" if target.query else "")
                if "sign-out" not in next_path and next_path not in seen:
                    queue.append(next_path)
    assert len(seen) > 10, seen
    return found


def seed(session):
    """Dates open, full and cancelled, people booked, waiting and cancelled, a briefing, and staff."""
    course = make_course(session)
    open_date = make_date(session, course=course)
    full = make_date(session, course=course, capacity=1, days_from_now=50)
    first = booked(session, open_date.id, details(access_needs=["sign_language", "breaks"], dietary_needs="Halal"))
    holder = booked(session, full.id, details())
    waiting = booked(session, full.id, details())
    gone = booked(session, open_date.id, details())
    cancel_booking(session, gone.manage_token)
    make_briefing(session)
    return [first, holder, waiting, gone]


def test_no_page_or_email_shows_markup_or_empty_words(app, client, session):
    results = seed(session)
    staff = make_staff(session)
    record_needs_outcome(
        session, results[0].booking.id, NeedsStatus.NOT_POSSIBLE, "No interpreter is free", actor=staff
    )
    course_date_id = results[0].booking.course_date_id
    send_date_message(session, course_date_id, subject="Room 4", body="We are in Room 4.\n\nThe lift works.",
                      audience=Audience.EVERYONE, actor=staff)  # fmt: skip
    found = walk(client, ["/", "/dates", "/briefings", "/no-such-page", "/courses/nope"])
    for result in results:
        token = result.manage_token
        found += walk(client, [f"/bookings/{token}/confirmation", f"/bookings/{token}"])
    staff_client = app.test_client()
    sign_in(staff_client, staff)
    found += walk(staff_client, ["/admin/"])
    session.rollback()
    messages = list(session.scalars(sa.select(OutboxMessage)))
    assert messages
    for message_id, rendered in render_batch(session, messages).items():
        if isinstance(rendered, NoLongerApplies):
            continue  # a message overtaken by a later change is never sent, so never seen
        assert not isinstance(rendered, Exception), rendered  # every email is walked, none silently skipped
        found += problems(f"email {message_id}", rendered.html)[0]
    assert found == [], "\n".join(found)


def test_the_walk_finds_an_escaped_tag_and_an_empty_value():
    """The check itself: the old confirmation panel, and a template that printed a missing value."""
    old_panel = '<div class="govuk-panel__body">Your reference&lt;br&gt;&lt;strong&gt;SOS-M8JPY&lt;/strong&gt;</div>'
    assert problems("old", old_panel)[0]
    assert problems("empty", "<p>Length: None</p>")[0]
    assert problems("fine", "<p>Your reference<br><strong>SOS-M8JPY</strong></p><p>Nonetheless</p>")[0] == []
