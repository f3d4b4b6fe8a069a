"""The audit log page's filters (GET, reading only: no CSRF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    group = SelectField(_l("What"), choices=[], default="")  # set by the view: groups, then single actions
    actor = StringField(_l("Who (email contains)"), validators=[Optional(), Length(max=120)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    q = StringField(_l("Target contains"), validators=[Optional(), Length(max=120)])
