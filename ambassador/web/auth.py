"""Sign up, log in and out, password reset, switching organization and language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..forms.auth import (
    ChangePasswordForm,
    ConfirmEmailForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    SignupForm,
)
from ..forms.sso import CompanySignInForm
from ..models import MemberStatus
from ..services.notify import digests
from ..services.org import (
    accounts,
    email_verification,
    onboarding,
    password_reset,
    sso_settings,
)
from ..services.org import (
    sessions as user_sessions,
)
from ..services.org import (
    signup as signup_service,
)
from .context import active_memberships
from .origin import request_origin
from .service_call import service_call
from .throttling import allowed_for_email, throttled, wait_text

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("feed.index")


def start_session(user, *, remember: bool = False) -> None:
    """A fresh session on every login (no fixation), keeping only the language choice.

    The session gets a server-side row (services/org/sessions.py) whose token Flask-Login keeps
    in the session and remember-me cookies; it is committed here, with whatever the caller did before.
    """
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    user_sessions.open_session(user, remember=remember, user_agent=request.headers.get("User-Agent"),
                               address=request.remote_addr)
    db.session.commit()
    login_user(user, remember=remember)


def enter_organization(membership):
    """After accepting, joining or confirming a join: go to the organization (or say it is pending)."""
    if membership.status == MemberStatus.PENDING:
        flash(_("Thanks! An administrator of %(org)s will approve your request soon.",
                org=membership.organization.name), "info")
        return redirect(url_for("auth.no_organization"))
    session["org_id"] = membership.org_id
    flash(_("Welcome to %(org)s!", org=membership.organization.name), "success")
    return redirect(url_for("feed.index"))


@bp.route("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("feed.index"))
    return render_template("auth/home.html")


@bp.route("/signup", methods=["GET", "POST"])
@throttled("signup")
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        with service_call(form, field="email") as call:
            signup_service.sign_up(email=form.email.data, password=form.password.data, name=form.name.data,
                                   org_name=form.org_name.data, locale=form.default_locale.data,
                                   disclosure=form.disclosure.data or "")
        if call.ok:  # the same answer whether the address was new or already had an account
            return redirect(url_for("auth.signup_sent"))
    return render_template("auth/signup.html", form=form)


@bp.route("/signup/sent")
def signup_sent():
    return render_template("auth/signup_sent.html")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("feed.index"))
    form, company_form = LoginForm(), CompanySignInForm(prefix="company")
    if form.validate_on_submit():
        with service_call():  # the attempt is counted (throttle) whatever the outcome
            result = accounts.authenticate(email=form.email.data, password=form.password.data,
                                           remote_addr=request.remote_addr, origin=request_origin())
        if result.throttled:
            form.password.errors.append(_("Too many failed attempts. Please wait %(wait)s and try again.",
                                          wait=wait_text(result.retry_after)))
            return (render_template("auth/login.html", form=form, company_form=company_form), 429,
                    {"Retry-After": str(result.retry_after)})
        if result.user is None:
            # Also the answer for an unconfirmed account's right password (services/accounts.authenticate).
            form.password.errors.append(_("That email and password do not match. If you signed up recently, "
                                          "confirm your address first with the link we emailed you."))
        elif (sso_org := sso_settings.password_refusal(result.user)) is not None:
            # Only after the right password: the answer tells nothing to someone who does not have it.
            form.password.errors.append(_("Your organization signs you in with its own account: %(org)s uses single "
                                          "sign-on. Use “Sign in with your company account” below.",
                                          org=sso_org.name))
            company_form.email.data = form.email.data
        else:
            start_session(result.user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, company_form=company_form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        with service_call():
            user_sessions.revoke(current_user.session_token)  # a copied cookie stops working too
            accounts.record_sign_out(current_user, origin=request_origin())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@throttled("password_reset")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = accounts.find_user(form.email.data)
        if allowed_for_email("password_reset_email", form.email.data) and user is not None:
            with service_call():
                password_reset.send_reset_email(user)
        # Same answer either way: the form does not reveal who has an account.
        flash(_("If that address has an account, a reset link is on its way."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = password_reset.user_for_reset_token(token)
    if user is None:
        flash(_("This reset link is invalid or has expired. Ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with service_call(form, field="password") as call:
            password_reset.reset_password(user, form.password.data, origin=request_origin())
            start_session(user)  # commits the new password together with the new session
        if call.ok:
            flash(_("Your password is changed. Every other session is signed out."), "success")
            return redirect(url_for("feed.index"))
    return render_template("auth/reset.html", form=form)


@bp.route("/email/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    """GET shows a button, POST confirms; the first confirmation signs the person in (if nobody is)."""
    user, status = email_verification.check_token(token)
    if status == email_verification.INVALID:
        flash(_("This confirmation link is invalid or has expired. Sign in to have a new one sent."), "error")
        return redirect(url_for("auth.login"))
    form = ConfirmEmailForm()
    if status == email_verification.VALID and form.validate_on_submit():
        same_person = current_user.is_authenticated and current_user.id == user.id
        with service_call():
            email_verification.verify(token, keep_session_token=current_user.session_token if same_person else None)
        if not current_user.is_authenticated:
            start_session(user)
            same_person = True
        flash(_("Thank you, your email address is confirmed."), "success")
        joined = email_verification.joined_membership(token, user) if same_person else None
        return enter_organization(joined) if joined is not None else redirect(url_for("feed.index"))
    return render_template("auth/verify_email.html", form=form, user=user, status=status)


@bp.route("/email/verify", methods=["POST"])
@login_required
def resend_verification():
    # The signed-in owner of the address may know whether it went: nothing to hide from them.
    with service_call() as call:
        sent = email_verification.send_again(current_user)
    if call.ok and sent:
        flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "info")
    elif call.ok:
        flash(_("We already sent several links in the last hour: use the latest one, or ask again later."),
              "warning")
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/no-organization")
@login_required
def no_organization():
    if getattr(g, "membership", None) is not None:
        return redirect(url_for("feed.index"))
    return render_template("auth/no_organization.html")


@bp.route("/switch/<int:org_id>", methods=["POST"])
@login_required
def switch_organization(org_id: int):
    if not any(m.org_id == org_id for m in active_memberships(current_user)):
        abort(404)
    session["org_id"] = org_id
    return redirect(url_for("feed.index"))


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["locale"] = code
    if current_user.is_authenticated:
        with service_call():
            current_user.locale = code
            onboarding.language_chosen(current_user)
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user, queue_times=g.membership.queue_times if g.membership else "",
                       digest_frequency=g.membership.digest_frequency if g.membership else "weekly")
    if g.membership is None:
        del form.queue_times
        del form.digest_frequency
    if form.validate_on_submit():
        with service_call(form) as call:
            current_user.name = form.name.data
            current_user.locale = form.locale.data or None
            current_user.timezone = form.timezone.data
            onboarding.language_chosen(current_user)
            if g.membership is not None:
                g.membership.queue_times = form.queue_times.data
                onboarding.queue_times_chosen(g.membership)
                digests.set_frequency(membership=g.membership, frequency=form.digest_frequency.data)
        if call.ok:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, sessions=user_sessions.live_sessions(current_user),
                           device_label=user_sessions.device_label,
                           current_session=user_sessions.session_id(current_user.session_token))


@bp.route("/profile/sessions/sign-out-others", methods=["POST"])
@login_required
def sign_out_other_sessions():
    with service_call():
        count = user_sessions.revoke_all(current_user, keep_token=current_user.session_token)
    flash(ngettext("%(num)d other session is signed out.", "%(num)d other sessions are signed out.", count), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
@throttled("password_check", per_user=True)  # a stolen session cannot guess the current password at length
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with service_call(form, field="password") as call:
            accounts.change_own_password(current_user, current_password=form.current_password.data,
                                         new_password=form.password.data, origin=request_origin())
        if call.ok:
            flash(_("Your password is changed. Your other sessions are signed out."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form)
