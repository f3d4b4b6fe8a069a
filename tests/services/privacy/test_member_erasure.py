"""An administrator erases a member: the person's data goes, their activity stays anonymous, nothing else moves."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from ambassador.models import (
    AuditEvent,
    Invitation,
    Membership,
    PointsEntry,
    Share,
    SocialAccount,
    SurveyResponse,
    User,
    UserSession,
    utcnow,
)
from ambassador.services.analytics import leaderboard, periods, standings
from ambassador.services.audit import actions
from ambassador.services.org.members import MemberError
from ambassador.services.privacy import member_erasure

from .member_privacy_data import rich_member


def _world(db, make, act):
    org = make.org(name="Acme Erase", timezone="UTC")
    admin = make.member(org, role="admin", name="Ada Admin")
    post = make.post(make.campaign(org))
    zelda = rich_member(act, org, tag="Zelda", post=post)
    otto = rich_member(act, org, tag="Otto", post=post)
    standings.roll(db.session.connection(), org_id=org.id, today=utcnow().date())
    return org, admin, zelda, otto


def _cells(db) -> list[str]:
    """Every text cell of every table (JSON as its text)."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.c if isinstance(c.type, (sa.String, sa.Text, sa.JSON))]
        if columns:
            for row in db.session.execute(sa.select(*columns)):
                found.extend(json.dumps(v) if not isinstance(v, str) else v for v in row if v is not None)
    return found


def _board(org) -> list[tuple[str, int]]:
    return [(r.name, r.points) for r in leaderboard.board(org_id=org.id, window=periods.all_time()).rows]


def test_no_column_anywhere_holds_the_name_or_address_afterwards(db, make, act):
    org, admin, zelda, otto = _world(db, make, act)
    assert any(zelda.email in cell for cell in _cells(db))
    user_id = zelda.member.user_id
    done = member_erasure.erase_member(actor=admin, membership=zelda.member, confirmation=zelda.email.upper())
    db.session.expire_all()
    cells = _cells(db)
    for text in (zelda.email, zelda.name, "Zelda-secret-token", "Zelda signed-in comment", "@Zeldahandle",
                 "social.example/@Zelda", "Zelda browser", "Zelda respondent comment"):
        assert not any(text in cell for cell in cells), text
    assert done == member_erasure.Erasure(label=f"erased member #{zelda.member.id}", account_kept=False)
    assert db.session.get(User, user_id) is None  # her only organization: the account is gone
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user_id)) == 0
    member = db.session.get(Membership, zelda.member.id)
    assert member.user.is_erased and member.user.password_hash is None and member.user.display_name == "Erased member"
    assert member.role == "ambassador" and member.digest_frequency == "off"
    # Community content stays, under the erased member; her account's tokens are gone.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SocialAccount)
                             .where(SocialAccount.membership_id == member.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)
                             .where(SurveyResponse.membership_id == member.id)) == 0
    # The audit log: her events keep action and time, lose name, address and IP; the erasure is recorded.
    events = list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.org_id == org.id, AuditEvent.target_id == str(zelda.member.id)).order_by(AuditEvent.id)))
    changed, erased = events
    assert changed.action == actions.MEMBER_ROLE_CHANGED and changed.ip is None
    assert changed.actor_label == changed.target_label == done.label and changed.details["by"] == done.label
    assert (erased.action, erased.target_label, erased.actor_user_id) == (actions.MEMBER_ERASED, done.label,
                                                                          admin.user_id)
    assert erased.details == {"account_kept": False}


def test_leaderboards_keep_their_totals_and_show_the_erased_member(db, make, act):
    org, admin, zelda, otto = _world(db, make, act)
    before = _board(org)
    points = db.session.scalar(sa.select(sa.func.sum(PointsEntry.points)).where(PointsEntry.org_id == org.id))
    shares = db.session.scalar(sa.select(sa.func.count()).select_from(Share).where(Share.org_id == org.id))
    member_erasure.erase_member(actor=admin, membership=zelda.member, confirmation=zelda.email)
    db.session.expire_all()
    after = _board(org)
    assert sorted(p for _n, p in after) == sorted(p for _n, p in before)
    assert sum(p for _n, p in after) == sum(p for _n, p in before) > 0
    assert "Erased member" in [n for n, _p in after] and zelda.name not in [n for n, _p in after]
    assert db.session.scalar(sa.select(sa.func.sum(PointsEntry.points))
                             .where(PointsEntry.org_id == org.id)) == points
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Share).where(Share.org_id == org.id)) == shares


def test_other_members_are_untouched(db, make, act):
    org, admin, zelda, otto = _world(db, make, act)
    member_erasure.erase_member(actor=admin, membership=zelda.member, confirmation=zelda.email)
    db.session.expire_all()
    cells = _cells(db)
    for text in (otto.email, otto.name, "Otto-secret-token", "Otto signed-in comment", "@Ottohandle", "Otto browser",
                 "Otto respondent comment", otto.visitor):
        assert any(text in cell for cell in cells), text
    assert db.session.get(Membership, otto.member.id).user.email == otto.email
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation).where(Invitation.email == otto.email))


