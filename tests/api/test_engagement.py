"""Engagement through the API: a share's latest figures and stored snapshots, and the organization's summary per
day and per network. Readings are stored the way the engagement job stores them (tests/services/analytics/
engagement_data.py); what a network does not report is null, never 0; a post deleted on the network is marked."""
from __future__ import annotations

from datetime import timedelta

import pytest

from ambassador.models import utcnow
from tests.services.analytics.engagement_data import Recorder

from .conftest import bearer

NOTHING = {"likes": None, "reposts": None, "replies": None, "quotes": None, "impressions": None}


def _get(client, secret, path, status=200):
    response = client.get(path, headers=bearer(secret))
    assert response.status_code == status, (path, response.get_data(as_text=True))
    return response.get_json()


def figures(**given) -> dict:
    return {**NOTHING, **given}


@pytest.fixture
def read_back(db, act, world):
    """The ambassador's share on X read twice (impressions never given), the manager's on Bluesky read once and
    then deleted on the network, and the ambassador's on LinkedIn (which reports nothing) never read."""
    now = utcnow()
    ambassador, manager, post = world["ambassador"], world["manager"], world["post"]
    rec = Recorder(db, act)
    x = rec.api_share(ambassador, post, rec.account(ambassador, "x", 1000), now - timedelta(days=2), history=[
        (now - timedelta(days=2) + timedelta(hours=1), figures(likes=5, reposts=0)),
        (now - timedelta(days=1), figures(likes=8, reposts=1))]).share
    bluesky = rec.api_share(manager, post, rec.account(manager, "bluesky", None), now - timedelta(days=2),
                            deleted=True, history=[(now - timedelta(days=1), figures(replies=2, quotes=1))]).share
    linkedin = rec.api_share(ambassador, post, rec.account(ambassador, "linkedin", 300),
                             now - timedelta(days=1)).share
    return {"x": x, "bluesky": bluesky, "linkedin": linkedin}


def test_a_shares_snapshots_and_latest_figures_unknown_stays_null(client, world, token_for, read_back):
    _token, secret = token_for(world["ambassador"], ["shares:read"])
    x = _get(client, secret, f"/api/v1/shares/{read_back['x'].id}/engagement")
    assert x["latest"] | {"fetched_at": None} == {
        "reported": True, "likes": 8, "reposts": 1, "replies": None, "quotes": None, "impressions": None,
        "total": 9, "fetched_at": None, "deleted": False, "deleted_at": None}
    assert x["latest"]["fetched_at"] is not None
    assert [(s["likes"], s["reposts"], s["impressions"]) for s in x["data"]] == [(5, 0, None), (8, 1, None)]
    assert x["next_cursor"] is None
    first = _get(client, secret, f"/api/v1/shares/{read_back['x'].id}/engagement?limit=1")
    second = _get(client, secret, f"/api/v1/shares/{read_back['x'].id}/engagement?limit=1&cursor="
                                  f"{first['next_cursor']}")
    assert [s["likes"] for s in first["data"] + second["data"]] == [5, 8] and second["next_cursor"] is None
    linkedin = _get(client, secret, f"/api/v1/shares/{read_back['linkedin'].id}/engagement")
    assert linkedin["latest"] == {"reported": False, **NOTHING, "total": None, "fetched_at": None, "deleted": False,
                                  "deleted_at": None} and linkedin["data"] == []
    intent = _get(client, secret, f"/api/v1/shares/{world['shares'][1].id}/engagement")  # a share link
    assert intent["latest"]["reported"] is False and intent["latest"]["total"] is None
    listed = {s["id"]: s["engagement"] for s in _get(client, secret, "/api/v1/shares?limit=200")["data"]}
    assert listed[read_back["x"].id]["total"] == 9 and listed[read_back["linkedin"].id]["likes"] is None
    one = _get(client, secret, f"/api/v1/shares/{read_back['x'].id}")
    assert one["engagement"]["likes"] == 8


def test_a_deleted_post_is_marked_and_keeps_its_figures(client, world, token_for, read_back):
    _token, manager = token_for(world["manager"], ["shares:read"])
    bluesky = _get(client, manager, f"/api/v1/shares/{read_back['bluesky'].id}/engagement")["latest"]
    assert bluesky["deleted"] is True and bluesky["deleted_at"] and (bluesky["replies"], bluesky["total"]) == (2, 3)
    _token, ambassador = token_for(world["ambassador"], ["shares:read"])  # not their share: not found
    _get(client, ambassador, f"/api/v1/shares/{read_back['bluesky'].id}/engagement", status=404)
    _token, no_scope = token_for(world["manager"], ["analytics:read"])
    _get(client, no_scope, f"/api/v1/shares/{read_back['bluesky'].id}/engagement", status=403)


def test_the_summary_per_day_and_network(client, world, token_for, read_back):
    _token, secret = token_for(world["manager"], ["analytics:read"])
    summary = _get(client, secret, "/api/v1/engagement?period=7")
    assert summary["period"] == "7" and len(summary["days"]) == 7
    assert summary["days"][0]["day"] == summary["first_day"] and summary["days"][-1]["day"] == summary["last_day"]
    assert sum(day["engagement"] for day in summary["days"]) == 9 + 3  # X: 5 then +4; Bluesky: 3
    assert sum(day["shares"] for day in summary["days"]) >= 3
    networks = {row["network"]: row for row in summary["networks"]}
    assert {k: networks["x"][k] for k in ("shares", "linked", "read", "likes", "reposts", "replies", "engagement",
                                          "reach")} == {"shares": 1, "linked": 1, "read": 1, "likes": 8,
                                                        "reposts": 1, "replies": None, "engagement": 9,
                                                        "reach": 1000}
    assert (networks["bluesky"]["deleted"], networks["bluesky"]["engagement"]) == (1, 3)
    assert networks["linkedin"]["unreported"] == 1 and networks["linkedin"]["engagement"] is None
    _token, shares_only = token_for(world["manager"], ["shares:read"])
    _get(client, shares_only, "/api/v1/engagement", status=403)
    _get(client, secret, "/api/v1/engagement?period=all", status=422)


def test_an_organization_never_read_back_has_unknown_days_not_zero(client, world, token_for):
    _token, secret = token_for(world["manager"], ["analytics:read"])
    summary = _get(client, secret, "/api/v1/engagement")
    assert len(summary["days"]) == 30 and {day["engagement"] for day in summary["days"]} == {None}
