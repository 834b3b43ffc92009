"""A person's training record: their job, organisation and manager for each booking, each move of a booking
(by staff or by the person) in plain words, and the briefings they told us they watched; and the search
finds people who only watched a briefing."""

from datetime import UTC, datetime, timedelta

from app.briefings.service import WatchedDetails, record_watched
from app.core.filters import day_range, long_date
from app.enrolment.bookings import move_booking
from app.models import CouncilArea, Role, Sector
from app.personal_data.retention import purge
from tests.factories import booked, details, make_briefing, make_date, make_staff, sign_in
from tests.pages import source, words


def watched(session, briefing, name: str, email: str, organisation: str = "Carlisle Health Visiting"):
    details_ = WatchedDetails(name, email, organisation, Sector.HEALTH, CouncilArea.CUMBERLAND, "")
    return record_watched(session, briefing, details_)[0]


def test_the_record_shows_job_organisation_manager_and_each_move_in_plain_words(client, session):
    first = make_date(session, days_from_now=20)
    second = make_date(session, days_from_now=40, course=first.course)
    third = make_date(session, days_from_now=60, course=first.course)
    person = details(full_name="Zoë Brontë", email="zoe@example.org", job_title="Family support worker",
                     organisation="Kendal Early Help team", manager_name="Sam Manager",
                     manager_email="sam.manager@example.org")  # fmt: skip
    booking = booked(session, first.id, person).booking
    admin = make_staff(session, email="ada@example.org")
    move_booking(session, booking.manage_token, second.id)  # by the person's link
    move_booking(session, booking.manage_token, third.id, actor=admin)
    sign_in(client, admin)
    page = words(client.get(f"/admin/people/{booking.id}"))
    assert "Job Family support worker" in page and "Organisation Kendal Early Help team" in page
    assert "Manager Sam Manager (sam.manager@example.org)" in page
    today = long_date(datetime.now(UTC))
    by_person = f"Moved booking {booking.reference} from {day_range(first)} to {day_range(second)}"
    by_staff = f"Moved booking {booking.reference} from {day_range(second)} to {day_range(third)}"
    assert page.index(by_person) < page.index(by_staff)
    assert f"{by_person}, " in page and f"on {today}, by the person booked, by their booking link" in page
    assert f"on {today}, by ada@example.org" in page
    assert "They have not told us they watched a briefing." in page


def test_a_booking_never_moved_has_no_moves(client, session):
    booking = booked(session, make_date(session).id, details(manager_name="", manager_email="")).booking
    sign_in(client, make_staff(session))
    page = words(client.get(f"/admin/people/{booking.id}"))
    assert "Moved" not in page and "Manager Not given" in page


def test_the_briefings_a_person_watched_are_on_their_record_by_email(client, session):
    briefing = make_briefing(session, title="Partner briefing: the three questions")
    other = make_briefing(session, title="Early Help – Signs of Wellbeing")
    booking = booked(session, make_date(session).id, details(full_name="Siân Evans", email="Sian.Evans@example.org"))
    watched(session, briefing, "Siân Evans", "sian.evans+briefing@EXAMPLE.org")
    watched(session, other, "Someone Else", "someone@example.org")
    sign_in(client, make_staff(session))
    page = words(client.get(f"/admin/people/{booking.booking.id}"))
    assert "Briefings watched" in page and "Partner briefing: the three questions" in page
    assert f"{long_date(datetime.now(UTC))}" in page.split("Briefings watched")[1]
    assert "Signs of Wellbeing" not in page


def test_someone_who_only_watched_a_briefing_is_found_without_accents_and_has_a_record(client, session):
    briefing = make_briefing(session, title="Partner briefing: the three questions")
    record = watched(session, briefing, "Zoë Ó Briain", "zoe.obriain@school.example.org", "St Bees Primary School")
    booked(session, make_date(session).id, details(full_name="Zoe Smith"))
    sign_in(client, make_staff(session))
    page = words(client.get("/admin/search?q=zoe"))
    assert "1 booking found" in page and "1 person who watched a briefing" in page
    assert "Zoë Ó Briain" in page and "Watched ‘Partner briefing: the three questions’" in page
    page = words(client.get("/admin/search?q=st bees primary"))
    assert "No bookings found for ‘st bees primary’" in page and "Zoë Ó Briain" in page
    record_page = source(client.get("/admin/search?q=obriain"))
    assert f'href="/admin/people/watched/{record.id}"' in record_page
    page = words(client.get(f"/admin/people/watched/{record.id}"))
    assert "Training record: Zoë Ó Briain" in page and "No bookings with this email address." in page
    assert "Partner briefing: the three questions" in page


def test_trainers_do_not_see_who_watched_a_briefing(client, session):
    watched(session, make_briefing(session), "Zoë Ó Briain", "zoe@example.org")
    trainer = make_staff(session, role=Role.TRAINER)
    sign_in(client, trainer)
    page = words(client.get("/admin/search?q=zoe"))
    assert "Nobody found for ‘zoe’" in page and "Zoë" not in page.replace("‘zoe’", "")


def test_a_removed_watched_record_is_neither_found_nor_shown(client, session):
    record = watched(session, make_briefing(session), "Zoë Ó Briain", "zoe@example.org")
    purge(session, datetime.now(UTC) + timedelta(days=800), access_needs_days=30, anonymise_months=12)
    sign_in(client, make_staff(session))
    assert "Nobody found for ‘zoe’" in words(client.get("/admin/search?q=zoe"))
    assert client.get(f"/admin/people/watched/{record.id}").status_code == 404
    assert client.get("/admin/people/watched/99999999").status_code == 404
