"""Forms of employee NPS pulses: a pulse (new or edited), its round and pause buttons, the member's answer,
a team follow-up."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import PulseFollowUpStatus, PulseRecurrence
from ..services.nps.pulse_followups import NOTE_MAX
from ..services.nps.pulses import MAX_COMMENT, PulseData

RECURRENCE_LABELS = {PulseRecurrence.ONCE: _l("Once"), PulseRecurrence.MONTHLY: _l("Every month"),
                     PulseRecurrence.QUARTERLY: _l("Every quarter")}


class PulseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)],
                        description=_l("For managers; members see the question."))
    # Checkboxes with the editors' filter box (content/_editor.html team_picker) for organizations with many teams.
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

    @classmethod
    def of(cls, data: PulseData) -> PulseForm:
        """The form filled from a stored pulse (services/nps/pulse_admin.data_of)."""
        values = {"title": data.title, "teams": data.team_ids, "recurrence": data.recurrence,
                  "days_open": data.days_open,
                  "aspects": "\n".join(a.get("en") or next(iter(a.values()), "") for a in data.aspects)}
        for prefix, texts in (("question", data.question or {}), ("open_question", data.open_question or {})):
            values.update({f"{prefix}_{lang}": texts.get(lang, "") for lang in ("en", "nl", "fr")})
        return cls(data=values)


class PulseTitleForm(FlaskForm):
    """Editing a pulse that has answers: only the title."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)],
                        description=_l("For managers; members see the question."))


class OpenRoundForm(FlaskForm):
    """CSRF only: open the next round now."""


class PulseActionForm(FlaskForm):
    """CSRF only: pause or resume a pulse, close its current round."""


FOLLOW_UP_STATUS_LABELS = {PulseFollowUpStatus.OPEN: lazy_pgettext("follow-up", "Open"),
                           PulseFollowUpStatus.RESOLVED: lazy_pgettext("follow-up", "Done")}


class PulseFollowUpForm(FlaskForm):
    status = SelectField(_l("Status"), choices=list(FOLLOW_UP_STATUS_LABELS.items()))
    note = TextAreaField(_l("What you agreed with the team"), validators=[Optional(), Length(max=NOTE_MAX)],
                         description=_l("For the managers; the team's members never see this note."))


class PulseAnswerForm(FlaskForm):
    score = RadioField(_l("Score"), choices=[(str(i), str(i)) for i in range(11)], validators=[DataRequired()])
    comment = TextAreaField(_l("Your answer"), validators=[Optional(), Length(max=MAX_COMMENT)])


class PromoterOptInForm(FlaskForm):
    """CSRF only: a promoter asks to be nudged towards sharing."""
