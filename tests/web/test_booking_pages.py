"""Booking, cancelling and moving through the web pages, as a person would."""

import re

import pytest
import sqlalchemy as sa

from app.mail.outbox import send_due
from app.models import Booking, BookingStatus
from tests.factories import booked, booking_form, confirm_by_email, details, make_course, make_date

MANAGE_LINK = re.compile(r"/bookings/[A-Za-z0-9_-]{43}")


def check_your_email(response, client) -> str:
    """The page every booking form ends on: it names the address and never holds a booking link."""
    assert response.status_code == 302 and response.location.endswith("/bookings/check-your-email")
    page = client.get(response.location).get_data(as_text=True)
    assert "Check your email to confirm your booking" in page and not MANAGE_LINK.search(page)
    return page


def all_bookings(session):
    session.rollback()
    return list(session.scalars(sa.select(Booking)))


def test_booking_form_books_a_place_and_shows_the_reference(client, session):
    course_date = make_date(session, capacity=5)
    response = client.post(
        f"/dates/{course_date.id}/book",
        data=booking_form(full_name="Nguyễn Thị Lan", access_needs=["hearing_loop", "breaks"]),
    )
    check_your_email(response, client)
    (booking,) = all_bookings(session)
    assert booking.full_name == "Nguyễn Thị Lan" and booking.is_hold
    assert booking.access_needs == ["hearing_loop", "breaks"]
    token = confirm_by_email(client, session, booking.email)
    page = client.get(f"/bookings/{token}/confirmation").get_data(as_text=True)
    assert "Your place is booked" in page and booking.reference in page
    assert f"/bookings/{booking.manage_token}" in page


def test_a_full_date_says_so_before_the_form_and_gives_a_queue_position(client, session):
    course_date = make_date(session, capacity=1)
    booked(session, course_date.id, details())
    form_page = client.get(f"/dates/{course_date.id}/book").get_data(as_text=True)
    assert "This date is full" in form_page and "waiting list" in form_page
    form = booking_form()
    check_your_email(client.post(f"/dates/{course_date.id}/book", data=form), client)
    token = confirm_by_email(client, session, form["email"])
    page = client.get(f"/bookings/{token}/confirmation").get_data(as_text=True)
    assert "You are on the waiting list" in page
    assert "You are 1st on the waiting list" in page
    # It reads as a waiting list: not the green panel of a booked place, and the word "booking" nowhere in
    # what it says (only in addresses and the site's own links).
    assert "govuk-panel" not in page and "You do not have a place yet" in page
    main = re.search(r"<main.*</main>", page, re.S).group(0)
    words = re.sub(r"<[^>]+>", " ", main)
    assert "booking" not in words.lower().replace("/bookings/", "")


