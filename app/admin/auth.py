"""Signing in, roles, and the guard that keeps every /admin page behind them."""

import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.admin import bp
from app.admin.forms import ChangePasswordForm, SignInForm, SignOutForm
from app.database import utcnow
from app.extensions import db, limiter, login_manager
from app.models import CourseDate, Role, StaffUser

hasher = PasswordHasher()
# A hash to check against when the account does not exist, so both take the same time.
NO_SUCH_ACCOUNT = hasher.hash("no such account")
OPEN_ENDPOINTS = {"admin.sign_in"}


def hash_password(password: str) -> str:
    return hasher.hash(password)


def password_matches(user: StaffUser | None, password: str) -> bool:
    """Check a password with argon2; upgrade the stored hash when the settings have moved on."""
    try:
        hasher.verify(user.password_hash if user else NO_SUCH_ACCOUNT, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is None:
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def find_staff(email: str) -> StaffUser | None:
    return db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email.strip().lower()))


@login_manager.user_loader
def load_staff(user_id: str) -> StaffUser | None:
    """The signed-in account, if the cookie's key still matches (a new password signs everyone out)."""
    number, _, key = user_id.partition(":")
    if not number.isdigit():
        return None
    user = db.session.get(StaffUser, int(number))
    return user if user is not None and user.active and user.session_key == key else None


def roles(*allowed: Role):
    """Let these roles use a view. Every /admin view is for admins only unless it says otherwise."""

    def decorate(view):
        view.allowed_roles = frozenset(allowed)
        return view

    return decorate


@bp.before_request
def require_staff():
    """Every /admin page needs a signed-in account with a role the page allows."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    view = current_app.view_functions.get(request.endpoint)
    if current_user.role not in getattr(view, "allowed_roles", {Role.ADMIN}):
        abort(403)
    return None


def can_see_date(course_date: CourseDate) -> bool:
    """Admins see every date; trainers see the dates they are assigned to."""
    return current_user.is_admin or current_user in course_date.trainers


def date_for_staff(date_id: int) -> CourseDate:
    """The date, or 404; 403 for a trainer not assigned to it."""
    course_date = db.session.get(CourseDate, date_id) or abort(404)
    if not can_see_date(course_date):
        abort(403)
    return course_date


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
        user = find_staff(form.email.data)
        if password_matches(user, form.password.data) and user.active:
            user.last_signed_in_at = utcnow()
            db.session.commit()
            session.clear()
            session.permanent = True
            login_user(user)
            return redirect(url_for("admin.dashboard"))
        form.email.errors.append("Enter a correct email address and password")
    return render_template("admin/sign_in.html", form=form)


@bp.post("/sign-out")
@roles(Role.ADMIN, Role.TRAINER)
def sign_out():
    """Sign out and forget this session."""
    SignOutForm().validate_on_submit() or abort(400)
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
        if not password_matches(current_user, form.current_password.data):
            form.current_password.errors.append("Your current password is not right")
        else:
            user = current_user._get_current_object()
            set_password(user, form.new_password.data)
            db.session.commit()
            login_user(user)  # this session carries on with the new key
            flash("Your password has been changed.", "success")
            return redirect(url_for("admin.dashboard"))
    return render_template("admin/change_password.html", form=form)


def set_password(user: StaffUser, password: str) -> None:
    """Store a new password and end every other session of the account."""
    user.password_hash = hash_password(password)
    user.session_key = secrets.token_hex(8)
