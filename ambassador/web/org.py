"""Organization settings and teams (admins only), and the organization's logo."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..forms.emv import EmvForm
from ..forms.org import OrgSettingsForm, TeamForm
from ..infra.uploads import absolute_path, mimetype_for
from ..infra.urls import absolute_url
from ..models import Organization, Role, Team
from ..services.analytics import emv
from ..services.org import branding, onboarding, teams
from ..services.org import settings as org_settings
from .context import role_required, scoped_or_404
from .origin import request_origin
from .service_call import service_call

bp = Blueprint("org", __name__)
admin_required = role_required(Role.ADMIN)


def join_link(token: str) -> str:
    return absolute_url("join.join", token=token)


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    form = OrgSettingsForm(obj=g.org)
    if form.validate_on_submit():
        values = org_settings.OrgSettings(**{key: form.data[key] for key in org_settings.OrgSettings.fields()})
        with service_call(form) as call:
            org_settings.update_settings(org=g.org, settings=values, actor=g.membership.user,
                                         origin=request_origin())
            theme = branding.set_brand_color(org=g.org, value=form.brand_color.data)
            if form.logo.data:
                org_settings.set_logo(org=g.org, file_storage=form.logo.data, actor=g.membership.user,
                                      origin=request_origin())
        if call.ok:
            flash(_("Settings saved."), "success")
            if theme is not None and theme.adjusted:
                flash(_("%(colour)s is too light for text on a white page: links and text use the darker "
                        "%(text)s, buttons keep your colour.", colour=theme.chosen, text=theme.text), "info")
            return redirect(url_for("org.settings"))
    theme = branding.theme_for(g.org.brand_color) if g.org.brand_color else None
    return render_template("org/settings.html", form=form, join_url=join_link(g.org.join_token), theme=theme)


@bp.route("/org/<slug>/theme.css")
def theme(slug: str):
    """The organization's colours as CSS custom properties (public, like the logo: join pages use it too).

    Linked with ?v=<version>: cached for a year and revalidated by ETag; a new colour is a new address."""
    org = branding.organization_by_slug(slug)
    if org is None or not org.brand_color:
        abort(404)
    response = Response(branding.theme_css(org), mimetype="text/css")
    response.set_etag(branding.theme_version(org))
    response.cache_control.public = True
    response.cache_control.max_age = 31536000 if request.args.get("v") == branding.theme_version(org) else 300
    return response.make_conditional(request)


@bp.route("/setup/dismiss", methods=["POST"])
@admin_required
def dismiss_checklist():
    with service_call():
        onboarding.dismiss_checklist(org=g.org)
    flash(_("The getting-started list is hidden. Every step stays on the settings and members pages."), "info")
    return redirect(url_for("feed.index"))


@bp.route("/settings/earned-media-value", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def emv_settings():
    """Coefficients of earned media value, for managers and admins; every change is kept and listed."""
    form = EmvForm()
    if form.validate_on_submit():
        with service_call(form) as call:
            changed = emv.update(org_id=g.org.id, actor=g.membership, currency=form.currency.data,
                                 rates=form.rates())
        if call.ok:
            flash(_("Earned media value coefficients saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("org.emv_settings"))
    elif not form.is_submitted():
        form.fill(emv.coefficients(org_id=g.org.id))
    return render_template("org/emv.html", form=form, coefficients=emv.coefficients(org_id=g.org.id),
                           history=emv.history(org_id=g.org.id), emv_networks=emv.EMV_NETWORKS)


@bp.route("/settings/logo/remove", methods=["POST"])
@admin_required
def remove_logo():
    with service_call():
        org_settings.remove_logo(org=g.org, actor=g.membership.user, origin=request_origin())
    flash(_("The logo is removed."), "success")
    return redirect(url_for("org.settings"))


@bp.route("/settings/join-token", methods=["POST"])
@admin_required
def regenerate_join_token():
    with service_call():
        org_settings.regenerate_join_token(org=g.org, actor=g.membership.user, origin=request_origin())
    flash(_("A new join link is ready; the old one no longer works."), "success")
    return redirect(url_for("org.settings") + "#join")


@bp.route("/org/<int:org_id>/logo")
def logo(org_id: int):
    """Public on purpose: the logo also shows on the organization's join and invitation pages."""
    org = db.session.get(Organization, org_id)
    path = absolute_path(org.logo_path) if org is not None and org.logo_path else None
    if path is None:
        abort(404)
    return send_file(path, mimetype=mimetype_for(org.logo_path), max_age=300)


@bp.route("/teams", methods=["GET", "POST"])
@admin_required
def teams_page():
    form = TeamForm()
    if form.validate_on_submit():
        with service_call(form, field="name") as call:
            team = teams.create_team(org=g.org, name=form.name.data)
        if call.ok:
            flash(_("Team %(name)s created.", name=team.name), "success")
            return redirect(url_for("org.teams_page"))
    return render_template("org/teams.html", form=form, teams=teams.teams_of(g.org),
                           member_counts=teams.member_counts(g.org), join_link=join_link)


@bp.route("/teams/<int:team_id>/rename", methods=["POST"])
@admin_required
def rename_team(team_id: int):
    team, form = scoped_or_404(Team, team_id), TeamForm()
    with service_call() as call:
        if not form.validate():
            raise teams.TeamError(" ".join(form.name.errors) or _("Give the team a name."))
        teams.rename_team(team=team, name=form.name.data)
    if call.ok:
        flash(_("Team renamed to %(name)s.", name=team.name), "success")
    return redirect(url_for("org.teams_page"))


@bp.route("/teams/<int:team_id>/delete", methods=["POST"])
@admin_required
def delete_team(team_id: int):
    team = scoped_or_404(Team, team_id)
    name = team.name
    with service_call():
        teams.delete_team(team=team)
    flash(_("Team %(name)s deleted; its members stay in the organization.", name=name), "success")
    return redirect(url_for("org.teams_page"))


@bp.route("/teams/<int:team_id>/join-token", methods=["POST"])
@admin_required
def regenerate_team_token(team_id: int):
    team = scoped_or_404(Team, team_id)
    with service_call():
        teams.regenerate_team_join_token(team=team)
    flash(_("Team %(name)s has a new join link; the old one no longer works.", name=team.name), "success")
    return redirect(url_for("org.teams_page"))
