"""Forms of the follow-up area: filters, notes, status and due date, assignment, passives, privacy."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional

from ..models import FollowUpStatus
from ..services.nps.followups import BODY_MAX, LINK_MAX, NOTE_MAX, SUBJECT_MAX
from .members import CheckboxesField

STATUS_LABELS = {FollowUpStatus.OPEN: lazy_pgettext("follow-up", "Open"), FollowUpStatus.CONTACTED: _l("Contacted"),
                 FollowUpStatus.RESOLVED: _l("Resolved")}
GROUP_LABELS = {"promoter": _l("Promoter"), "passive": _l("Passive"), "detractor": _l("Detractor")}


def template_labels() -> dict:
    return {"FOLLOW_UP_STATUS_LABELS": STATUS_LABELS, "GROUP_LABELS": GROUP_LABELS}


class FollowUpFilterForm(FlaskForm):
    """GET filters of the follow-up list (no CSRF: reading only)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=[("", _l("All statuses"))] + list(STATUS_LABELS.items()), default="")
    assignee = SelectField(_l("Assigned to"), choices=[], default="")
    survey = SelectField(_l("Survey"), choices=[], default="")
    overdue = BooleanField(_l("Only overdue"))


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=NOTE_MAX)],
                         description=_l("What was said or done: only the staff sees notes."))


class UpdateForm(FlaskForm):
    status = SelectField(_l("Status"), choices=list(STATUS_LABELS.items()))
    due = DateField(_l("Due date"), validators=[DataRequired()])


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assigned to"), choices=[], description=_l("They get an email."))


class PassiveMessageForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(), Length(max=SUBJECT_MAX)])
    body = TextAreaField(_l("Message"), validators=[Optional(), Length(max=BODY_MAX)])
    link = URLField(_l("Link"), validators=[Optional(), Length(max=LINK_MAX)],
                    description=_l("Optional: an article, an offer or a page worth their time (https://…)."))
    respondents = CheckboxesField(_l("Send to"), coerce=int, choices=[])


class RespondentSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Email or name"), validators=[Optional(), Length(max=254)])


class EraseForm(FlaskForm):
    confirm = BooleanField(_l("I understand: the email address, name, comments and follow-up notes of this "
                              "respondent are deleted for good; the scores stay, without a link to them."),
                           validators=[DataRequired(_l("Tick the box to confirm."))])
