"""Spreadsheets of a date's people, safe to open in Excel."""

import csv
import io

from app.admin.service import DateRoster
from app.models import ACCESS_NEEDS, COUNCIL_AREA_LABELS, SECTOR_LABELS

# A cell starting with one of these is read by spreadsheets as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The value as text that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def roster_csv(roster: DateRoster) -> str:
    """Confirmed places then the waiting list, with a column per day for the register.

    UTF-8 with a byte-order mark, so Excel shows names like Siân and 李明 correctly.
    """
    days = roster.course_date.days
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            "Reference", "Status", "Waiting list position", "Full name", "Work email", "Phone", "Job title",
            "Organisation", "Area of work", "Council area", "Manager", "Manager's email", "Manager agrees",
            "Access needs", "More about access needs", "Dietary needs",
            *[f"Day {n} ({day.day:%d/%m/%Y})" for n, day in enumerate(days, start=1)],
        ]
    )  # fmt: skip
    for position, booking in [(None, b) for b in roster.confirmed] + list(enumerate(roster.waiting, start=1)):
        attendance = []
        for day in days:
            mark = roster.attendance.get((booking.id, day.id))
            attendance.append("" if mark is None else ("Attended" if mark else "Absent"))
        row = [
            booking.reference,
            "Confirmed" if position is None else "Waiting list",
            position or "",
            booking.full_name,
            booking.email,
            booking.phone,
            booking.job_title,
            booking.organisation,
            SECTOR_LABELS.get(booking.sector, booking.sector),
            COUNCIL_AREA_LABELS.get(booking.council_area, booking.council_area),
            booking.manager_name,
            booking.manager_email,
            "Yes" if booking.manager_agrees else "No",
            "; ".join(ACCESS_NEEDS.get(key, key) for key in booking.access_needs or []),
            booking.access_details,
            booking.dietary_needs,
            *attendance,
        ]
        writer.writerow([safe_cell(value) for value in row])
    return out.getvalue()
