"""Forms of single sign-on: the admin's provider settings, and the sign-in page's company-account form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..models import ROLES, Role
from .members import role_choices
from .validators import EmailAddress

# The least powerful first, and the default: a provider that sends no mapped value never makes an admin.
ROLE_CHOICES = role_choices(reversed(ROLES))
KIND_CHOICES = [("internal", _l("Internal (employees)")), ("external", _l("External (customers, partners, fans)"))]


class CompanySignInForm(FlaskForm):
    email = EmailField(_l("Work email"), validators=[DataRequired(), EmailAddress(), Length(max=254)])


class SsoSettingsForm(FlaskForm):
    enabled = BooleanField(_l("Single sign-on is on"), default=True)
    issuer = StringField(_l("Issuer"), validators=[DataRequired(), Length(max=255)], description=_l(
        "The provider's issuer address, e.g. https://login.example.com/realms/acme. Its "
        "/.well-known/openid-configuration is read when you save."))
    client_id = StringField(_l("Client ID"), validators=[DataRequired(), Length(max=255)])
    client_secret = PasswordField(_l("Client secret"), validators=[Optional(), Length(max=1000)])
    allowed_domains = StringField(_l("Allowed email domains"), validators=[DataRequired(), Length(max=1000)],
                                  description=_l("Separated by spaces, e.g. example.com example.be. Only addresses "
                                                 "in these domains sign in, and they are sent to your provider."))
    require_sso = BooleanField(_l("Require single sign-on for these domains"), description=_l(
        "Members with an address in these domains can no longer log in with a password. Administrators of this "
        "organization keep their password login, so you can still get in if the provider fails."))
    default_role = SelectField(_l("Role of new members"), choices=ROLE_CHOICES, default=Role.AMBASSADOR, description=_l(
        "When no value of the role claim is in the table below."))
    kind = SelectField(_l("Kind of members"), choices=KIND_CHOICES)
    role_claim = StringField(_l("Claim that gives the role"), validators=[Optional(), Length(max=64)],
                             default="groups")
    role_map = TextAreaField(_l("Role for each claim value"), validators=[Optional(), Length(max=5000)],
                             render_kw={"rows": 4}, description=_l(
                                 "One per line, e.g. “amb-admins = admin”. Roles: admin, manager, curator, "
                                 "ambassador. A value in the table sets the role at every sign-in."))
    team_claim = StringField(_l("Claim that gives the teams"), validators=[Optional(), Length(max=64)],
                             default="groups")
    team_map = TextAreaField(_l("Team for each claim value"), validators=[Optional(), Length(max=5000)],
                             render_kw={"rows": 4}, description=_l(
                                 "One per line, e.g. “sales-emea = Sales”. Leave empty to match values to team "
                                 "names. Teams are updated at every sign-in; teams are never created."))

