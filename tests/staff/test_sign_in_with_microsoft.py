"""Signing in with the council's Microsoft account, against a real OpenID provider on loopback (two
instances, one per council tenant), through the provider's own login form."""

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa
from authlib.integrations.requests_client import OAuth2Session
from joserfc.errors import InvalidClaimError

from app import create_app
from app.database import writing
from app.models import AuditEvent, Role, StaffSession, StaffUser
from tests.conftest import IsolatedClient
from tests.factories import STAFF_PASSWORD, make_staff
from tests.oidc_provider import CLIENT_ID, SECRET, OpenIDProvider, log_in, log_out, require_provider

BASE = "http://training.example.test"
DONE = BASE + "/admin/sign-in/with/{}/done"
SIGNED_OUT = BASE + "/admin/signed-out"
SHARED_OID = str(uuid.uuid4())

CUMBERLAND = {
    "admin": {
        "oid": SHARED_OID,
        "roles": ["Admin"],
        "name": "Aisha Khan",
        "preferred_username": "aisha.khan@cumberland.gov.uk",
    },
    "trainer": {
        "oid": str(uuid.uuid4()),
        "roles": ["Trainer", "Something.Else"],
        "name": "Tom Reed",
        "preferred_username": "tom.reed@cumberland.gov.uk",
    },
    "norole": {"oid": str(uuid.uuid4()), "name": "Nia Lowe", "preferred_username": "nia.lowe@cumberland.gov.uk"},
    "guest": {
        "oid": str(uuid.uuid4()),
        "tid": str(uuid.uuid4()),
        "roles": ["Admin"],
        "name": "Gus Guest",
        "preferred_username": "gus@elsewhere.example",
    },
}
WESTMORLAND = {
    # The same object id as Cumberland's admin, in another tenant: another person.
    "admin": {
        "oid": SHARED_OID,
        "roles": ["Admin"],
        "name": "Wyn Evans",
        "preferred_username": "wyn.evans@westmorlandandfurness.gov.uk",
    },
}


@pytest.fixture(scope="module")
def providers(tmp_path_factory):
    require_provider()
    folder = tmp_path_factory.mktemp("oidc")
    cumberland = OpenIDProvider(
        folder,
        accounts=CUMBERLAND,
        redirect_uris=[DONE.format("cumberland")],
        post_logout_redirect_uris=[SIGNED_OUT],
    ).start()
    # Westmorland's provider will also send answers to Cumberland's address, for the mix-up test.
    westmorland = OpenIDProvider(
        folder,
        accounts=WESTMORLAND,
        redirect_uris=[DONE.format("westmorland"), DONE.format("cumberland")],
        post_logout_redirect_uris=[SIGNED_OUT],
    ).start()
    yield cumberland, westmorland
    cumberland.stop()
    westmorland.stop()


TEST_SETTINGS = (
    "TESTING",
    "DATABASE_URL",
    "SECRET_KEY",
    "WTF_CSRF_ENABLED",
    "SESSION_COOKIE_SECURE",
    "PREFERRED_URL_SCHEME",
    "MAIL_SERVER",
    "MAIL_FILE_DIR",
    "MEDIA_DIR",
    "MANAGER_EMAILS",
)


def app_with(app, providers_by_name: dict, **more):
    """An app on the test database with these providers set up."""
    settings = {key: app.config[key] for key in TEST_SETTINGS}
    settings.update(BASE_URL=BASE, OIDC_PROVIDERS=",".join(providers_by_name), **more)
    for name, (provider, label) in providers_by_name.items():
        settings.update(provider.settings(name, label))
    made = create_app(settings)
    made.test_client_class = IsolatedClient
    return made


@pytest.fixture(scope="module")
def sso_app(app, providers):
    cumberland, westmorland = providers
    return app_with(
        app,
        {"cumberland": (cumberland, "Cumberland Council"), "westmorland": (westmorland, "Westmorland and Furness")},
    )


@pytest.fixture
def client(sso_app):
    return sso_app.test_client()


def start(client, name="cumberland") -> str:
    """Press the sign-in button; return the provider's address it sends the browser to."""
    response = client.post(f"/admin/sign-in/with/{name}")
    assert response.status_code == 302
    return response.location


def come_back(client, callback: str):
    parts = urlsplit(callback)
    assert f"{parts.scheme}://{parts.netloc}" == BASE
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_as(client, login: str, name="cumberland", browser=None):
    browser = browser or requests.Session()
    callback = log_in(browser, start(client, name), login, DONE.format(name))
    return come_back(client, callback), browser


def accounts(session) -> list[StaffUser]:
    session.rollback()
    return list(session.scalars(sa.select(StaffUser).order_by(StaffUser.id)))


def test_the_sign_in_page_offers_each_council_and_still_a_password(client):
    page = client.get("/admin/sign-in").get_data(as_text=True)
    assert "Sign in with Cumberland Council" in page
    assert "Sign in with Westmorland and Furness" in page
    assert 'name="password"' in page


