"""Promoters become ambassadors: the signed join token, joining with the survey as source, bulk invitations."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from ambassador.models import Invitation, Membership, utcnow
from ambassador.services.nps import promoters
from ambassador.services.org import members

from .followup_data import answer, respondent, survey


def test_the_token_names_a_promoters_answer(db, make):
    s = survey(db, make.org())
    promoter = answer(db, s, 9)
    assert promoters.response_for_token(promoters.make_join_token(promoter)) == (promoter, promoters.VALID)
    assert promoters.response_for_token(promoters.make_join_token(answer(db, s, 8)))[1] == promoters.NOT_PROMOTER
    assert promoters.response_for_token("garbage")[1] == promoters.INVALID
    forged = URLSafeTimedSerializer("not-our-secret", salt="promoter-join").dumps({"r": promoter.id})
    assert promoters.response_for_token(forged) == (None, promoters.INVALID)


def test_an_expired_token_is_refused(app, db, make, monkeypatch):
    promoter = answer(db, survey(db, make.org()), 10)
    token = promoters.make_join_token(promoter)
    monkeypatch.setitem(app.config, "PROMOTER_JOIN_TTL_DAYS", -1)
    assert promoters.response_for_token(token) == (None, promoters.EXPIRED)


def test_a_survey_that_stopped_inviting_closes_its_tokens(db, make):
    s = survey(db, make.org())
    token = promoters.make_join_token(answer(db, s, 10))
    s.invite_promoters = False
    assert promoters.response_for_token(token)[1] == promoters.CLOSED


def test_joining_makes_an_external_ambassador_with_the_survey_as_source(db, make):
    org = make.org(join_enabled=False)  # the join link switch does not cover survey invitations
    s = survey(db, org)
    user = make.user()
    membership = promoters.join_as_promoter(response=answer(db, s, 10), user=user)
    assert (membership.role, membership.kind, membership.status) == ("ambassador", "external", "active")
    assert membership.source == f"nps:{s.id}"
    again = promoters.join_as_promoter(response=answer(db, s, 9), user=user)
    assert again.id == membership.id


def test_joining_waits_for_approval_when_the_organization_asks_for_it(db, make):
    org = make.org(join_requires_approval=True)
    membership = promoters.join_as_promoter(response=answer(db, survey(db, org), 9), user=make.user())
    assert membership.status == "pending"


def test_joining_refuses_non_promoters_and_deactivated_members(db, make):
    org = make.org()
    s = survey(db, org)
    with pytest.raises(members.MemberError):
        promoters.join_as_promoter(response=answer(db, s, 6), user=make.user())
    gone = make.member(org, status="deactivated")
    with pytest.raises(members.MemberError):
        promoters.join_as_promoter(response=answer(db, s, 10), user=gone.user)


def test_email_and_name_are_suggested_from_the_respondent(db, make):
    org = make.org()
    s = survey(db, org)
    person = respondent(db, org, email="fan@example.test", name="Fay")
    assert promoters.suggested(answer(db, s, 10, person=person, invited=True)) == {
        "email": "fan@example.test", "name": "Fay"}
    assert promoters.suggested(answer(db, s, 10)) == {}


def test_bulk_invitations_go_to_promoters_who_are_not_members(db, make):
    org = make.org()
    manager = make.member(org, role="manager")
    s = survey(db, org)
    fan, member_fan = respondent(db, org, name="Fay Fan"), respondent(db, org)
    quiet, passive = respondent(db, org, unsubscribed_at=utcnow()), respondent(db, org)
    make.member(org, email=member_fan.email)
    fan_answer = answer(db, s, 10, person=fan)
    answer(db, s, 9, person=member_fan), answer(db, s, 10, person=quiet), answer(db, s, 7, person=passive)
    rows = promoters.promoters_to_invite(org=org)
    assert [(row["respondent"].id, row["invited"]) for row in rows] == [(fan.id, False)]
    invited, refused = promoters.invite_promoters(org=org, actor=manager, response_ids=[fan_answer.id])
    assert (invited, refused) == ([fan.email], [])
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.email == fan.email))
    assert (invitation.kind, invitation.role, invitation.source, invitation.name) == (
        "external", "ambassador", f"nps:{s.id}", "Fay Fan")
    assert promoters.promoters_to_invite(org=org)[0]["invited"] is True
    invited, refused = promoters.invite_promoters(org=org, actor=manager, response_ids=[fan_answer.id])
    assert invited == [] and len(refused) == 1  # already invited


def test_bulk_invitations_ignore_other_organizations_answers(db, make):
    org, other = make.org(), make.org()
    manager = make.member(org, role="manager")
    foreign = answer(db, survey(db, other), 10, person=respondent(db, other))
    assert promoters.invite_promoters(org=org, actor=manager, response_ids=[foreign.id]) == ([], [])
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_recruitment_counts_members_per_survey_source(db, make):
    org = make.org()
    s1, s2 = survey(db, org, title="Spring"), survey(db, org, title="Autumn")
    for _ in range(2):
        promoters.join_as_promoter(response=answer(db, s1, 10), user=make.user())
    answer(db, s2, 9)
    make.member(make.org()).source = f"nps:{s1.id}"  # another organization's member never counts
    db.session.flush()
    counts = {row["survey"].title: (row["promoters"], row["joined"]) for row in promoters.recruitment(org=org)}
    assert counts == {"Spring": (2, 2), "Autumn": (1, 0)}
    assert db.session.scalar(sa.select(sa.func.count(Membership.id)).where(Membership.source == f"nps:{s1.id}")) == 3
