"""Forms of the ambassador feed: the campaign filter and a share."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional

from ..services.sharing import MAX_CAPTION_CHARS


class ShareForm(FlaskForm):
    # Absent for networks that take no text (Facebook): the service then uses nothing of it.
    caption = TextAreaField(_l("Your caption"), validators=[Optional(strip_whitespace=False),
                                                             Length(max=MAX_CAPTION_CHARS)])


class FeedFilterForm(FlaskForm):
    """GET filter, no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    campaign = SelectField(_l("Campaign"), coerce=int, validators=[Optional()])

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign.choices = [(0, _l("All campaigns"))] + [(c.id, c.title) for c in campaigns]
