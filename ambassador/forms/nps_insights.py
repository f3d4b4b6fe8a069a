"""Forms of the NPS insights area: a theme and its keywords."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

GROUP_LABELS = {"promoter": _l("Promoters (9–10)"), "passive": _l("Passives (7–8)"),
                "detractor": _l("Detractors (0–6)")}
GROUP_SHORT = {"promoter": _l("Promoters"), "passive": _l("Passives"), "detractor": _l("Detractors")}


class ThemeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    keywords = TextAreaField(
        _l("Keywords"), validators=[DataRequired(), Length(max=4000)],
        description=_l("Separate with commas or new lines, in any of English, Dutch and French "
                       "(service, personeel, accueil…). Variants count too: “vriendelijk” also finds "
                       "“vriendelijke”. A phrase matches when all its words are in the answer."))