def test_missing_answers_are_listed_at_the_top_and_by_each_field_keeping_other_answers(client, session):
    course_date = make_date(session)
    response = client.post(
        f"/dates/{course_date.id}/book",
        data=booking_form(full_name="", email="not-an-email", sector=None, manager_agrees=None, job_title="Héloïse"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert "There is a problem" in page
    for message, field in [
        ("Enter your full name", "full_name"),
        ("Enter your email address in the correct format, like name@example.com", "email"),
        ("Select the area you work in", "sector"),
        ("Confirm that your manager agrees you can attend both days", "manager_agrees"),
    ]:
        assert f'href="#{field}"' in page
        assert page.count(message) == 2, message  # once in the summary, once by the field
    assert 'value="Héloïse"' in page
    assert 'value="not-an-email"' in page
    assert all_bookings(session) == []


def test_an_unknown_choice_gets_a_plain_message_not_a_crash(client, session):
    course_date = make_date(session)
    response = client.post(
        f"/dates/{course_date.id}/book",
        data=booking_form(sector="wizards", council_area="<script>alert(1)</script>", access_needs=["teleporter"]),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Select the area you work in" in page
    assert "Select the council area you work in" in page
    assert "Select only the options shown" in page
    assert "<script>alert(1)" not in page


def test_over_long_answers_are_refused_with_the_limit(client, session):
    course_date = make_date(session)
    response = client.post(f"/dates/{course_date.id}/book", data=booking_form(full_name="A" * 121))
    assert "Full name must be 120 characters or fewer" in response.get_data(as_text=True)


def test_names_in_any_script_are_welcome(client, session):
    course_date = make_date(session, capacity=10)
    names = ["Siân Evans", "Zoë Armstrong", "Aoife O'Neill", "Nguyễn Thị Lan", "李明"]
    for name in names:
        assert client.post(f"/dates/{course_date.id}/book", data=booking_form(full_name=name)).status_code == 302
    assert sorted(b.full_name for b in all_bookings(session)) == sorted(names)


def test_control_characters_in_a_name_are_refused(client, session):
    course_date = make_date(session)
    response = client.post(f"/dates/{course_date.id}/book", data=booking_form(full_name="Sam\x00Smith"))
    assert "Full name must only include letters, numbers and punctuation" in response.get_data(as_text=True)


def test_spaces_around_answers_are_trimmed(client, session):
    course_date = make_date(session)
    client.post(
        f"/dates/{course_date.id}/book", data=booking_form(full_name="  Zoë   Armstrong ", email=" zoe@example.org ")
    )
    (booking,) = all_bookings(session)
    assert booking.full_name == "Zoë Armstrong"
    assert booking.email == "zoe@example.org"


def test_sending_the_same_form_twice_makes_one_booking_and_the_same_answer(client, session):
    course_date = make_date(session)
    form = booking_form(submission_key="abcdefghijklmnopqrstuvwx")
    first = check_your_email(client.post(f"/dates/{course_date.id}/book", data=form), client)
    second = check_your_email(client.post(f"/dates/{course_date.id}/book", data=form), client)
    assert first == second
    assert len(all_bookings(session)) == 1


def test_the_forms_hidden_key_is_no_way_to_read_a_booking_even_from_another_browser(app, client, session):
    course_date = make_date(session)
    form = booking_form(submission_key="abcdefghijklmnopqrstuvwx")
    client.post(f"/dates/{course_date.id}/book", data=form)
    stranger = app.test_client()
    check_your_email(stranger.post(f"/dates/{course_date.id}/book", data=form), stranger)
    assert len(all_bookings(session)) == 1


def test_the_session_cookie_never_holds_a_booking_link(client, session):
    from flask.sessions import SecureCookieSessionInterface

    course_date = make_date(session)
    form = booking_form()
    client.post(f"/dates/{course_date.id}/book", data=form)
    token = confirm_by_email(client, session, form["email"])
    cookie = client.get_cookie("session").value
    serializer = SecureCookieSessionInterface().get_signing_serializer(client.application)
    assert token not in str(serializer.loads(cookie)) and token not in cookie


def test_the_form_answers_the_same_whether_or_not_the_address_has_a_booking(app, client, session, mail_server):
    from app.mail.outbox import send_due

    course_date = make_date(session)
    first = check_your_email(
        client.post(f"/dates/{course_date.id}/book", data=booking_form(email="sam@example.org")), client
    )
    stranger = app.test_client()
    again = stranger.post(f"/dates/{course_date.id}/book", data=booking_form(email="SAM@example.org"))
    assert check_your_email(again, stranger).replace("SAM@", "sam@") == first
    assert len(all_bookings(session)) == 1
    send_due(session)
    # The address gets the one email that confirms its booking, again, and no one else gets anything.
    subjects = [m["Subject"].split(":")[0] for m in mail_server.messages]
    assert subjects == ["Confirm your booking", "Confirm your booking"]
    assert {m["To"] for m in mail_server.messages} == {"sam@example.org"}


def test_a_colleagues_address_shows_nothing_of_their_booking_and_only_they_get_its_link(app, session, mail_server):
    from app.core.filters import long_date
    from app.mail.outbox import send_due

    course = make_course(session)
    first = make_date(session, course=course)
    second = make_date(session, course=course, days_from_now=60)
    booking = booked(session, first.id, details(email="colleague@example.org")).booking
    send_due(session)
    mail_server.messages.clear()
    stranger = app.test_client()
    for _attempt in range(3):
        text = check_your_email(
            stranger.post(f"/dates/{second.id}/book", data=booking_form(email="colleague@example.org")), stranger
        )
        assert long_date(first.first_day) not in text and booking.reference not in text
    send_due(session)
    (email,) = mail_server.messages  # once, however often someone tries, in the hour
    assert email["To"] == "colleague@example.org"
    body = email.get_body(("plain",)).get_content()
    assert booking.manage_token in body and long_date(first.first_day) in body


def test_a_draft_date_is_not_found_and_a_closed_date_cannot_be_booked(client, session):
    from app.models import DateStatus

    draft = make_date(session, status=DateStatus.DRAFT)
    assert client.get(f"/dates/{draft.id}/book").status_code == 404
    closed = make_date(session, days_from_now=1, closes_days_before=3)
    response = client.post(f"/dates/{closed.id}/book", data=booking_form())
    assert "Booking for this date has closed" in response.get_data(as_text=True)
    assert all_bookings(session) == []


def test_the_manage_page_repeats_the_persons_own_needs_and_no_public_page_shows_them(client, session):
    course_date = make_date(session)
    booking = booked(
        session,
        course_date.id,
        details(access_needs=["sign_language"], access_details="Interpreter for both days", dietary_needs="Halal"),
    ).booking
    page = client.get(f"/bookings/{booking.manage_token}").get_data(as_text=True)
    assert booking.reference in page and "Place confirmed" in page
    assert "A British Sign Language interpreter" in page and "Interpreter for both days" in page and "Halal" in page
    for public in ["/", "/dates", f"/dates/{course_date.id}", f"/courses/{course_date.course.slug}"]:
        text = client.get(public).get_data(as_text=True)
        assert "Interpreter for both days" not in text and "Halal" not in text
        assert booking.full_name not in text


def test_cancel_asks_first_then_cancels_and_promotes_the_waiting_list(client, session):
    course_date = make_date(session, capacity=1)
    booking = booked(session, course_date.id, details()).booking
    waiting = booked(session, course_date.id, details()).booking
    token = booking.manage_token
    ask = client.get(f"/bookings/{token}/cancel")
    assert "Are you sure you want to cancel your booking?" in ask.get_data(as_text=True)
    assert "Your place will go to the next person on the waiting list" in ask.get_data(as_text=True)
    assert all(b.status != BookingStatus.CANCELLED for b in all_bookings(session))

    done = client.post(f"/bookings/{token}/cancel", follow_redirects=True)
    assert "Your booking has been cancelled" in done.get_data(as_text=True)
    session.rollback()
    assert session.get(Booking, booking.id).status == BookingStatus.CANCELLED
    assert session.get(Booking, waiting.id).status == BookingStatus.CONFIRMED


def test_nobody_is_promised_the_place_when_nobody_is_waiting(client, session, mail_server):
    course_date = make_date(session, capacity=3)
    booking = booked(session, course_date.id, details(email="alone@example.org")).booking
    other = make_date(session, course=course_date.course, days_from_now=60)
    assert other.id
    for path in ("cancel", "move"):
        page = client.get(f"/bookings/{booking.manage_token}/{path}").get_data(as_text=True)
        assert "waiting list" not in page, path
    client.post(f"/bookings/{booking.manage_token}/cancel")
    send_due(session)
    (cancelled,) = [m for m in mail_server.inbox.to("alone@example.org") if m["Subject"].startswith("Cancelled")]
    assert "waiting list" not in cancelled.get_body(("plain",)).get_content()
    assert "waiting list" not in cancelled.get_body(("html",)).get_content()


def test_move_lists_dates_with_places_and_moves_the_booking(client, session):
    course = make_course(session)
    current = make_date(session, course=course)
    other = make_date(session, course=course, days_from_now=60)
    booking = booked(session, current.id, details()).booking
    page = client.get(f"/bookings/{booking.manage_token}/move").get_data(as_text=True)
    assert f'value="{other.id}"' in page and f'value="{current.id}"' not in page
    assert "20 places left." in page  # each date says its places left

    check = client.post(f"/bookings/{booking.manage_token}/move", data={"new_date": str(other.id)})
    assert check.status_code == 200 and "Check the move before you make it" in check.get_data(as_text=True)
    session.rollback()
    assert session.get(Booking, booking.id).course_date_id == current.id  # nothing moved yet
    done = client.post(f"/bookings/{booking.manage_token}/move", data={"new_date": str(other.id), "checked": "yes"})
    assert done.status_code == 302
    session.rollback()
    assert session.get(Booking, booking.id).course_date_id == other.id


def test_moving_to_a_date_not_offered_is_refused_plainly(client, session):
    course = make_course(session)
    current = make_date(session, course=course)
    make_date(session, course=course, days_from_now=60)
    booking = booked(session, current.id, details()).booking
    for bad in ["999999", "abc", "", str(current.id)]:
        response = client.post(f"/bookings/{booking.manage_token}/move", data={"new_date": bad})
        assert response.status_code == 200
        assert "Select" in response.get_data(as_text=True)


def test_a_wrong_or_tampered_manage_link_is_not_found(client, session):
    booking = booked(session, make_date(session).id, details()).booking
    token = booking.manage_token
    tampered = token[:-1] + ("B" if token[-1] == "A" else "A")
    for path in [
        f"/bookings/{tampered}",
        f"/bookings/{booking.reference}",
        "/bookings/x",
        f"/bookings/{tampered}/cancel",
    ]:
        assert client.get(path).status_code == 404
    assert client.post(f"/bookings/{tampered}/cancel").status_code == 404


@pytest.mark.parametrize(
    "field, value",
    [
        ("full_name", "Visit https://evil.example/login now"),
        ("job_title", "Write to help@evil.example"),
        ("organisation", "www.evil.example"),
        ("manager_name", "mailto:someone"),
    ],
)
def test_web_and_email_addresses_are_refused_in_names_and_jobs_that_go_into_emails(client, session, field, value):
    course_date = make_date(session)
    response = client.post(f"/dates/{course_date.id}/book", data=booking_form(**{field: value}))
    assert response.status_code == 200
    assert "must not include a web address or an email address" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 0


@pytest.mark.parametrize("address", ["用户@例子.广告", "ｊｏ．ｂｌｏｇｇｓ@example.org", "zoë@example.org"])
def test_an_address_our_mail_server_cannot_send_to_is_refused_at_the_form(client, session, address):
    course_date = make_date(session)
    response = client.post(f"/dates/{course_date.id}/book", data=booking_form(email=address, job_title="Nurse"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Enter your email address using only the letters a to z, numbers and . _ - + before the @." in page
    assert 'value="Nurse"' in page
    assert all_bookings(session) == []


def test_a_domain_in_another_script_is_kept_in_the_form_every_mail_server_can_use(client, session, mail_server):
    from app.mail.outbox import send_due

    course_date = make_date(session)
    response = client.post(f"/dates/{course_date.id}/book", data=booking_form(email="lan@bücher.example"))
    assert response.status_code == 302
    (booking,) = all_bookings(session)
    assert booking.email == "lan@xn--bcher-kva.example"
    send_due(session)
    (message,) = mail_server.messages
    assert message["To"] == "lan@xn--bcher-kva.example"


def test_two_bad_email_addresses_get_two_different_messages(client, session):
    course_date = make_date(session)
    response = client.post(f"/dates/{course_date.id}/book", data=booking_form(email="nope", manager_email="also nope"))
    page = response.get_data(as_text=True)
    assert page.count("Enter your email address in the correct format") == 2
    assert page.count("Enter your manager&#39;s email address in the correct format") == 2
