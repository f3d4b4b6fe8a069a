"""Themes managers define, their hand corrections on responses, and theme counts per NPS group."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from ...errors import ServiceError
from ...extensions import db
from ...models import ResponseTag, Survey, SurveyResponse, TagSource, Theme
from .text import GROUPS, retag_organization, tag_response, words

MAX_KEYWORDS = 60
KEYWORD_LENGTH = 60


class ThemeError(ServiceError):
    """Bad input for a theme: messages keyed by the form field they belong to."""

    code = "theme"


def parse_keywords(text: str) -> list[str]:
    """Keywords separated by commas, semicolons or new lines; trimmed, lower-case, duplicates dropped."""
    seen: list[str] = []
    for part in re.split(r"[,;\n\r]+", text or ""):
        keyword = " ".join(part.split()).lower()
        if keyword and keyword not in seen:
            seen.append(keyword)
    return seen


def _checked(*, org_id: int, name: str, keywords_text: str, exclude_id: int | None = None) -> tuple[str, list[str]]:
    name = " ".join((name or "").split())
    keywords = parse_keywords(keywords_text)
    errors = {}
    if not name:
        errors["name"] = _l("Give the theme a name.")
    elif len(name) > 80:
        errors["name"] = _l("Keep the name under 80 characters.")
    else:
        clash = sa.select(Theme.id).where(Theme.org_id == org_id, sa.func.lower(Theme.name) == name.lower())
        if exclude_id is not None:
            clash = clash.where(Theme.id != exclude_id)
        if db.session.scalar(clash) is not None:
            errors["name"] = _l("There is already a theme with this name.")
    if not keywords:
        errors["keywords"] = _l("Add at least one keyword.")
    elif len(keywords) > MAX_KEYWORDS:
        errors["keywords"] = lazy_ngettext("At most %(num)d keyword.", "At most %(num)d keywords.", MAX_KEYWORDS)
    elif any(len(k) > KEYWORD_LENGTH or not words(k) for k in keywords):
        errors["keywords"] = lazy_ngettext("Each keyword needs letters and at most %(num)d character.",
                                           "Each keyword needs letters and at most %(num)d characters.", KEYWORD_LENGTH)
    if errors:
        raise ThemeError(errors)
    return name, keywords


def org_themes(*, org_id: int) -> list[Theme]:
    return list(db.session.scalars(sa.select(Theme).where(Theme.org_id == org_id).order_by(Theme.name)))


def create_theme(*, org_id: int, name: str, keywords_text: str) -> Theme:
    """A new theme; the organization's responses are tagged with it right away."""
    name, keywords = _checked(org_id=org_id, name=name, keywords_text=keywords_text)
    theme = Theme(org_id=org_id, name=name, keywords=keywords)
    db.session.add(theme)
    db.session.flush()
    retag_organization(org_id)
    return theme


def update_theme(*, theme: Theme, name: str, keywords_text: str) -> Theme:
    """New name or keywords; automatic tags follow the new keywords, manual corrections stay."""
    theme.name, theme.keywords = _checked(org_id=theme.org_id, name=name, keywords_text=keywords_text,
                                          exclude_id=theme.id)
    db.session.flush()
    retag_organization(theme.org_id)
    return theme


def delete_theme(*, theme: Theme) -> None:
    db.session.execute(sa.delete(ResponseTag).where(ResponseTag.theme_id == theme.id))
    db.session.delete(theme)
    db.session.flush()


def set_tag(*, response: SurveyResponse, theme: Theme, present: bool) -> ResponseTag:
    """A manager puts a theme on a response or takes it off; re-tagging never overrides this."""
    if theme.org_id != response.org_id:
        raise ThemeError({"theme_id": _l("Choose a theme of this organization.")})
    tag = db.session.scalar(sa.select(ResponseTag).where(ResponseTag.response_id == response.id,
                                                         ResponseTag.theme_id == theme.id))
    if tag is None:
        tag = ResponseTag(org_id=response.org_id, response_id=response.id, theme_id=theme.id)
        db.session.add(tag)
    tag.source, tag.removed = TagSource.MANUAL, not present
    db.session.flush()
    return tag


