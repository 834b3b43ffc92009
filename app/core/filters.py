"""How the service writes dates, times and counts, the way GOV.UK style asks: in pages, emails and the audit log."""

from datetime import date, datetime, time

from app.models import LONDON


def long_date(value: date | datetime) -> str:
    """Tuesday 3 March 2026."""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON)
    return f"{value:%A} {value.day} {value:%B %Y}"


def clock_time(value: time) -> str:
    """9:30am, 12pm, 4:30pm: a time as people write it, and as it is shown in a box to type into."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def short_time(value: time | datetime) -> str:
    """9:30am, 12pm (midday), 5pm: a time in a sentence."""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).time()
    return clock_time(value) + (" (midday)" if (value.hour, value.minute) == (12, 0) else "")


def date_and_time(value: datetime) -> str:
    """5pm on Tuesday 3 March 2026."""
    return f"{short_time(value)} on {long_date(value)}"


def places(count: int) -> str:
    """1 place, 3 places."""
    return f"{count} place" if count == 1 else f"{count} places"


def plural(count: int, one: str, many: str | None = None) -> str:
    """1 booking, 3 bookings; 1 entry, 2 entries (when `many` is given)."""
    return f"{count} {one}" if count == 1 else f"{count} {many or one + 's'}"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 11th."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


def day_range(course_date) -> str:
    """Tuesday 3 March and Wednesday 4 March 2026."""
    days = [day.day for day in course_date.days]
    if not days:
        return "Days to be confirmed"
    parts = [f"{day:%A} {day.day} {day:%B}" for day in days]
    return f"{', '.join(parts[:-1])} and {parts[-1]} {days[-1].year}" if len(parts) > 1 else long_date(days[0])


def short_days(days: list[date]) -> str:
    """22 and 23 December; 31 December and 1 January; 5 January."""
    if not days:
        return "days to be confirmed"
    one_month = len({(day.year, day.month) for day in days}) == 1
    parts = [str(day.day) for day in days] if one_month else [f"{day.day} {day:%B}" for day in days]
    joined = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return f"{joined} {days[0]:%B}" if one_month else joined


def all_days(course_date) -> str:
    """ "both days" only when there are two: "the day", "both days", "all 3 days"."""
    count = len(course_date.days)
    return "the day" if count == 1 else "both days" if count == 2 else f"all {count} days"


def these_days(course_date) -> str:
    """For "Add ... to your calendar": "this day", "both days", "all 3 days"."""
    return "this day" if len(course_date.days) == 1 else all_days(course_date)


def date_summary(course_date) -> str:
    """The days and the town, in one line."""
    return f"{day_range(course_date)}, {course_date.venue.name}, {course_date.venue.town}"
