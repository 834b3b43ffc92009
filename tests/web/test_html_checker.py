"""The Nu HTML Checker (vnu.jar, from npm) finds no errors in the pages people and staff use most,
including the date form empty, filled in and with mistakes."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.after_course.register import mark_attendance
from app.models import AttendanceMark, DateStatus
from tests.factories import (
    begin_course,
    booked,
    details,
    make_briefing,
    make_course,
    make_date,
    make_staff,
    make_venue,
    sign_in,
)

VNU = Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def checker() -> list[str]:
    java = shutil.which("java")
    if java is None or not VNU.exists():
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(f"the Nu HTML Checker needs java and {VNU} (make test installs it)")
        pytest.skip("java or vnu.jar is not installed")
    return [java, "-Xss4m", "-jar", str(VNU), "--errors-only", "--format", "json"]


def test_the_main_pages_pass_the_nu_html_checker(app, client, session, tmp_path):
    command = checker()
    course = make_course(session)
    make_course(session, title="Signs of Wellbeing")
    make_venue(session, name="Carlisle Civic Centre", town="Carlisle")
    open_date = make_date(session, course=course)
    booking = booked(session, open_date.id, details(access_needs=["hearing_loop"], dietary_needs="Vegan")).booking
    started = make_date(session, course=course, days_from_now=20)
    booked(session, started.id, details(access_details="A quiet room"))
    attendee = booked(session, started.id, details()).booking
    draft = make_date(session, course=course, status=DateStatus.DRAFT, days_from_now=60)
    begin_course(session, started, days_ago=2)
    mark_attendance(session, started.days[0].id, {attendee.id: AttendanceMark.ATTENDED}, actor=make_staff(session))
    briefing = make_briefing(session)
    public = [
        "/", "/dates", f"/dates/{open_date.id}", f"/dates/{open_date.id}/book", f"/bookings/{booking.manage_token}",
        f"/bookings/{booking.manage_token}/confirmation", f"/bookings/{booking.manage_token}/needs",
        "/bookings/find", f"/bookings/{attendee.manage_token}/feedback",
        "/briefings", f"/briefings/{briefing.slug}", "/privacy", "/accessibility",
    ]  # fmt: skip
    pages = {path: client.get(path) for path in public}
    pages["booking form with mistakes"] = client.post(f"/dates/{open_date.id}/book", data={"email": "not an email"})
    pages["feedback with mistakes"] = client.post(f"/bookings/{attendee.manage_token}/feedback", data={"quote": "x"})
    staff = app.test_client()
    sign_in(staff, make_staff(session))
    for path in (
        "/admin/", "/admin/dates/past", "/admin/dates/new", f"/admin/dates/{open_date.id}",
        f"/admin/dates/{open_date.id}/edit", f"/admin/dates/{draft.id}/publish", f"/admin/dates/{open_date.id}/access",
        f"/admin/bookings/{booking.id}/needs", f"/admin/dates/{started.id}/register/{started.days[0].id}",
        "/admin/audit", f"/admin/dates/{open_date.id}/message", "/admin/search?q=person", "/admin/reports",
        "/admin/calendar", "/admin/absences",
    ):  # fmt: skip
        pages[path] = staff.get(path)
    pages["date form with mistakes"] = staff.post("/admin/dates/new", data={"day1_start": "13pm", "capacity": "x"})
    message = {"audience": "everyone", "subject": "Room 4", "body": "We are in Room 4.\n\nThe lift works."}
    pages["message preview"] = staff.post(f"/admin/dates/{open_date.id}/message", data=message)
    files = []
    for number, (name, response) in enumerate(pages.items()):
        assert response.status_code == 200, (name, response.status_code)
        file = tmp_path / f"page-{number}.html"
        file.write_text(response.get_data(as_text=True), encoding="utf-8")
        files.append((file, name))
    result = subprocess.run(command + [str(f) for f, _ in files], capture_output=True, text=True, timeout=120)
    names = {f.name: name for f, name in files}
    # vnu exits 0 with no errors and 1 with some, printing its JSON report either way; anything else
    # (no Java, a crash) is a failure here, never a pass.
    assert result.returncode in (0, 1) and (result.stderr or result.stdout).strip(), result
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{names.get(m.get('url', '').rsplit('/', 1)[-1])}: {m['message']} ({m.get('extract', '').strip()[:80]!r})"
        for m in messages
        if m["type"] == "error"
    ]
    assert errors == [], "\n".join(errors)
