"""Forms of members' own data: downloading it, and an administrator erasing a member."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class DownloadMyDataForm(FlaskForm):
    """Only the CSRF token: the download is a POST (it is recorded and throttled)."""


class EraseMemberForm(FlaskForm):
    confirmation = StringField(_l("Type the member's email address to confirm"),
                               validators=[DataRequired(), Length(max=254)])