def test_the_authorization_request_uses_pkce_state_and_nonce(client, providers):
    cumberland, _ = providers
    query = parse_qs(urlsplit(start(client)).query)
    assert urlsplit(start(client)).netloc == urlsplit(cumberland.issuer).netloc
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [DONE.format("cumberland")]
    assert set(query["scope"][0].split()) == {"openid", "profile", "email"}


def test_an_admin_signs_in_through_the_real_login_form(client, session, providers):
    cumberland, _ = providers
    response, _ = sign_in_as(client, "admin")
    assert response.status_code == 302 and response.location.endswith("/admin/")
    [user] = accounts(session)
    assert (user.tenant_id, user.object_id) == (cumberland.tenant, SHARED_OID)
    assert user.role == Role.ADMIN and user.password_hash is None
    assert (user.name, user.email) == ("Aisha Khan", "aisha.khan@cumberland.gov.uk")
    assert user.last_signed_in_at is not None
    assert client.get("/admin/accounts").status_code == 200
    assert "Your password" not in client.get("/admin/").get_data(as_text=True)
    assert session.scalar(sa.select(AuditEvent.summary).where(AuditEvent.action == "account created")) == (
        "aisha.khan@cumberland.gov.uk signed in with Cumberland Council for the first time"
    )


def test_a_trainer_signs_in_and_sees_only_what_trainers_see(client, session):
    response, _ = sign_in_as(client, "trainer")
    assert response.status_code == 302
    [user] = accounts(session)
    assert user.role == Role.TRAINER
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts").status_code == 403


def test_the_role_follows_the_token_at_every_sign_in(client, session, sso_app):
    sign_in_as(client, "trainer")
    [user] = accounts(session)
    with writing(session):
        user.role = Role.ADMIN  # as if an admin here had changed it: the provider's word wins
    sign_in_as(sso_app.test_client(), "trainer")
    [user] = accounts(session)
    assert user.role == Role.TRAINER


def test_no_role_means_no_access_and_nothing_kept(client, session):
    response, _ = sign_in_as(client, "norole")
    assert response.status_code == 403
    assert "You do not have access" in response.get_data(as_text=True)
    assert accounts(session) == []
    assert session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0
    assert client.get("/admin/").status_code == 302  # not signed in


def test_a_person_from_another_tenant_is_refused(client, session):
    response, _ = sign_in_as(client, "guest")
    assert response.status_code == 403
    assert "accounts cannot sign in here" in response.get_data(as_text=True)
    assert accounts(session) == []


def test_accounts_are_keyed_by_tenant_and_object_id_never_by_address(client, session, sso_app, providers):
    cumberland, westmorland = providers
    make_staff(session, email="aisha.khan@cumberland.gov.uk")
    sign_in_as(client, "admin")
    sign_in_as(sso_app.test_client(), "admin", name="westmorland")
    local, from_cumberland, from_westmorland = accounts(session)
    assert local.object_id is None and local.password_hash is not None  # not taken over by the same address
    assert (from_cumberland.tenant_id, from_cumberland.object_id) == (cumberland.tenant, SHARED_OID)
    assert (from_westmorland.tenant_id, from_westmorland.object_id) == (westmorland.tenant, SHARED_OID)
    assert from_westmorland.name == "Wyn Evans"
    # Signing in again finds the same account.
    sign_in_as(sso_app.test_client(), "admin")
    assert len(accounts(session)) == 3


def test_a_switched_off_account_cannot_sign_in_even_with_its_role(client, session, sso_app):
    sign_in_as(client, "trainer")
    [user] = accounts(session)
    with writing(session):
        user.active = False
    response, _ = sign_in_as(sso_app.test_client(), "trainer")
    assert response.status_code == 403
    assert "switched off" in response.get_data(as_text=True)


def test_a_tampered_state_is_refused(client, session):
    browser = requests.Session()
    callback = log_in(browser, start(client), "admin", DONE.format("cumberland"))
    tampered = callback.replace("state=", "state=x")
    response = come_back(client, tampered)
    assert response.status_code == 400
    assert "Signing in did not work" in response.get_data(as_text=True)
    assert accounts(session) == []


def test_a_sign_in_cancelled_at_the_provider_says_so_plainly(client, session):
    start(client)
    response = client.get("/admin/sign-in/with/cumberland/done?error=access_denied&state=x%00")
    assert response.status_code == 400
    assert "You did not finish signing in" in response.get_data(as_text=True)
    assert accounts(session) == []


def test_a_replayed_answer_is_refused(client, session, sso_app):
    """The same code, state and nonce a second time: in the browser that used them, and in another browser
    holding the session cookie from before they were used."""
    browser = requests.Session()
    authorize_url = start(client)
    before = client.get_cookie("session").value
    callback = log_in(browser, authorize_url, "admin", DONE.format("cumberland"))
    assert come_back(client, callback).status_code == 302
    client.post("/admin/sign-out")
    assert come_back(client, callback).status_code == 400
    thief = sso_app.test_client()
    thief.set_cookie("session", before)
    assert come_back(thief, callback).status_code == 400
    assert thief.get("/admin/").status_code == 302
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(StaffSession.id))) == 0


