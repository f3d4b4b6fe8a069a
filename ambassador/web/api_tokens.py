"""API tokens: a member's personal access tokens (their settings) and an admin's integration tokens. The
token is shown once, on the page answering the form; only its hash is kept (services/org/api_tokens.py)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..forms.api_tokens import ApiTokenForm, expiry_choices, scope_choices
from ..models import Role
from ..services.audit.log import Origin
from ..services.org import api_tokens
from .context import member_required, role_required
from .service_call import service_call

bp = Blueprint("tokens", __name__)


def _form() -> ApiTokenForm:
    form = ApiTokenForm()
    form.scopes.choices = scope_choices(api_tokens.SCOPES)
    form.expires_in_days.choices = expiry_choices(api_tokens.EXPIRY_DAYS)
    return form


def _origin() -> Origin:
    return Origin(ip=request.remote_addr, via="web")


def _page(*, integration: bool):
    form = _form()
    created = None
    if form.validate_on_submit():
        create = api_tokens.create_integration_token if integration else api_tokens.create_personal_token
        owner = {"actor": g.membership} if integration else {"membership": g.membership}
        with service_call(form) as call:
            created = create(name=form.name.data, scopes=form.scopes.data or [],
                             expires_in_days=form.expires_in_days.data, origin=_origin(), **owner)
        if call.ok:
            form = _form()
            form.name.data = ""
        else:
            created = None
    tokens = api_tokens.integration_tokens(g.org) if integration else api_tokens.personal_tokens(g.membership)
    return render_template("tokens/index.html", form=form, tokens=tokens, created=created, integration=integration,
                           is_live=api_tokens.is_live)


@bp.route("/settings/tokens", methods=["GET", "POST"])
@member_required
def personal():
    return _page(integration=False)


@bp.route("/org/integration-tokens", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def integration():
    return _page(integration=True)


@bp.route("/settings/tokens/<int:token_id>/revoke", methods=["POST"])
@member_required
def revoke(token_id: int):
    token = api_tokens.token_in_org(org=g.org, token_id=token_id)
    if token is None or not api_tokens.may_revoke(g.membership, token):
        abort(404)
    with service_call() as call:
        api_tokens.revoke_token(actor=g.membership, token=token, origin=_origin())
    if call.ok:
        flash(_("Token %(name)s revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("tokens.integration" if token.kind == "integration" else "tokens.personal"))