def reset_tags(*, response: SurveyResponse) -> None:
    """Forget a response's manual corrections and tag it from its comment again."""
    db.session.execute(sa.delete(ResponseTag).where(ResponseTag.response_id == response.id,
                                                    ResponseTag.source == TagSource.MANUAL))
    tag_response(response)


def tags_of(*, org_id: int, response_ids: list[int]) -> dict[int, list[ResponseTag]]:
    """The tags on these responses (removed ones included, so a page can show "removed by hand")."""
    result: dict[int, list[ResponseTag]] = {rid: [] for rid in response_ids}
    if not response_ids:
        return result
    rows = db.session.scalars(sa.select(ResponseTag).join(Theme)
                              .where(ResponseTag.org_id == org_id, ResponseTag.response_id.in_(response_ids))
                              .order_by(Theme.name))
    for tag in rows:
        result[tag.response_id].append(tag)
    return result


@dataclass
class ThemeCount:
    theme: Theme
    counts: dict[str, int] = field(default_factory=dict)  # group → responses with the theme
    shares: dict[str, float | None] = field(default_factory=dict)  # group → % of the group's commented responses

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class ThemeTable:
    rows: list[ThemeCount]
    commented: dict[str, int]  # group → responses with a comment


def theme_counts(*, survey: Survey) -> ThemeTable:
    """How often each theme comes up among promoters, passives and detractors of a survey."""
    in_survey = (SurveyResponse.org_id == survey.org_id, SurveyResponse.survey_id == survey.id)
    commented = dict.fromkeys(GROUPS, 0)
    commented.update(db.session.execute(
        sa.select(SurveyResponse.group, sa.func.count()).where(*in_survey, SurveyResponse.comment != "")
        .group_by(SurveyResponse.group)).tuples().all())
    counted: dict[tuple[int, str], int] = {
        (theme_id, group): n for theme_id, group, n in db.session.execute(
            sa.select(ResponseTag.theme_id, SurveyResponse.group, sa.func.count())
            .join(SurveyResponse, SurveyResponse.id == ResponseTag.response_id)
            .where(*in_survey, ResponseTag.org_id == survey.org_id, ResponseTag.removed.is_(False))
            .group_by(ResponseTag.theme_id, SurveyResponse.group))}
    rows = []
    for theme in org_themes(org_id=survey.org_id):
        counts = {g: counted.get((theme.id, g), 0) for g in GROUPS}
        shares: dict[str, float | None] = {
            g: (round(100 * counts[g] / commented[g]) if commented[g] else None) for g in GROUPS}
        rows.append(ThemeCount(theme=theme, counts=counts, shares=shares))
    rows.sort(key=lambda r: (-r.total, r.theme.name.lower()))
    return ThemeTable(rows=rows, commented=commented)


def answers_page(*, survey: Survey, group: str | None = None, theme_id: int | None = None, page: int = 1,
                 per_page: int = 20):
    """The survey's answers with a comment or a tag, newest first; by group and by (not removed) theme."""
    tagged = sa.select(ResponseTag.id).where(ResponseTag.response_id == SurveyResponse.id,
                                             ResponseTag.removed.is_(False))
    query = (sa.select(SurveyResponse)
             .where(SurveyResponse.org_id == survey.org_id, SurveyResponse.survey_id == survey.id,
                    sa.or_(SurveyResponse.comment != "", tagged.exists()))
             .order_by(SurveyResponse.created_at.desc(), SurveyResponse.id.desc()))
    if group in GROUPS:
        query = query.where(SurveyResponse.group == group)
    if theme_id is not None:
        query = query.where(tagged.where(ResponseTag.theme_id == theme_id).exists())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
