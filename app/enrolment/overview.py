"""What the training team's pages show, and the register. Changes to dates live in app.enrolment.dates."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.clock import today_in_london
from app.core.search import booking_matches
from app.enrolment.availability import first_day_column, last_day_column
from app.models import (
    Booking,
    BookingStatus,
    Course,
    CourseDate,
    CourseDay,
    Interest,
    StaffUser,
)
from app.staff.visibility import bookings_seen_by, dates_seen_by


@dataclass
class DateLine:
    course_date: CourseDate
    waiting: int
    # Which day of the course today is (1 for the first day), for a date in progress.
    day_today: int | None = None


@dataclass
class StaffDates:
    """The dates a member of staff works with now: those in progress, then those to come."""

    in_progress: list[DateLine]
    upcoming: list[DateLine]


@dataclass
class PastDates:
    """One page of finished dates, newest first."""

    lines: list[DateLine]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _lines(session: Session, dates: list[CourseDate], today: date | None = None) -> list[DateLine]:
    """Each date with its waiting-list length (one query for them all) and, in progress, today's day."""
    waiting = dict(
        session.execute(
            sa.select(Booking.course_date_id, sa.func.count(Booking.id))
            .where(Booking.course_date_id.in_([d.id for d in dates]), Booking.status == BookingStatus.WAITING)
            .group_by(Booking.course_date_id)
        ).all()
    )
    lines = []
    for course_date in dates:
        day_today = None
        if today is not None:
            day_today = next((n for n, day in enumerate(course_date.days, start=1) if day.day == today), None)
        lines.append(DateLine(course_date, waiting.get(course_date.id, 0), day_today))
    return lines


def dates_for_staff(session: Session, user: StaffUser, now: datetime, limit: int = 50) -> StaffDates:
    """Dates that have not finished (every status) that this person may see: those that have begun
    (a two-day course on its second day, say) first, then the soonest to come."""
    today = today_in_london(now)
    first_day, last_day = first_day_column(), last_day_column()
    query = sa.select(CourseDate).where(last_day >= today).order_by(first_day, CourseDate.id).limit(limit)
    dates = list(session.scalars(query.where(dates_seen_by(user))).unique())
    lines = _lines(session, dates, today)
    return StaffDates(
        in_progress=[line for line in lines if line.course_date.days and line.course_date.first_day <= today],
        upcoming=[line for line in lines if not line.course_date.days or line.course_date.first_day > today],
    )


