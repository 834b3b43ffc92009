"""The council's sign-in providers as this app knows them: an Authlib OpenID Connect client for each one
named in the settings, and where to send a browser to sign out of one (RP-initiated logout). Used by the
sign-in views, the sign-out, the accounts pages and the security headers' form-action."""

import requests
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, url_for

from app.staff import single_sign_on

EXTENSION = "staff_single_sign_on"
# Which provider this session signed in with, so signing out can end the provider's session too.
SESSION_PROVIDER = "staff_provider"
# Seconds to wait for the provider's discovery, keys and token endpoints.
PROVIDER_TIMEOUT = 10


def install(app: Flask) -> None:
    """Register each provider named in the settings with an Authlib client of this app's own."""
    providers = {provider.name: provider for provider in single_sign_on.providers_from(app.config)}
    if not providers and not app.config["LOCAL_SIGN_IN"]:
        raise single_sign_on.SettingMissing("LOCAL_SIGN_IN is false, so set OIDC_PROVIDERS: nobody could sign in")
    oauth = OAuth(app)
    for provider in providers.values():
        oauth.register(
            provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.metadata_url,
            client_kwargs={
                "scope": "openid profile email",
                "code_challenge_method": "S256",
                "default_timeout": PROVIDER_TIMEOUT,
            },
        )
    app.extensions[EXTENSION] = (oauth, providers)


def providers() -> dict[str, single_sign_on.Provider]:
    return current_app.extensions[EXTENSION][1]


def client_for(name: str):
    provider = providers().get(name)
    if provider is None:
        abort(404)
    return provider, current_app.extensions[EXTENSION][0].create_client(name)


def issuer_claims(provider: single_sign_on.Provider) -> dict:
    """The ID token must name the issuer the settings give (Authlib checks the audience and nonce)."""
    return {"iss": {"essential": True, "value": provider.issuer}}


def redirect_uri(name: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for("admin.sign_in_with_done", name=name)


def provider_sign_out_url(name: str | None) -> str | None:
    """Where to send the browser so the provider ends its session too (RP-initiated logout), if this
    session signed in through one."""
    provider = providers().get(name or "")
    if provider is None:
        return None
    client = current_app.extensions[EXTENSION][0].create_client(provider.name)
    try:
        return client.create_logout_url(
            post_logout_redirect_uri=current_app.config["BASE_URL"].rstrip("/") + url_for("admin.signed_out"),
            client_id=provider.client_id,
        )["url"]
    except (requests.RequestException, RuntimeError, ValueError, KeyError):
        current_app.logger.warning("Could not find where to sign out of %s", provider.issuer, exc_info=True)
        return None
