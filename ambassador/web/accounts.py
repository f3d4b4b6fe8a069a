""""My accounts": connecting social accounts (OAuth with state + PKCE, instance first, app password), disconnecting.

The views only know the SocialProvider interface: what to show follows `connect_style`, never a network's name.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from .. import networks
from ..extensions import db
from ..forms.accounts import AppPasswordForm, InstanceForm
from ..infra.urls import absolute_url
from ..models import AccountStatus, SocialAccount, utcnow
from ..providers import registry
from ..providers.base import ErrorKind, ProviderError, SocialProvider
from ..services.publishing import mastodon_apps, network_offers, oauth_flow, social_accounts
from ..services.publishing.oauth_flow import ConnectError
from .context import member_required, scoped_or_404
from .security import content_security_policy
from .service_call import service_call

bp = Blueprint("accounts", __name__, url_prefix="/me/accounts")

EXPIRY_WARNING = timedelta(days=10)


@dataclass
class AccountRow:
    account: SocialAccount
    network: str  # the network's label
    state: str  # active | needs_reconnect | expiring
    days_left: int | None = None
    provider: SocialProvider | None = None  # None when the network is no longer offered
    reach_reported: bool = False  # does the network give this kind of account a follower count?


def _network_label(name: str) -> str:
    cls = registry.all_classes().get(name)
    if cls is not None:
        return cls.label
    return networks.NETWORKS[name].label if name in networks.NETWORKS else name


def _row(account: SocialAccount, providers: dict[str, SocialProvider]) -> AccountRow:
    provider = providers.get(account.provider)
    cls = registry.all_classes().get(account.provider)
    row = AccountRow(account=account, network=_network_label(account.provider), state=account.status,
                     provider=provider, reach_reported=cls is not None and cls.reports_followers())
    expires = account.token_expires_at
    # Tokens that cannot be renewed (no refresh token, e.g. LinkedIn's 60-day tokens) get a warning.
    renewable = cls is not None and cls.can_refresh and account.refresh_token_enc is not None
    if row.state == AccountStatus.ACTIVE and expires and not renewable:
        left = expires - utcnow()
        if left <= EXPIRY_WARNING:
            row.state, row.days_left = "expiring", max(0, math.ceil(left / timedelta(days=1)))
    return row


def _provider_or_404(name: str) -> SocialProvider:
    try:
        return registry.get(name, current_app.config, clients=mastodon_apps)
    except KeyError:
        abort(404)


def callback_url(provider_name: str) -> str:
    """The exact redirect URI registered with the network (one per provider), over PUBLIC_BASE_URL."""
    return absolute_url("accounts.callback", provider_name=provider_name)


def _connected(saved: list[SocialAccount], provider: SocialProvider):
    # The two connect flows commit here and roll back by hand, not with service_call: a network's
    # ProviderError (not a ServiceError) and a ConnectError get the same explanation (oauth_flow.explain).
    db.session.commit()
    flash(_("%(network)s connected: %(accounts)s.", network=provider.label,
            accounts=", ".join(a.label for a in saved)), "success")
    return redirect(url_for("accounts.index"))


def _authorize(provider: SocialProvider, service_url: str = "") -> str:
    """Start a flow and return the network's authorize URL (ProviderError leaves nothing behind)."""
    flow = oauth_flow.start_flow(store=session, provider=provider.name, service_url=service_url,
                                 owner=g.membership.id)
    try:
        with service_call():  # commits an instance's app registration, when the adapter made one
            url = provider.authorize_url(redirect_uri=callback_url(provider.name), state=flow.state,
                                         code_challenge=flow.challenge, service_url=service_url)
    except ProviderError:  # rolled back by service_call
        session.pop(oauth_flow.flow_key(provider.name), None)
        raise
    return url


@bp.route("")
@member_required
def index():
    providers = registry.enabled(current_app.config)
    accounts = social_accounts.accounts_for(g.membership)
    offers = network_offers.network_offers(accounts=accounts, config=current_app.config)
    return render_template("accounts/index.html", rows=[_row(account, providers) for account in accounts],
                           offers=offers, callback_url=callback_url)


