"""Audit events recorded where things happen: sign-ins and failures, members, settings, approvals, rewards; the
retention purge."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.jobs import tasks
from ambassador.models import AuditEvent, utcnow
from ambassador.services.audit import log, retention
from ambassador.services.community import redemptions
from ambassador.services.content import approval
from ambassador.services.org import accounts, members
from ambassador.services.org import settings as org_settings
from tests.web.test_rewards import add_reward, give

HERE = log.Origin(ip="198.51.100.7")


def _events(db, org_id=None, action=None):
    stmt = sa.select(AuditEvent).order_by(AuditEvent.id)
    stmt = stmt.where(AuditEvent.org_id.is_(None) if org_id is None else AuditEvent.org_id == org_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return db.session.scalars(stmt).all()


def test_sign_in_and_failures_are_recorded_in_each_organization_of_the_person(app, db, make):
    first, second = make.org(), make.org()
    member = make.member(first)
    make.member(second, user=member.user)
    assert accounts.authenticate(email=member.user.email, password="wrong", remote_addr="198.51.100.7",
                                 origin=HERE).user is None
    assert accounts.authenticate(email=member.user.email, password="correct horse battery",
                                 remote_addr="198.51.100.7", origin=HERE).user is not None
    for org in (first, second):
        failed, signed_in = _events(db, org.id)
        assert (failed.action, failed.details["reason"], failed.ip) == ("auth.sign_in_failed", "wrong_password",
                                                                        "198.51.100.7")
        assert signed_in.action == "auth.sign_in" and signed_in.actor_user_id == member.user_id
    accounts.authenticate(email="nobody@example.test", password="x", remote_addr="198.51.100.7", origin=HERE)
    [unknown] = [e for e in _events(db, None) if e.target_label == "nobody@example.test"]
    assert unknown.details["reason"] == "unknown_address" and unknown.actor_user_id is None


def test_member_changes_are_recorded_with_old_and_new_values(app, db, make):
    org = make.org()
    admin, member = make.member(org, role="admin"), make.member(org)
    members.update_member(actor=admin, membership=member, role="curator", kind="external", teams=[], origin=HERE)
    members.deactivate_member(actor=admin, membership=member, origin=HERE)
    members.reactivate_member(actor=admin, membership=member, origin=HERE)
    got = [(e.action, e.details, e.target_label, e.actor_label) for e in _events(db, org.id)]
    assert got == [("member.role_changed", {"old": "ambassador", "new": "curator"}, member.user.email,
                    admin.user.email),
                   ("member.kind_changed", {"old": "internal", "new": "external"}, member.user.email,
                    admin.user.email),
                   ("member.deactivated", {}, member.user.email, admin.user.email),
                   ("member.reactivated", {}, member.user.email, admin.user.email)]


def _settings(org, **changes):
    values = {key: getattr(org, key) for key in org_settings.OrgSettings.fields()
              if key not in ("post_languages", "audit_retention_days")}
    return org_settings.OrgSettings(**{**values, **changes})


def test_settings_changes_list_what_changed_and_retention_is_bounded(app, db, make):
    org = make.org(name="Before")
    admin = make.member(org, role="admin")
    org_settings.update_settings(org=org, settings=_settings(org, name="After", audit_retention_days=90),
                                 actor=admin.user, origin=HERE)
    [event] = _events(db, org.id)
    assert event.details == {"name": {"old": "Before", "new": "After"},
                             "audit_retention_days": {"old": 730, "new": 90}}
    for bad in (29, 3651):
        with pytest.raises(org_settings.SettingsError):
            org_settings.update_settings(org=org, settings=_settings(org, audit_retention_days=bad), actor=None)
    org_settings.regenerate_join_token(org=org, actor=admin.user, origin=HERE)
    assert _events(db, org.id)[-1].details == {"join_link": "regenerated"}
    assert org.join_token not in str(_events(db, org.id)[-1].details)


def test_approvals_and_reward_decisions_are_recorded(app, db, make):
    org = make.org()
    manager, ambassador = make.member(org, role="manager"), make.member(org)
    post = make.post(make.campaign(org), status="pending_approval", title="Spring")
    approval.approve(post=post, membership=manager, origin=HERE)
    other = make.post(make.campaign(org), status="pending_approval", title="Autumn")
    approval.request_changes(post=other, membership=manager, comment="Shorter", origin=HERE)
    give(db, ambassador, 100)
    mug, cap = add_reward(db, org, "Mug", 10), add_reward(db, org, "Cap", 10)
    redemptions.fulfil(redemption=redemptions.redeem(membership=ambassador, reward=mug), actor=manager, origin=HERE)
    redemptions.refuse(redemption=redemptions.redeem(membership=ambassador, reward=cap), actor=manager,
                       reason="Out of caps", origin=HERE)
    got = [(e.action, e.target_label) for e in _events(db, org.id)]
    assert got == [("post.approved", "Spring"), ("post.rejected", "Autumn"),
                   ("redemption.fulfilled", f"Mug · {ambassador.user.email}"),
                   ("redemption.rejected", f"Cap · {ambassador.user.email}")]
    assert _events(db, org.id)[-1].details == {"points": 10, "reason": "Out of caps"}


def test_the_purge_keeps_each_organizations_retention_in_batches(app, db, make, monkeypatch):
    short, long = make.org(audit_retention_days=30), make.org(audit_retention_days=365)
    now = utcnow()
    for org in (short, long):
        for age in (10, 40, 41, 42, 400):
            db.session.add(AuditEvent(org_id=org.id, action="auth.sign_in", at=now - timedelta(days=age)))
    db.session.add(AuditEvent(org_id=None, action="auth.sign_in_failed", at=now - timedelta(days=31)))
    db.session.commit()
    monkeypatch.setattr(retention, "BATCH", 2)  # several batches
    assert tasks.purge_audit_events()["purged"] >= 6
    ages = {org.id: sorted(round((now - e.at).total_seconds() / 86400) for e in _events(db, org.id))
            for org in (short, long)}
    assert ages == {short.id: [10], long.id: [10, 40, 41, 42]}
    assert [e for e in _events(db, None) if e.at < now - timedelta(days=30)] == []