def past_dates(
    session: Session,
    user: StaffUser,
    now: datetime,
    *,
    course_id: int | None = None,
    venue_id: int | None = None,
    year: int | None = None,
    page: int = 1,
    per_page: int = 25,
) -> PastDates:
    """Finished dates this person may see, newest first, a page at a time, by course, venue and the
    year of their first day."""
    first_day, last_day = first_day_column(), last_day_column()
    where = [last_day < today_in_london(now)]
    if course_id is not None:
        where.append(CourseDate.course_id == course_id)
    if venue_id is not None:
        where.append(CourseDate.venue_id == venue_id)
    if year is not None:
        where += [first_day >= date(year, 1, 1), first_day <= date(year, 12, 31)]
    count = sa.select(sa.func.count(CourseDate.id)).where(*where, dates_seen_by(user))
    total = session.scalar(count) or 0
    query = (
        sa.select(CourseDate)
        .where(*where)
        .order_by(first_day.desc(), CourseDate.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    dates = list(session.scalars(query.where(dates_seen_by(user))).unique())
    return PastDates(_lines(session, dates), total, page, per_page)


def past_years(session: Session, user: StaffUser, now: datetime) -> list[int]:
    """The years from the first finished date to the last, newest first, for the filter."""
    finished = sa.select(first_day_column().label("first")).select_from(CourseDate)
    finished = finished.where(last_day_column() < today_in_london(now))
    finished = finished.where(dates_seen_by(user)).subquery()
    earliest, latest = session.execute(sa.select(sa.func.min(finished.c.first), sa.func.max(finished.c.first))).one()
    return list(range(latest.year, earliest.year - 1, -1)) if earliest and latest else []


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    # Each date with a day on this day, and which day of the course it is.
    lines: list[tuple[DateLine, int]]


@dataclass
class CalendarMonth:
    first: date
    weeks: list[list[CalendarDay]]

    @property
    def busy_days(self) -> list[CalendarDay]:
        """The days of the month that have a course on them, for the list shown on small screens."""
        return [day for week in self.weeks for day in week if day.in_month and day.lines]

    @property
    def previous(self) -> date:
        return (self.first - timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> date:
        return (self.first + timedelta(days=32)).replace(day=1)


def calendar_month(session: Session, user: StaffUser, year: int, month: int) -> CalendarMonth:
    """The weeks (Monday to Sunday) of a month, each day with the dates that have a day on it, every
    status, with places taken and waiting; trainers see their own dates."""
    first = date(year, month, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    start, end = first - timedelta(days=first.weekday()), last + timedelta(days=6 - last.weekday())
    in_range = sa.select(CourseDay.course_date_id).where(CourseDay.day >= start, CourseDay.day <= end)
    query = sa.select(CourseDate).where(CourseDate.id.in_(in_range)).order_by(first_day_column(), CourseDate.id)
    lines = _lines(session, list(session.scalars(query.where(dates_seen_by(user))).unique()))
    by_day: dict[date, list[tuple[DateLine, int]]] = {}
    for line in lines:
        for number, day in enumerate(line.course_date.days, start=1):
            by_day.setdefault(day.day, []).append((line, number))
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    weeks = [
        [CalendarDay(day, day.month == month, by_day.get(day, [])) for day in days[i : i + 7]]
        for i in range(0, len(days), 7)
    ]
    return CalendarMonth(first, weeks)


SEARCH_LIMIT = 50
SEARCH_MAX_LENGTH = 100


@dataclass
class SearchResult:
    """The bookings found for what was typed, newest date first, and how many there are in all."""

    bookings: list[Booking]
    total: int


def find_people(session: Session, user: StaffUser, typed: str, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Bookings on any date whose name, email, organisation or reference contains what was typed (in any
    case, with or without accents: "sian" finds "Siân"), across every date this person may see, including
    cancelled ones. Anonymised bookings have no one to find. A reference typed with its SOS- is looked up by
    its index alone."""
    typed = " ".join(typed.split())[:SEARCH_MAX_LENGTH]
    if len(typed) < 2:
        return SearchResult([], 0)
    where = [booking_matches(typed), Booking.anonymised_at.is_(None), bookings_seen_by(user)]
    total = session.scalar(sa.select(sa.func.count(Booking.id)).where(*where)) or 0
    first_days = (
        sa.select(CourseDay.course_date_id, sa.func.min(CourseDay.day).label("first_day"))
        .group_by(CourseDay.course_date_id)
        .subquery()
    )
    query = (
        sa.select(Booking)
        .join(first_days, first_days.c.course_date_id == Booking.course_date_id)
        .where(*where)
        .order_by(first_days.c.first_day.desc(), Booking.full_name, Booking.id)
        .limit(limit)
    )
    return SearchResult(list(session.scalars(query).unique()), total)


def interest_counts(session: Session) -> list[tuple[Course, int]]:
    """How many people are waiting to hear about new dates, per course."""
    rows = session.execute(
        sa.select(Course, sa.func.count(Interest.id))
        .outerjoin(Interest, sa.and_(Interest.course_id == Course.id, Interest.notified_at.is_(None)))
        .group_by(Course.id)
        .order_by(Course.title)
    )
    return [(course, count) for course, count in rows]


def trainers(session: Session) -> list[StaffUser]:
    return list(session.scalars(sa.select(StaffUser).where(StaffUser.active).order_by(StaffUser.name, StaffUser.email)))
