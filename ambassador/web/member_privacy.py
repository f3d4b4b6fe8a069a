"""Members' own data: "Download my data" on the profile page, and an administrator erasing a member.

Adds routes to auth.bp (the profile) and members.bp (the member page); the logic is in
services/privacy/member_export.py and member_erasure.py.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..forms.privacy import DownloadMyDataForm, EraseMemberForm
from ..models import Membership, Role
from ..services.audit.log import Origin
from ..services.privacy import member_erasure, member_export
from .auth import bp as auth_bp
from .context import role_required, scoped_or_404
from .members import bp as members_bp
from .service_call import service_call
from .throttling import count_user_attempt


def _origin() -> Origin:
    return Origin(ip=request.remote_addr, via="web")


@auth_bp.route("/profile/my-data", methods=["POST"])
@login_required
def download_my_data():
    if g.membership is None or not DownloadMyDataForm().validate_on_submit():
        abort(400)
    count_user_attempt("data_export")
    with service_call():
        archive = member_export.export_member(membership=g.membership, actor=current_user, origin=_origin())
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=member_export.file_name(g.membership), max_age=0)


@members_bp.route("/members/<int:membership_id>/erase", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def erase(membership_id: int):
    membership = scoped_or_404(Membership, membership_id)
    with service_call(show=False) as allowed:
        member_erasure.check_may_erase(actor=g.membership, membership=membership)
    if allowed.error is not None:
        flash(str(allowed.error.message), "error")
        return redirect(url_for("members.edit", membership_id=membership.id))
    form = EraseMemberForm()
    if form.validate_on_submit():
        with service_call(form) as call:
            done = member_erasure.erase_member(actor=g.membership, membership=membership,
                                               confirmation=form.confirmation.data, origin=_origin())
        if call.ok:
            flash(_("The member is erased. Their activity stays on the boards as “Erased member” (%(label)s).",
                    label=done.label), "success")
            return redirect(url_for("members.index"))
    return render_template("members/erase.html", form=form, member=membership)
