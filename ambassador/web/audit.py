"""The audit log page (admins): who did what, when and from where, filtered, paged, exported as CSV."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Blueprint, g, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from ..forms.audit import AuditFilterForm
from ..models import AuditEvent, Role
from ..services.analytics.exports import Table
from ..services.audit import actions, labels, reading
from .context import role_required
from .exports import send_table

bp = Blueprint("audit", __name__, url_prefix="/settings/audit")
admin_required = role_required(Role.ADMIN)


def _filters() -> tuple[AuditFilterForm, reading.AuditFilter]:
    form = AuditFilterForm(request.args)
    form.group.choices = [("", _("Everything"))] + [(name, str(label)) for name, label in labels.GROUPS.items()] + [
        (action, f"· {label}") for action, label in labels.LABELS.items()]
    if not form.validate():
        return form, reading.AuditFilter()  # the fields show what is wrong; the unfiltered log is listed
    return form, reading.AuditFilter(group=form.group.data or "", actor=form.actor.data or "",
                                     since=form.since.data, until=form.until.data, q=form.q.data or "")


@bp.app_template_filter("org_time")
def org_time(at: datetime | None) -> str:
    """A stored (UTC) time in the current organization's time zone, short, in the reader's language."""
    if at is None:
        return ""
    return format_datetime(at.replace(tzinfo=UTC).astimezone(ZoneInfo(g.org.timezone)), "short", locale=get_locale())


def _row(event: AuditEvent, zone: ZoneInfo) -> dict:
    local = event.at.replace(tzinfo=UTC).astimezone(zone)
    return {"event": event, "when": format_datetime(local, "short", locale=get_locale()),
            "when_iso": local.isoformat(timespec="seconds"),
            "who": event.actor_label or _("the product"), "what": labels.label(event.action),
            "via": str(labels.VIAS.get(event.via, event.via)),
            "details": json.dumps(event.details, ensure_ascii=False, sort_keys=True) if event.details else ""}


@bp.route("")
@admin_required
def index():
    form, filters = _filters()
    found = reading.page(org_id=g.org.id, timezone=g.org.timezone, filters=filters, cursor=request.args.get("after"))
    args = {key: value for key, value in request.args.items() if key != "after" and value}
    zone = ZoneInfo(g.org.timezone)
    return render_template("audit/index.html", form=form, rows=[_row(event, zone) for event in found.events],
                           next_cursor=found.next_cursor, args=args, first_page=not request.args.get("after"),
                           retention=g.org.audit_retention_days)


@bp.route("/export.csv")
@admin_required
def export():
    """The filtered events as CSV, streamed (read a batch at a time); the export is itself in the log."""
    form, filters = _filters()
    header = [_("When"), _("Who"), _("Action"), _("What"), _("Target type"), _("Target id"), _("Target"), _("IP"),
              _("Via"), _("Details")]

    # Read now: the export's audit event is committed before the stream starts, which expires g.org.
    org_id, timezone, slug = g.org.id, g.org.timezone, g.org.slug

    def rows():
        for event in reading.iter_events(org_id=org_id, timezone=timezone, filters=filters):
            row = _row(event, ZoneInfo(timezone))
            yield [row["when_iso"], row["who"], event.action, row["what"], event.target_type, event.target_id,
                   event.target_label, event.ip or "", event.via, row["details"]]

    used = {key: value for key, value in request.args.items() if value}
    return send_table(Table(name=f"audit-log-{slug}", header=header, rows=rows()), "csv",
                      action=actions.AUDIT_EXPORTED, details={"filters": used})
