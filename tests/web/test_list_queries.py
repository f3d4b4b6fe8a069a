"""The manager list pages run a constant number of SQL statements, whatever the number of rows on the page.

Each page is loaded twice, with page sizes 10 and 50 (or 10 and 50 rows where the page is not paginated), and
the statements sent to the database are counted with SQLAlchemy's `before_cursor_execute` event. A relationship
read row by row in the template (an N+1) makes the second count larger than the first.
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from ambassador.models import FollowUp
from ambassador.services.community import redemptions
from ambassador.web import followups as followups_view
from ambassador.web import members as members_view
from ambassador.web import rewards as rewards_view

from ..services.nps.followup_data import answer, respondent, survey
from .test_rewards import add_reward, give

SIZES = (10, 50)


@contextmanager
def counted_statements():
    """Count every statement any engine or connection sends while the block runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", count)


def statements_for(client, path: str, expect: str) -> int:
    with counted_statements() as seen:
        response = client.get(path)
    assert response.status_code == 200, path
    assert expect in response.get_data(as_text=True)
    return len(seen)


def per_page_counts(client, monkeypatch, module, path: str, expect: str) -> list[int]:
    counts = []
    for size in SIZES:
        monkeypatch.setattr(module, "PER_PAGE", size)
        counts.append(statements_for(client, path, expect))
    return counts


def test_members_page(client, make, login, monkeypatch):
    admin = make.member(make.org(), role="admin")
    teams = [make.team(admin.organization, f"Team {n}") for n in range(3)]
    for n in range(SIZES[-1] + 5):
        make.member(admin.organization, teams=teams[: n % 3 + 1], name=f"Member {n:03}")
    login(admin.user)
    small, large = per_page_counts(client, monkeypatch, members_view, "/members", "Member 000")
    assert small == large, (small, large)
    assert large <= 25, large  # it was 57 with 25 members a page


def test_follow_ups_page(client, db, make, login, monkeypatch):
    org = make.org()
    manager = make.member(org, role="manager")
    staff = [make.member(org, role="curator") for _ in range(3)]
    polls = [survey(db, org) for _ in range(2)]
    for n in range(SIZES[-1] + 5):
        person = respondent(db, org, name=f"Customer {n:03}")
        response = answer(db, polls[n % 2], n % 7, person=person, comment=f"Comment {n}")
        db.session.add(FollowUp(org_id=org.id, response_id=response.id,
                                assignee_membership_id=staff[n % 3].id if n % 4 else None,
                                due_at=response.created_at))
    db.session.flush()
    login(manager.user)
    small, large = per_page_counts(client, monkeypatch, followups_view, "/follow-ups", "Comment")
    assert small == large, (small, large)


def test_reward_requests_page(client, db, make, login, monkeypatch):
    org = make.org()
    manager = make.member(org, role="manager")
    mug = add_reward(db, org, cost=1)
    for n in range(SIZES[-1] + 5):
        member = make.member(org, name=f"Member {n:03}")
        give(db, member, 5)
        redemption = redemptions.redeem(membership=member, reward=mug)
        if n % 2:  # each approved by a manager of its own: the page names who handled it
            redemptions.approve(redemption=redemption, actor=make.member(org, role="manager"))
    db.session.flush()
    login(manager.user)
    for status in ("requested", "approved"):
        small, large = per_page_counts(client, monkeypatch, rewards_view, f"/rewards/requests?status={status}",
                                       "Member 0")
        assert small == large, (status, small, large)


@pytest.mark.parametrize("with_teams", [True, False])
def test_campaigns_page(client, make, login, with_teams):
    """Not paginated: the count stays the same from 10 to 50 campaigns."""
    curator = make.member(make.org(), role="curator")
    org = curator.organization
    teams = [make.team(org) for _ in range(2)] if with_teams else []
    counts = []
    made = 0
    login(curator.user)
    for size in SIZES:
        while made < size:
            campaign = make.campaign(org, title=f"Campaign {made:03}", teams=list(teams))
            make.post(campaign)
            made += 1
        counts.append(statements_for(client, "/campaigns", "Campaign 000"))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("order", ["newest", "unshared"])
def test_feed_page(app, client, make, login, monkeypatch, order):
    """The feed with each card's share status (networks, points): one query for the whole page."""
    from ambassador.services.publishing import sharing

    org = make.org(points_share=5)
    member = make.member(org)
    teams = [make.team(org) for _ in range(2)]
    member.teams = list(teams)
    campaign = make.campaign(org, teams=list(teams))
    for n in range(SIZES[-1] + 5):
        post = make.post(campaign, title=f"Post {n:03}", teams=teams[: n % 2 + 1])
        if n % 3:
            sharing.share_post(membership=member, post=post, network=("linkedin", "x", "facebook")[n % 3],
                               caption=None)
    login(member.user)
    counts = []
    for size in SIZES:
        monkeypatch.setitem(app.config, "POSTS_PER_PAGE", size)
        counts.append(statements_for(client, f"/feed?order={order}", "Not shared yet"))
    assert "Shared on" in client.get(f"/feed?order={order}").get_data(as_text=True)  # the 50 hold shared ones
    assert counts[0] == counts[1], counts
