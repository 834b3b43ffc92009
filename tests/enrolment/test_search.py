"""Find a person across every date by name, email, organisation or reference."""

import pytest

from app.database import writing
from app.enrolment.bookings import cancel_booking
from app.enrolment.overview import find_people
from app.models import Role
from tests.factories import booked, details, make_date, make_staff, sign_in
from tests.pages import source


@pytest.fixture
def people(session):
    spring, summer = make_date(session, days_from_now=20), make_date(session, days_from_now=80)
    return {
        "aoife": booked(
            session,
            spring.id,
            details(
                full_name="Aoife O'Neill", email="aoife.oneill@example.org", organisation="Kendal Early Help team"
            ),  # fmt: skip
        ).booking,
        "ben": booked(
            session,
            summer.id,
            details(
                full_name="Ben Carter", email="b.carter@school.example.org", organisation="Penrith 100% Academy"
            ),  # fmt: skip
        ).booking,
        "dates": (spring, summer),
    }


@pytest.mark.parametrize(
    ("typed", "who"),
    [
        ("aoife", "aoife"), ("O'NEILL", "aoife"), ("b.carter@school", "ben"), ("SCHOOL.EXAMPLE", "ben"),
        ("early help", "aoife"), ("Penrith", "ben"), ("100%", "ben"),
    ],
)  # fmt: skip
def test_a_search_finds_a_person_by_each_field_in_any_case(session, people, typed, who):
    admin = make_staff(session)
    assert [b.id for b in find_people(session, admin, typed).bookings] == [people[who].id]


def test_a_search_finds_a_person_by_reference_typed_in_any_way(session, people):
    admin = make_staff(session)
    reference = people["ben"].reference  # SOS-XXXXX
    code = reference.removeprefix("SOS-")
    for typed in (reference, reference.lower(), code, code.lower(), f"SOS {code}"):
        assert [b.id for b in find_people(session, admin, typed).bookings] == [people["ben"].id], typed


def test_percent_and_underscore_are_letters_not_wildcards(session, people):
    admin = make_staff(session)
    assert find_people(session, admin, "_").total == 0
    assert find_people(session, admin, "%%").total == 0
    assert find_people(session, admin, "0%").total == 1


def test_cancelled_bookings_are_found_and_say_so(client, session, people):
    cancel_booking(session, people["aoife"].manage_token)
    sign_in(client, make_staff(session))
    page = source(client.get("/admin/search?q=aoife"))
    assert "1 booking found" in page and "Aoife O'Neill" in page and "Cancelled" in page
    assert f'href="/admin/dates/{people["dates"][0].id}"' in page


def test_a_trainer_finds_only_people_on_their_own_dates(session, people):
    trainer = make_staff(session, role=Role.TRAINER)
    with writing(session):
        people["dates"][1].trainers.append(trainer)
    assert find_people(session, trainer, "example.org").total == 1
    assert find_people(session, trainer, "aoife").total == 0


def test_the_search_page_explains_a_short_or_hostile_search(client, session, people):
    sign_in(client, make_staff(session))
    assert "Find a person" in source(client.get("/admin/search"))
    short = client.get("/admin/search?q=a")
    assert short.status_code == 200 and "Enter at least 2 letters or numbers" in source(short)
    assert "Nobody found for ‘zzz’" in source(client.get("/admin/search?q=zzz"))
    for hostile in ("%00", "a%00b", "x" * 101, "%0d%0a"):
        assert client.get(f"/admin/search?q={hostile}").status_code == 400


def test_many_results_say_how_many_and_show_the_latest(session):
    course_date = make_date(session)
    for _ in range(55):
        booked(session, course_date.id, details(organisation="Barrow Family Centre"))
    admin = make_staff(session)
    found = find_people(session, admin, "barrow")
    assert (found.total, len(found.bookings)) == (55, 50)


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Sian", "Siân Evans"), ("SIAN EVANS", "Siân Evans"), ("siân", "Sian Smith"), ("zoe", "Zoë Brontë"),
        ("bronte", "Zoë Brontë"), ("o'neill", "Aoife O’Neill"), ("obriain", "Dafydd ÓBriain"),
        ("søren", "Søren Kierkegaard"), ("soren", "Søren Kierkegaard"), ("strasse", "Anna Straße"),
        ("café", "Cafe Worker"),
    ],
)  # fmt: skip
def test_a_search_ignores_accents_and_case_either_way(client, session, typed, name):
    course_date = make_date(session)
    wanted = booked(session, course_date.id, details(full_name=name)).booking
    booked(session, course_date.id, details(full_name="Someone Else"))
    admin = make_staff(session)
    assert [b.id for b in find_people(session, admin, typed).bookings] == [wanted.id]
    sign_in(client, admin)
    page = source(client.get("/admin/search", query_string={"q": typed}))
    assert "1 booking found" in page and name in page


def test_a_search_folds_organisations_emails_and_references_too(session):
    course_date = make_date(session)
    wanted = booked(
        session,
        course_date.id,
        details(full_name="Ben Carter", email="Ben.Müller@Example.org", organisation="Penrith Bürgerhaus Café"),
    ).booking
    booked(session, course_date.id, details(full_name="Amy Zhang"))
    admin = make_staff(session)
    code = wanted.reference.removeprefix("SOS-")
    for typed in ("burgerhaus cafe", "ben.muller@", "MÜLLER@EXAMPLE", code[1:].lower(), wanted.reference.lower()):
        assert [b.id for b in find_people(session, admin, typed).bookings] == [wanted.id], typed


def test_no_match_runs_across_a_name_and_an_email(session):
    course_date = make_date(session)
    booked(session, course_date.id, details(full_name="Ann Lee", email="zed@example.org", organisation="X"))
    assert find_people(session, make_staff(session), "lee zed").total == 0


def test_an_anonymised_booking_is_not_found_by_its_old_words(session):
    from datetime import UTC, datetime, timedelta

    from app.personal_data.retention import purge

    booked(session, make_date(session).id, details(full_name="Siân Evans"))
    admin = make_staff(session)
    assert find_people(session, admin, "sian").total == 1
    purge(session, datetime.now(UTC) + timedelta(days=800), access_needs_days=30, anonymise_months=12)
    session.rollback()
    assert find_people(session, admin, "sian").total == 0
