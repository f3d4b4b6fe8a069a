"""Single sign-on: the company-account form, an organization's sign-in link and the provider's callback,
and the admins' settings page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..forms.sso import CompanySignInForm, SsoSettingsForm
from ..models import Role
from ..services.audit.log import Origin
from ..services.org import branding, sso, sso_claims, sso_settings
from .auth import start_session
from .context import role_required
from .service_call import service_call
from .throttling import throttled

bp = Blueprint("sso", __name__)
STATE_KEY = "sso_state"


def _origin() -> Origin:
    return Origin(ip=request.remote_addr, via="sso")


def _send_to_provider(org, *, login_hint: str | None = None, from_form: bool = False):
    with service_call() as call:
        started = sso.begin(org=org, login_hint=login_hint)
    if not call.ok:
        return redirect(url_for("auth.login"))
    session[STATE_KEY] = started.state  # binds the login to this browser; the row makes it single-use
    if from_form:
        # Browsers apply the page's CSP form-action to every redirect of a form's submission, and the provider
        # is not 'self': a page of ours sends the browser on instead (a meta refresh and a link, no script).
        return render_template("auth/sso_continue.html", org=org, provider_url=started.url)
    return redirect(started.url)


@bp.route("/sso", methods=["POST"])
@throttled("sso_start")
def start_by_email():
    """"Sign in with your company account": the address's domain finds the organization and its provider."""
    form = CompanySignInForm(prefix="company")
    if not form.validate_on_submit():
        flash(_("Enter your work email address to sign in with your company account."), "error")
        return redirect(url_for("auth.login"))
    org = sso_settings.organization_for_email(form.email.data)
    if org is None:
        flash(_("No organization signs in %(email)s with single sign-on. Log in with your password, or use "
                "your organization's sign-in link.", email=form.email.data), "error")
        return redirect(url_for("auth.login"))
    return _send_to_provider(org, login_hint=form.email.data.strip().lower(), from_form=True)


@bp.route("/sso/<slug>")
@throttled("sso_start", methods=("GET",))  # each start stores a pending login
def start(slug: str):
    """An organization's sign-in link (a GET, so it can be bookmarked or put on an intranet)."""
    org = branding.organization_by_slug(slug)
    if org is None or sso_settings.enabled_config(org) is None:
        abort(404)
    return _send_to_provider(org)


@bp.route("/sso/<slug>/callback")
def callback(slug: str):
    org = branding.organization_by_slug(slug)
    if org is None or sso_settings.enabled_config(org) is None:
        abort(404)
    with service_call() as call:  # a refusal is committed too: the state stays used, the refusal logged
        outcome = sso.complete(org=org, session_state=session.pop(STATE_KEY, None), params=request.args.to_dict(),
                               origin=_origin())
    if not call.ok:
        return redirect(url_for("auth.login"))
    if not outcome.ok:
        flash(str(outcome.message), "error")
        return redirect(url_for("auth.login"))
    start_session(outcome.user)  # a new session: whoever was signed in in this browser before is replaced
    session["org_id"] = org.id
    return redirect(url_for("feed.index"))


@bp.route("/settings/sso", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings():
    config = sso_settings.config_for(g.org)
    form = SsoSettingsForm(obj=config)
    if not form.is_submitted() and config is not None:
        form.role_map.data = sso_claims.format_mapping(config.role_map or {})
        form.team_map.data = sso_claims.format_mapping(config.team_map or {})
    if form.validate_on_submit():
        values = sso_settings.SsoSettings(
            issuer=form.issuer.data, client_id=form.client_id.data, client_secret=form.client_secret.data or "",
            allowed_domains=form.allowed_domains.data, role_claim=form.role_claim.data or "",
            role_map=form.role_map.data or "", default_role=form.default_role.data, kind=form.kind.data,
            team_claim=form.team_claim.data or "", team_map=form.team_map.data or "",
            require_sso=form.require_sso.data, enabled=form.enabled.data)
        with service_call(form, field="issuer") as call:
            sso_settings.save_settings(org=g.org, actor=current_user, values=values, origin=Origin(
                ip=request.remote_addr, via="web"))
        if call.ok:
            flash(_("Single sign-on settings saved."), "success")
            return redirect(url_for("sso.settings"))
    return render_template("org/sso.html", form=form, config=config, redirect_uri=sso.redirect_uri(g.org),
                           sign_in_link=sso.sign_in_link(g.org))
