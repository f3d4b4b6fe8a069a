"""Campaigns: a curator's container of posts, with a slug unique per organization."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.orm import selectinload

from ...errors import ServiceError
from ...extensions import db
from ...infra.urls import absolute_url
from ...models import CAMPAIGN_STATUSES, Campaign, CampaignStatus, Organization, Post, PostStatus, Team, User
from ..notify import webhooks
from ..org.organizations import slugify

SLUG_LENGTH = 70


class ContentError(ServiceError):
    """Bad input for a campaign or a post: messages keyed by the form field they belong to."""

    code = "content"


@dataclass
class CampaignInput:
    title: str
    description: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    status: str = CampaignStatus.DRAFT
    team_ids: list[int] = field(default_factory=list)
    # Offer auto-share: opted-in ambassadors get the campaign's new posts queued for them.
    auto_share: bool = False


def org_teams(*, org: Organization, team_ids: list[int]) -> list[Team]:
    """The organization's teams with these ids; an id of another organization is an error."""
    wanted = set(team_ids or [])
    if not wanted:
        return []
    teams = list(db.session.scalars(sa.select(Team).where(Team.org_id == org.id, Team.id.in_(wanted))))
    if len(teams) != len(wanted):
        raise ContentError({"teams": _l("Choose teams of this organization.")})
    return teams


def check_window(start: datetime | None, end: datetime | None, *, field_name: str) -> None:
    if start and end and end <= start:
        raise ContentError({field_name: _l("The end must be after the start.")})


def unique_slug(*, org: Organization, title: str, exclude_id: int | None = None) -> str:
    base = slugify(title, max_length=SLUG_LENGTH - 4)
    if base == "org":  # slugify's fallback for titles without letters
        base = "campaign"
    slug, n = base, 2
    while True:
        query = sa.select(Campaign.id).where(Campaign.org_id == org.id, Campaign.slug == slug)
        if exclude_id is not None:
            query = query.where(Campaign.id != exclude_id)
        if db.session.scalar(query) is None:
            return slug
        slug, n = f"{base}-{n}", n + 1


def _validate(data: CampaignInput) -> None:
    errors = {}
    if not data.title.strip():
        errors["title"] = _l("Give the campaign a title.")
    elif len(data.title.strip()) > 160:
        errors["title"] = lazy_ngettext("At most %(num)d character.", "At most %(num)d characters.", 160)
    if data.status not in CAMPAIGN_STATUSES:
        errors["status"] = _l("Unknown status.")
    try:
        check_window(data.starts_at, data.ends_at, field_name="ends_at")
    except ContentError as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ContentError(errors)


def _apply(campaign: Campaign, *, org: Organization, data: CampaignInput) -> None:
    campaign.title = data.title.strip()
    campaign.description = data.description.strip()
    campaign.starts_at, campaign.ends_at = data.starts_at, data.ends_at
    campaign.status = data.status
    campaign.auto_share = bool(data.auto_share)
    campaign.teams = org_teams(org=org, team_ids=data.team_ids)


def _announce(campaign: Campaign, *, org: Organization) -> None:
    """The campaign went live: tell the organization's chat channels (and its teams' channels, when it targets
    teams), queued in this transaction (services/notify/webhooks.py)."""
    webhooks.announce(org, webhooks.EVENT_CAMPAIGN,
                      _l("New campaign at %(org)s: %(title)s", org=org.name, title=campaign.title),
                      absolute_url("feed.index", campaign=campaign.id), campaign.teams)


def create_campaign(*, org: Organization, author: User | None, data: CampaignInput) -> Campaign:
    _validate(data)
    campaign = Campaign(org_id=org.id, created_by_id=author.id if author else None)
    _apply(campaign, org=org, data=data)
    # Two curators creating "Spring" at once: the unique constraint decides, the loser takes the next slug.
    for _attempt in range(5):
        campaign.slug = unique_slug(org=org, title=data.title)
        try:
            with db.session.begin_nested():
                db.session.add(campaign)
                db.session.flush()
            if campaign.status == CampaignStatus.ACTIVE:
                _announce(campaign, org=org)
            return campaign
        except sa.exc.IntegrityError:
            continue
    raise ContentError({"title": _l("Could not find a free web address for this title; try another.")})


def update_campaign(*, campaign: Campaign, org: Organization, data: CampaignInput) -> Campaign:
    """The slug stays: it is in every tracked link's utm_campaign already handed out."""
    _validate(data)
    was_live = campaign.status == CampaignStatus.ACTIVE
    _apply(campaign, org=org, data=data)
    db.session.flush()
    if campaign.status == CampaignStatus.ACTIVE and not was_live:
        _announce(campaign, org=org)
    return campaign


def delete_campaign(*, campaign: Campaign) -> None:
    """Only an empty campaign can be deleted; one with posts is archived instead."""
    if post_count(campaign=campaign):
        raise ContentError({"campaign": _l("This campaign has posts; archive it instead.")})
    db.session.delete(campaign)
    db.session.flush()


def post_count(*, campaign: Campaign) -> int:
    return db.session.scalar(sa.select(sa.func.count(Post.id)).where(Post.campaign_id == campaign.id)) or 0


def list_campaigns(*, org: Organization, status: str | None = None) -> list[tuple[Campaign, int, int]]:
    """(campaign, posts, approved posts) for the organization, newest first."""
    approved = sa.func.sum(sa.case((Post.status == PostStatus.APPROVED, 1), else_=0))
    query = (
        sa.select(Campaign, sa.func.count(Post.id), sa.func.coalesce(approved, 0))
        .outerjoin(Post, Post.campaign_id == Campaign.id)
        .where(Campaign.org_id == org.id)
        .group_by(Campaign.id)
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
        .options(selectinload(Campaign.teams))  # the list shows them: one query for all rows, not one per row
    )
    if status:
        query = query.where(Campaign.status == status)
    return [(c, int(n), int(a)) for c, n, a in db.session.execute(query)]
