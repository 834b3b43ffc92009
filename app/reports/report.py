"""Reports for the training team and the partnership board: for a financial year (April to March) or any
two dates, who booked, came and completed, by area of work, council area and organisation; the waiting
lists and interest; what people said in their feedback; and the briefings' reach beside it.

Every figure is a table (downloadable as CSV) and most have a chart: an SVG drawn here, with a title
and a description, and the same numbers in the table beside it, so nothing needs JavaScript or sight.
A date counts in the period its first day falls in.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from app.enrolment.availability import first_day_column
from app.models import (
    COUNCIL_AREA_LABELS,
    LONDON,
    SECTOR_LABELS,
    Attendance,
    AttendanceMark,
    Booking,
    BookingStatus,
    Briefing,
    BriefingPlay,
    Completion,
    CourseDate,
    CourseDay,
    DateStatus,
    Feedback,
    Interest,
    WatchedRecord,
    completion_from_counts,
)

TOP_ORGANISATIONS = 20
OUTCOMES = ("booked", "attended", "completed", "absent", "cancelled")


def raw(column):
    """A column's stored string, skipping the enum conversion (which costs more than the query here)."""
    return sa.type_coerce(column, sa.String)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.start.month == 4 and self.start.day == 1 and self.end == date(self.start.year + 1, 3, 31):
            return f"April {self.start.year} to March {self.end.year}"
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


def financial_year(starting: int) -> Period:
    """1 April of `starting` to 31 March of the next year."""
    return Period(date(starting, 4, 1), date(starting + 1, 3, 31))


def financial_year_of(day: date) -> Period:
    return financial_year(day.year if day.month >= 4 else day.year - 1)


def rate(part: int, whole: int) -> str:
    """A share as a whole percentage ("45%"), or a dash when there is nothing to share."""
    return f"{round(100 * part / whole)}%" if whole else "–"


@dataclass
class Table:
    """Numbers with a title, shown as an HTML table and downloadable as CSV under its key."""

    key: str
    title: str
    header: list[str]
    rows: list[list]
    # The column the chart draws, if there is one (its index in each row).
    chart_column: int | None = None
    note: str = ""
    # Every row, for the CSV, when the page shows only the first ones.
    csv_rows: list[list] | None = None

    def chart(self) -> Markup | None:
        if self.chart_column is None or not self.rows:
            return None
        bars = [(str(row[0]), row[self.chart_column]) for row in self.rows if isinstance(row[self.chart_column], int)]
        return bar_chart(
            f"chart-{self.key}", self.title, f"{self.header[self.chart_column]}, by {self.header[0].lower()}", bars
        )


