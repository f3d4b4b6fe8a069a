"""Forms for connecting accounts: the instance to sign in on, and handle + app password."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..services.publishing.oauth_flow import ConnectError, normalize_service_url


def _server_url(form, field) -> None:
    """Normalize the server address into `field.url` (https://host), or say why it cannot be used."""
    field.url = ""
    if field.data and field.data.strip():
        try:
            field.url = normalize_service_url(field.data, config=current_app.config)
        except ConnectError as exc:
            raise ValidationError(str(exc)) from exc


class InstanceForm(FlaskForm):
    instance = StringField(_l("Your server"), validators=[DataRequired(), Length(max=200), _server_url],
                           description=_l("The server your account lives on, e.g. mastodon.social or fosstodon.org."),
                           render_kw={"autocomplete": "url", "inputmode": "url", "autocapitalize": "none",
                                      "spellcheck": "false", "placeholder": "mastodon.social"})


class AppPasswordForm(FlaskForm):
    identifier = StringField(_l("Handle"), validators=[DataRequired(), Length(max=253)],
                             description=_l("e.g. yourname.bsky.social (or the email address of the account)."),
                             render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField(_l("App password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})
    service_url = StringField(_l("Hosting provider (PDS)"), validators=[Optional(), Length(max=200), _server_url],
                              description=_l("Only if your account is hosted somewhere else than the default server."),
                              render_kw={"autocomplete": "off", "inputmode": "url", "autocapitalize": "none",
                                         "spellcheck": "false"})

    @property
    def server_url(self) -> str:
        """The normalized server address, or "" when none was given."""
        return getattr(self.service_url, "url", "")
