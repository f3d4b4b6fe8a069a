"""A challenge from creation to its winner in a real browser: a manager creates and publishes it through the
form, two ambassadors share (one also on Facebook, which never counts), the worker's job starts and ends it,
and the ambassadors see the winner on the challenge page and on their feed."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from ambassador.extensions import db
from ambassador.jobs import tasks
from ambassador.models import (
    Campaign,
    Challenge,
    Membership,
    Organization,
    Post,
    Redemption,
    Reward,
    Share,
    TrackedLink,
    utcnow,
)
from ambassador.services.community.points import local_day
from ambassador.services.org import accounts
from ambassador.services.org.organizations import create_organization

from .conftest import log_in

PASSWORD = "challenge flow password"


def _seed(live_server) -> dict:
    with live_server.session() as session:
        owner = accounts.create_user(email="owner@contest.test", password=PASSWORD, name="Olga Owner", verified=True)
        org = create_organization(name="Contest Cafés", owner=owner, disclosure="#employee")
        ids = {"org": org.id}
        for email, name, role in (("manager@contest.test", "Mona Manager", "manager"),
                                  ("ann@contest.test", "Ann Archer", "ambassador"),
                                  ("bob@contest.test", "Bob Baker", "ambassador")):
            user = accounts.create_user(email=email, password=PASSWORD, name=name, verified=True)
            member = Membership(org_id=org.id, user_id=user.id, role=role, kind="internal", source="invite")
            session.add(member)
            session.flush()
            ids[email] = member.id
        session.add(Reward(org_id=org.id, title="Golden mug", points_cost=100))
        campaign = Campaign(org_id=org.id, title="Autumn", slug="autumn", status="active")
        session.add(campaign)
        session.flush()
        ids["campaign"] = campaign.id
        return ids


def _share(session, *, org_id: int, membership_id: int, campaign_id: int, network: str, n: int) -> None:
    """A share that went out (as the intent flow records it): the rollups count it in the same transaction."""
    post = Post(org_id=org_id, campaign_id=campaign_id, title=f"Post {n}", status="approved",
                link_url=f"https://cafe.example/{n}", published_at=utcnow() - timedelta(hours=1))
    session.add(post)
    session.flush()
    link = TrackedLink(org_id=org_id, code=f"ch{n}x{membership_id}", post_id=post.id, membership_id=membership_id,
                       network=network, destination=post.link_url)
    session.add(link)
    session.flush()
    session.add(Share(org_id=org_id, post_id=post.id, membership_id=membership_id, tracked_link_id=link.id,
                      network=network, method="intent", status="shared", created_at=utcnow()))


def run_worker_job(live_server, *, expect: dict, now=None) -> None:
    """The worker's `advance_challenges` job against the live server's database, committed as the runner does."""
    with live_server.app.app_context():
        try:
            assert tasks.advance_challenges(now) == expect
            db.session.commit()
        finally:
            db.session.remove()


def test_a_challenge_from_creation_to_its_winner(new_context, live_server):
    ids = _seed(live_server)
    manager = new_context().new_page()
    log_in(manager, "manager@contest.test", PASSWORD)
    manager.goto("/challenges")
    manager.get_by_role("link", name="New challenge").click()
    manager.get_by_label("Name").fill("Autumn share cup")
    manager.get_by_label("What counts").select_option("shares")
    manager.get_by_label("Individual").check()
    with live_server.session() as session:
        today = local_day(session.get_one(Organization, ids["org"]))
    manager.get_by_label("First day").fill(today.isoformat())
    manager.get_by_label("Last day").fill((today - timedelta(days=1)).isoformat())
    manager.get_by_label("Target (optional)").fill("3")
    manager.get_by_label("Prize").select_option(label="Golden mug")
    manager.get_by_role("button", name="Save challenge").click()
    expect(manager.get_by_text("The challenge must end on or after its first day.")).to_be_visible()
    manager.get_by_label("Last day").fill(today.isoformat())
    manager.get_by_role("button", name="Save challenge").click()
    expect(manager.get_by_role("heading", name="Autumn share cup")).to_be_visible()
    manager.get_by_role("button", name="Publish").click()
    expect(manager.get_by_text("is published")).to_be_visible()

    with live_server.session() as session:
        challenge_id = session.scalar(sa.select(Challenge.id).where(Challenge.org_id == ids["org"]))
    run_worker_job(live_server, expect={"started": 1, "ended": 0})
    with live_server.session() as session:
        for n in range(2):
            _share(session, org_id=ids["org"], membership_id=ids["ann@contest.test"], campaign_id=ids["campaign"],
                   network="linkedin", n=n)
        for n in range(2, 6):  # Facebook: never counts
            _share(session, org_id=ids["org"], membership_id=ids["bob@contest.test"], campaign_id=ids["campaign"],
                   network="facebook", n=n)
        _share(session, org_id=ids["org"], membership_id=ids["bob@contest.test"], campaign_id=ids["campaign"],
               network="x", n=9)

    ann = new_context().new_page()
    log_in(ann, "ann@contest.test", PASSWORD)
    ann.goto(f"/challenges/{challenge_id}")
    expect(ann.get_by_text("You are #1 of 4 with 2 shares.")).to_be_visible()
    expect(ann.get_by_role("progressbar", name="Progress towards the target")).to_have_attribute("value", "2")
    expect(ann.get_by_text("Facebook shares never count")).to_be_visible()

    # After its last day the worker ends it; a second run (another worker) finds nothing to do.
    run_worker_job(live_server, expect={"started": 0, "ended": 1}, now=utcnow() + timedelta(days=2))
    run_worker_job(live_server, expect={"started": 0, "ended": 0}, now=utcnow() + timedelta(days=2))
    ann.reload()
    winners = ann.get_by_role("status").filter(has_text="Winner")
    expect(winners).to_contain_text("Ann Archer")
    expect(winners).to_contain_text("Golden mug")
    bob = new_context().new_page()
    log_in(bob, "bob@contest.test", PASSWORD)
    bob.goto("/feed")
    expect(bob.get_by_text("“Autumn share cup” has ended.")).to_be_visible()
    expect(bob.get_by_text("Winner: Ann Archer")).to_be_visible()
    bob.goto(f"/challenges/{challenge_id}")
    expect(bob.get_by_text("You are #2 of 4 with 1 share.")).to_be_visible()  # four Facebook shares left out
    ann.goto("/rewards")
    expect(ann.get_by_text("Golden mug").first).to_be_visible()
    with live_server.session() as session:
        assert session.scalar(sa.select(sa.func.count(Redemption.id)).where(
            Redemption.membership_id == ids["ann@contest.test"], Redemption.points == 0)) == 1
