"""Forms of the event webhooks settings pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from .members import CheckboxesField


class EventHookForm(FlaskForm):
    url = StringField(_l("Endpoint URL"), validators=[DataRequired(), Length(max=1000)],
                      description=_l("An https:// address of your system that accepts POST requests."))
    description = StringField(_l("Description"), validators=[Length(max=200)],
                              description=_l("What receives the events, for example “CRM sync”."))
    events = CheckboxesField(_l("Events"), choices=[], validate_choice=False)  # choices set by the view
    enabled = BooleanField(_l("Enabled"), default=True)
