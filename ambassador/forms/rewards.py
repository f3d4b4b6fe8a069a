"""Forms of the rewards catalogue (redeeming, approving and refusing are plain CSRF-protected forms)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..models.rewards import Eligibility
from ..services.community.rewards import MAX_COST, MAX_STOCK, RewardInput
from .content import ContentForm

ELIGIBILITY_CHOICES = [
    (Eligibility.ALL, _l("Internal and external ambassadors")),
    (Eligibility.INTERNAL, _l("Internal ambassadors (employees) only")),
    (Eligibility.EXTERNAL, _l("External ambassadors (customers, partners, fans) only")),
]


class RewardForm(ContentForm):
    """set_team_choices() comes from ContentForm."""

    title = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    points_cost = IntegerField(_l("Cost in points"), validators=[InputRequired(), NumberRange(min=1, max=MAX_COST)])
    stock = IntegerField(_l("Stock"), validators=[Optional(), NumberRange(min=0, max=MAX_STOCK)],
                         description=_l("How many are left. Leave empty for unlimited."))
    eligibility = SelectField(_l("Who can redeem it"), choices=ELIGIBILITY_CHOICES, default=Eligibility.ALL)
    teams = SelectMultipleField(_l("Only for these teams"), coerce=int, validate_choice=False,
                                description=_l("Leave empty for everyone."))
    image = FileField(_l("Image"), description=_l("PNG, JPEG, GIF or WebP."))
    remove_image = BooleanField(_l("Remove the current image"))
    active = BooleanField(_l("Active: shown in the catalogue"), default=True)

    def fill(self, reward) -> None:
        self.process(obj=reward, teams=[t.id for t in reward.teams])

    def to_input(self) -> RewardInput:
        return RewardInput(title=self.title.data or "", description=self.description.data or "",
                           points_cost=self.points_cost.data, stock=self.stock.data,
                           eligibility=self.eligibility.data, team_ids=list(self.teams.data or []),
                           active=bool(self.active.data), image=self.image.data,
                           remove_image=bool(self.remove_image.data))
