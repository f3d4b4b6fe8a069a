"""Forms of employee NPS pulses: a pulse, opening a round, the member's answer, the threshold."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import PulseRecurrence
from ..services.nps.pulses import MAX_COMMENT, PulseData

RECURRENCE_LABELS = {PulseRecurrence.ONCE: _l("Once"), PulseRecurrence.MONTHLY: _l("Every month"),
                     PulseRecurrence.QUARTERLY: _l("Every quarter")}


class PulseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)],
                        description=_l("For managers; members see the question."))
    teams = SelectMultipleField(_l("Teams"), coerce=int, option_widget=CheckboxInput(),
                                widget=ListWidget(prefix_label=False),
                                description=_l("No team chosen: every internal member is asked."))
    recurrence = SelectField(_l("How often"), choices=list(RECURRENCE_LABELS.items()),
                             default=PulseRecurrence.QUARTERLY)
    days_open = IntegerField(_l("Days each round takes answers"), default=14)
    # Per language (each member sees theirs, else English); an empty question: the standard eNPS question.
    question_en = StringField(_l("Question in English (empty: the standard eNPS question)"),
                              validators=[Optional(), Length(max=300)])
    question_nl = StringField(_l("Question in Dutch"), validators=[Optional(), Length(max=300)])
    question_fr = StringField(_l("Question in French"), validators=[Optional(), Length(max=300)])
    open_question_en = StringField(_l("Open question in English (optional)"), validators=[Optional(), Length(max=300)])
    open_question_nl = StringField(_l("Open question in Dutch"), validators=[Optional(), Length(max=300)])
    open_question_fr = StringField(_l("Open question in French"), validators=[Optional(), Length(max=300)])
    aspects = TextAreaField(_l("Aspects to rate 0–10 (optional, one per line)"), validators=[Optional()])

    def to_data(self) -> PulseData:
        def texts(prefix: str) -> dict:
            values = {lang: (self[f"{prefix}_{lang}"].data or "").strip() for lang in ("en", "nl", "fr")}
            return {lang: value for lang, value in values.items() if value}

        return PulseData(title=self.title.data or "", team_ids=list(self.teams.data or []),
                         recurrence=self.recurrence.data, days_open=self.days_open.data or 0,
                         question=texts("question"), open_question=texts("open_question"),
                         aspects=[{"en": line.strip()} for line in (self.aspects.data or "").splitlines()
                                  if line.strip()])


class OpenRoundForm(FlaskForm):
    """CSRF only: open the next round now."""


class ThresholdForm(FlaskForm):
    enps_min_group = IntegerField(_l("Smallest group shown (answers)"), default=5)


class PulseAnswerForm(FlaskForm):
    score = RadioField(_l("Score"), choices=[(str(i), str(i)) for i in range(11)], validators=[DataRequired()])
    comment = TextAreaField(_l("Your answer"), validators=[Optional(), Length(max=MAX_COMMENT)])


class PromoterOptInForm(FlaskForm):
    """CSRF only: a promoter asks to be nudged towards sharing."""
