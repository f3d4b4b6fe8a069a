"""Forms of the community: ideas, comments, staff statuses, polls, ballots, topics, replies, moderation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..models import IdeaStatus
from ..models.community import POLL_RESULTS, PollResults
from ..services.community.polls import PollInput
from .content import TIME_FORMAT, to_utc


def idea_status_labels() -> dict:
    """Labels in IDEA_STATUSES order."""
    return {IdeaStatus.NEW: _l("New"), IdeaStatus.UNDER_REVIEW: _l("Under review"), IdeaStatus.PLANNED: _l("Planned"),
            IdeaStatus.DONE: _l("Done"), IdeaStatus.DECLINED: _l("Declined")}


class CommunityForm(FlaskForm):
    """The community forms; a service's messages reach them through web/service_call.py (on_form=True)."""


class IdeaForm(CommunityForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)])
    body = TextAreaField(_l("Describe your idea"), validators=[Length(max=5000)])
    image = FileField(_l("Image (optional)"), description=_l("PNG, JPEG, GIF or WebP."))


class CommentForm(CommunityForm):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(max=2000)])


class IdeaStatusForm(CommunityForm):
    status = SelectField(_l("Status"), choices=list(idea_status_labels().items()))
    reply = TextAreaField(_l("Public reply"), validators=[Length(max=2000)],
                          description=_l("Shown on the idea for everyone; leave empty for none."))


class PollForm(CommunityForm):
    question = StringField(_l("Question"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("More context (optional)"), validators=[Length(max=2000)])
    options = TextAreaField(_l("Options, one per line"), validators=[DataRequired()],
                            description=_l("Between 2 and 10."))
    multiple = BooleanField(_l("Members may choose several options"))
    results = RadioField(_l("Members see the results"), default=PollResults.AFTER_VOTE, choices=[
        (PollResults.AFTER_VOTE, _l("after they have voted")),
        (PollResults.AFTER_CLOSE, _l("only once the poll is closed"))])
    ends_at = DateTimeLocalField(_l("Ends (optional)"), format=TIME_FORMAT, validators=[Optional()],
                                 description=_l("In your time zone; leave empty to close it by hand."))

    def to_input(self, tz: str) -> PollInput:
        results = self.results.data if self.results.data in POLL_RESULTS else ""
        return PollInput(question=self.question.data or "", description=self.description.data or "",
                         options=(self.options.data or "").splitlines(), multiple=bool(self.multiple.data),
                         results=results, ends_at=to_utc(self.ends_at.data, tz))


class BallotForm(CommunityForm):
    option = SelectMultipleField(_l("Your choice"), coerce=int, validate_choice=False)


class TopicForm(CommunityForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=5000)])


class ReplyForm(CommunityForm):
    body = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=5000)])


class ReasonForm(CommunityForm):
    """Reporting a message (members) or hiding one (staff): a short reason is required."""

    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=300)])
