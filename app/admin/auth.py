"""Signing in and out, changing your password, and which dates each member of staff may see."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.admin import accounts
from app.admin.blueprint import bp
from app.admin.forms import ChangePasswordForm, SignInForm, SignOutForm
from app.core.rules import Refused
from app.core.staff import SESSION_TOKEN, acting_staff, roles
from app.extensions import db, limiter
from app.models import Role


def sign_in_account_key() -> str:
    """Sign-in attempts are counted per account as well as per address."""
    return "account:" + (request.form.get("email") or "").strip().lower()


def failed_sign_in(response) -> bool:
    """Only failed attempts count towards the limits: a success redirects."""
    return response.status_code != 302


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=failed_sign_in)
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=sign_in_account_key,
    deduct_when=failed_sign_in,
)
def sign_in():
    """Sign in with an email address and password."""
    if current_user.is_authenticated:
        return redirect(url_for("admin.dashboard"))
    form = SignInForm()
    if form.validate_on_submit():
        lifetime = current_app.config["SESSION_ABSOLUTE_LIFETIME"]
        signed_in = accounts.sign_in(db.session, form.email.data, form.password.data, lifetime_seconds=lifetime)
        if signed_in is not None:
            user, token = signed_in
            session.clear()
            session.permanent = True
            session[SESSION_TOKEN] = token
            login_user(user)
            return redirect(url_for("admin.dashboard"))
        form.email.errors.append("Enter a correct email address and password")
    return render_template("admin/sign_in.html", form=form)


@bp.post("/sign-out")
@roles(Role.ADMIN, Role.TRAINER)
def sign_out():
    """Sign out and forget this session."""
    SignOutForm().validate_on_submit() or abort(400)
    accounts.sign_out(db.session, session.get(SESSION_TOKEN))
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("admin.sign_in"))


@bp.route("/account/password", methods=["GET", "POST"])
@roles(Role.ADMIN, Role.TRAINER)
def change_password():
    """Change your own password. Other sessions on this account are signed out."""
    form = ChangePasswordForm(min_length=current_app.config["MIN_PASSWORD_LENGTH"])
    if form.validate_on_submit():
        try:
            user = accounts.change_password(
                db.session, acting_staff(), form.current_password.data, form.new_password.data
            )
        except Refused as refused:
            form.current_password.errors.append(refused.message)
        else:
            login_user(user)  # this session carries on with the new key
            flash("Your password has been changed.", "success")
            return redirect(url_for("admin.dashboard"))
    return render_template("admin/change_password.html", form=form)
