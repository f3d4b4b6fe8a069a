"""Members, invitations, CSV import and the outbox of the current organization.

Managers and admins see members and invitations; who may change what is decided in
services/org/members.py (see its docstring): admins everything, managers ambassadors and curators.
The outbox (every email the organization sent, including invitation links) is for admins only.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..forms.members import (
    ImportForm,
    InviteForm,
    MemberFilterForm,
    MemberForm,
    role_choices,
    team_choices,
    template_labels,
)
from ..infra.email import extra_headers
from ..infra.urls import absolute_url
from ..models import Invitation, Membership, OutboxEmail, Role
from ..services.org import imports, invitations, members, teams
from .context import role_required, scoped_or_404
from .origin import request_origin
from .service_call import service_call

bp = Blueprint("members", __name__)
bp.context_processor(template_labels)
manager_required = role_required(Role.MANAGER)
PER_PAGE = 25

STATUS_ACTIONS = {
    "deactivate": (members.deactivate_member, _l("%(name)s is deactivated.")),
    "reactivate": (members.reactivate_member, _l("%(name)s is active again.")),
    "approve": (members.approve_member, _l("%(name)s is approved and can start sharing.")),
    "reject": (members.reject_member, _l("The join request of %(name)s is rejected.")),
}


def _page_number() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _managed_or_403(membership_or_invitation) -> None:
    if not members.can_manage(g.membership, membership_or_invitation.role):
        abort(403)


@bp.route("/members")
@manager_required
def index():
    org_teams = teams.teams_of(g.org)
    form = MemberFilterForm(request.args)
    form.team.choices = [("", _("All teams"))] + [(str(t.id), t.name) for t in org_teams]
    form.validate()
    filters = {"q": form.q.data or "", "role": form.role.data or "", "kind": form.kind.data or "",
               "team_id": request.args.get("team", type=int), "status": form.status.data or ""}
    page = members.MemberPagination(page=_page_number(), per_page=PER_PAGE, error_out=False, org=g.org, **filters)
    return render_template("members/index.html", form=form, page=page, pending=members.count_pending(org=g.org),
                           can_manage=members.can_manage)


@bp.route("/members/<int:membership_id>", methods=["GET", "POST"])
@manager_required
def edit(membership_id: int):
    membership = scoped_or_404(Membership, membership_id)
    _managed_or_403(membership)
    # Current values as data, not obj=: WTForms takes obj's attribute before a keyword, and `membership.teams`
    # (Team rows) matched no choice, so the page showed no team ticked and saving it emptied the member's teams.
    form = MemberForm(data={"role": membership.role, "kind": membership.kind,
                            "teams": [t.id for t in membership.teams]})
    form.teams.choices = team_choices(teams.teams_of(g.org))
    if not g.membership.has_role(Role.ADMIN):
        del form.role
    if form.validate_on_submit():
        with service_call() as call:
            members.update_member(actor=g.membership, membership=membership,
                                  role=form.role.data if "role" in form else membership.role, kind=form.kind.data,
                                  teams=teams.teams_by_ids(org=g.org, ids=form.teams.data), origin=request_origin())
        if call.ok:
            flash(_("Changes to %(name)s saved.", name=membership.user.display_name), "success")
            return redirect(url_for("members.index"))
    return render_template("members/edit.html", form=form, member=membership)


@bp.route("/members/<int:membership_id>/<any(deactivate, reactivate, approve, reject):action>", methods=["POST"])
@manager_required
def change_status(membership_id: int, action: str):
    membership = scoped_or_404(Membership, membership_id)
    _managed_or_403(membership)
    service, message = STATUS_ACTIONS[action]
    name = membership.user.display_name
    with service_call() as call:
        audited = {"origin": request_origin()} if action in ("deactivate", "reactivate") else {}
        service(actor=g.membership, membership=membership, **audited)
        if action == "approve":
            members.send_approved_email(membership=membership, link=absolute_url("auth.login"))
    if call.ok:
        flash(message % {"name": name}, "success")
    # The form's action carries the list's filters and page, so the manager lands where they were.
    return redirect(url_for("members.index", **request.args))


@bp.route("/members/invite", methods=["GET", "POST"])
@manager_required
def invite():
    form = InviteForm()
    form.role.choices = role_choices(members.assignable_roles(g.membership))
    form.teams.choices = team_choices(teams.teams_of(g.org))
    if form.validate_on_submit():
        with service_call(form, field="email") as call:
            invitations.create_invitation(org=g.org, invited_by=g.membership, email=form.email.data,
                                          name=form.name.data, role=form.role.data, kind=form.kind.data,
                                          teams=teams.teams_by_ids(org=g.org, ids=form.teams.data))
        if call.ok:
            flash(_("Invitation sent to %(email)s.", email=form.email.data.strip().lower()), "success")
            return redirect(url_for("members.invitations_page"))
    return render_template("members/invite.html", form=form)


@bp.route("/members/invitations")
@manager_required
def invitations_page():
    state = request.args.get("state", "pending")
    if state not in ("pending", "accepted", "closed", "all"):
        state = "pending"
    page = db.paginate(invitations.invitation_query(org=g.org, state=state), page=_page_number(),
                       per_page=PER_PAGE, error_out=False)
    return render_template("members/invitations.html", page=page, state=state, status_of=invitations.status_of,
                           can_manage=members.can_manage)


@bp.route("/members/invitations/<int:invitation_id>/<any(revoke, resend):action>", methods=["POST"])
@manager_required
def invitation_action(invitation_id: int, action: str):
    invitation = scoped_or_404(Invitation, invitation_id)
    _managed_or_403(invitation)
    with service_call() as call:
        if action == "revoke":
            invitations.revoke_invitation(actor=g.membership, invitation=invitation)
        else:
            invitations.resend_invitation(actor=g.membership, invitation=invitation)
    if call.ok:
        done = _("Invitation revoked.") if action == "revoke" else _("A new invitation link is sent.")
        flash(done, "success")
    return redirect(url_for("members.invitations_page"))


@bp.route("/members/import", methods=["GET", "POST"])
@manager_required
def import_csv():
    form = ImportForm()
    form.role.choices = role_choices(members.assignable_roles(g.membership))
    report = None
    if form.validate_on_submit():
        with service_call(form, field="file"):
            report = imports.import_invitations(org=g.org, invited_by=g.membership, data=form.file.data.read(),
                                                   role=form.role.data, default_kind=form.kind.data)
    return render_template("members/import.html", form=form, report=report)


@bp.route("/outbox")
@role_required(Role.ADMIN)
def outbox():
    stmt = sa.select(OutboxEmail).where(OutboxEmail.org_id == g.org.id).order_by(OutboxEmail.id.desc())
    page = db.paginate(stmt, page=_page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("members/outbox.html", page=page, extra_headers=extra_headers)
