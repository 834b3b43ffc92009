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


def _feedback_table(key: str, title: str, label: str, scores: dict[str, list[int]], order: list[str]) -> Table:
    """How many gave feedback in each group, and their average confidence; every group listed.
    `scores` holds each group's responses and the total of their scores before and after."""
    rows = []
    for name in order:
        responses, before, after = scores.get(name, (0, 0, 0))
        if not responses:
            rows.append([name, 0, NO_FEEDBACK, NO_FEEDBACK])
            continue
        rows.append([name, responses, f"{before / responses:.1f}", f"{after / responses:.1f}"])
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
    # Bookings nobody confirmed by the link emailed to them never counted as bookings.
    counted = [Booking.email_checked_at.is_not(None)]
    who = [raw(Booking.sector), raw(Booking.council_area), Booking.organisation]
    # Every booking but those with a place on a finished date, counted by the database by what they are.
    finished_ids, to_come_ids = sorted(finished_dates), sorted(to_come)
    on_finished = Booking.course_date_id.in_(finished_ids)
    kinds = [raw(Booking.status), Booking.confirmed_at.is_not(None), Booking.course_date_id.in_(to_come_ids)]
    others = connection.execute(
        sa.select(*kinds, *who, sa.func.count(Booking.id))
        .where(
            Booking.course_date_id.in_(date_ids),
            *counted,
            sa.or_(Booking.status != BookingStatus.CONFIRMED, sa.not_(on_finished)),
        )
        .group_by(*kinds, *who)
    ).all()
    # Those with a place on a finished date: each one's marks counted by the database (marked days, days
    # attended in full, days there at all, days absent), then the people with the same marks counted
    # together with the number of days of their date, for the register's rule (completion_from_counts).
    mark = raw(Attendance.mark)

    def days_marked(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    days_of_date = (
        sa.select(CourseDay.course_date_id, sa.func.count(CourseDay.id).label("days"))
        .where(CourseDay.course_date_id.in_(finished_ids))
        .group_by(CourseDay.course_date_id)
        .subquery()
    )
    each = (
        sa.select(
            Booking.course_date_id.label("date_id"),
            raw(Booking.sector).label("sector"),
            raw(Booking.council_area).label("area"),
            Booking.organisation,
            sa.func.count(Attendance.id).label("marked"),
            days_marked(mark == AttendanceMark.ATTENDED.value).label("attended"),
            days_marked(mark != AttendanceMark.ABSENT.value).label("came"),
            days_marked(mark == AttendanceMark.ABSENT.value).label("absent"),
        )
        .outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .where(on_finished, Booking.status == BookingStatus.CONFIRMED, *counted)
        .group_by(Booking.id)
        .subquery()
    )
    alike = [days_of_date.c.days, each.c.sector, each.c.area, each.c.organisation, each.c.marked, each.c.attended,
             each.c.came, each.c.absent]  # fmt: skip
    on_the_register = connection.execute(
        sa.select(*alike, sa.func.count())
        .select_from(each)
        .join(days_of_date, days_of_date.c.course_date_id == each.c.date_id)
        .group_by(*alike)
    ).all()
    # For each group and name, the counts in the order of OUTCOMES.
    groups: dict[str, dict[str, list[int]]] = {"sector": {}, "area": {}, "organisation": {}}
    totals = [0] * len(OUTCOMES)
    waiting_now = 0
    cancelled_outcome = (1, 1, 0, 0, 0, 0, 0)  # had a place and cancelled it
    to_come_outcome = (1, 0, 1, 0, 0, 0, 0)  # has a place on a date that has not finished
    tally: Counter = Counter()  # people by outcome, area of work, council area and organisation
    for status, had_place, upcoming, sector, area, organisation, count in others:
        if status == BookingStatus.WAITING:
            waiting_now += count if upcoming else 0  # the others never got a place
        elif status == BookingStatus.CANCELLED:
            if had_place:  # not someone who left a waiting list
                tally[cancelled_outcome, sector, area, organisation] += count
        else:
            tally[to_come_outcome, sector, area, organisation] += count
    for days, sector, area, organisation, marked, attended, came, absent, count in on_the_register:
        completion = completion_from_counts(days, marked, attended, absent)
        completed, missed = completion == Completion.COMPLETED, completion == Completion.ABSENT
        tally[(1, 0, 0, 1, int(came > 0), int(completed), int(missed)), sector, area, organisation] += count
    for (outcome, sector, area, organisation), count in tally.items():
        names = (
            ("sector", SECTOR_LABELS.get(sector, sector)),
            ("area", COUNCIL_AREA_LABELS.get(area, area)),
            ("organisation", " ".join(organisation.split()) or "Not given"),
        )
        for counts in (totals, *(groups[group].setdefault(name, [0] * len(OUTCOMES)) for group, name in names)):
            for index, value in enumerate(outcome):
                counts[index] += value * count
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

    # The scores and which questions were answered, counted by the database; the words only where quoted.
    answered = [sa.func.length(sa.func.coalesce(getattr(Feedback, column), "")) > 0 for column in QUESTIONS]
    keys = [raw(Booking.sector), raw(Booking.council_area), Feedback.confidence_before, Feedback.confidence_after]
    feedback = connection.execute(
        sa.select(*keys, *answered, sa.func.count(Feedback.id))
        .join(Booking, Feedback.booking_id == Booking.id)
        .where(Booking.course_date_id.in_(date_ids))
        .group_by(*keys, *answered)
    ).all()
    responses = sum(row[-1] for row in feedback)
    before, after, answers = Counter(), Counter(), Counter()
    scores: dict[str, dict[str, list[int]]] = {"sector": {}, "area": {}}  # responses, total before, total after
    for sector, area, was, now_at, *gave, count in feedback:
        before[was] += count
        after[now_at] += count
        for column, answer in zip(QUESTIONS, gave, strict=True):
            answers[column] += count * bool(answer)
        names = (("sector", SECTOR_LABELS.get(sector, sector)), ("area", COUNCIL_AREA_LABELS.get(area, area)))
        for group, name in names:
            found = scores[group].setdefault(name, [0, 0, 0])
            found[0] += count
            found[1] += was * count
            found[2] += now_at * count

    def average(scores: Counter) -> str:
        return f"{sum(n * k for n, k in scores.items()) / responses:.1f}" if responses else "–"

    confidence_title = "Confidence using the assessment framework, 0 to 10"
    report.tables.append(Table("confidence", confidence_title, ["Figure", "Before", "After"], [
        ["Responses", responses, responses],
        ["Average", average(before), average(after)],
        ["Lowest", min(before) if before else "–", min(after) if after else "–"],
        ["Highest", max(before) if before else "–", max(after) if after else "–"],
        ["Moved up", sum(row[-1] for row in feedback if row[3] > row[2]), ""],
    ]))  # fmt: skip
    report.tables.append(Table(
        "spread", "How many people chose each number", ["Number", "Before the course", "After the course"],
        [[str(n), before[n], after[n]] for n in range(11)], chart_column=2,
    ))  # fmt: skip
    quoted = connection.execute(
        sa.select(Booking.full_name, Feedback.quote_with_name, *(getattr(Feedback, column) for column in QUESTIONS))
        .join(Booking, Feedback.booking_id == Booking.id)
        .where(Booking.course_date_id.in_(date_ids), Feedback.may_quote)
        .order_by(Feedback.id)
    ).all()
    for full_name, with_name, *said in quoted:
        who = full_name if with_name else "Someone who came"
        for question, words in zip(QUESTIONS.values(), said, strict=True):
            if words:
                report.quotes.append(Quote(question, who, words))
    report.tables.append(Table("answers", "Written answers", ["Question", "People who answered"], [
        [question, answers[column]] for column, question in QUESTIONS.items()
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
