"""Forms of the surveys area: a survey (texts per language), the customer list upload, unsubscribing."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext, lazy_pgettext, ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..models import SurveyStatus
from ..services.nps.surveys import GROUPS, LANGUAGES, MAX_ASPECTS, MAX_COMMENT, SurveyData

LANGUAGE_LABELS = {"en": _l("English"), "nl": _l("Dutch"), "fr": _l("French")}
STATUS_LABELS = {SurveyStatus.DRAFT: _l("Draft"), SurveyStatus.OPEN: lazy_pgettext("survey", "Open"),
                 SurveyStatus.CLOSED: lazy_pgettext("survey", "Closed")}
STATUS_CHOICES = [(SurveyStatus.DRAFT, _l("Draft: not taking answers yet")), (SurveyStatus.OPEN,
                                                                              _l("Open: taking answers")),
                  (SurveyStatus.CLOSED, _l("Closed: no more answers"))]
GROUP_LABELS = {"promoter": _l("Promoters (9–10)"), "passive": _l("Passives (7–8)"),
                "detractor": _l("Detractors (0–6)")}


class SurveyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)],
                        description=_l("For you and your team; respondents do not see it."))
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, default=SurveyStatus.DRAFT)
    invite_promoters = BooleanField(_l("Invite promoters (9–10) to become ambassadors"), default=True)

    def texts(self, prefix: str) -> dict:
        return {lang: self[f"{prefix}_{lang}"].data or "" for lang in LANGUAGES}

    def to_data(self) -> SurveyData:
        return SurveyData(
            title=self.title.data, status=self.status.data, invite_promoters=self.invite_promoters.data,
            question=self.texts("question"), follow_up_question=self.texts("follow_up"),
            thank_you={group: self.texts(f"thank_you_{group}") for group in GROUPS},
            aspects=[self.texts(f"aspect_{i}") for i in range(MAX_ASPECTS)])

    def fill(self, survey, texts: dict) -> None:
        """Put a survey's texts (defaults where it keeps them) into the fields."""
        for lang in LANGUAGES:
            self[f"question_{lang}"].data = texts["question"][lang]
            self[f"follow_up_{lang}"].data = texts["follow_up"][lang]
            if survey is None:
                continue
            for group in GROUPS:
                self[f"thank_you_{group}_{lang}"].data = (survey.thank_you or {}).get(group, {}).get(lang, "")
            for aspect in survey.aspects:
                if aspect.position < MAX_ASPECTS:
                    self[f"aspect_{aspect.position}_{lang}"].data = (aspect.label or {}).get(lang, "")


for _lang in LANGUAGES:
    _name = LANGUAGE_LABELS[_lang]
    setattr(SurveyForm, f"question_{_lang}", StringField(
        _l("Recommend question (%(language)s)", language=_name), validators=[Optional(), Length(max=300)]))
    setattr(SurveyForm, f"follow_up_{_lang}", StringField(
        _l("Open question (%(language)s)", language=_name), validators=[Optional(), Length(max=300)]))
    for _group in GROUPS:
        setattr(SurveyForm, f"thank_you_{_group}_{_lang}", TextAreaField(
            _l("Thank-you message (%(language)s)", language=_name), validators=[Optional(), Length(max=1000)]))
    for _i in range(MAX_ASPECTS):
        setattr(SurveyForm, f"aspect_{_i}_{_lang}", StringField(
            _l("Label (%(language)s)", language=_name), validators=[Optional(), Length(max=120)]))


class InviteUploadForm(FlaskForm):
    file = FileField(_l("Customer list (CSV)"), validators=[FileRequired(_l("Choose a CSV file."))],
                     description=_l("Columns: email, name, language, segment, store, employee. Header row, "
                                    "comma or semicolon separated, UTF-8."))


class ReminderForm(FlaskForm):
    """Per survey: one reminder N days after the invitation, or none."""

    days = SelectField(_l("Remind invitees who have not answered"), default="",
                       description=_l("One reminder email per person, with the same one-click score links. "
                                      "Never a second one, never to people who answered or unsubscribed."))

    def fill_choices(self, low: int, high: int) -> None:
        self.days.choices = [("", _l("No reminder"))] + [
            (str(n), ngettext("After %(num)d day", "After %(num)d days", n)) for n in range(low, high + 1)]

    @property
    def value(self) -> int | None:
        return int(self.days.data) if self.days.data else None


class ConfirmForm(FlaskForm):
    """A button with only the CSRF token (unsubscribing)."""


def parse_details(formdata, aspects) -> tuple[str, dict[int, int | None], dict[str, str]]:
    """(comment, {aspect id: score or None}, errors by field name) from the follow-up form."""
    comment = formdata.get("comment", "")
    errors: dict[str, str] = {}
    if len(comment) > MAX_COMMENT:
        errors["comment"] = str(lazy_ngettext("Keep your answer under %(num)d character.",
                                              "Keep your answer under %(num)d characters.", MAX_COMMENT))
    scores: dict[int, int | None] = {}
    for aspect in aspects:
        raw = (formdata.get(f"aspect_{aspect.id}") or "").strip()
        if not raw:
            scores[aspect.id] = None
        elif raw.isdigit() and 0 <= int(raw) <= 10:
            scores[aspect.id] = int(raw)
        else:
            errors[f"aspect_{aspect.id}"] = str(_l("Choose a score from 0 to 10."))
    return comment, scores, errors
