"""Each domain package names its emails and the worker's jobs in its one install function, which create_app
calls: nothing is registered by importing a module, so nothing exists by accident or goes missing."""

from app import after_course, briefings, enrolment, staff
from app.mail import registry

EMAIL_KINDS = {
    "enrolment": {
        "booking_check", "hold_released", "place_confirmed", "waiting_list", "booking_cancelled", "booking_moved",
        "booking_link", "booking_links", "already_completed", "needs_updated", "needs_outcome",
        "place_offered", "late_place", "late_place_taken", "date_changed", "date_cancelled", "reminder",
        "date_message", "calendar_update", "manager_notice", "needs_changed", "dates_published", "access_summary",
        "interest_check", "below_minimum", "approval_request", "approval_pending", "approval_given",
        "approval_refused", "team_booked",
    },
    "after_course": {"feedback_request", "feedback_reminder", "feedback_thanks", "certificate_ready", "missed_course"},
    "briefings": {"watched_record"},
    "staff": {"staff_invite", "staff_reset"},
}  # fmt: skip
JOBS = {
    "enrolment": ["released holds", "reminders", "access summaries", "minimum numbers", "manager approvals"],
    "after_course": ["feedback requests and reminders", "certificates", "follow-ups"],
    "briefings": [],
    "staff": [],
}
PACKAGES = {"enrolment": enrolment, "after_course": after_course, "briefings": briefings, "staff": staff}


def test_the_app_has_exactly_these_emails_and_runs_exactly_these_jobs_in_this_order(app):
    mail = app.extensions[registry.EXTENSION]
    assert set(mail.kinds) == set().union(*EMAIL_KINDS.values())
    assert list(mail.jobs) == JOBS["enrolment"] + JOBS["after_course"]


def test_each_package_installs_what_it_owns_and_nothing_else():
    for name, package in PACKAGES.items():
        mail = registry.Registry()
        package.install(mail)
        assert set(mail.kinds) == EMAIL_KINDS[name], name
        assert list(mail.jobs) == JOBS[name], name


def test_a_kind_or_a_job_installed_twice_is_refused():
    mail = registry.Registry()
    enrolment.install(mail)
    for install_again in (lambda: enrolment.install(mail), lambda: mail.job("reminders", lambda *_: 0)):
        try:
            install_again()
        except ValueError as refused:
            assert "installed twice" in str(refused)
        else:
            raise AssertionError("installing twice was allowed")


def test_every_kind_of_email_has_its_text_and_html_template(app):
    for kind in app.extensions[registry.EXTENSION].kinds:
        for suffix in ("txt", "html"):
            app.jinja_env.get_template(f"email/{kind}.{suffix}")
