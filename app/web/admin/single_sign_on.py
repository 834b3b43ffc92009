"""Signing in with the council's Microsoft account (OpenID Connect, through Authlib's Flask client), and
signing out of the provider too.

Authlib makes the authorization request with PKCE (S256), a state and a nonce kept in the session, and
checks the answer: the state, then the ID token's signature through the provider's keys (fetched again when
a token names a key it has not seen, so the provider can rotate them), issuer, audience, expiry and nonce.
Who that makes the person, if anyone, is decided in app.staff.single_sign_on.
"""

import requests
from authlib.integrations.base_client.errors import OAuthError
from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from joserfc.errors import JoseError

from app.extensions import db
from app.staff import single_sign_on
from app.staff.guard import SESSION_TOKEN
from app.web.admin.blueprint import bp
from app.web.admin.providers import SESSION_PROVIDER, client_for, issuer_claims, redirect_uri


@bp.post("/sign-in/with/<name>")
def sign_in_with(name: str):
    """Send the browser to the provider's sign-in page."""
    provider, client = client_for(name)
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    try:
        return client.authorize_redirect(redirect_uri(name))
    except (requests.RequestException, ValueError, KeyError):
        current_app.logger.warning("Could not reach the sign-in provider %s", provider.issuer, exc_info=True)
        return render_template("admin/sign_in_failed.html", provider=provider, unreachable=True), 502


@bp.get("/sign-in/with/<name>/done")
def sign_in_with_done(name: str):
    """The provider's answer: check it, then sign in the account its claims stand for, if any."""
    provider, client = client_for(name)
    if request.args.get("error"):  # they cancelled, or the provider would not sign them in
        current_app.logger.info("Sign-in through %s ended at the provider: %.60s", provider.name, request.args["error"])
        return render_template("admin/sign_in_failed.html", provider=provider, unreachable=False, ended=True), 400
    try:
        metadata = client.load_server_metadata()
        if metadata.get("issuer") != provider.issuer:
            raise OAuthError(description="the provider's metadata names another issuer")
        # A provider that names itself in its answer (RFC 9207) must name this one: an answer from another
        # provider brought here is a mix-up.
        if request.args.get("iss", provider.issuer) != provider.issuer:
            raise OAuthError(description="the answer names another issuer")
        token = client.authorize_access_token(claims_options=issuer_claims(provider))
        claims = token.get("userinfo")
        if not claims:
            raise OAuthError(description="no ID token")
    except (OAuthError, JoseError, requests.RequestException, ValueError, KeyError) as failed:
        current_app.logger.warning("Sign-in through %s refused: %s", provider.name, failed)
        return render_template("admin/sign_in_failed.html", provider=provider, unreachable=False), 400
    lifetime = current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    try:
        user, session_token = single_sign_on.sign_in(
            db.session, provider, claims, current_app.config, lifetime_seconds=lifetime
        )
    except single_sign_on.NoAccess as refused:
        return render_template("admin/no_access.html", provider=provider, reason=refused.message), 403
    session.clear()
    session.permanent = True
    session[SESSION_TOKEN] = session_token
    session[SESSION_PROVIDER] = provider.name
    login_user(user)
    return redirect(url_for("admin.dashboard"))


@bp.get("/signed-out")
def signed_out():
    """Where the provider sends the browser back once it has signed out too."""
    return render_template("admin/signed_out.html")
