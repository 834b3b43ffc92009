"""Courses, venues, dates and their days, bookings and interest."""

import enum
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.models.folding import search_text

LONDON = ZoneInfo("Europe/London")


def enum_column(enum_class: type[enum.Enum], name: str) -> sa.Enum:
    """Store an enum by its value, as a short string with a CHECK, on every database."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=30,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class DateStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class BookingStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The words the training team sees for it."""
        return BOOKING_STATUS_LABELS[self]


BOOKING_STATUS_LABELS = {
    BookingStatus.CONFIRMED: "Confirmed",
    BookingStatus.WAITING: "Waiting list",
    BookingStatus.CANCELLED: "Cancelled",
}


class Approval(enum.StrEnum):
    """Where a booking stands with the person's line manager, on a course that needs their agreement."""

    NOT_NEEDED = "not_needed"
    WAITING = "waiting"
    APPROVED = "approved"
    DECLINED = "declined"
    NOT_ANSWERED = "not_answered"


class NeedsStatus(enum.StrEnum):
    """Where the training team is with what someone needs to take part."""

    TO_ARRANGE = "to_arrange"
    ARRANGED = "arranged"
    NOT_POSSIBLE = "not_possible"

    @property
    def label(self) -> str:
        return NEEDS_STATUS_LABELS[self]


NEEDS_STATUS_LABELS = {
    NeedsStatus.TO_ARRANGE: "Still to arrange",
    NeedsStatus.ARRANGED: "Arranged",
    NeedsStatus.NOT_POSSIBLE: "Not possible",
}


class Sector(enum.StrEnum):
    CHILDRENS_SOCIAL_CARE = "childrens_social_care"
    EARLY_HELP = "early_help"
    SCHOOLS = "schools"
    HEALTH = "health"
    FOSTERING_ADOPTION = "fostering_adoption"
    CHILDREN_WITH_DISABILITIES = "children_with_disabilities"
    LOOKED_AFTER_CHILDREN = "looked_after_children"
    POLICE = "police"
    VOLUNTARY_COMMUNITY = "voluntary_community"
    OTHER = "other"

    @property
    def label(self) -> str:
        return SECTOR_LABELS[self]


SECTOR_LABELS = {
    Sector.CHILDRENS_SOCIAL_CARE: "Children's social care",
    Sector.EARLY_HELP: "Early help",
    Sector.SCHOOLS: "Schools and education",
    Sector.HEALTH: "Health",
    Sector.FOSTERING_ADOPTION: "Fostering and adoption",
    Sector.CHILDREN_WITH_DISABILITIES: "Children with disabilities",
    Sector.LOOKED_AFTER_CHILDREN: "Looked after children",
    Sector.POLICE: "Police",
    Sector.VOLUNTARY_COMMUNITY: "Voluntary and community sector",
    Sector.OTHER: "Other",
}


class CouncilArea(enum.StrEnum):
    CUMBERLAND = "cumberland"
    WESTMORLAND_FURNESS = "westmorland_furness"
    OUTSIDE_CUMBRIA = "outside_cumbria"

    @property
    def label(self) -> str:
        return COUNCIL_AREA_LABELS[self]


COUNCIL_AREA_LABELS = {
    CouncilArea.CUMBERLAND: "Cumberland",
    CouncilArea.WESTMORLAND_FURNESS: "Westmorland and Furness",
    CouncilArea.OUTSIDE_CUMBRIA: "Outside Cumbria",
}

# A venue's facilities for getting in and around: its name (before a note), the words for yes, and for no.
VENUE_FACILITIES = {
    "step_free_access": ("Step-free access", "Step-free access", "No step-free access"),
    "hearing_loop": ("Hearing loop", "Hearing loop available", "No hearing loop"),
    "accessible_toilets": ("Accessible toilets", "Accessible toilets", "No accessible toilets"),
}

# What someone may need to take part. Stored by key; the words are shown to training staff.
ACCESS_NEEDS = {
    "step_free": "Step-free access (for example, I use a wheelchair)",
    "hearing_loop": "A hearing loop",
    "sign_language": "A British Sign Language interpreter",
    "large_print": "Papers in large print, or sent to me before the day",
    "breaks": "Extra breaks or a quiet space",
    "parking": "A parking space close to the entrance",
    "other": "Something else (tell us below)",
}
# The same needs in the training team's words, for staff pages, their emails and exports.
ACCESS_NEEDS_FOR_STAFF = {
    "step_free": "Step-free access",
    "hearing_loop": "A hearing loop",
    "sign_language": "A British Sign Language interpreter",
    "large_print": "Papers in large print, or sent before the day",
    "breaks": "Extra breaks or a quiet space",
    "parking": "A parking space near the entrance",
    "other": "Something else (in their words below)",
}


