"""Rewards pages through the test client: My rewards, redeeming, the catalogue, requests, CSRF,
badges on the leaderboard, and tenant isolation of every URL."""
from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from ambassador.models import Organization, PointsEntry
from ambassador.models.rewards import BadgeAward, Redemption, Reward
from ambassador.services.community import points, redemptions

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def give(db, member, amount: int) -> None:
    org = db.session.get(Organization, member.org_id)
    db.session.add(PointsEntry(org_id=org.id, membership_id=member.id, points=amount, reason="adjustment",
                               day=points.local_day(org)))
    db.session.flush()


def add_reward(db, org, title="Branded mug", cost=50, **kw) -> Reward:
    item = Reward(org_id=org.id, title=title, points_cost=cost, **kw)
    db.session.add(item)
    db.session.flush()
    return item


def text(response) -> str:
    return response.get_data(as_text=True)


def flashed(response) -> str:
    return " ".join(re.findall(r'class="flash flash--\w+">([^<]*)<', text(response)))


@pytest.fixture
def org(make):
    return make.org(name="Rewarding Org")


@pytest.fixture
def ambassador(db, make, org):
    member = make.member(org, name="Ann Ambassador")
    give(db, member, 120)
    return member


# --- My rewards and redeeming ------------------------------------------------------------------------

def test_my_rewards_shows_balance_catalogue_badges_and_history(db, make, login, client, org, ambassador):
    add_reward(db, org, "Branded mug", 50, stock=3)
    add_reward(db, org, "Jacket", 500)
    add_reward(db, org, "Day off", 10, eligibility="internal", active=False)
    login(ambassador.user)
    page = text(client.get("/rewards"))
    assert 'data-stat="balance">120<' in page
    assert "Branded mug" in page and "3 left" in page and "You need 380 more points." in page
    assert "Day off" not in page  # inactive
    assert "First share" in page and "Not yet: 0 of 1" in page
    assert "You have not redeemed anything yet." in page


def test_redeeming_debits_and_lists_the_request(db, login, client, org, ambassador):
    item = add_reward(db, org, "Branded mug", 50, stock=3)
    login(ambassador.user)
    response = client.post(f"/rewards/{item.id}/redeem", follow_redirects=True)
    assert "You redeemed “Branded mug” for 50 points." in flashed(response)
    assert 'data-stat="balance">70<' in text(response) and "Requested" in text(response)
    assert points.balance(ambassador.id) == 70
    assert db.session.scalar(sa.select(Reward.stock).where(Reward.id == item.id)) == 2


def test_clear_errors_and_nothing_written(db, make, login, client, org, ambassador):
    dear = add_reward(db, org, "Jacket", 500)
    internal = add_reward(db, org, "Day off", 10, eligibility="internal")
    gone = add_reward(db, org, "Concert", 10, stock=0)
    fan = make.member(org, kind="external")
    give(db, fan, 1000)
    login(ambassador.user)
    assert "Not enough points: this reward costs 500 points and you have 120." in flashed(
        client.post(f"/rewards/{dear.id}/redeem", follow_redirects=True))
    assert "Out of stock." in flashed(client.post(f"/rewards/{gone.id}/redeem", follow_redirects=True))
    client.post("/logout")
    login(fan.user)
    assert "Not available for external ambassadors." in flashed(
        client.post(f"/rewards/{internal.id}/redeem", follow_redirects=True))
    assert db.session.scalar(sa.select(sa.func.count(Redemption.id))) == 0
    assert points.balance(ambassador.id) == 120 and points.balance(fan.id) == 1000


def test_a_member_cancels_their_request_and_gets_the_points_back(db, make, login, client, org, ambassador):
    redemption = redemptions.redeem(membership=ambassador, reward=add_reward(db, org))
    other = make.member(org)
    login(other.user)
    assert client.post(f"/rewards/redemptions/{redemption.id}/cancel").status_code == 404
    client.post("/logout")
    login(ambassador.user)
    response = client.post(f"/rewards/redemptions/{redemption.id}/cancel", follow_redirects=True)
    assert "Your request is canceled and its points are back." in flashed(response)
    assert points.balance(ambassador.id) == 120


