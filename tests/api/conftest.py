"""API fixtures: an organization with members, content and shares, and tokens made through the service."""
from __future__ import annotations

import pytest

from ambassador.services.org import api_tokens

ALL_SCOPES = list(api_tokens.SCOPES)
READ_SCOPES = [scope for scope in api_tokens.SCOPES if scope.endswith(":read")]


@pytest.fixture
def token_for(db):
    """token_for(membership, scopes=…) → (ApiToken, secret): a personal token; integration=True for the
    organization's own (made by `membership`, an admin)."""

    def make(membership, scopes=None, *, integration: bool = False, days: int = 30):
        create = api_tokens.create_integration_token if integration else api_tokens.create_personal_token
        kwargs = {"actor": membership} if integration else {"membership": membership}
        new = create(name="test", scopes=list(scopes or ALL_SCOPES), expires_in_days=days, **kwargs)
        db.session.flush()
        return new.token, new.secret

    return make


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def world(make):
    """Org with an admin, a manager, an ambassador (in a team), a campaign with a post and a share each."""
    from ambassador.models import Share
    from ambassador.services.publishing.tracked_links import link_for

    org = make.org()
    team = make.team(org, "Sales")
    admin = make.member(org, role="admin")
    manager = make.member(org, role="manager")
    ambassador = make.member(org, teams=[team])
    campaign = make.campaign(org)
    post = make.post(campaign, captions={"linkedin": "Read this", "x": "Short"})
    shares = []
    for member in (manager, ambassador):
        link = link_for(membership=member, post=post, network="linkedin")
        share = Share(org_id=org.id, post_id=post.id, membership_id=member.id, tracked_link_id=link.id,
                      network="linkedin", caption="Read this")
        make.db.session.add(share)
        shares.append(share)
    make.db.session.flush()
    extra = _community_and_surveys(make, org, ambassador)
    return {**extra, "org": org, "team": team, "admin": admin, "manager": manager, "ambassador": ambassador,
            "campaign": campaign, "post": post, "shares": shares, "links": [s.tracked_link_id for s in shares]}


def _community_and_surveys(make, org, member) -> dict:
    """A survey with a detractor's answer and its follow-up, an idea, a reward and its redemption."""
    from datetime import timedelta

    from ambassador.infra.tokens import new_token
    from ambassador.models import FollowUp, Idea, Redemption, Reward, Survey, SurveyResponse, utcnow

    add = make._add
    survey = add(Survey(org_id=org.id, title="Victim survey", public_token=new_token(), status="open"))
    response = add(SurveyResponse(org_id=org.id, survey_id=survey.id, score=3, group="detractor",
                                  comment="Victim comment", membership_id=member.id))
    follow_up = add(FollowUp(org_id=org.id, response_id=response.id, due_at=utcnow() + timedelta(days=2)))
    idea = add(Idea(org_id=org.id, author_id=member.id, title="Victim idea", body="Victim body"))
    reward = add(Reward(org_id=org.id, title="Victim reward", points_cost=10))
    redemption = add(Redemption(org_id=org.id, reward_id=reward.id, membership_id=member.id, points=10,
                                reward_title="Victim reward"))
    return {"survey": survey, "response": response, "follow_up": follow_up, "idea": idea, "reward": reward,
            "redemption": redemption}
