"""The day it is in the UK, which is what every rule about days (a course has begun, a reminder is due) counts in."""

from datetime import date, datetime

from app.models import LONDON


def today_in_london(now: datetime) -> date:
    """The calendar date in the UK at `now`."""
    return now.astimezone(LONDON).date()