class Course(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(80), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    summary: so.Mapped[str] = so.mapped_column(sa.String(500))
    description: so.Mapped[str] = so.mapped_column(sa.Text)
    audience: so.Mapped[str] = so.mapped_column(sa.Text)
    in_person: so.Mapped[bool] = so.mapped_column(default=True)
    # Each place needs the person's line manager to agree, by a link emailed to them, before it is theirs.
    manager_approval: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    dates: so.WriteOnlyMapped["CourseDate"] = so.relationship(back_populates="course")

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class Venue(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    address: so.Mapped[str] = so.mapped_column(sa.String(500))
    town: so.Mapped[str] = so.mapped_column(sa.String(100))
    postcode: so.Mapped[str] = so.mapped_column(sa.String(10))
    # Each facility is yes, no, or yes with a note a visitor needs ("by the side door, ring the bell").
    step_free_access: so.Mapped[bool] = so.mapped_column(default=False)
    step_free_access_note: so.Mapped[str] = so.mapped_column(sa.String(200), default="", server_default="")
    hearing_loop: so.Mapped[bool] = so.mapped_column(default=False)
    hearing_loop_note: so.Mapped[str] = so.mapped_column(sa.String(200), default="", server_default="")
    accessible_toilets: so.Mapped[bool] = so.mapped_column(default=False)
    accessible_toilets_note: so.Mapped[str] = so.mapped_column(sa.String(200), default="", server_default="")
    parking: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    access_notes: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def full_address(self) -> str:
        return ", ".join(part for part in (self.name, self.address, self.town, self.postcode) if part)

    def facility(self, name: str) -> tuple[bool, str]:
        """Whether the venue has this facility (a key of VENUE_FACILITIES), and the note about it if any."""
        has = bool(getattr(self, name))
        return has, (getattr(self, f"{name}_note") or "").strip() if has else ""

    @property
    def access_lines(self) -> list[str]:
        """What the venue has for getting in and around, a line each, for every page and email that shows it:
        "Step-free access: by the side door", "No hearing loop", "Parking: ..."."""
        lines = []
        for name, (named, yes, no) in VENUE_FACILITIES.items():
            has, note = self.facility(name)
            lines.append(f"{named}: {note}" if note else yes if has else no)
        if self.parking:
            lines.append(f"Parking: {self.parking}")
        return lines

    def __repr__(self) -> str:
        return f"<Venue {self.name}>"


class CourseDate(db.Model):
    """One run of a course, usually over two days."""

    __table_args__ = (
        sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("places_taken >= 0 AND places_taken <= capacity", name="places_within_capacity"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id"), index=True)
    venue_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("venue.id"), index=True)
    capacity: so.Mapped[int]
    # Confirmed places, kept in step by app.enrolment.bookings; the CHECK above is the backstop.
    places_taken: so.Mapped[int] = so.mapped_column(default=0)
    # The fewest people needed for the date to run, if there is such a number: the training team is told
    # when fewer have a place shortly before it (MINIMUM_NUMBERS_DAYS).
    minimum_places: so.Mapped[int | None]
    status: so.Mapped[DateStatus] = so.mapped_column(
        enum_column(DateStatus, "date_status"), default=DateStatus.DRAFT, index=True
    )
    booking_closes_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    cancellation_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # When the training team closed feedback for this date; until then people can change theirs.
    feedback_closed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Rises whenever the days, times or venue change, so subscribed calendars replace the date's entry.
    feed_sequence: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: so.Mapped[Course] = so.relationship(back_populates="dates", lazy="joined", innerjoin=True)
    venue: so.Mapped[Venue] = so.relationship(lazy="joined", innerjoin=True)
    trainers: so.Mapped[list["StaffUser"]] = so.relationship(  # noqa: F821
        secondary="course_date_trainer", back_populates="dates"
    )
    days: so.Mapped[list["CourseDay"]] = so.relationship(
        back_populates="course_date",
        order_by="CourseDay.day",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.places_taken >= self.capacity

    @property
    def first_day(self) -> date:
        return self.days[0].day

    @property
    def last_day(self) -> date:
        return self.days[-1].day

    @property
    def starts_at(self) -> datetime:
        return self.days[0].starts_at

    def __repr__(self) -> str:
        return f"<CourseDate {self.id} {self.status}>"


class CourseDay(db.Model):
    """One day of a course date, in UK time."""

    __table_args__ = (
        sa.UniqueConstraint("course_date_id", "day", name="uq_course_day_date_day"),
        sa.CheckConstraint("end_time > start_time", name="ends_after_start"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_date_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_date.id", ondelete="CASCADE"), index=True)
    day: so.Mapped[date]
    start_time: so.Mapped[time]
    end_time: so.Mapped[time]

    course_date: so.Mapped[CourseDate] = so.relationship(back_populates="days")

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.day, self.start_time, tzinfo=LONDON)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.day, self.end_time, tzinfo=LONDON)


class Booking(db.Model):
    """A person's place, or their place in the queue, on a course date."""

    __table_args__ = (
        # One active booking per person per date; cancelled ones do not count.
        sa.Index(
            "uq_booking_one_active_per_person",
            "course_date_id",
            "email_key",
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
            postgresql_where=sa.text("status != 'cancelled'"),
        ),
        sa.Index("ix_booking_queue", "course_date_id", "status", "queued_at", "id"),
        # Finding a person by any part of their name, email, organisation or reference, folded (LIKE '%...%'):
        # a trigram index on PostgreSQL. SQLite reads the one column of every booking, which is quick enough.
        sa.Index(
            "ix_booking_search_text_trigrams",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reference: so.Mapped[str] = so.mapped_column(sa.String(12), unique=True)
    manage_token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # The hidden key of the form that made this booking: a second submit finds it.
    submission_key: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    course_date_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_date.id"))
    status: so.Mapped[BookingStatus] = so.mapped_column(enum_column(BookingStatus, "booking_status"))

    full_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    email_key: so.Mapped[str] = so.mapped_column(sa.String(254), index=True)
    phone: so.Mapped[str] = so.mapped_column(sa.String(30), default="")
    job_title: so.Mapped[str] = so.mapped_column(sa.String(120))
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200))
    sector: so.Mapped[Sector] = so.mapped_column(enum_column(Sector, "sector"))
    council_area: so.Mapped[CouncilArea] = so.mapped_column(enum_column(CouncilArea, "council_area"))
    manager_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    manager_email: so.Mapped[str] = so.mapped_column(sa.String(254))
    manager_agrees: so.Mapped[bool]
    # On a course that needs the manager's agreement: the place is held while they are asked (by a signed,
    # single-use link: approval_nonce is cleared once it is used), reminded once, and released if nobody
    # answers by approval_due_at.
    approval: so.Mapped[Approval] = so.mapped_column(
        enum_column(Approval, "approval"), default=Approval.NOT_NEEDED, server_default="not_needed"
    )
    approval_nonce: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    approval_asked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    approval_due_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    approval_reminded_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    approval_answered_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # The name, email key, organisation and reference folded (app.models.folding), for finding the person.
    # Kept up to date whenever the booking is saved (the events at the end of this module).
    search_text: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")

    # Sensitive: shown only to signed-in training staff, never on public pages.
    access_needs: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    access_details: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    dietary_needs: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # What the training team has done about those needs, and their note (also private). Back to
    # "still to arrange" whenever the needs or the date change.
    needs_status: so.Mapped[NeedsStatus] = so.mapped_column(
        enum_column(NeedsStatus, "needs_status"), default=NeedsStatus.TO_ARRANGE, server_default="to_arrange"
    )
    needs_note: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    needs_checked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    needs_checked_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("staff_user.id", ondelete="SET NULL"))

    # The person opened the link emailed to this address and confirmed the booking (or staff booked for
    # them). Until then it is a hold, released at hold_until, and nothing the person typed is emailed.
    email_checked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    hold_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, index=True)
    # Waiting-list order: first come, first served.
    queued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    cancelled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Set when the person's details were removed, by the retention purge or at their request (erased_at
    # too); what the reports count stays.
    anonymised_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    erased_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course_date: so.Mapped[CourseDate] = so.relationship(lazy="joined", innerjoin=True)
    needs_checked_by: so.Mapped["StaffUser | None"] = so.relationship()  # noqa: F821
    calendar_entries: so.Mapped[list["CalendarEntry"]] = so.relationship(  # noqa: F821
        back_populates="booking", order_by="CalendarEntry.id", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_active(self) -> bool:
        return self.status != BookingStatus.CANCELLED

    @property
    def email_checked(self) -> bool:
        """Whether the person has shown this address is theirs, by the link emailed to it."""
        return self.email_checked_at is not None

    @property
    def is_hold(self) -> bool:
        """A place, or a place on the waiting list, kept for someone until they confirm their address."""
        return self.is_active and not self.email_checked

    @property
    def has_needs(self) -> bool:
        """Whether the person told us anything they need to take part, or a dietary need."""
        return bool(self.access_needs or self.access_details or self.dietary_needs)

    @property
    def needs_open(self) -> bool:
        """Needs the training team has not yet arranged or said cannot be met, for someone with a place:
        for someone waiting they are arranged when a place is theirs."""
        return self.has_needs and self.needs_status == NeedsStatus.TO_ARRANGE and self.status == BookingStatus.CONFIRMED

    def __repr__(self) -> str:
        return f"<Booking {self.reference} {self.status}>"


def booking_search_text(booking: Booking) -> str:
    """What search_text holds for this booking."""
    return search_text(booking.full_name, booking.email_key, booking.organisation, booking.reference)


@sa.event.listens_for(Booking, "before_insert")
@sa.event.listens_for(Booking, "before_update")
def _fold_for_search(_mapper, _connection, booking: Booking) -> None:
    booking.search_text = booking_search_text(booking)


class Interest(db.Model):
    """Someone who wants to hear when new dates of a course are published."""

    __table_args__ = (sa.UniqueConstraint("course_id", "email_key", name="uq_interest_course_email"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course.id"), index=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    email_key: so.Mapped[str] = so.mapped_column(sa.String(254))
    organisation: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    # The link emailed to confirm the request; nothing more is sent to the address until it is opened.
    check_token: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    email_checked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    notified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    course: so.Mapped[Course] = so.relationship()