def test_an_answer_from_another_provider_is_refused(client, session, caplog):
    """A mix-up: Westmorland's answer brought to Cumberland's address (its iss parameter gives it away)."""
    browser = requests.Session()
    start(client)  # a sign-in with Cumberland is under way in this browser
    westmorland_url = start(client, "westmorland")
    # The Westmorland provider sends its answer to Cumberland's address instead.
    wrong = westmorland_url.replace(
        "redirect_uri=" + requests.utils.quote(DONE.format("westmorland"), safe=""),
        "redirect_uri=" + requests.utils.quote(DONE.format("cumberland"), safe=""),
    )
    callback = log_in(browser, wrong, "admin", DONE.format("cumberland"))
    assert come_back(client, callback).status_code == 400
    assert accounts(session) == []
    # Refused on reading the answer, before its code is taken to Cumberland's token endpoint.
    assert "the answer names another issuer" in caplog.text


def test_an_id_token_from_the_wrong_issuer_is_refused_even_with_the_right_keys(sso_app, providers, tmp_path):
    """A provider holding Cumberland's signing key but calling itself something else: its ID token has the
    right signature and audience, and the wrong issuer."""
    cumberland, _ = providers
    impostor = OpenIDProvider(tmp_path, accounts=CUMBERLAND, redirect_uris=["http://127.0.0.1/cb"])
    impostor.keys_file.write_text(cumberland.keys_file.read_text())
    impostor.start(issuer=f"http://localhost:{impostor.port}")
    try:
        oauth = OAuth2Session(
            CLIENT_ID, SECRET, scope="openid", redirect_uri="http://127.0.0.1/cb", code_challenge_method="S256"
        )
        verifier = "v" * 64
        url, _ = oauth.create_authorization_url(
            f"http://localhost:{impostor.port}/auth", nonce="n-1", code_verifier=verifier
        )
        callback = log_in(requests.Session(), url, "admin", "http://127.0.0.1/cb")
        token = oauth.fetch_token(
            f"http://localhost:{impostor.port}/token", authorization_response=callback, code_verifier=verifier
        )
    finally:
        impostor.stop()
    with sso_app.test_request_context():
        from app.web.admin.providers import issuer_claims
        from app.web.admin.providers import providers as configured

        client = sso_app.extensions["staff_single_sign_on"][0].create_client("cumberland")
        with pytest.raises(InvalidClaimError, match="iss"):
            client.parse_id_token(token, nonce="n-1", claims_options=issuer_claims(configured()["cumberland"]))


def test_new_signing_keys_are_fetched_when_the_provider_rotates_them(client, session, sso_app, providers):
    cumberland, _ = providers
    sign_in_as(client, "admin")
    before = cumberland.key_ids()
    cumberland.rotate_keys()
    assert cumberland.key_ids() != before
    response, _ = sign_in_as(sso_app.test_client(), "admin")
    assert response.status_code == 302 and response.location.endswith("/admin/")


def test_signing_out_ends_our_session_and_the_providers(client, session):
    response, browser = sign_in_as(client, "admin")
    response = client.post("/admin/sign-out")
    assert response.status_code == 302
    end_session = urlsplit(response.location)
    query = parse_qs(end_session.query)
    assert end_session.path == "/session/end"
    assert query["post_logout_redirect_uri"] == [SIGNED_OUT] and query["client_id"] == [CLIENT_ID]
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(StaffSession.id))) == 0
    assert client.get("/admin/").status_code == 302
    back = log_out(browser, response.location, SIGNED_OUT)
    assert "You have signed out" in come_back(client, back).get_data(as_text=True)
    # The provider asks for the login again: its session ended too.
    answer = browser.get(start(client), allow_redirects=True, timeout=5)
    assert 'name="login"' in answer.text


def test_password_sign_in_can_be_switched_off_when_the_provider_is_on(app, providers, session):
    cumberland, _ = providers
    only_provider = app_with(app, {"cumberland": (cumberland, "Cumberland Council")}, LOCAL_SIGN_IN=False)
    make_staff(session, email="breakglass@example.org")
    client = only_provider.test_client()
    page = client.get("/admin/sign-in").get_data(as_text=True)
    assert "Sign in with Cumberland Council" in page and 'name="password"' not in page
    response = client.post("/admin/sign-in", data={"email": "breakglass@example.org", "password": STAFF_PASSWORD})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/sign-in/forgot").status_code == 404


def test_password_sign_in_cannot_be_switched_off_without_a_provider(app):
    with pytest.raises(ValueError, match="LOCAL_SIGN_IN"):
        app_with(app, {}, LOCAL_SIGN_IN=False)
