"""Forms of the chat webhooks settings page."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length


class WebhookForm(FlaskForm):
    kind = SelectField(_l("Service"), choices=[("slack", "Slack"), ("teams", "Microsoft Teams")])
    url = StringField(_l("Incoming webhook URL"), validators=[DataRequired(), Length(max=1000)],
                      description=_l("Slack: https://hooks.slack.com/services/… · Teams: the URL of the channel's "
                                     "incoming webhook or workflow."))
    # "" = the whole organization; else a team id (choices set by the view).
    team_id = SelectField(_l("Channel for"), choices=[])