@bp.route("/connect/<provider_name>", methods=["GET", "POST"])
@member_required
def connect(provider_name: str):
    provider = _provider_or_404(provider_name)
    if provider.connect_style == "instance_oauth":
        return _instance_form(provider)
    if provider.connect_style == "app_password":
        return _app_password_form(provider)
    try:
        return redirect(_authorize(provider))
    except ProviderError as exc:
        flash(oauth_flow.explain(exc, label=provider.label), "error")
        return redirect(url_for("accounts.index"))


def _any_server_csp() -> str:
    """The instance form's POST is redirected to the member's own server, which CSP form-action must allow."""
    schemes = "https: http:" if current_app.config.get("PROVIDERS_ALLOW_HTTP") else "https:"
    return re.sub(r"form-action [^;]*", f"form-action 'self' {schemes}", content_security_policy())


def _instance_form(provider: SocialProvider):
    form = InstanceForm(instance=request.args.get("server", ""))
    if form.validate_on_submit():
        try:
            return redirect(_authorize(provider, form.instance.url), code=303)
        except ProviderError as exc:
            form.instance.errors.append(oauth_flow.explain(exc, label=provider.label))
    response = make_response(render_template("accounts/instance.html", form=form, provider=provider),
                             422 if form.instance.errors else 200)
    response.headers["Content-Security-Policy"] = _any_server_csp()
    return response


def _app_password_form(provider: SocialProvider):
    default_server = current_app.config.get(f"{provider.name.upper()}_DEFAULT_SERVICE", "")
    form = AppPasswordForm(identifier=request.args.get("handle", ""),
                           service_url=request.args.get("server", "")
                           if request.args.get("server") != default_server else "")
    error = None
    if form.validate_on_submit():
        try:
            saved = oauth_flow.connect_with_password(
                membership=g.membership, provider=provider, identifier=form.identifier.data,
                password=form.password.data, service_url=form.server_url or default_server)
        except (ProviderError, ConnectError) as exc:
            db.session.rollback()
            if isinstance(exc, ProviderError) and exc.kind in (ErrorKind.REAUTH, ErrorKind.REJECTED):
                form.password.errors.append(oauth_flow.explain(exc, label=provider.label))
            else:
                error = oauth_flow.explain(exc, label=provider.label)
        else:
            return _connected(saved, provider)
    status = 422 if (error or any(field.errors for field in form)) else 200
    return render_template("accounts/app_password.html", form=form, provider=provider, error=error,
                           default_server=default_server), status


@bp.route("/callback/<provider_name>")
@member_required
def callback(provider_name: str):
    provider = _provider_or_404(provider_name)
    if request.args.get("error"):
        session.pop(oauth_flow.flow_key(provider.name), None)
        if request.args["error"] == "access_denied":
            flash(_("You did not give %(network)s access, so nothing was connected.", network=provider.label), "info")
        else:
            flash(_("%(network)s did not connect your account (%(reason)s). Nothing was saved.",
                    network=provider.label, reason=request.args.get("error_description") or request.args["error"]),
                  "error")
        return redirect(url_for("accounts.index"))
    try:
        flow = oauth_flow.finish_flow(store=session, provider=provider.name, state=request.args.get("state"),
                                      owner=g.membership.id)
        saved = oauth_flow.complete_oauth(membership=g.membership, provider=provider, flow=flow,
                                          code=request.args.get("code", ""), redirect_uri=callback_url(provider.name))
    except (ConnectError, ProviderError) as exc:
        db.session.rollback()
        flash(oauth_flow.explain(exc, label=provider.label), "error")
        return redirect(url_for("accounts.index"))
    return _connected(saved, provider)


@bp.route("/<int:account_id>/disconnect", methods=["POST"])
@member_required
def disconnect(account_id: int):
    account = scoped_or_404(SocialAccount, account_id)
    if account.membership_id != g.membership.id or account.status == AccountStatus.DISCONNECTED:
        abort(404)
    with service_call():
        social_accounts.disconnect(account)
    flash(_("%(network)s account %(account)s is disconnected; its tokens are deleted.",
            network=_network_label(account.provider), account=account.label), "success")
    return redirect(url_for("accounts.index"))