def test_badges_are_awarded_when_the_page_opens_and_show_on_the_leaderboard(db, make, login, client, org, ambassador):
    from tests.services.analytics.leaderboard_data import Activity

    act = Activity(db)
    act.share(ambassador, act.post(act.campaign(org)), datetime(2025, 5, 6, 10))
    login(ambassador.user)
    page = text(client.get("/rewards"))
    assert "New badge: First share!" in page and "Earned" in page
    assert "New badge" not in text(client.get("/rewards"))
    assert db.session.scalar(sa.select(sa.func.count(BadgeAward.id))) == 1
    board = text(client.get("/leaderboard?period=all"))
    row = board[re.search(r'scope="row">(?:(?!</th>).)*Ann Ambassador', board, re.S).start():]  # avatar before it
    assert '<span class="visually-hidden">First share</span>' in row[:row.index("</tr>")]


def test_the_rewards_image_is_for_members_and_an_inactive_ones_for_curators(db, make, login, client, org, ambassador,
                                                                             app):
    from werkzeug.datastructures import FileStorage

    from ambassador.services.community import rewards as reward_service

    item, _ = reward_service.save_reward(org=org, data=reward_service.RewardInput(
        title="Poster", points_cost=5, image=FileStorage(io.BytesIO(PNG), "poster.png")))
    login(ambassador.user)
    response = client.get(f"/rewards/{item.id}/image")
    assert response.status_code == 200 and response.mimetype == "image/png"
    item.active = False
    db.session.flush()
    assert client.get(f"/rewards/{item.id}/image").status_code == 404


# --- the catalogue (curators) ------------------------------------------------------------------------

def test_curators_manage_the_catalogue_ambassadors_may_not(db, make, login, client, org, ambassador):
    login(ambassador.user)
    assert client.get("/rewards/catalogue").status_code == 403
    assert client.post("/rewards/catalogue/new", data={"title": "x", "points_cost": 1}).status_code == 403
    assert client.get("/rewards/requests").status_code == 403
    client.post("/logout")
    team = make.team(org, name="Ghent store")
    login(make.member(org, role="curator").user)
    response = client.post("/rewards/catalogue/new", data={
        "title": "Tote bag", "description": "Organic cotton", "points_cost": "80", "stock": "",
        "eligibility": "external", "teams": [str(team.id)], "active": "y",
        "image": (io.BytesIO(PNG), "bag.png")}, content_type="multipart/form-data", follow_redirects=True)
    assert "“Tote bag” is saved." in flashed(response)
    item = db.session.scalar(sa.select(Reward).where(Reward.title == "Tote bag"))
    assert (item.points_cost, item.stock, item.eligibility, [t.name for t in item.teams]) == (
        80, None, "external", ["Ghent store"])
    assert item.image_path and "Tote bag" in text(client.get("/rewards/catalogue"))
    response = client.post(f"/rewards/catalogue/{item.id}", data={
        "title": "Tote bag", "points_cost": "90", "stock": "4", "eligibility": "all", "active": ""})
    assert response.status_code == 303
    db.session.refresh(item)
    assert (item.points_cost, item.stock, item.active, item.teams) == (90, 4, False, [])


