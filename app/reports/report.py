"""Reports for the training team and the partnership board: for a financial year (April to March) or any
two dates, who booked, came and completed, by area of work, council area and organisation; the waiting
lists and interest; what people said in their feedback; and the briefings' reach beside it.

Every figure is a table (downloadable as CSV) and most have a chart: an SVG (app.reports.charts), with a title
and a description, and the same numbers in the table beside it, so nothing needs JavaScript or sight.
A date counts in the period its first day falls in. Attendance and completion are counted only on the
dates that have finished (their last day is before today, as on the past dates list): a booking on a date
still to come, or running now, is counted as that, never as someone who did not come.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Session

from app.core.clock import today_in_london
from app.enrolment.availability import first_day_column, last_day_column
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
from app.reports.charts import bar_chart

TOP_ORGANISATIONS = 20
# What became of each booking: booked (had a place), then cancelled it, or is on a date still to come, or
# on a date that has finished, where they attended, completed or did not attend.
OUTCOMES = ("booked", "cancelled", "to_come", "finished", "attended", "completed", "absent")
NO_FEEDBACK = "No feedback yet"
# The written questions of the feedback form, as it asks them.
QUESTIONS = {
    "worked_well": "What worked well for you on the course?",
    "worries": "What are you worried about, or what did not work for you?",
    "next_steps": "What needs to happen next, for you or for the course?",
}


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


def share(part: int, whole: int, of: str) -> str:
    """ "80% of booked on finished dates", or a dash when there is nothing to share."""
    return f"{rate(part, whole)} of {of}" if whole else "–"


def people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def attendance_sentence(finished: int, attended: int, completed: int, to_come: int) -> str:
    """The attendance in words: over the dates that have finished, with the bookings still to come apart."""
    if finished:
        said = (
            f"Of the {people(finished)} booked on dates that have finished, {attended} attended "
            f"({rate(attended, finished)}) and {completed} completed every day ({rate(completed, finished)})."
        )
    else:
        said = "Nobody was booked on a date that has finished in this period."
    if to_come:
        said += (
            f" Bookings on dates still to come or running now ({to_come}) are counted apart, "
            "not in these rates, until their date has finished."
        )
    return said


class Quote(NamedTuple):
    question: str
    who: str
    words: str


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
        drawn, by = self.header[self.chart_column], self.header[0]
        return bar_chart(
            f"chart-{self.key}", self.title, self.title if by == "Figure" else f"{drawn}, by {by.lower()}", bars
        )


@dataclass
class Report:
    period: Period
    tables: list[Table] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def quotes_by_question(self) -> list[tuple[str, list[Quote]]]:
        """Each written question, with the words quoted from its answers (maybe none)."""
        return [(question, [q for q in self.quotes if q.question == question]) for question in QUESTIONS.values()]

    def quotes_table(self) -> Table:
        return Table("quotes", "What people said", ["Question", "Who", "Their words"], [list(q) for q in self.quotes])

    def csv_table(self, key: str) -> Table | None:
        """The table downloaded as `key`.csv, if there is one."""
        if key == "quotes":
            return self.quotes_table()
        return next((t for t in self.tables if t.key == key), None)


PEOPLE_HEADER = [
    "Booked, all dates", "Cancelled", "Booked on dates still to come", "Booked on dates that have finished",
    "Attended", "Attended, as % of booked on finished dates", "Completed every day",
    "Completed, as % of booked on finished dates", "Did not attend",
]  # fmt: skip


def _people_table(key: str, title: str, label: str, groups: dict[str, Counter], order: list[str]) -> Table:
    """Bookings and attendance by a group (area of work, council area, organisation); rates over the dates
    that have finished. A name with no bookings gets a row of noughts."""
    rows = []
    for name in order:
        counts = groups.get(name, Counter())
        finished = counts["finished"]
        rows.append([name, counts["booked"], counts["cancelled"], counts["to_come"], finished, counts["attended"],
                     rate(counts["attended"], finished), counts["completed"], rate(counts["completed"], finished),
                     counts["absent"]])  # fmt: skip
    return Table(key, title, [label, *PEOPLE_HEADER], rows, chart_column=1)


def _feedback_table(key: str, title: str, label: str, scores: dict[str, list[tuple[int, int]]], order) -> Table:
    """How many gave feedback in each group, and their average confidence; every group listed."""
    rows = []
    for name in order:
        found = scores.get(name, [])
        if not found:
            rows.append([name, 0, NO_FEEDBACK, NO_FEEDBACK])
            continue
        rows.append([name, len(found), f"{sum(b for b, _ in found) / len(found):.1f}",
                     f"{sum(a for _, a in found) / len(found):.1f}"])  # fmt: skip
    header = [label, "Feedback returned", "Average confidence before (0 to 10)", "Average confidence after (0 to 10)"]
    return Table(key, title, header, rows)


def build_report(session: Session, period: Period, now: datetime | None = None) -> Report:
    """Every figure of the report for the dates whose first day is in the period, as they stand `now`."""
    # Plain rows and strings, not records: a year can hold tens of thousands of bookings and registers.
    today = today_in_london(now or datetime.now(LONDON))
    first_day, last_day = first_day_column(), last_day_column()
    connection = session.connection()  # Core rows, without the ORM's work per row
    dates = connection.execute(
        sa.select(CourseDate.id, CourseDate.capacity, raw(CourseDate.status), first_day, last_day).where(
            CourseDate.status != DateStatus.DRAFT, first_day >= period.start, first_day <= period.end
        )
    ).all()
    # People are counted on the dates that ran; a date the team cancelled is counted on its own.
    published = [row for row in dates if row.status == DateStatus.PUBLISHED]
    date_ids = [row.id for row in published]
    dates_cancelled = len(dates) - len(published)
    # Finished: the last day is before today, as on the past dates list.
    finished_dates = {row.id for row in published if row[4] < today}
    to_come = {row.id for row in published if row[3] >= today}  # not begun: the waiting lists still count
    offered = sum(row.capacity for row in published)
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

    bookings = connection.execute(
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
    # For each group and name, the counts in the order of OUTCOMES.
    groups: dict[str, dict[str, list[int]]] = {"sector": {}, "area": {}, "organisation": {}}
    totals = [0] * len(OUTCOMES)
    waiting_now = 0
    cancelled_outcome = (1, 1, 0, 0, 0, 0, 0)  # had a place and cancelled it
    to_come_outcome = (1, 0, 1, 0, 0, 0, 0)  # has a place on a date that has not finished
    organisations: dict[str, str] = {}
    for date_id, status, sector, area, organisation, had_place, marked, attended, came, absent in bookings:
        if status == BookingStatus.WAITING:
            waiting_now += date_id in to_come  # on a date still to come; the others never got a place
            continue
        if status == BookingStatus.CANCELLED:
            if not had_place:
                continue  # left a waiting list: never had a place
            outcome = cancelled_outcome
        elif date_id not in finished_dates:
            outcome = to_come_outcome
        else:
            completion = completion_from_counts(days_of_date.get(date_id, 0), marked, attended, absent)
            completed, missed = completion == Completion.COMPLETED, completion == Completion.ABSENT
            outcome = (1, 0, 0, 1, int(came > 0), int(completed), int(missed))
        if organisation not in organisations:
            organisations[organisation] = " ".join(organisation.split()) or "Not given"
        names = (
            ("sector", SECTOR_LABELS.get(sector, sector)),
            ("area", COUNCIL_AREA_LABELS.get(area, area)),
            ("organisation", organisations[organisation]),
        )
        for counts in (totals, *(groups[group].setdefault(name, [0] * len(OUTCOMES)) for group, name in names)):
            for index, value in enumerate(outcome):
                counts[index] += value
    totals = Counter(dict(zip(OUTCOMES, totals, strict=True)))
    groups = {
        group: {name: Counter(dict(zip(OUTCOMES, counts, strict=True))) for name, counts in found.items()}
        for group, found in groups.items()
    }
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
    booked, cancelled, finished = totals["booked"], totals["cancelled"], totals["finished"]
    attended, completed, absent = totals["attended"], totals["completed"], totals["absent"]
    report.tables.append(Table("dates", "Dates", ["Figure", "Number"], [
        ["Dates that have finished", len(finished_dates)],
        ["Dates still to come or running now", len(published) - len(finished_dates)],
        ["Dates the team cancelled", dates_cancelled],
    ], chart_column=1))  # fmt: skip
    report.tables.append(Table("places", "Places and bookings", ["Figure", "Number", "Share"], [
        ["Places offered", offered, ""],
        ["Booked (had a place, including people who later cancelled)", booked, share(booked, offered, "places")],
        ["Cancelled their place", cancelled, share(cancelled, booked, "booked")],
        ["Booked on dates that have finished", finished, ""],
        ["Booked on dates still to come or running now", totals["to_come"], ""],
    ], chart_column=1))  # fmt: skip
    on_finished = "booked on finished dates"
    report.tables.append(Table("attendance", "Attendance on dates that have finished", ["Figure", "Number", "Share"], [
        ["Booked on dates that have finished", finished, ""],
        ["Attended (at least one day)", attended, share(attended, finished, on_finished)],
        ["Completed (every day)", completed, share(completed, finished, on_finished)],
        ["Did not attend", absent, share(absent, finished, on_finished)],
        ["Not marked on the register yet", finished - attended - absent,
         share(finished - attended - absent, finished, on_finished)],
    ], chart_column=1, note=attendance_sentence(finished, attended, completed, totals["to_come"])))  # fmt: skip
    sectors, areas = list(SECTOR_LABELS.values()), list(COUNCIL_AREA_LABELS.values())
    report.tables.append(_people_table("sector", "By area of work", "Area of work", groups["sector"], sectors))
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
            Feedback.worked_well, Feedback.worries, Feedback.next_steps, Booking.full_name, raw(Booking.sector),
            raw(Booking.council_area),
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
    scores: dict[str, dict[str, list[tuple[int, int]]]] = {"sector": {}, "area": {}}
    for f in feedback:
        scores["sector"].setdefault(SECTOR_LABELS.get(f.sector, f.sector), []).append(
            (f.confidence_before, f.confidence_after)
        )
        scores["area"].setdefault(COUNCIL_AREA_LABELS.get(f.council_area, f.council_area), []).append(
            (f.confidence_before, f.confidence_after)
        )
        if f.may_quote:
            who = f.full_name if f.quote_with_name else "Someone who came"
            for column, question in QUESTIONS.items():
                if words := getattr(f, column):
                    report.quotes.append(Quote(question, who, words))
    report.tables.append(Table("answers", "Written answers", ["Question", "People who answered"], [
        [question, sum(bool(getattr(f, column)) for f in feedback)] for column, question in QUESTIONS.items()
    ]))  # fmt: skip
    report.tables.append(_feedback_table(
        "feedback-sector", "Feedback by area of work", "Area of work", scores["sector"], sectors))  # fmt: skip
    report.tables.append(_feedback_table(
        "feedback-area", "Feedback by council area", "Council area", scores["area"], areas))  # fmt: skip

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
        [[label, by_sector[label]] for label in SECTOR_LABELS.values()], chart_column=1,
        note=f"The briefings were played {plays} times in the period (most of the video, once a visit).",
    ))  # fmt: skip
    return report
