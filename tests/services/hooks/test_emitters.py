"""Every event type is queued by the service where it happens, in the same transaction, with its data."""
from __future__ import annotations

import json

import sqlalchemy as sa

from ambassador.models import EventHookDelivery
from ambassador.providers.base import ErrorKind
from ambassador.services.challenges import runs
from ambassador.services.community import redemptions
from ambassador.services.hooks import endpoints
from ambassador.services.nps import surveys
from ambassador.services.org import invitations
from ambassador.services.publishing import dispatch
from tests.services.challenges.test_challenges import challenge
from tests.services.nps.followup_data import survey
from tests.services.publishing.fakes import error, network  # noqa: F401 - the fixture
from tests.services.publishing.test_dispatch_batches import WORKER, sent_batch, statements
from tests.web.test_rewards import add_reward, give

ALL = list(endpoints.EVENT_TYPES)


def _events(db, hook):
    rows = db.session.scalars(sa.select(EventHookDelivery).where(EventHookDelivery.hook_id == hook.id)
                              .order_by(EventHookDelivery.id)).all()
    return [(json.loads(r.body)["type"], json.loads(r.body)["data"]) for r in rows]


def _hook(org, public_dns):
    return endpoints.create_hook(org_id=org.id, url="https://receiver.example/in", description="", events=ALL,
                                 actor=None)[0]


def test_share_outcomes_of_a_worker_batch_in_one_query(app, db, make, network, public_dns):  # noqa: F811
    org = make.org(points_share=5, daily_share_points_cap=100)
    hook = _hook(org, public_dns)
    member = make.member(org)
    network.answer(None, error(ErrorKind.REJECTED, "duplicate"))
    sent = sent_batch(db, make, member, 3)
    with statements(db) as seen:
        recorded = dispatch.record_outcomes(sent, worker_id=WORKER)
    assert list(recorded.values()) == ["published", "failed", "published"]
    assert len([s for s in seen if "FROM event_hook " in s or "FROM event_hook\n" in s]) == 1
    got = _events(db, hook)
    assert [kind for kind, _ in got] == ["share.published", "share.failed", "share.published"]
    published, failed = got[0][1], got[1][1]
    assert published["share_id"] == sent[0].share_id and published["url"] and published["network"] == "linkedin"
    assert failed["share_id"] == sent[1].share_id and "duplicate" in failed["error"]
    assert published["organization_id"] == org.id


def test_survey_answer_and_detractor_follow_up(app, db, make, public_dns):
    org = make.org()
    hook = _hook(org, public_dns)
    poll = survey(db, org)
    response = surveys.record_public_answer(survey=poll, score=3, language="en")
    got = dict(_events(db, hook))
    assert got["followup.opened"]["response_id"] == response.id and got["followup.opened"]["score"] == 3
    assert got["survey.answered"] == {"organization_id": org.id, "response_id": response.id, "survey_id": poll.id,
                                      "score": 3, "group": "detractor", "member_id": None, "language": "en"}
    surveys.record_public_answer(survey=poll, score=10, language="en")
    assert [kind for kind, _ in _events(db, hook)].count("followup.opened") == 1  # promoters get none


def test_redemption_request_and_challenge_end(app, db, make, public_dns):
    org = make.org()
    hook = _hook(org, public_dns)
    member = make.member(org)
    give(db, member, 50)
    mug = add_reward(db, org, "Mug", 20)
    redemption = redemptions.redeem(membership=member, reward=mug)
    item = challenge(db, make, org)
    assert runs.end(challenge_id=item.id)
    got = dict(_events(db, hook))
    assert got["redemption.requested"] == {"organization_id": org.id, "redemption_id": redemption.id,
                                           "reward_id": mug.id, "reward_title": "Mug", "points": 20,
                                           "member_id": member.id}
    assert got["challenge.ended"]["challenge_id"] == item.id and got["challenge.ended"]["winners"] == []


def test_member_joined_by_invitation(app, db, make, public_dns):
    org = make.org()
    hook = _hook(org, public_dns)
    admin = make.member(org, role="admin")
    invitation, _token = invitations.create_invitation(org=org, invited_by=admin, email="new@example.test",
                                                       name="New", kind="external", send=False)
    assert _events(db, hook) == []  # an invitation is not a member yet
    membership = invitations.accept_invitation(invitation=invitation, user=make.user(email="new@example.test"))
    [(kind, data)] = _events(db, hook)
    assert (kind, data["member_id"], data["email"], data["kind"]) == ("member.joined", membership.id,
                                                                      "new@example.test", "external")


def test_shares_failed_by_the_expiry_job_are_announced_one_event_each_in_batch(app, db, make, network,  # noqa: F811
                                                                               public_dns):
    from datetime import timedelta

    from ambassador.jobs import tasks
    from ambassador.models import utcnow
    from ambassador.services.publishing import linked_shares
    from tests.services.publishing.fakes import account

    org = make.org()
    hook = _hook(org, public_dns)
    member = make.member(org)
    post, live_post = make.post(make.campaign(org)), make.post(make.campaign(org))
    ended = linked_shares.create_api_share(membership=member, post=post, account=account(db, member), caption="a")
    blocked = linked_shares.create_api_share(membership=member, post=post, account=account(db, member), caption="b")
    blocked.error_kind = ErrorKind.REAUTH.value
    live = linked_shares.create_api_share(membership=member, post=live_post, account=account(db, member), caption="c")
    gone = account(db, member)
    orphan = linked_shares.create_api_share(membership=member, post=live_post, account=gone, caption="d")
    gone.status = "disconnected"
    post.expires_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    with statements(db) as seen:
        assert tasks.expire_posts() == {"reconnect": 1, "ended": 1, "disconnected": 1}
    reads = [s for s in seen if s.lstrip().startswith("SELECT") and "FROM share" in s]
    assert len(reads) == 1  # the expired shares read back once, not one by one
    assert len([s for s in seen if "FROM event_hook " in s or "FROM event_hook\n" in s]) == 1
    got = {data["share_id"]: (kind, data) for kind, data in _events(db, hook)}
    assert set(got) == {ended.id, blocked.id, orphan.id}  # the live one is not announced
    assert all(kind == "share.failed" for kind, _ in got.values())
    assert got[ended.id][1]["error"] == "The post's window ended before it could be published."
    assert got[blocked.id][1]["error"] == "The account needed reconnecting and the post's window ended."
    assert got[orphan.id][1] | {"organization_id": org.id} == {
        "organization_id": org.id, "share_id": orphan.id, "post_id": live_post.id, "member_id": member.id,
        "network": orphan.network, "url": None, "published_at": None, "error": "The account was disconnected."}
    assert live.status == "scheduled"
    assert tasks.expire_posts() == {"reconnect": 0, "ended": 0, "disconnected": 0}
    assert len(_events(db, hook)) == 3  # a second run announces nothing again
