"""Shared set-up of the account-sharing tests (feed, /me/shares, auto-share): linked accounts and
API shares without any network behind them."""
from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from ambassador.models import Share, SocialAccount
from ambassador.providers import registry
from ambassador.services.publishing import linked_shares

PROVIDERS = ("linkedin", "x", "mastodon", "bluesky", "facebook")
_seq = itertools.count(1)


@pytest.fixture
def providers_enabled(monkeypatch):
    """Every network counts as configured: publishing refuses accounts of networks that are not."""
    monkeypatch.setattr(registry, "enabled", lambda config=None: {name: object() for name in PROVIDERS})


@pytest.fixture
def org(make):
    return make.org(name="Brasserie Zuid", disclosure="#employee")


@pytest.fixture
def campaign(make, org):
    return make.campaign(org, title="Spring menu")


@pytest.fixture
def member(make, org):
    return make.member(org, timezone="Europe/Brussels")


@pytest.fixture
def post(make, campaign):
    return make.post(campaign, title="New spring menu", link_url="https://www.zuid.example/menu",
                     captions={"linkedin": "Our spring menu is here", "x": "Spring menu!"})


def link_account(db, membership, provider: str = "linkedin", *, status: str = "active",
                 name: str | None = None) -> SocialAccount:
    n = next(_seq)
    account = SocialAccount(org_id=membership.org_id, membership_id=membership.id, provider=provider,
                            external_id=f"{provider}-{n}", handle=f"@user{n}", display_name=name or f"Person {n}",
                            profile_url=f"https://{provider}.example/user{n}", status=status, extra={})
    db.session.add(account)
    db.session.flush()
    return account


def api_share(db, membership, post, account, *, status: str = "scheduled", at=None, **values) -> Share:
    """An API share through the real service, then moved to `status` as the worker would."""
    share = linked_shares.create_api_share(membership=membership, post=post, account=account, caption=None, at=at)
    if status != "scheduled" or values:
        db.session.execute(sa.update(Share).where(Share.id == share.id).values(status=status, **values))
        db.session.refresh(share)
    return share


def count_shares(db, **where) -> int:
    return db.session.scalar(sa.select(sa.func.count(Share.id)).filter_by(**where))
