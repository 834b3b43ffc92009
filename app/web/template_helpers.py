"""What every template can use: the words for dates and times, the access needs' labels, the error summary."""

from flask import Flask

from app.core import filters
from app.database import utcnow
from app.enrolment import needs
from app.enrolment.availability import Availability, availability
from app.models import ACCESS_NEEDS, ACCESS_NEEDS_FOR_STAFF
from app.web.fields import error_summary


def venue_fit_for(booking) -> needs.VenueFit:
    """What the booking's venue lacks of what the person asked for, and its notes on what it has."""
    return needs.venue_fit(booking.course_date.venue, booking.access_needs)


def staff_need_labels() -> dict[str, str]:
    """Access needs in the training team's words, for staff pages."""
    return ACCESS_NEEDS_FOR_STAFF


def access_need_labels() -> dict[str, str]:
    """The words for each access need, for the training team's pages."""
    return ACCESS_NEEDS


def availability_now(course_date) -> Availability:
    """Whether a date can be booked now, and its places, for the lists of dates."""
    return availability(course_date, utcnow())


def register(app: Flask) -> None:
    """Make the filters and helpers available to every template."""
    app.add_template_global(access_need_labels)
    app.add_template_global(staff_need_labels)
    app.add_template_global(venue_fit_for)
    app.add_template_global(availability_now)
    app.add_template_global(error_summary)
    for function in (
        filters.long_date,
        filters.short_time,
        filters.date_and_time,
        filters.places,
        filters.plural,
        filters.ordinal,
        filters.day_range,
        filters.date_summary,
        filters.all_days,
        filters.these_days,
        filters.short_days,
    ):
        app.add_template_filter(function)
