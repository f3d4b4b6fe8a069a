"""Forms for campaigns, posts and reviews. Times are entered in the person's own time zone."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import networks
from ..models import CONTENT_LANGUAGES, Audience, CampaignStatus
from ..services.content.campaigns import CampaignInput
from ..services.content.posts import LanguageInput, PostInput

TIME_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def to_utc(value: datetime | None, tz: str) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).replace(tzinfo=None)


def from_utc(value: datetime | None, tz: str) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def _teams():
    # Checkboxes (templates/_macros.html team_picker adds a filter box), not a Ctrl-click list box.
    return SelectMultipleField(_l("Target teams"), coerce=int, validate_choice=False,
                               description=_l("Leave all unticked for everyone."),
                               widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


def _when(label):
    return DateTimeLocalField(label, format=TIME_FORMAT, validators=[Optional()])


class ContentForm(FlaskForm):
    def set_team_choices(self, teams) -> None:
        self.teams.choices = [(t.id, t.name) for t in teams]

    def fill_from(self, obj, **overrides) -> None:
        """Fill from `obj`, then `overrides` (local times, team ids): WTForms prefers an attribute of
        `obj` to a keyword of the same name, which showed UTC times and no ticked teams."""
        self.process(obj=obj)
        for name, value in overrides.items():
            getattr(self, name).data = value


class CampaignForm(ContentForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    starts_at = _when(_l("Starts"))
    ends_at = _when(_l("Ends"))
    status = SelectField(_l("Status"), choices=[(CampaignStatus.DRAFT, _l("Draft")),
                                                (CampaignStatus.ACTIVE, lazy_pgettext("campaign", "Active")),
                                                (CampaignStatus.ARCHIVED, _l("Archived"))],
                         default=CampaignStatus.DRAFT)
    teams = _teams()
    auto_share = BooleanField(_l("Offer auto-share"), description=_l(
        "Ambassadors may opt in: each new post is queued to their next free slot, and they can edit or cancel "
        "it before it goes out."))

    def fill(self, campaign, tz: str) -> None:
        self.fill_from(campaign, starts_at=from_utc(campaign.starts_at, tz),
                       ends_at=from_utc(campaign.ends_at, tz), teams=[t.id for t in campaign.teams])

    def to_input(self, tz: str) -> CampaignInput:
        return CampaignInput(title=self.title.data or "", description=self.description.data or "",
                             starts_at=to_utc(self.starts_at.data, tz), ends_at=to_utc(self.ends_at.data, tz),
                             status=self.status.data, team_ids=list(self.teams.data or []),
                             auto_share=bool(self.auto_share.data))


class PostForm(ContentForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)],
                        description=_l("For your team; ambassadors see the link's preview."))
    link_url = URLField(_l("Link"), validators=[DataRequired(), Length(max=2048)])
    fetch_preview = SubmitField(_l("Fetch preview from the link"))
    preview_title = StringField(_l("Preview title"), validators=[Length(max=300)])
    preview_description = TextAreaField(_l("Preview description"), validators=[Length(max=2000)])
    preview_image_url = URLField(_l("Preview image address"), validators=[Optional(), Length(max=2048)])
    image = FileField(_l("Image"), description=_l("PNG, JPEG, GIF or WebP; replaces the preview image."))
    remove_image = BooleanField(_l("Remove the uploaded image"))
    pending_image = HiddenField()  # the image held by an earlier submission that did not save
    hashtags = StringField(_l("Hashtags"), validators=[Length(max=300)],
                           description=_l("Added to every caption, e.g. #ghent #jobs."))
    visible_from = _when(_l("Visible from"))
    expires_at = _when(_l("Expires at"))
    audience = RadioField(_l("Audience"), default=Audience.EVERYONE, choices=[
        (Audience.EVERYONE, _l("Everyone (internal and external ambassadors)")), (Audience.INTERNAL,
                                                                                  _l("Internal only"))])
    teams = _teams()
    summary = TextAreaField(_l("Summary"), validators=[Length(max=2000)],
                            description=_l("A sentence or two ambassadors read on the feed card."))
    save = SubmitField(_l("Save"))

    def caption_fields(self):
        return [(networks.get(key), getattr(self, f"caption_{key}")) for key in networks.CAPTION_NETWORKS]

    def language_fields(self, lang: str, default: str):
        """(title, summary, {network key: caption field}) of one language; the default language's are the
        unprefixed fields (title, summary, caption_<network>)."""
        infix = "" if lang == default else f"_{lang}"
        return (getattr(self, f"title{infix}"), getattr(self, f"summary{infix}"),
                {key: getattr(self, f"caption{infix}_{key}") for key in networks.CAPTION_NETWORKS})

    def fill(self, post, tz: str, default: str) -> None:
        words = {}
        for c in post.captions:
            words[f"caption_{c.network}" if c.lang == default else f"caption_{c.lang}_{c.network}"] = c.text
        for t in post.translations:
            if t.lang == default:
                words["summary"] = t.summary
            elif t.lang in CONTENT_LANGUAGES:
                words[f"title_{t.lang}"], words[f"summary_{t.lang}"] = t.title, t.summary
        self.fill_from(post, visible_from=from_utc(post.visible_from, tz),
                       expires_at=from_utc(post.expires_at, tz), teams=[t.id for t in post.teams], **words)

    def translations(self, langs: list[str]) -> dict[str, LanguageInput]:
        """The other languages' words as submitted (`langs`: the organization's, default first)."""
        result = {}
        for lang in langs[1:]:
            title, summary, captions = self.language_fields(lang, langs[0])
            result[lang] = LanguageInput(title=title.data or "", summary=summary.data or "",
                                         captions={key: f.data or "" for key, f in captions.items()})
        return result

    def to_input(self, tz: str) -> PostInput:
        return PostInput(
            title=self.title.data or "", link_url=self.link_url.data or "",
            preview_title=self.preview_title.data or "", preview_description=self.preview_description.data or "",
            preview_image_url=self.preview_image_url.data or "", hashtags=self.hashtags.data or "",
            visible_from=to_utc(self.visible_from.data, tz), expires_at=to_utc(self.expires_at.data, tz),
            audience=self.audience.data, team_ids=list(self.teams.data or []),
            captions={key: getattr(self, f"caption_{key}").data or "" for key in networks.CAPTION_NETWORKS},
            summary=self.summary.data or "", remove_image=bool(self.remove_image.data))


for _key in networks.CAPTION_NETWORKS:
    setattr(PostForm, f"caption_{_key}", TextAreaField(
        _l("Caption for %(network)s", network=networks.get(_key).label), validators=[Length(max=10000)]))
# Every content language has its own fields; the editor shows the organization's (services/content/languages.py).
for _lang in CONTENT_LANGUAGES:
    setattr(PostForm, f"title_{_lang}", StringField(_l("Title"), validators=[Length(max=200)]))
    setattr(PostForm, f"summary_{_lang}", TextAreaField(_l("Summary"), validators=[Length(max=2000)]))
    for _key in networks.CAPTION_NETWORKS:
        setattr(PostForm, f"caption_{_lang}_{_key}", TextAreaField(
            _l("Caption for %(network)s", network=networks.get(_key).label), validators=[Length(max=10000)]))


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("What should change?"), validators=[DataRequired(), Length(max=4000)])
