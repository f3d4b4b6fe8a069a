"""The API token form (personal tokens in the member's settings, integration tokens for admins)."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from .members import CheckboxesField

AREA_LABELS = {
    "members": _l("Members and teams"), "content": _l("Campaigns and posts"), "shares": _l("Shares and links"),
    "analytics": _l("Leaderboards and analytics"), "surveys": _l("Surveys and follow-ups"),
    "community": _l("Ideas and rewards"),
}
LEVEL_LABELS = {"read": _l("read"), "write": _l("read and write")}


def scope_choices(scopes) -> list[tuple[str, str]]:
    return [(scope, f"{AREA_LABELS[scope.split(':')[0]]}: {LEVEL_LABELS[scope.split(':')[1]]}") for scope in scopes]


def expiry_choices(days) -> list[tuple[int, str]]:
    return [(n, lazy_ngettext("%(num)d day", "%(num)d days", n)) for n in days]


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("What uses it, e.g. “CRM sync”."))
    scopes = CheckboxesField(_l("Permissions"), description=_l(
        "A token never does more than your role allows, whatever you tick here."))
    expires_in_days = SelectField(_l("Expires after"), coerce=int, default=90)
