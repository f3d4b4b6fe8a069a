"""Deciding redemptions through the API: managers with a personal token, through the rewards service, audited
as coming from the API; nobody else, and never another organization's."""
from __future__ import annotations

import sqlalchemy as sa

from ambassador.models import AuditEvent, PointsEntry

from .conftest import bearer


def _post(client, secret, path, body=None, **headers):
    return client.post(path, json=body, headers={**bearer(secret), **headers})


def _audit(db, action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_a_manager_fulfils_a_request_audited_as_from_the_api(client, world, token_for, db):
    redemption = world["redemption"]
    _token, secret = token_for(world["manager"], ["community:write"])
    response = _post(client, secret, f"/api/v1/redemptions/{redemption.id}/fulfil")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "fulfilled" and body["fulfilled_at"] and body["decided_at"]
    db.session.refresh(redemption)
    assert (redemption.status, redemption.decided_by_id) == ("fulfilled", world["manager"].id)
    [event] = _audit(db, "redemption.fulfilled")
    assert (event.via, event.target_id, event.actor_user_id) == ("api", str(redemption.id), world["manager"].user_id)
    again = _post(client, secret, f"/api/v1/redemptions/{redemption.id}/fulfil")
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert again.get_json()["detail"] == "This redemption was already closed."


def test_refusing_needs_a_reason_gives_the_points_back_once_and_is_audited(client, world, token_for, db):
    redemption = world["redemption"]
    _token, secret = token_for(world["admin"], ["community:write"])
    url = f"/api/v1/redemptions/{redemption.id}/refuse"
    missing = _post(client, secret, url, {})
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    blank = _post(client, secret, url, {"reason": "   "})
    assert blank.status_code == 409 and blank.get_json()["detail"] == "Give a reason: the member sees it."
    response = _post(client, secret, url, {"reason": "Out of stock"}, **{"Idempotency-Key": "refuse-1"})
    assert response.status_code == 200 and response.get_json()["refusal_reason"] == "Out of stock"
    replay = _post(client, secret, url, {"reason": "Out of stock"}, **{"Idempotency-Key": "refuse-1"})
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"
    assert _post(client, secret, url, {"reason": "Again"}).status_code == 409  # already closed
    refunds = db.session.scalars(sa.select(PointsEntry).where(PointsEntry.reason == "refund")).all()
    assert [(r.membership_id, r.points) for r in refunds] == [(world["ambassador"].id, 10)]
    [event] = _audit(db, "redemption.rejected")
    assert event.via == "api" and event.details["reason"] == "Out of stock"


def test_only_managers_personal_tokens_of_the_organization_decide(client, world, token_for, make, db):
    redemption = world["redemption"]
    url = f"/api/v1/redemptions/{redemption.id}/fulfil"
    _token, ambassador = token_for(world["ambassador"])
    _token, read_only = token_for(world["manager"], ["community:read"])
    _token, integration = token_for(world["admin"], integration=True)
    other_org = make.org()
    _token, stranger = token_for(make.member(other_org, role="admin"))
    assert _post(client, ambassador, url).status_code == 403  # the UI's manager_required
    assert _post(client, read_only, url).status_code == 403
    refused = _post(client, integration, url)
    assert refused.status_code == 403 and "personal token" in refused.get_json()["detail"]
    assert _post(client, stranger, url).status_code == 404
    assert _post(client, stranger, f"/api/v1/redemptions/{redemption.id}/refuse", {"bad": 1}).status_code == 404
    db.session.refresh(redemption)
    assert redemption.status == "requested" and _audit(db, "redemption.fulfilled") == []
