"""Recording audit events: with the caller's transaction, labels copied, origin checked."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ambassador.models import AuditEvent
from ambassador.services.audit import actions, log


def test_an_event_is_recorded_with_the_change_and_keeps_its_labels(app, db, make):
    org = make.org()
    admin = make.member(org, role="admin")
    member = make.member(org)
    log.record(actions.MEMBER_ROLE_CHANGED, org_id=org.id, actor=admin.user, origin=log.Origin(ip="203.0.113.9"),
               target_type="member", target_id=member.id, target_label=member.user.email,
               details={"old": "ambassador", "new": "curator"})
    db.session.flush()
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.org_id == org.id)).one()
    assert (event.action, event.actor_user_id, event.actor_label) == (
        "member.role_changed", admin.user.id, admin.user.email)
    assert (event.via, event.ip, event.target_type, event.target_id) == ("web", "203.0.113.9", "member", str(member.id))
    assert event.details == {"old": "ambassador", "new": "curator"} and event.at is not None


def test_a_rolled_back_change_leaves_no_event(app, db, make):
    org = make.org()
    db.session.commit()
    with db.session.begin_nested():
        log.record(actions.ORG_SETTINGS_CHANGED, org_id=org.id, origin=log.WORKER)
    savepoint = db.session.begin_nested()
    log.record(actions.ORG_SETTINGS_CHANGED, org_id=org.id, origin=log.CLI)
    savepoint.rollback()
    vias = db.session.scalars(sa.select(AuditEvent.via).where(AuditEvent.org_id == org.id)).all()
    assert vias == ["worker"]


def test_an_unknown_origin_is_refused(app, db, make):
    org = make.org()
    with pytest.raises(ValueError):
        log.record(actions.SIGN_IN, org_id=org.id, origin=log.Origin(via="carrier-pigeon"))
