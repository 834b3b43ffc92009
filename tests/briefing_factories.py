"""Helpers for the briefing tests: briefings with the committed sample media, and staff who sign in."""

import itertools
from pathlib import Path

from app.briefings import service
from app.models import Briefing

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "briefings"
SAMPLE = {
    "webm": FIXTURES / "sample.webm",
    "mp4": FIXTURES / "sample.mp4",
    "captions": FIXTURES / "sample.vtt",
    "chapters": FIXTURES / "sample-chapters.vtt",
    "transcript": FIXTURES / "sample-transcript.txt",
    "poster": FIXTURES / "sample-poster.png",
}
SLOT_OF = {"webm": "video", "mp4": "video"}
STAFF_PASSWORD = "a long enough password for tests"

_numbers = itertools.count(1)


def make_briefing(session, *, files=("webm", "captions"), published: bool = True, **overrides) -> Briefing:
    """A briefing with some of the sample files; published unless asked otherwise."""
    number = next(_numbers)
    values = {
        "slug": f"briefing-{number}",
        "title": f"Partner briefing {number}",
        "summary": "A narrated briefing about the ideas behind Signs of Safety.",
        "description": "What Signs of Safety is.\n\nHow we work with families.",
        "audience": "Partners in schools, health and the voluntary sector.\n\nAnyone waiting for the training.",
    }
    values.update(overrides)
    briefing = service.save_briefing(session, Briefing(**values))
    for name in files:
        attach(session, briefing, SLOT_OF.get(name, name), SAMPLE[name])
    if published:
        service.set_published(session, briefing.id, True)
    return session.get(Briefing, briefing.id)


def attach(session, briefing: Briefing, slot: str, path: Path, filename: str | None = None):
    """Upload a file to a briefing through the same checks staff uploads go through."""
    with open(path, "rb") as stream:
        received = service.receive_file(slot, stream, filename or path.name, max_bytes=10 * 1024 * 1024)
    return service.attach_file(session, briefing.id, received)


def make_admin(session, *, role=None):
    """A staff account that signs in with STAFF_PASSWORD."""
    from app.admin.auth import hash_password
    from app.models import Role, StaffUser

    user = StaffUser(
        email=f"briefings.staff{next(_numbers)}@example.org",
        name="Briefings Staff",
        role=role or Role.ADMIN,
        password_hash=hash_password(STAFF_PASSWORD),
    )
    session.add(user)
    session.commit()
    return user


def sign_in(client, user) -> None:
    """Sign in through the sign-in page, as a person would."""
    response = client.post("/admin/sign-in", data={"email": user.email, "password": STAFF_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
