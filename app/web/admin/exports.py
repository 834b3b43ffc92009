"""Spreadsheets of a date's people, safe to open in Excel."""

from app.core.exports import csv_text
from app.enrolment.roster import DateRoster
from app.models import ACCESS_NEEDS_FOR_STAFF, COUNCIL_AREA_LABELS, SECTOR_LABELS

HEADER = [
    "Reference", "Status", "Waiting list position", "Full name", "Work email", "Phone", "Job title",
    "Organisation", "Area of work", "Council area", "Manager", "Manager's email", "Manager agrees",
    "Access needs", "More about access needs", "Dietary needs", "Needs arranged", "Team's note on needs",
]  # fmt: skip


# What a trainer needs on the day, and no more: no contact details, managers or area of work.
TRAINER_COLUMNS = [
    "Status", "Full name", "Organisation", "Access needs", "More about access needs", "Dietary needs", "Needs arranged",
]  # fmt: skip


def roster_csv(roster: DateRoster, *, full: bool = True) -> str:
    """Confirmed places then the waiting list, with a column per day for the register. `full` False is
    the trainer's spreadsheet: names, organisations, needs and attendance only."""
    days = roster.course_date.days
    day_columns = [f"Day {n} ({day.day:%d/%m/%Y})" for n, day in enumerate(days, start=1)]
    header = HEADER + day_columns + ["Completion"]
    rows = []
    for position, booking in [(None, b) for b in roster.confirmed] + list(enumerate(roster.waiting, start=1)):
        attendance = []
        for day in days:
            mark = roster.attendance.get((booking.id, day.id))
            attendance.append("" if mark is None else mark.label)
        rows.append(
            [
                booking.reference,
                booking.status.label,
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
                "; ".join(ACCESS_NEEDS_FOR_STAFF.get(key, key) for key in booking.access_needs or []),
                booking.access_details,
                booking.dietary_needs,
                booking.needs_status.label if booking.has_needs else "",
                booking.needs_note,
                *attendance,
                completion.label if (completion := roster.completion(booking)) else "",
            ]
        )
    if not full:
        keep = [header.index(column) for column in TRAINER_COLUMNS] + list(range(len(HEADER), len(header)))
        return csv_text([header[i] for i in keep], [[row[i] for i in keep] for row in rows])
    return csv_text(header, rows)
