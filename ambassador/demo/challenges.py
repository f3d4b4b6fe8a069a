"""The demo organization's challenges: one running (shares, individual, with progress from the month of
shares already seeded and a prize), one team challenge that ended last week (its winners crowned by the same
code the worker runs: prizes, announcement, emails) and one coming up.

Called from `demo.ensure_demo()` after the community and rewards (the prizes come from the catalogue).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import Challenge, Membership, Organization, Reward
from ..services.challenges import runs, setup
from ..services.community.points import local_day


def _reward(org: Organization, title: str) -> Reward | None:
    return db.session.scalar(sa.select(Reward).where(Reward.org_id == org.id, Reward.title == title))


def create(*, org: Organization, memberships: dict[str, Membership], now: datetime) -> None:
    author = memberships["manager@demo.test"]
    today = local_day(org, now)
    coffee, tote = _reward(org, "Coffee and cake"), _reward(org, "Brasserie tote bag")
    running = setup.save_challenge(org=org, author=author, data=setup.ChallengeInput(
        title="Spring share sprint", goal="shares", first_day=today - timedelta(days=9),
        last_day=today + timedelta(days=4), target=8, reward_id=tote.id if tote else None,
        description="Share the spring menu with your network: the most shares in two weeks wins a tote bag."))
    setup.publish(challenge=running)
    runs.start(challenge_id=running.id, now=now - timedelta(days=9))
    # Ended last week: teams against each other on counted clicks (created as it would have been then).
    ended = Challenge(org_id=org.id, created_by_id=author.id, title="Click cup", goal="clicks", mode="team",
                      kind="internal", status="running", first_day=today - timedelta(days=20),
                      last_day=today - timedelta(days=14), reward_id=coffee.id if coffee else None,
                      description="Which team's shares bring the most readers?",
                      started_at=now - timedelta(days=20), created_at=now - timedelta(days=22))
    db.session.add(ended)
    db.session.flush()
    runs.end(challenge_id=ended.id, now=now - timedelta(days=13))
    upcoming = setup.save_challenge(org=org, author=author, data=setup.ChallengeInput(
        title="Survey month", goal="answers", first_day=today + timedelta(days=7), last_day=today + timedelta(days=36),
        description="Tell us what you think: each survey answer you give while signed in counts."))
    setup.publish(challenge=upcoming)
