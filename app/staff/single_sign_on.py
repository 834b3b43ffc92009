"""Signing in with the council's Microsoft account (OpenID Connect): which providers are set up, which
tenants and roles they let in, and the account a verified ID token's claims stand for.

The ID token itself is checked in the web layer, by Authlib, before anything here sees its claims:
signature through the provider's published keys, issuer, audience, expiry and the sign-in's nonce.
Here an account is found by the tenant and object ids (`tid` + `oid`), never by an email address or
`preferred_username`, which people and tenants can change. The role comes from the token's `roles` claim
(Entra app roles) at every sign-in, so council IT decides who is an admin or a trainer.
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import audit
from app.core.rules import Refused
from app.database import writing
from app.models import Role, StaffUser
from app.staff.accounts import open_session
from config import PROVIDER_SETTINGS

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,29}$")


class SettingMissing(ValueError):
    """OIDC_PROVIDERS names a provider whose settings are not all given."""


@dataclass(frozen=True)
class Provider:
    """One issuer the service trusts, as its settings give it: OIDC_<NAME>_ISSUER and the rest."""

    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    tenants: frozenset[str]

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def _words(value: str | None) -> list[str]:
    return [word.strip() for word in (value or "").split(",") if word.strip()]


def providers_from(config) -> list[Provider]:
    """The providers named in OIDC_PROVIDERS (for example "cumberland,westmorland"), each with its
    OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _TENANTS (the tenant ids allowed) and _LABEL."""
    found = []
    for name in _words(config.get("OIDC_PROVIDERS")):
        name = name.lower()
        if not NAME_PATTERN.match(name):
            raise SettingMissing(f"OIDC_PROVIDERS: {name!r} should be short letters and digits, like cumberland")
        values = {key: (config.get(f"OIDC_{name.upper()}_{key}") or "").strip() for key in PROVIDER_SETTINGS}
        missing = [f"OIDC_{name.upper()}_{key}" for key in PROVIDER_SETTINGS[:4] if not values[key]]
        if missing:
            raise SettingMissing(f"OIDC_PROVIDERS names {name}, so set {', '.join(missing)}")
        found.append(
            Provider(
                name=name,
                label=values["LABEL"] or name.capitalize(),
                issuer=values["ISSUER"],
                client_id=values["CLIENT_ID"],
                client_secret=values["CLIENT_SECRET"],
                tenants=frozenset(_words(values["TENANTS"])),
            )
        )
    return found


def role_from(roles_claim, config) -> Role | None:
    """The role the token's `roles` claim gives: admin if any of OIDC_ADMIN_ROLES is there, else trainer if
    any of OIDC_TRAINER_ROLES is, else none."""
    given = {str(role) for role in roles_claim} if isinstance(roles_claim, list) else set()
    if given & set(_words(config.get("OIDC_ADMIN_ROLES"))):
        return Role.ADMIN
    if given & set(_words(config.get("OIDC_TRAINER_ROLES"))):
        return Role.TRAINER
    return None


class NoAccess(Refused):
    """The token is good, but the person may not use the staff pages. Nothing about them is stored."""


def _claim(claims, key: str, most: int) -> str:
    value = claims.get(key)
    return value.strip()[:most] if isinstance(value, str) else ""


def sign_in(session: Session, provider: Provider, claims, config, *, lifetime_seconds: int) -> tuple[StaffUser, str]:
    """The account for a verified ID token's claims, and a new session's token.

    Refused (NoAccess) when the tenant is not one this provider allows, when the token gives no role here,
    or when the account was switched off here. The first sign-in makes the account; every sign-in takes the
    role, name and address from the token."""
    tenant, object_id = _claim(claims, "tid", 64), _claim(claims, "oid", 64)
    if not tenant or not object_id or tenant not in provider.tenants:
        raise NoAccess("Your organisation's accounts cannot sign in here.")
    role = role_from(claims.get("roles"), config)
    if role is None:
        raise NoAccess("Your account has not been given access to this service.")
    name = _claim(claims, "name", 120)
    email = (_claim(claims, "email", 254) or _claim(claims, "preferred_username", 254)).lower()
    with writing(session):
        user = session.scalar(
            sa.select(StaffUser)
            .where(StaffUser.tenant_id == tenant, StaffUser.object_id == object_id)
            .with_for_update()
        )
        if user is None:
            user = StaffUser(
                tenant_id=tenant, object_id=object_id, email=email, name=name, role=role, password_hash=None
            )
            session.add(user)
            session.flush()
            audit.record(
                session, user, "account created", user, f"{email} signed in with {provider.label} for the first time"
            )
        elif not user.active:
            raise NoAccess("Your account here has been switched off.")
        if user.role != role:
            audit.record(session, user, "role changed", user, f"{email} is now a {role}, as {provider.label} says")
        user.role, user.email = role, email
        if name:
            user.name = name
        token = open_session(session, user, lifetime_seconds=lifetime_seconds)
    return user, token
