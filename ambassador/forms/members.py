"""Forms of the members area: filters, editing a member, invitations, CSV import, accepting and joining."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext, lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import MemberKind, MemberStatus, Role
from ..services.org.accounts import MIN_PASSWORD_LENGTH
from ..services.org.members import ROLE_LABELS
from .validators import EmailAddress

KIND_LABELS = {MemberKind.INTERNAL: _l("Internal (employee)"),
               MemberKind.EXTERNAL: _l("External (customer, partner, fan)")}
STATUS_LABELS = {MemberStatus.ACTIVE: lazy_pgettext("member", "Active"),
                 MemberStatus.PENDING: _l("Waiting for approval"), MemberStatus.DEACTIVATED: _l("Deactivated")}
INVITATION_STATUS_LABELS = {"valid": _l("Pending"), "used": _l("Accepted"),
                            "expired": lazy_pgettext("invitation", "Expired"), "revoked": _l("Revoked")}
SOURCE_LABELS = {"invite": _l("Invitation"), "csv": _l("CSV import"), "join": _l("Join link"),
                 "signup": _l("Created the organization"), "demo": _l("Demo data"), "nps": _l("NPS survey")}


def template_labels() -> dict:
    """Labels for the members and join templates (registered as a blueprint context processor)."""
    return {"ROLE_LABELS": ROLE_LABELS, "KIND_LABELS": KIND_LABELS, "SOURCE_LABELS": SOURCE_LABELS,
            "STATUS_LABELS": {**STATUS_LABELS, **INVITATION_STATUS_LABELS}}


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (easier than a multi-select on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def role_choices(roles):
    return [(role, ROLE_LABELS[role]) for role in roles]


def team_choices(teams):
    return [(team.id, team.name) for team in teams]


class MemberFilterForm(FlaskForm):
    """GET filters of the members list (no CSRF: reading only)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or email"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=[("", _l("All roles"))] + role_choices(ROLE_LABELS), default="")
    kind = SelectField(_l("Kind"), choices=[("", _l("All kinds")), (MemberKind.INTERNAL, _l("Internal")),
                                            (MemberKind.EXTERNAL, _l("External"))], default="")
    team = SelectField(_l("Team"), choices=[], default="")
    status = SelectField(_l("Status"), choices=[("", _l("All statuses"))] + list(STATUS_LABELS.items()), default="")


class MemberForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices(ROLE_LABELS))
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()))
    teams = CheckboxesField(_l("Teams"), coerce=int, choices=[])


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)],
                       description=_l("Optional: used in the email and as their name until they change it."))
    role = SelectField(_l("Role"), choices=role_choices(ROLE_LABELS), default=Role.AMBASSADOR)
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()), default=MemberKind.INTERNAL)
    teams = CheckboxesField(_l("Teams"), coerce=int, choices=[])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))],
                     description=_l(
                         "Columns: email, name, kind, team. Header row, comma or semicolon separated, UTF-8."))
    role = SelectField(_l("Role for everyone in the file"), choices=role_choices(ROLE_LABELS), default=Role.AMBASSADOR)
    kind = SelectField(_l("Kind when the kind column is empty"), choices=list(KIND_LABELS.items()),
                       default=MemberKind.INTERNAL)


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(_l("Choose a password"),
                             validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
                             description=lazy_ngettext("At least %(num)d character.", "At least %(num)d characters.",
                                                       MIN_PASSWORD_LENGTH))


class JoinSignupForm(AcceptInvitationForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), EmailAddress(), Length(max=254)])


class ConfirmForm(FlaskForm):
    """A button-only form (accept, join): just the CSRF token."""
