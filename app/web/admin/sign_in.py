"""Signing in and out, changing your password, and which dates each member of staff may see."""

import hashlib
import time

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadData, URLSafeTimedSerializer

from app.core.rules import Refused
from app.extensions import db
from app.models import Role, StaffUser
from app.staff import accounts, links, second_factor
from app.staff.guard import SESSION_TOKEN, acting_staff, roles
from app.web import limits
from app.web.admin.blueprint import bp
from app.web.admin.forms import (
    ChangePasswordForm,
    CodeForm,
    ForgotPasswordForm,
    SetPasswordForm,
    SignInForm,
    SignOutForm,
)
from app.web.admin.providers import SESSION_PROVIDER, provider_sign_out_url
from app.web.admin.providers import providers as sso_providers

KNOWN_BROWSER = "sos_known_browser"
KNOWN_BROWSER_DAYS = 180


def account_key(email: str) -> str:
    """A short fixed name for an account, so neither counts nor cookies hold the address itself."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]


def known_accounts() -> list[str]:
    """The accounts that have signed in on this browser before, from its signed cookie."""
    signer = URLSafeTimedSerializer(current_app.secret_key, salt="known-browser")
    try:
        accounts_seen = signer.loads(request.cookies.get(KNOWN_BROWSER, ""), max_age=KNOWN_BROWSER_DAYS * 86400)
    except BadData:
        return []
    return [str(key) for key in accounts_seen] if isinstance(accounts_seen, list) else []


def remember_browser(response, account: str) -> None:
    """After a sign-in, mark this browser as one the account uses (kept across signing out)."""
    seen = [key for key in known_accounts() if key != account][-4:] + [account]
    signer = URLSafeTimedSerializer(current_app.secret_key, salt="known-browser")
    response.set_cookie(
        KNOWN_BROWSER,
        signer.dumps(seen),
        max_age=KNOWN_BROWSER_DAYS * 86400,
        path=url_for("admin.sign_in"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def sign_in_checks(email: str) -> list[limits.Check]:
    """Failures count per account and address together, per address, and, from browsers the account has
    not used before, per account. So a stranger's guesses never stop the real person on their own browser,
    and at worst make them wait a few minutes on a new one."""
    account = account_key(email)
    checks = [
        limits.Check("SIGN_IN_LIMIT_PER_ACCOUNT_AND_ADDRESS", "sign-in", f"{account}:{limits.client_address()}"),
        limits.by_address("SIGN_IN_LIMIT_PER_ADDRESS", "sign-in"),
    ]
    if account not in known_accounts():
        checks.append(limits.Check("SIGN_IN_LIMIT_PER_ACCOUNT", "sign-in", account))
    return checks


def local_sign_in_only() -> None:
    """Pages about passwords kept here are not there when LOCAL_SIGN_IN is off."""
    if not current_app.config["LOCAL_SIGN_IN"]:
        abort(404)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    """Sign in with an email address and password. Only failed attempts count towards the limits."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    form = SignInForm()
    if current_app.config["LOCAL_SIGN_IN"] and form.validate_on_submit():
        checks = sign_in_checks(form.email.data)
        if not limits.allowed(*checks):
            form.email.errors.append(limits.wait_message(checks))
            return render_template("admin/sign_in.html", form=form, providers=sso_providers()), 429
        user = accounts.check_password(db.session, form.email.data, form.password.data)
        if user is not None:
            if second_factor.needed(user):
                session.clear()
                session[PENDING] = {"id": user.id, "key": user.session_key, "at": int(time.time())}
                next_step = "admin.sign_in_code" if user.totp_secret else "admin.sign_in_set_up"
                response = redirect(url_for(next_step))
            else:
                response = finish_sign_in(user.id) or redirect(url_for("admin.sign_in"))
            remember_browser(response, account_key(form.email.data))
            return response
        limits.count(*checks)
        form.email.errors.append("Enter a correct email address and password")
    return render_template("admin/sign_in.html", form=form, providers=sso_providers())


# A sign-in whose password was right and whose second factor is still to come: the account and its key.
PENDING = "staff_pending_sign_in"
PENDING_SECONDS = 10 * 60


def finish_sign_in(user_id: int):
    """Sign the account in on this browser (its password, and second factor if any, were checked)."""
    lifetime = current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    signed_in = accounts.start_session(db.session, user_id, lifetime_seconds=lifetime)
    if signed_in is None:
        return None
    user, token = signed_in
    session.clear()
    session.permanent = True
    session[SESSION_TOKEN] = token
    login_user(user)
    return redirect(url_for("admin.dashboard"))


def pending_account() -> StaffUser:
    """The account whose password was just given on this browser, or back to the sign-in page."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        abort(redirect(url_for("admin.sign_in")))
    user = db.session.get(StaffUser, pending.get("id"))
    if user is None or not user.active or user.session_key != pending.get("key"):
        abort(redirect(url_for("admin.sign_in")))
    return user


def code_checks(user: StaffUser) -> list[limits.Check]:
    return [limits.Check("SECOND_FACTOR_LIMIT_PER_ACCOUNT", "second-factor", str(user.id))]


@bp.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code():
    """The second step of signing in with a password: the code from the account's authenticator app."""
    user = pending_account()
    if not user.totp_secret:
        return redirect(url_for("admin.sign_in_set_up"))
    form = CodeForm()
    if form.validate_on_submit():
        checks = code_checks(user)
        if not limits.allowed(*checks):
            form.code.errors.append(limits.wait_message(checks))
            return render_template("admin/sign_in_code.html", form=form), 429
        try:
            second_factor.check(db.session, user.id, form.code.data)
        except second_factor.CodeNotRight as refused:
            limits.count(*checks)
            form.code.errors.append(refused.message)
        else:
            return finish_sign_in(user.id) or redirect(url_for("admin.sign_in"))
    return render_template("admin/sign_in_code.html", form=form)


