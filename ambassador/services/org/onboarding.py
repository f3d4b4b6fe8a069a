"""Getting started: the admin's checklist for a new organization and an ambassador's "Get set up" panel.

Every step is ticked from what is really there (a logo, a disclosure, a live post, a linked account…),
never from a click on the list; each step names the page that does it (an endpoint the template links).
The list shows until every step is done or it is hidden (the hiding is stored: per organization for the
checklist, per membership for the panel).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import (
    AccountStatus,
    Campaign,
    Invitation,
    Membership,
    MemberStatus,
    Organization,
    Post,
    SocialAccount,
    User,
    utcnow,
)
from ..publishing.feed import live_in_org
from ..publishing.network_offers import OfferState, network_offers


@dataclass(frozen=True)
class Step:
    key: str
    title: Any  # lazy string
    hint: Any
    endpoint: str  # the page that does it
    anchor: str = ""
    done: bool = False


@dataclass(frozen=True)
class Checklist:
    steps: tuple[Step, ...]
    dismissed: bool

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return self.done_count == len(self.steps)

    @property
    def shown(self) -> bool:
        return not (self.dismissed or self.complete)


def connectable_networks(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The networks this server lets members connect an account to (network_offers' CONNECT state)."""
    return tuple(offer.provider_name for offer in network_offers(accounts=(), config=dict(config))
                 if offer.state == OfferState.CONNECT and offer.provider_name)


def _more_than_one_member(org_id: int) -> sa.ColumnElement[bool]:
    """Someone besides the first member (counts at most two rows, whatever the organization's size)."""
    two = (sa.select(Membership.id).where(Membership.org_id == org_id, Membership.status != MemberStatus.DEACTIVATED)
           .limit(2).subquery())
    return sa.select(sa.func.count()).select_from(two).scalar_subquery() > 1


def admin_checklist(*, org: Organization, config: Mapping[str, Any]) -> Checklist:
    """The organization's getting-started steps; one SELECT of four EXISTS, all scoped to the organization."""
    networks = connectable_networks(config)
    people, invited, live, linked = db.session.execute(sa.select(
        _more_than_one_member(org.id),
        sa.select(Invitation.id).where(Invitation.org_id == org.id, Invitation.revoked_at.is_(None)).exists(),
        sa.select(Post.id).join(Campaign, Post.campaign_id == Campaign.id).where(*live_in_org(org_id=org.id)).exists(),
        sa.select(SocialAccount.id).where(SocialAccount.org_id == org.id, SocialAccount.status == AccountStatus.ACTIVE,
                                          SocialAccount.provider.in_(networks)).exists(),
    )).one()
    steps = (
        Step("branding", _l("Add your logo and brand colour"),
             _l("Your pages, menus and buttons then look like your brand."),
             "org.settings", "branding", bool(org.logo_path or org.brand_color)),
        Step("disclosure", _l("Set the disclosure"),
             _l("Shares by employees say they work for you, e.g. #employee."),
             "org.settings", "disclosures", bool((org.disclosure or "").strip())),
        Step("people", _l("Invite your team"),
             _l("Send invitations, import a list, or share the join link."),
             "members.invite", "", bool(people or invited)),
        Step("campaign", _l("Publish a first post"),
             _l("Create a campaign and publish a post your ambassadors can share."),
             "content.campaigns", "", bool(live)),
        Step("networks", _l("Connect a social network"),
             _l("Link an account so posts can go out straight from Ambassador."),
             "accounts.index", "", bool(linked)),
    )
    return Checklist(steps=steps, dismissed=org.setup_dismissed_at is not None)


def dismiss_checklist(*, org: Organization) -> None:
    org.setup_dismissed_at = org.setup_dismissed_at or utcnow()
    db.session.flush()


def member_setup(*, membership: Membership, user: User) -> Checklist:
    """A new ambassador's steps: link an account, choose a language, choose queue times (one EXISTS)."""
    linked = db.session.scalar(sa.select(sa.select(SocialAccount.id).where(
        SocialAccount.membership_id == membership.id, SocialAccount.org_id == membership.org_id,
        SocialAccount.status == AccountStatus.ACTIVE).exists()))
    steps = (
        Step("account", _l("Connect a social account"),
             _l("Then you can share in one click, or plan shares for later."),
             "accounts.index", "", bool(linked)),
        Step("language", _l("Choose your language"),
             _l("Ambassador and its emails then speak your language."),
             "auth.profile", "locale", user.locale_chosen_at is not None),
        Step("queue", _l("Set your queue times"),
             _l("“Add to my queue” shares at the next of these times."),
             "auth.profile", "queue_times", membership.queue_times_chosen_at is not None),
    )
    return Checklist(steps=steps, dismissed=membership.setup_dismissed_at is not None)


def dismiss_member_setup(*, membership: Membership) -> None:
    membership.setup_dismissed_at = membership.setup_dismissed_at or utcnow()
    db.session.flush()


def language_chosen(user: User) -> None:
    """The person chose their language (profile, or the footer's language switch)."""
    user.locale_chosen_at = utcnow()


def queue_times_chosen(membership: Membership) -> None:
    membership.queue_times_chosen_at = utcnow()
