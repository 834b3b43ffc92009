"""The team's accounts, for admins: who has one, their role, how they sign in; inviting, changing roles,
switching accounts off and on."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from app.core.rules import NotFound, Refused
from app.extensions import db
from app.models import Role, StaffUser
from app.staff import accounts, second_factor
from app.staff.guard import acting_staff
from app.web.admin.blueprint import bp
from app.web.admin.forms import InviteForm, RoleForm
from app.web.admin.providers import providers as sso_providers
from app.web.forms import ConfirmForm


@bp.get("/accounts")
def staff_accounts():
    """Every account: name, email, role, how they sign in, when they last did, and whether it is on."""
    return render_template("admin/accounts.html", people=accounts.accounts(db.session), form=ConfirmForm())


@bp.route("/accounts/invite", methods=["GET", "POST"])
def invite():
    """Give someone an account: they get an email with a link to set their password."""
    form = InviteForm()
    if current_app.config["LOCAL_SIGN_IN"] and form.validate_on_submit():
        try:
            user = accounts.invite(
                db.session, form.email.data, name=form.name.data, role=Role(form.role.data), actor=acting_staff()
            )
        except Refused as refused:
            form.email.errors.append(refused.message)
        else:
            flash(f"{user.email} has been invited. We have emailed them a link to set their password.", "success")
            return redirect(url_for("admin.staff_accounts"))
    return render_template("admin/invite.html", form=form, sso=bool(sso_providers()))


@bp.route("/accounts/<id:user_id>", methods=["GET", "POST"])
def staff_account(user_id: int):
    """One account: change its role, switch it off or on, or send a new invitation."""
    user = db.session.get(StaffUser, user_id) or abort(404)
    form = RoleForm(data={"role": user.role.value} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            accounts.change_role(db.session, user_id, Role(form.role.data), actor=acting_staff())
        except Refused as refused:
            form.role.errors.append(refused.message)
        else:
            flash(f"{user.email} is now {'an admin' if form.role.data == Role.ADMIN else 'a trainer'}.", "success")
            return redirect(url_for("admin.staff_accounts"))
    return render_template("admin/account.html", person=user, form=form, confirm=ConfirmForm())


ACTIONS = ", ".join(
    repr(action) for action in ("on", "off", "invite", "require-code", "stop-requiring-code", "remove-app")
)


@bp.post(f"/accounts/<id:user_id>/<any({ACTIONS}):action>")
def account_action(user_id: int, action: str):
    """Switch an account on or off (off ends all its sessions at once), send its invitation again, require a
    second factor or stop, or remove its authenticator app (a lost phone)."""
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        if action in ("require-code", "stop-requiring-code"):
            user = second_factor.require(db.session, user_id, action == "require-code", actor=acting_staff())
            message = (
                f"{user.email} will need a code from an authenticator app to sign in."
                if action == "require-code"
                else f"{user.email} no longer has to use an authenticator app."
            )
        elif action == "remove-app":
            user = second_factor.remove(db.session, user_id, actor=acting_staff())
            message = f"The authenticator app of {user.email} is removed."
        elif action == "invite":
            user = accounts.invite_again(db.session, user_id, actor=acting_staff())
            message = f"We have emailed {user.email} a new link to set their password."
        else:
            user = accounts.set_active(db.session, user_id, action == "on", actor=acting_staff())
            message = f"{user.email} can sign in again." if action == "on" else f"{user.email} can no longer sign in."
    except NotFound:
        abort(404)
    except Refused as refused:
        flash(refused.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("admin.staff_account", user_id=user_id))