def set_up_page(form, user: StaffUser, secret: str, *, signing_in: bool) -> str:
    """The page that shows the key for an authenticator app and asks for its first code."""
    address = second_factor.setup_address(user, secret)
    return render_template(
        "admin/second_factor_set_up.html", form=form, key=secret, address=address, signing_in=signing_in
    )


@bp.route("/sign-in/set-up", methods=["GET", "POST"])
def sign_in_set_up():
    """An admin requires a second factor of this account and it has none yet: set up an app, then sign in."""
    user = pending_account()
    if user.totp_secret:
        return redirect(url_for("admin.sign_in_code"))
    pending = session[PENDING]
    secret = pending.get("secret") or second_factor.new_secret()
    session[PENDING] = {**pending, "secret": secret}
    form = CodeForm()
    if form.validate_on_submit():
        checks = code_checks(user)
        if not limits.allowed(*checks):
            form.code.errors.append(limits.wait_message(checks))
        else:
            try:
                second_factor.set_up(db.session, user.id, secret, form.code.data)
            except second_factor.CodeNotRight as refused:
                limits.count(*checks)
                form.code.errors.append(refused.message)
            else:
                return finish_sign_in(user.id) or redirect(url_for("admin.sign_in"))
    return set_up_page(form, user, secret, signing_in=True), limits.status_for(form)


@bp.route("/account/second-factor", methods=["GET", "POST"])
@roles(Role.ADMIN, Role.TRAINER)
def own_second_factor():
    """Set up an authenticator app for your own account, or remove it when none is required."""
    user = acting_staff()
    if user.signs_in_with_provider:
        abort(404)
    if user.totp_secret:
        form = SignOutForm()
        if form.validate_on_submit():
            try:
                second_factor.remove(db.session, user.id, actor=user)
            except Refused as refused:
                flash(refused.message, "error")
            else:
                flash("Your authenticator app is removed. Signing in needs only your password.", "success")
            return redirect(url_for("admin.own_second_factor"))
        return render_template("admin/second_factor.html", form=form, user=user)
    secret = session.get("staff_new_secret") or second_factor.new_secret()
    session["staff_new_secret"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        try:
            second_factor.set_up(db.session, user.id, secret, form.code.data)
        except second_factor.CodeNotRight as refused:
            form.code.errors.append(refused.message)
        else:
            session.pop("staff_new_secret", None)
            flash("Your authenticator app is set up. You will need a code from it each time you sign in.", "success")
            return redirect(url_for("admin.dashboard"))
    return set_up_page(form, user, secret, signing_in=False)


@bp.post("/sign-out")
@roles(Role.ADMIN, Role.TRAINER)
def sign_out():
    """Sign out and forget this session."""
    SignOutForm().validate_on_submit() or abort(400)
    accounts.sign_out(db.session, session.get(SESSION_TOKEN))
    provider_sign_out = provider_sign_out_url(session.get(SESSION_PROVIDER))
    logout_user()
    session.clear()
    if provider_sign_out:
        return redirect(provider_sign_out)
    flash("You have signed out.", "success")
    return redirect(url_for("admin.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@roles(Role.ADMIN, Role.TRAINER)
def change_password():
    """Change your own password. Other sessions on this account are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        # Wrong guesses at the current password count, as they do when signing in: a borrowed session
        # cannot be used to try passwords until one fits.
        checks = [
            limits.Check("PASSWORD_CHANGE_LIMIT_PER_ACCOUNT", "password-change", account_key(acting_staff().email))
        ]
        if not limits.allowed(*checks):
            form.current_password.errors.append(limits.wait_message(checks, "change your password"))
            return render_template("admin/change_password.html", form=form), 429
        try:
            user = accounts.change_password(
                db.session, acting_staff(), form.current_password.data, form.new_password.data
            )
        except accounts.WrongPassword as refused:
            limits.count(*checks)
            form.current_password.errors.append(refused.message)
        except Refused as refused:
            form.new_password.errors.append(refused.message)
        else:
            login_user(user)  # this session carries on with the new key
            flash("Your password has been changed.", "success")
            return redirect(url_for("admin.dashboard"))
    return render_template("admin/change_password.html", form=form)


@bp.route("/sign-in/forgot", methods=["GET", "POST"])
def forgot_password():
    """Email a link to set a new password. The answer is the same whether or not the address has an account."""
    local_sign_in_only()
    form = ForgotPasswordForm()
    if form.validate_on_submit() and limits.take_for(
        form.email, limits.by_address("FIND_LIMIT_PER_ADDRESS", "forgot"), limits.by_recipient(form.email.data)
    ):
        accounts.send_password_link(db.session, form.email.data)
        return render_template("admin/forgot_password_sent.html")
    return render_template("admin/forgot_password.html", form=form), limits.status_for(form)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Set a password from the link emailed to the account: an invitation, or a forgotten password."""
    local_sign_in_only()
    link = links.valid_link(db.session, token)
    if link is None:
        return render_template("admin/link_not_valid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            links.set_password_by_link(db.session, token, form.new_password.data)
        except Refused as refused:
            form.new_password.errors.append(refused.message)
        else:
            flash("Your password is set. Sign in with your email address and your new password.", "success")
            return redirect(url_for("admin.sign_in"))
    return render_template("admin/set_password.html", form=form, link=link)
