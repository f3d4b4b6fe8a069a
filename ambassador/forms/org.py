"""Forms of the organization settings and teams pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .auth import LANGUAGE_CHOICES
from .members import CheckboxesField
from .validators import TimeZone

# InputRequired, not DataRequired: 0 is a valid number of points.
_POINTS = [InputRequired(), NumberRange(min=0, max=10000)]
# Community points came later: a form without them (an older page, an API client) keeps the current values.
_COMMUNITY_POINTS = [Optional(), NumberRange(min=0, max=10000)]


class OrgSettingsForm(FlaskForm):
    name = StringField(_l("Organization name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Short name (slug)"), validators=[DataRequired(), Length(max=63)],
                       description=_l("Lowercase letters, digits and dashes; used in addresses."))
    logo = FileField(_l("Logo"), description=_l("PNG, JPEG, GIF or WebP; leave empty to keep the current logo."))
    brand_color = StringField(_l("Brand colour"), validators=[Optional(), Length(max=7)],
                              description=_l("A hexadecimal colour such as #0a7d55, for buttons, links and the "
                                             "header. Leave empty for Ambassador's own colours."))
    default_locale = SelectField(_l("Default language"), choices=LANGUAGE_CHOICES)
    post_languages = CheckboxesField(_l("Languages of posts"), choices=LANGUAGE_CHOICES, description=_l(
        "Curators write a post's title and captions in each; ambassadors get their own language, else the "
        "default one. The default language is always included."))
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64), TimeZone()],
                           description=_l("Days for daily caps and leaderboards are counted in this zone."))
    # One per kind of member: a customer's share must not say #employee (nor an employee's #ad).
    disclosure = StringField(_l("Disclosure for employees"), validators=[Optional(), Length(max=40)],
                             description=_l("Kept in every share by an internal member, e.g. #employee. "
                                            "Leave empty for none."))
    disclosure_external = StringField(_l("Disclosure for customers and partners"),
                                      validators=[Optional(), Length(max=40)],
                                      description=_l("Kept in every share by an external member, e.g. #ad or "
                                                     "#partner. Leave empty for none."))
    points_share = IntegerField(_l("Points per share"), validators=_POINTS)
    points_click = IntegerField(_l("Points per click"), validators=_POINTS)
    daily_share_points_cap = IntegerField(_l("Daily cap on share points"), validators=_POINTS,
                                          description=_l("Per member per day; 0 gives no share points."))
    daily_click_points_cap = IntegerField(_l("Daily cap on click points"), validators=_POINTS,
                                          description=_l("Per member per day; 0 gives no click points."))
    points_idea = IntegerField(_l("Points per idea"), validators=_COMMUNITY_POINTS)
    points_vote = IntegerField(_l("Points per vote"), validators=_COMMUNITY_POINTS,
                               description=_l("For a vote on an idea and for answering a poll."))
    points_survey = IntegerField(_l("Points per answered survey"), validators=_COMMUNITY_POINTS)
    daily_community_points_cap = IntegerField(_l("Daily cap on community points"), validators=_COMMUNITY_POINTS,
                                              description=_l("Per member per day, for ideas, votes, polls and "
                                                             "surveys each; 0 gives none."))
    # Never below 3 (the service checks it too); a form without it keeps the current value.
    enps_min_group = IntegerField(_l("Smallest group shown in employee pulses (answers)"),
                                  validators=[Optional(), NumberRange(min=3, max=50)],
                                  description=_l("No eNPS, breakdown, comment or keyword is shown for a group "
                                                 "with fewer answers. At least 3; 5 is the default."))
    posts_require_approval = BooleanField(_l("Posts need a manager's approval before they are published"))
    join_enabled = BooleanField(_l("Join links are switched on"))
    join_requires_approval = BooleanField(_l("People who join through a link wait for approval"))
    audit_retention_days = IntegerField(
        _l("Keep the audit log for (days)"), validators=[Optional(), NumberRange(min=30, max=3650)],
        description=_l("Between 30 and 3650 days; older events are deleted every few hours."))


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=80)])
