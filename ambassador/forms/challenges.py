"""The challenge form (publishing and deleting are plain CSRF-protected forms)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..models import ChallengeGoal, ChallengeKind, ChallengeMode
from ..services.challenges.setup import ChallengeInput
from ..services.challenges.texts import GOAL_LABELS, KIND_LABELS, MODE_LABELS
from .content import ContentForm

NO_PRIZE = 0


class ChallengeForm(ContentForm):
    """set_team_choices() comes from ContentForm; set_reward_choices() lists the active catalogue."""

    title = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)],
                                description=_l("Shown to members with the rules."))
    goal = SelectField(_l("What counts"), choices=list(GOAL_LABELS.items()), default=ChallengeGoal.SHARES)
    mode = RadioField(_l("Who competes"), choices=list(MODE_LABELS.items()), default=ChallengeMode.INDIVIDUAL)
    kind = SelectField(_l("Which members take part"), choices=list(KIND_LABELS.items()), default=ChallengeKind.ALL)
    teams = SelectMultipleField(_l("Teams"), coerce=int, validate_choice=False,
                                description=_l("Individual: only members of these teams. Team against team: these "
                                               "teams compete. Leave empty for all."))
    first_day = DateField(_l("First day"), validators=[Optional()])
    last_day = DateField(_l("Last day"), validators=[Optional()],
                         description=_l("Whole days in the organization's time zone; the worker ends the "
                                        "challenge after the last one."))
    target = IntegerField(_l("Target (optional)"), validators=[Optional()],
                          description=_l("The score each participant aims at: the progress bars fill up to it."))
    reward_id = SelectField(_l("Prize"), coerce=int, validate_choice=False, default=NO_PRIZE,
                            description=_l("A reward of the catalogue for each winner (a winning team: each of "
                                           "its members)."))

    def set_reward_choices(self, rewards) -> None:
        self.reward_id.choices = [(NO_PRIZE, _l("No prize"))] + [(r.id, r.title) for r in rewards]

    def fill(self, challenge) -> None:
        self.process(obj=challenge, teams=[t.id for t in challenge.teams])
        self.reward_id.data = challenge.reward_id or NO_PRIZE

    def to_input(self) -> ChallengeInput:
        return ChallengeInput(title=self.title.data or "", description=self.description.data or "",
                              goal=self.goal.data or "", mode=self.mode.data or "", kind=self.kind.data or "",
                              first_day=self.first_day.data, last_day=self.last_day.data, target=self.target.data,
                              reward_id=self.reward_id.data or None,
                              team_ids=[getattr(t, "id", t) for t in self.teams.data or []])
