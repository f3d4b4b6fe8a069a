"""Public recruitment pages: accepting an invitation (/invite/<token>) and join links (/join/<token>).

An invitation was emailed to its address, so accepting it proves the address: a new person signs
up and is in at once (a known address is asked to log in: the inviter knows it anyway). A join
link is public, so signing up through it answers "check your email" whether or not the address
has an account (services/signup.sign_up_to_join); the emailed link signs the person in and lands
them in the organization (or says their request waits for approval).
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..forms.members import AcceptInvitationForm, ConfirmForm, JoinSignupForm, template_labels
from ..infra.urls import absolute_url
from ..services.org import accounts, invitations, members, signup
from .auth import enter_organization, start_session
from .service_call import service_call
from .throttling import throttled

bp = Blueprint("join", __name__)
bp.context_processor(template_labels)

# An unknown token is "not found"; a used, revoked, expired or switched-off one is "gone".
INVALID_STATUS = {invitations.UNKNOWN: 404, "disabled": 403}


def _invalid(reason: str, org=None):
    return render_template("join/invalid.html", reason=reason, target_org=org), INVALID_STATUS.get(reason, 410)


def _enter(membership, *, new_session_for=None):
    """After accepting or joining: log in if needed, then go to the organization (or say it is pending)."""
    if new_session_for is not None:
        start_session(new_session_for)
    return enter_organization(membership)


def _sign_up(form, *, email: str, org, error_field, then, verified: bool = False):
    """For an address the link proves (an invitation or survey invitation emailed to it): create the
    account, then `then(user)` → membership; log in and enter, or None with the error shown."""
    with service_call(show=False) as call:  # the address is not on the form: every message goes to error_field
        user = accounts.create_user(email=email, password=form.password.data, name=form.name.data,
                                    locale=org.default_locale, verified=verified)
        membership = then(user)
    if not call.ok:
        error_field.errors.append(str(call.error))
        return None
    return _enter(membership, new_session_for=user)


def sign_up_to_join(form, *, org, join, join_link: str) -> bool:
    """For a typed address (services/signup.sign_up_to_join): True when the "check your email" answer
    is due, the same whether or not the address has an account; False with the error shown."""
    with service_call(form, field="email") as call:
        signup.sign_up_to_join(email=form.email.data, password=form.password.data, name=form.name.data, org=org,
                               join=join, join_link=join_link)
    return call.ok


def render_sent(org):
    return render_template("join/sent.html", target_org=org)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@throttled("invitation")
def invitation(token: str):
    invitation, status = invitations.find_by_token(token)
    if status != invitations.VALID:
        return _invalid(status, invitation.organization if invitation else None)
    context = {"invitation": invitation, "target_org": invitation.organization}
    if current_user.is_authenticated:
        if accounts.normalize_email(current_user.email) != invitation.email:
            return render_template("join/invitation.html", mode="other_user", **context)
        form = ConfirmForm()
        if form.validate_on_submit():
            with service_call(show=False) as call:
                membership = invitations.accept_invitation(invitation=invitation, user=current_user)
            if not call.ok:  # used meanwhile (another tab, a double click)
                return _invalid(invitations.USED, invitation.organization)
            return _enter(membership)
        return render_template("join/invitation.html", mode="confirm", form=form, **context)
    if accounts.find_user(invitation.email) is not None:
        return render_template("join/invitation.html", mode="login", **context)
    form = AcceptInvitationForm(name=invitation.name or None)
    if form.validate_on_submit():
        done = _sign_up(form, email=invitation.email, org=invitation.organization, error_field=form.password,
                        then=lambda user: invitations.accept_invitation(invitation=invitation, user=user))
        if done is not None:
            return done
    return render_template("join/invitation.html", mode="new", form=form, **context)


@bp.route("/join/<token>", methods=["GET", "POST"])
@throttled("join")
def join(token: str):
    target = members.join_target(token)
    if target is None:
        return _invalid(invitations.UNKNOWN)
    if not target.enabled:
        return _invalid("disabled", target.org)
    context = {"target": target, "target_org": target.org}
    if current_user.is_authenticated:
        form = ConfirmForm()
        existing = members.membership_of(org=target.org, user=current_user)
        if form.validate_on_submit():
            with service_call() as call:
                membership, _created = members.join_via_link(target=target, user=current_user)
            if call.ok:
                return _enter(membership)
        return render_template("join/join.html", form=form, existing=existing, **context)
    form = JoinSignupForm()
    if form.validate_on_submit() and sign_up_to_join(
            form, org=target.org, join=lambda user: members.join_via_link(target=target, user=user)[0],
            join_link=absolute_url("join.join", token=token)):
        return redirect(url_for("join.join_sent", token=token))
    return render_template("join/join.html", form=form, login_url=url_for("auth.login", next=request.path), **context)


@bp.route("/join/<token>/sent")
def join_sent(token: str):
    """The answer to a join-link sign-up, whether the address was new or known."""
    target = members.join_target(token)
    if target is None:
        return _invalid(invitations.UNKNOWN)
    return render_sent(target.org)