def test_bad_catalogue_input_is_shown_next_to_the_field_and_nothing_is_saved(db, make, login, client, org):
    login(make.member(org, role="curator").user)
    response = client.post("/rewards/catalogue/new", data={
        "title": "Poster", "points_cost": "0", "stock": "-3", "eligibility": "all",
        "image": (io.BytesIO(b"not an image"), "poster.png")}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = text(response)
    assert "Number must be between 1 and 1000000." in page and "Number must be between 0 and 1000000." in page
    response = client.post("/rewards/catalogue/new", data={
        "title": "Poster", "points_cost": "5", "eligibility": "all",
        "image": (io.BytesIO(b"not an image"), "poster.png")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Upload a PNG, JPEG, GIF or WebP image." in text(response)
    assert db.session.scalar(sa.select(sa.func.count(Reward.id))) == 0


# --- requests (managers) -----------------------------------------------------------------------------

def test_managers_approve_fulfil_and_refuse_with_a_reason(db, make, login, client, org, ambassador):
    first = redemptions.redeem(membership=ambassador, reward=add_reward(db, org, "Mug", 30))
    second = redemptions.redeem(membership=ambassador, reward=add_reward(db, org, "Cap", 40))
    login(make.member(org, role="manager").user)
    page = text(client.get("/rewards/requests"))
    assert "Mug" in page and "Cap" in page and "Ann Ambassador" in page and "Requested (2)" in page
    assert "approved" in flashed(client.post(f"/rewards/requests/{first.id}/approve", follow_redirects=True))
    assert "fulfilled" in flashed(client.post(f"/rewards/requests/{first.id}/fulfil", follow_redirects=True))
    assert "Give a reason" in flashed(client.post(f"/rewards/requests/{second.id}/refuse",
                                                  data={"reason": " "}, follow_redirects=True))
    response = client.post(f"/rewards/requests/{second.id}/refuse", data={"reason": "Out of caps, sorry"},
                           follow_redirects=True)
    assert "refused; the points went back" in flashed(response)
    assert "already closed" in flashed(client.post(f"/rewards/requests/{second.id}/refuse",
                                                   data={"reason": "twice"}, follow_redirects=True))
    assert points.balance(ambassador.id) == 90
    refused = text(client.get("/rewards/requests?status=refused"))
    assert "Out of caps, sorry" in refused
    client.post("/logout")
    login(ambassador.user)
    mine = text(client.get("/rewards"))
    assert "Fulfilled" in mine and "Reason: Out of caps, sorry" in mine


def test_every_form_needs_its_csrf_token(app, db, make, login, client, org, ambassador, monkeypatch):
    item = add_reward(db, org)
    redemption = redemptions.redeem(membership=ambassador, reward=item)
    manager = make.member(org, role="admin")
    login(manager.user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for path in (f"/rewards/{item.id}/redeem", f"/rewards/redemptions/{redemption.id}/cancel",
                 "/rewards/catalogue/new", f"/rewards/catalogue/{item.id}",
                 f"/rewards/requests/{redemption.id}/approve", f"/rewards/requests/{redemption.id}/refuse"):
        assert client.post(path, data={"title": "Hacked", "points_cost": "1", "reason": "x"}).status_code == 400, path
    for path in ("/rewards", "/rewards/catalogue", "/rewards/requests", f"/rewards/catalogue/{item.id}"):
        page = text(client.get(path))
        assert page.count('name="csrf_token"') >= page.count('method="post"'), path
    db.session.refresh(redemption)
    assert redemption.status == "requested" and item.title == "Branded mug"


# --- tenant isolation ----------------------------------------------------------------------------------

def test_no_rewards_url_reaches_another_organization(db, make, login, client, org, ambassador):
    from werkzeug.datastructures import FileStorage

    from ambassador.services.community import rewards as reward_service

    item, _ = reward_service.save_reward(org=org, data=reward_service.RewardInput(
        title="Secret Gadget", points_cost=10, image=FileStorage(io.BytesIO(PNG), "g.png")))
    redemption = redemptions.redeem(membership=ambassador, reward=item)
    intruder = make.member(make.org(name="Other Org"), role="admin")
    give(db, intruder, 1000)
    login(intruder.user)
    for method, path in [("get", f"/rewards/{item.id}/image"), ("post", f"/rewards/{item.id}/redeem"),
                         ("get", f"/rewards/catalogue/{item.id}"), ("post", f"/rewards/catalogue/{item.id}"),
                         ("post", f"/rewards/redemptions/{redemption.id}/cancel"),
                         ("post", f"/rewards/requests/{redemption.id}/approve"),
                         ("post", f"/rewards/requests/{redemption.id}/fulfil"),
                         ("post", f"/rewards/requests/{redemption.id}/refuse")]:
        response = getattr(client, method)(path, data={"reason": "mine", "title": "Stolen", "points_cost": "1"})
        assert response.status_code == 404, path
    for path in ("/rewards", "/rewards/catalogue", "/rewards/requests", "/rewards/requests?status=requested",
                 "/leaderboard"):
        page = text(client.get(path))
        assert "Secret Gadget" not in page and "Ann Ambassador" not in page, path
    db.session.refresh(redemption)
    db.session.refresh(item)
    assert redemption.status == "requested" and item.title == "Secret Gadget"
    assert points.balance(intruder.id) == 1000 and points.balance(ambassador.id) == 110
