"""Campaign service: slugs unique per organization, windows, teams of the same organization."""
from datetime import datetime

import pytest
import sqlalchemy as sa

from ambassador.models import Campaign
from ambassador.services.content import campaigns
from ambassador.services.content.campaigns import CampaignInput, ContentError


def test_slug_from_title_unique_per_org(make):
    org, other = make.org(), make.org()
    author = make.user()
    first = campaigns.create_campaign(org=org, author=author, data=CampaignInput(title="Été à Gent!"))
    second = campaigns.create_campaign(org=org, author=author, data=CampaignInput(title="ete a gent"))
    elsewhere = campaigns.create_campaign(org=other, author=author, data=CampaignInput(title="Été à Gent"))
    assert (first.slug, second.slug, elsewhere.slug) == ("ete-a-gent", "ete-a-gent-2", "ete-a-gent")
    assert first.created_by_id == author.id


def test_slug_for_title_without_letters_and_long_titles(make):
    org = make.org()
    assert campaigns.create_campaign(org=org, author=None, data=CampaignInput(title="!!!")).slug == "campaign"
    long = campaigns.create_campaign(org=org, author=None, data=CampaignInput(title="word " * 30))
    assert len(long.slug) <= campaigns.SLUG_LENGTH


def test_slug_race_takes_next_free_slug(make, db, monkeypatch):
    org = make.org()
    make.campaign(org, title="Spring", slug="spring")
    # Simulate a concurrent insert: the check says "spring" is free, the constraint says no.
    real = campaigns.unique_slug
    answers = iter(["spring"])
    monkeypatch.setattr(campaigns, "unique_slug", lambda **kw: next(answers, None) or real(**kw))
    created = campaigns.create_campaign(org=org, author=None, data=CampaignInput(title="Spring"))
    assert created.slug == "spring-2"
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id)).where(Campaign.org_id == org.id)) == 2


def test_update_keeps_slug(make):
    org = make.org()
    campaign = campaigns.create_campaign(org=org, author=None, data=CampaignInput(title="First"))
    campaigns.update_campaign(campaign=campaign, org=org, data=CampaignInput(title="Renamed", status="active"))
    assert campaign.slug == "first" and campaign.title == "Renamed" and campaign.status == "active"


@pytest.mark.parametrize("data, field", [
    (CampaignInput(title=""), "title"),
    (CampaignInput(title="x" * 161), "title"),
    (CampaignInput(title="ok", status="live"), "status"),
    (CampaignInput(title="ok", starts_at=datetime(2030, 1, 2), ends_at=datetime(2030, 1, 1)), "ends_at"),
    (CampaignInput(title="ok", starts_at=datetime(2030, 1, 1), ends_at=datetime(2030, 1, 1)), "ends_at"),
])
def test_invalid_input(make, data, field):
    with pytest.raises(ContentError) as exc:
        campaigns.create_campaign(org=make.org(), author=None, data=data)
    assert field in exc.value.field_errors


def test_teams_must_belong_to_the_organization(make):
    org, other = make.org(), make.org()
    mine, theirs = make.team(org), make.team(other)
    campaign = campaigns.create_campaign(org=org, author=None, data=CampaignInput(title="T", team_ids=[mine.id]))
    assert campaign.teams == [mine]
    with pytest.raises(ContentError) as exc:
        campaigns.create_campaign(org=org, author=None, data=CampaignInput(title="T", team_ids=[theirs.id]))
    assert "teams" in exc.value.field_errors


def test_list_counts_posts_and_filters_status(make):
    org, other = make.org(), make.org()
    active = make.campaign(org, status="active")
    make.post(active, status="approved")
    make.post(active, status="draft")
    make.campaign(org, status="archived")
    make.campaign(other)
    rows = campaigns.list_campaigns(org=org)
    assert len(rows) == 2
    assert [(c.id, n, a) for c, n, a in rows if c.id == active.id] == [(active.id, 2, 1)]
    assert [c.status for c, _, _ in campaigns.list_campaigns(org=org, status="archived")] == ["archived"]


def test_delete_refuses_campaign_with_posts(make, db):
    org = make.org()
    full = make.campaign(org)
    make.post(full)
    with pytest.raises(ContentError):
        campaigns.delete_campaign(campaign=full)
    empty = make.campaign(org)
    campaigns.delete_campaign(campaign=empty)
    assert db.session.scalar(sa.select(sa.func.count(Campaign.id)).where(Campaign.org_id == org.id)) == 1