@dataclass
class Report:
    period: Period
    tables: list[Table] = field(default_factory=list)
    quotes: list[tuple[str, str]] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def bar_chart(element_id: str, title: str, description: str, bars: list[tuple[str, int]]) -> Markup:
    """A horizontal bar chart as SVG: role img, named by its title and described in words, each bar
    labelled with its number. The table beside it has the same numbers. Every part is a plain string
    with the words escaped into it (adding a str to Markup would escape the tags instead)."""
    width, label_width, bar_height, gap = 640, 230, 22, 8
    most = max([value for _, value in bars] + [1])
    height = len(bars) * (bar_height + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{element_id}-title {element_id}-desc" focusable="false">',
        f'<title id="{element_id}-title">{escape(title)}</title>',
        f'<desc id="{element_id}-desc">{escape(description)}: '
        f"{escape('; '.join(f'{label} {value}' for label, value in bars))}</desc>",
    ]
    for index, (label, value) in enumerate(bars):
        y = gap + index * (bar_height + gap)
        length = round((width - label_width - 60) * value / most)
        shown = label if len(label) <= 32 else label[:31] + "…"
        parts += [
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" font-size="14" fill="#0b0c0c">'
            f"{escape(shown)}</text>",
            f'<rect x="{label_width}" y="{y}" width="{max(length, 1)}" height="{bar_height}" fill="#1d70b8"></rect>',
            f'<text x="{label_width + length + 6}" y="{y + 16}" font-size="14" fill="#0b0c0c">{value}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def _people_table(key: str, title: str, label: str, groups: dict[str, Counter], order: list[str]) -> Table:
    rows = []
    for name in order:
        counts = groups[name]
        booked = counts["booked"]
        rows.append([name, booked, counts["attended"], rate(counts["attended"], booked), counts["completed"],
                     rate(counts["completed"], booked), counts["absent"]])  # fmt: skip
    header = [label, "Booked", "Attended", "Attended rate", "Completed", "Completed rate", "Did not attend"]
    return Table(key, title, header, rows, chart_column=1)


def build_report(session: Session, period: Period) -> Report:
    """Every figure of the report for the dates whose first day is in the period."""
    # Plain rows and strings, not records: a year can hold tens of thousands of bookings and registers.
    first_day = first_day_column()
    connection = session.connection()  # Core rows, without the ORM's work per row
    dates = connection.execute(
        sa.select(CourseDate.id, CourseDate.capacity, raw(CourseDate.status), first_day).where(
            CourseDate.status != DateStatus.DRAFT, first_day >= period.start, first_day <= period.end
        )
    ).all()
    # People are counted on the dates that ran; a date the team cancelled is counted on its own.
    date_ids = [date_id for date_id, _, status, _ in dates if status == DateStatus.PUBLISHED]
    dates_cancelled = sum(status == DateStatus.CANCELLED for _, _, status, _ in dates)
    today = datetime.now(LONDON).date()
    to_come = {date_id for date_id, _, status, first in dates if status == DateStatus.PUBLISHED and first >= today}
    offered = sum(capacity for _, capacity, status, _ in dates if status == DateStatus.PUBLISHED)
    days_of_date = dict(
        connection.execute(
            sa.select(CourseDay.course_date_id, sa.func.count(CourseDay.id))
            .where(CourseDay.course_date_id.in_(date_ids))
            .group_by(CourseDay.course_date_id)
        ).all()
    )
    # One row per booking with its marks counted by the database: marked days, days attended in full,
    # days there at all (attended or left early), days absent.
    mark = raw(Attendance.mark)

    def days_marked(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    people = connection.execute(
        sa.select(
            Booking.course_date_id, raw(Booking.status), raw(Booking.sector), raw(Booking.council_area),
            Booking.organisation, Booking.confirmed_at.is_not(None), sa.func.count(Attendance.id),
            days_marked(mark == AttendanceMark.ATTENDED.value), days_marked(mark != AttendanceMark.ABSENT.value),
            days_marked(mark == AttendanceMark.ABSENT.value),
        )
        .outerjoin(Attendance, Attendance.booking_id == Booking.id)
        # Bookings nobody confirmed by the link emailed to them never counted as bookings.
        .where(Booking.course_date_id.in_(date_ids), Booking.email_checked_at.is_not(None))
        .group_by(Booking.id)
    ).all()  # fmt: skip
    # For each group and name: booked, attended, completed, did not attend, cancelled.
    groups: dict[str, dict[str, list[int]]] = {"sector": {}, "area": {}, "organisation": {}}
    totals = [0, 0, 0, 0, 0]
    waiting_now = 0
    cancelled_outcome = (1, 0, 0, 0, 1)  # had a place and cancelled it: booked, and cancelled
    organisations: dict[str, str] = {}
    for date_id, status, sector, area, organisation, had_place, marked, attended, came, absent in people:
        if status == BookingStatus.WAITING:
            waiting_now += date_id in to_come  # on a date still to come; the others never got a place
            continue
        if status == BookingStatus.CANCELLED:
            if not had_place:
                continue  # left a waiting list: never had a place
            outcome = cancelled_outcome
        else:
            completion = completion_from_counts(days_of_date.get(date_id, 0), marked, attended, absent)
            completed, missed = completion == Completion.COMPLETED, completion == Completion.ABSENT
            outcome = (1, int(came > 0), int(completed), int(missed), 0)
        if organisation not in organisations:
            organisations[organisation] = " ".join(organisation.split()) or "Not given"
        names = (
            ("sector", SECTOR_LABELS.get(sector, sector)),
            ("area", COUNCIL_AREA_LABELS.get(area, area)),
            ("organisation", organisations[organisation]),
        )
        for counts in (totals, *(groups[group].setdefault(name, [0, 0, 0, 0, 0]) for group, name in names)):
            for index in range(5):
                counts[index] += outcome[index]
    totals = Counter(dict(zip(OUTCOMES, totals, strict=True)))
    groups = {
        group: {name: Counter(dict(zip(OUTCOMES, counts, strict=True))) for name, counts in found.items()}
        for group, found in groups.items()
    }
    cancelled = totals["cancelled"]
    from_waiting = (
        session.scalar(
            sa.select(sa.func.count(Booking.id)).where(
                Booking.course_date_id.in_(date_ids),
                Booking.confirmed_at > Booking.queued_at,
                Booking.email_checked_at.is_not(None),
            )
        )
        or 0
    )
    report = Report(period)
    booked = totals["booked"]
    report.tables.append(Table("summary", "Places and people", ["Figure", "Number", "Rate"], [
        ["Dates that ran or are to come", len(date_ids), ""],
        ["Dates the team cancelled", dates_cancelled, ""],
        ["Places offered", offered, ""],
        ["Booked (a place, then came, missed or cancelled)", booked, rate(booked, offered) + " of places"],
        ["Attended (at least one day)", totals["attended"], rate(totals["attended"], booked) + " of booked"],
        ["Completed (every day)", totals["completed"], rate(totals["completed"], booked) + " of booked"],
        ["Cancelled", cancelled, rate(cancelled, booked) + " of booked"],
        ["Did not attend", totals["absent"], rate(totals["absent"], booked) + " of booked"],
    ], chart_column=1))  # fmt: skip
    sectors = [label for label in SECTOR_LABELS.values() if label in groups["sector"]]
    report.tables.append(_people_table("sector", "By area of work", "Area of work", groups["sector"], sectors))
    areas = [label for label in COUNCIL_AREA_LABELS.values() if label in groups["area"]]
    report.tables.append(_people_table("area", "By council area", "Council area", groups["area"], areas))
    organisations = sorted(groups["organisation"], key=lambda name: (-groups["organisation"][name]["booked"], name))
    organisation_table = _people_table(
        "organisation", "By organisation", "Organisation", groups["organisation"], organisations[:TOP_ORGANISATIONS]
    )
    if len(organisations) > TOP_ORGANISATIONS:
        organisation_table.note = f"The {TOP_ORGANISATIONS} organisations with most bookings. The CSV has them all."
        organisation_table.csv_rows = _people_table("organisation", "", "", groups["organisation"], organisations).rows
    report.tables.append(organisation_table)

    start = datetime.combine(period.start, datetime.min.time(), tzinfo=LONDON)
    end = datetime.combine(period.end, datetime.max.time(), tzinfo=LONDON)
    interest = (
        session.scalar(
            sa.select(sa.func.count(Interest.id)).where(Interest.created_at >= start, Interest.created_at <= end)
        )
        or 0
    )
    told = (
        session.scalar(
            sa.select(sa.func.count(Interest.id)).where(
                Interest.created_at >= start, Interest.created_at <= end, Interest.notified_at.is_not(None)
            )
        )
        or 0
    )
    report.tables.append(Table("waiting", "Waiting lists and interest", ["Figure", "Number"], [
        ["Got a place from a waiting list", from_waiting],
        ["On a waiting list for a date to come", waiting_now],
        ["Asked to hear about new dates", interest],
        ["Of those, told about new dates", told],
    ]))  # fmt: skip

    feedback = session.execute(
        sa.select(
            Feedback.confidence_before, Feedback.confidence_after, Feedback.may_quote, Feedback.quote_with_name,
            Feedback.worked_well, Feedback.worries, Feedback.next_steps, Booking.full_name,
        )
        .join(Booking, Feedback.booking_id == Booking.id)
        .where(Booking.course_date_id.in_(date_ids))
        .order_by(Feedback.id)
    ).all()  # fmt: skip
    before, after = Counter(f.confidence_before for f in feedback), Counter(f.confidence_after for f in feedback)
    average = lambda values: f"{sum(values) / len(values):.1f}" if values else "–"  # noqa: E731
    confidence_title = "Confidence using the assessment framework, 0 to 10"
    report.tables.append(Table("confidence", confidence_title, ["Figure", "Before", "After"], [
        ["Responses", len(feedback), len(feedback)],
        ["Average", average([f.confidence_before for f in feedback]), average([f.confidence_after for f in feedback])],
        ["Lowest", min(before) if before else "–", min(after) if after else "–"],
        ["Highest", max(before) if before else "–", max(after) if after else "–"],
        ["Moved up", sum(f.confidence_after > f.confidence_before for f in feedback), ""],
    ]))  # fmt: skip
    report.tables.append(Table(
        "spread", "How many people chose each number", ["Number", "Before the course", "After the course"],
        [[str(n), before[n], after[n]] for n in range(11)], chart_column=2,
    ))  # fmt: skip
    for f in feedback:
        if f.may_quote:
            who = f.full_name if f.quote_with_name else "Someone who came"
            for words in (f.worked_well, f.worries, f.next_steps):
                if words:
                    report.quotes.append((who, words))
    answers = [
        ["What worked well", sum(bool(f.worked_well) for f in feedback)],
        ["What worries them or did not work", sum(bool(f.worries) for f in feedback)],
        ["What needs to happen next", sum(bool(f.next_steps) for f in feedback)],
    ]
    report.tables.append(Table("answers", "Written answers", ["Question", "People who answered"], answers))

    watched = session.execute(
        sa.select(Briefing.title, WatchedRecord.sector, sa.func.count(WatchedRecord.id))
        .join(Briefing, WatchedRecord.briefing_id == Briefing.id)
        .where(WatchedRecord.created_at >= start, WatchedRecord.created_at <= end)
        .group_by(Briefing.title, WatchedRecord.sector)
    ).all()
    by_sector = Counter()
    for _title, sector, count in watched:
        by_sector[SECTOR_LABELS.get(sector, str(sector))] += count
    plays = (
        session.scalar(
            sa.select(sa.func.count(BriefingPlay.id)).where(
                BriefingPlay.counted_at >= start, BriefingPlay.counted_at <= end
            )
        )
        or 0
    )
    report.tables.append(Table(
        "briefings", "Briefings watched, by area of work", ["Area of work", "People who told us they watched"],
        [[label, by_sector[label]] for label in SECTOR_LABELS.values() if by_sector[label]], chart_column=1,
        note=f"The briefings were played {plays} times in the period (most of the video, once a visit).",
    ))  # fmt: skip
    return report