def test_a_person_in_other_organizations_keeps_their_account_there(db, make, act):
    org, admin, zelda, otto = _world(db, make, act)
    org_b = make.org(name="Bravo")
    there = rich_member(act, org_b, tag="Zeldab", post=make.post(make.campaign(org_b)), user=zelda.member.user)
    user_id = zelda.member.user_id
    done = member_erasure.erase_member(actor=admin, membership=zelda.member, confirmation=zelda.email)
    db.session.expire_all()
    assert done.account_kept
    user = db.session.get(User, user_id)
    assert user.email == zelda.email and user.check_password("correct horse battery")
    assert db.session.get(Membership, there.member.id).user_id == user_id
    assert db.session.get(Membership, zelda.member.id).user_id != user_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SocialAccount)
                             .where(SocialAccount.membership_id == there.member.id)) == 1
    # Nothing of this organization points at her account any more.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.org_id == org.id, AuditEvent.actor_user_id == user_id)) == 0


@pytest.mark.parametrize("case", ["wrong confirmation", "not an admin", "herself", "other organization"])
def test_refusals_write_nothing(case, db, make, act):
    org, admin, zelda, otto = _world(db, make, act)
    actor, target, typed = admin, zelda.member, zelda.email
    if case == "wrong confirmation":
        typed = otto.email
    elif case == "not an admin":
        actor = make.member(org, role="manager")
    elif case == "herself":
        actor = target = make.member(org, role="admin")
        typed = target.user.email
    else:
        actor = make.member(make.org(), role="admin")
    db.session.commit()
    email_before = target.user.email
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    with pytest.raises(MemberError):
        member_erasure.erase_member(actor=actor, membership=target, confirmation=typed)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events
    assert db.session.get(Membership, target.id).user.email == email_before


def test_an_erased_member_cannot_be_erased_again(db, make, act):
    org, admin, zelda, otto = _world(db, make, act)
    member_erasure.erase_member(actor=admin, membership=zelda.member, confirmation=zelda.email)
    with pytest.raises(MemberError, match="already erased"):
        member_erasure.erase_member(actor=admin, membership=zelda.member,
                                    confirmation=zelda.member.user.email)


def test_the_erased_members_ways_in_go_and_other_organizations_keep_theirs(db, make, act):
    """API tokens and the single sign-on identity would otherwise follow the membership to the placeholder:
    the person (or whoever holds the token) would act as the anonymised member."""
    from ambassador.models import ApiToken, SsoIdentity
    from ambassador.services.org import api_tokens

    org, admin, zelda, otto = _world(db, make, act)
    org_b = make.org(name="Bravo")
    there = rich_member(act, org_b, tag="Zeldab", post=make.post(make.campaign(org_b)), user=zelda.member.user)
    user_id = zelda.member.user_id
    mine = api_tokens.create_personal_token(membership=zelda.member, name="cli", scopes=["shares:read"],
                                            expires_in_days=30)
    kept = api_tokens.create_personal_token(membership=there.member, name="cli", scopes=["shares:read"],
                                            expires_in_days=30)
    ottos = api_tokens.create_personal_token(membership=otto.member, name="cli", scopes=["shares:read"],
                                             expires_in_days=30)
    db.session.add_all([SsoIdentity(org_id=org.id, subject="zelda-at-idp", user_id=user_id),
                        SsoIdentity(org_id=org_b.id, subject="zelda-at-idp", user_id=user_id)])
    db.session.flush()
    mine_id, kept_ids = mine.token.id, {kept.token.id, ottos.token.id}
    member_erasure.erase_member(actor=admin, membership=zelda.member, confirmation=zelda.email)
    db.session.expire_all()
    tokens = set(db.session.scalars(sa.select(ApiToken.id)))
    assert mine_id not in tokens and kept_ids <= tokens
    identities = db.session.execute(sa.select(SsoIdentity.org_id, SsoIdentity.user_id)).all()
    assert identities == [(org_b.id, user_id)]


def test_audit_labels_that_name_them_among_other_words_lose_the_name_and_address(db, make, act):
    """A handed-over reward's audit target is "<reward> · <their address>": the address goes, the reward stays."""
    from ambassador.models import Redemption, Reward
    from ambassador.services.community import redemptions

    org, admin, zelda, otto = _world(db, make, act)
    reward = Reward(org_id=org.id, title="Coffee and cake", points_cost=1)
    db.session.add(reward)
    db.session.flush()
    for person in (zelda, otto):
        redemption = Redemption(org_id=org.id, reward_id=reward.id, membership_id=person.member.id, points=1,
                                reward_title=reward.title, status="approved")
        db.session.add(redemption)
        db.session.flush()
        redemptions.fulfil(redemption=redemption, actor=admin)
    done = member_erasure.erase_member(actor=admin, membership=zelda.member, confirmation=zelda.email)
    labels = set(db.session.scalars(sa.select(AuditEvent.target_label).where(
        AuditEvent.org_id == org.id, AuditEvent.action == actions.REDEMPTION_FULFILLED)))
    assert labels == {f"Coffee and cake · {done.label}", f"Coffee and cake · {otto.email}"}
