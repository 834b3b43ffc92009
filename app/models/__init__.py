"""The service's records, one module per part; import them from here."""

from app.models.booking import (
    ACCESS_NEEDS,
    COUNCIL_AREA_LABELS,
    LONDON,
    SECTOR_LABELS,
    Booking,
    BookingStatus,
    CouncilArea,
    Course,
    CourseDate,
    CourseDay,
    DateStatus,
    Interest,
    Sector,
    Venue,
    enum_column,
)
from app.models.outbox import OutboxMessage, OutboxStatus
from app.models.staff import Attendance, AuditEvent, Role, StaffUser, course_date_trainer

__all__ = [
    "Attendance",
    "AuditEvent",
    "Role",
    "StaffUser",
    "course_date_trainer",
    "ACCESS_NEEDS",
    "COUNCIL_AREA_LABELS",
    "LONDON",
    "SECTOR_LABELS",
    "Booking",
    "BookingStatus",
    "CouncilArea",
    "Course",
    "CourseDate",
    "CourseDay",
    "DateStatus",
    "Interest",
    "OutboxMessage",
    "OutboxStatus",
    "Sector",
    "Venue",
    "enum_column",
]
