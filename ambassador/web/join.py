"""Public recruitment pages: accepting an invitation (/invite/<token>) and join links (/join/<token>)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..forms.members import AcceptInvitationForm, ConfirmForm, JoinSignupForm, template_labels
from ..services import accounts, invitations, members
from .auth import start_session
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
    if membership.status == "pending":
        flash(_("Thanks! An administrator of %(org)s will approve your request soon.",
                org=membership.organization.name), "info")
        return redirect(url_for("auth.no_organization"))
    session["org_id"] = membership.org_id
    flash(_("Welcome to %(org)s!", org=membership.organization.name), "success")
    return redirect(url_for("feed.index"))


def _sign_up(form, *, email: str, org, error_field, then):
    """Create the account, then `then(user)` → membership; log in and enter, or None with the error shown."""
    try:
        user = accounts.create_user(email=email, password=form.password.data, name=form.name.data,
                                    locale=org.default_locale)
        membership = then(user)
    except (accounts.AccountError, invitations.InvitationError, members.MemberError) as exc:
        db.session.rollback()
        error_field.errors.append(str(exc))
        return None
    db.session.commit()
    return _enter(membership, new_session_for=user)


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
            try:
                membership = invitations.accept_invitation(invitation=invitation, user=current_user)
            except invitations.InvitationError:
                db.session.rollback()
                return _invalid(invitations.USED, invitation.organization)
            db.session.commit()
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
            try:
                membership, _created = members.join_via_link(target=target, user=current_user)
            except members.MemberError as exc:
                db.session.rollback()
                flash(str(exc), "error")
            else:
                db.session.commit()
                return _enter(membership)
        return render_template("join/join.html", form=form, existing=existing, **context)
    form = JoinSignupForm()
    if form.validate_on_submit():
        done = _sign_up(form, email=form.email.data, org=target.org, error_field=form.email,
                        then=lambda user: members.join_via_link(target=target, user=user)[0])
        if done is not None:
            return done
    return render_template("join/join.html", form=form, login_url=url_for("auth.login", next=request.path), **context)
