"""Slack/Teams incoming webhooks: URLs checked and stored encrypted, messages queued with their event (outbox),
delivered by the worker against a strict local stand-in, retried with backoff, hooks that are gone turned off."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.infra import crypto
from ambassador.jobs import tasks
from ambassador.models import WebhookDelivery, WebhookEndpoint, utcnow
from ambassador.services.content import campaigns
from ambassador.services.notify import results, webhook_delivery, webhooks
from ambassador.services.publishing import sharing
from tests.services.notify.fake_chat import SLACK_PATH, TEAMS_PATH


def _deliveries(db, org):
    return db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.org_id == org.id)
                              .order_by(WebhookDelivery.id)).all()


def _refused(**kwargs) -> str:
    with pytest.raises(webhooks.WebhookError) as caught:
        webhooks.add_endpoint(**kwargs)
    return " ".join(str(m) for msgs in caught.value.field_errors.values() for m in msgs)


def test_urls_are_checked_and_stored_encrypted(app, db, make, public_dns):
    org = make.org()
    assert "https://" in _refused(org=org, kind="slack", url="http://hooks.slack.com/services/T/B/X")
    assert "hooks.slack.com" in _refused(org=org, kind="slack", url="https://evil.example/services/T/B/X")
    assert "webhook.office.com" in _refused(org=org, kind="teams", url="https://hooks.slack.com/services/T/B/X")
    assert "webhook.office.com" in _refused(org=org, kind="teams", url="https://webhook.office.com.evil.example/x")
    assert "Slack or Microsoft Teams" in _refused(org=org, kind="discord", url="https://hooks.slack.com/x")
    url = "https://hooks.slack.com/services/T0001/B0001/secretsecret"
    endpoint = webhooks.add_endpoint(org=org, kind="slack", url=url)
    teams = webhooks.add_endpoint(org=org, kind="teams", url="https://contoso.webhook.office.com/webhookb2/abc")
    assert endpoint.url_encrypted != url and "secretsecret" not in endpoint.url_encrypted
    assert crypto.decrypt(endpoint.url_encrypted) == url
    assert endpoint.url_hint == "hooks.slack.com/…secret" and teams.kind == "teams"


def test_a_host_on_the_allow_list_that_resolves_to_a_private_address_is_refused(app, db, make, monkeypatch):
    monkeypatch.setitem(app.config, "SLACK_WEBHOOK_HOSTS", "127.0.0.1")  # allowed by name, not by address
    org = make.org()
    assert "cannot be reached" in _refused(org=org, kind="slack", url="https://127.0.0.1/services/T/B/X")


def test_campaign_going_live_queues_and_the_worker_delivers_to_slack_and_teams(app, db, make, chat):
    org = make.org(name="Lumière")
    north, south = make.team(org), make.team(org)
    everyone = webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH))
    north_hook = webhooks.add_endpoint(org=org, kind="teams", url=chat.url(TEAMS_PATH), team_id=north.id)
    webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH) + "?south", team_id=south.id)
    draft = campaigns.create_campaign(org=org, author=None, data=campaigns.CampaignInput(title="Spring", status="draft",
                                                                                        team_ids=[north.id]))
    assert _deliveries(db, org) == []  # a draft is not news
    campaigns.update_campaign(campaign=draft, org=org, data=campaigns.CampaignInput(
        title="Spring <sale> & more", status="active", team_ids=[north.id]))
    queued = _deliveries(db, org)
    assert sorted(d.endpoint_id for d in queued) == sorted([everyone.id, north_hook.id])  # not the south's channel
    assert {d.status for d in queued} == {"queued"}
    db.session.commit()

    counts = tasks.deliver_webhooks()
    assert counts == {"sent": 2}
    slack = next(r["body"] for r in chat.received if r["path"] == SLACK_PATH)
    assert "New campaign at Lumière: Spring <sale> & more" in slack["text"]
    assert slack["blocks"][0]["text"]["text"].startswith("New campaign at Lumière: Spring &lt;sale&gt; &amp; more")
    assert slack["blocks"][1]["elements"][0]["url"].endswith(f"/feed?campaign={draft.id}")
    teams = next(r["body"] for r in chat.received if r["path"] == TEAMS_PATH)
    card = teams["attachments"][0]["content"]
    assert card["body"][0]["text"].startswith("New campaign at Lumière")
    assert card["actions"][0]["type"] == "Action.OpenUrl"
    db.session.expire_all()
    assert {d.status for d in _deliveries(db, org)} == {"sent"}
    assert db.session.get(WebhookEndpoint, everyone.id).last_success_at is not None
    # Updating a live campaign again is not news.
    campaigns.update_campaign(campaign=draft, org=org, data=campaigns.CampaignInput(title="Spring", status="active"))
    assert len(_deliveries(db, org)) == 2


def test_a_rolled_back_event_leaves_no_message(app, db, make, chat):
    org = make.org()
    webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH))
    db.session.commit()
    campaigns.create_campaign(org=org, author=None, data=campaigns.CampaignInput(title="Gone", status="active"))
    db.session.rollback()
    assert _deliveries(db, org) == []


def test_5xx_and_4xx_are_retried_with_growing_backoff_then_sent(app, db, make, chat):
    org = make.org()
    webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH))
    webhooks.notify(org, webhooks.EVENT_CHALLENGE, "New challenge: 10 shares this week", "https://example.com/c")
    db.session.commit()
    chat.script[SLACK_PATH] = [(500, "internal_error"), (429, "rate_limited"), (400, "invalid_payload")]
    now = utcnow()
    assert tasks.deliver_webhooks(now=now) == {"queued": 1}
    [delivery] = _deliveries(db, org)
    db.session.refresh(delivery)
    first_wait = delivery.next_attempt_at - now
    assert timedelta(seconds=60) <= first_wait <= timedelta(seconds=66)
    assert delivery.attempts == 1 and delivery.last_error == "HTTP 500: internal_error"
    assert tasks.deliver_webhooks(now=now + timedelta(seconds=30)) == {}  # not due yet
    later = now + timedelta(seconds=70)
    assert tasks.deliver_webhooks(now=later) == {"queued": 1}
    db.session.refresh(delivery)
    assert delivery.next_attempt_at - later >= timedelta(seconds=120)  # doubled
    assert tasks.deliver_webhooks(now=later + timedelta(minutes=5)) == {"queued": 1}
    assert tasks.deliver_webhooks(now=later + timedelta(minutes=20)) == {"sent": 1}
    assert len(chat.received) == 4


def test_retry_after_is_honoured(app, db, make, chat):
    org = make.org()
    webhooks.add_endpoint(org=org, kind="teams", url=chat.url(TEAMS_PATH))
    webhooks.notify(org, webhooks.EVENT_RESULTS, "Results", "")
    db.session.commit()
    outcome = webhook_delivery.Outcome(ok=False, status=429, detail="slow down", retry_after=900)
    assert webhook_delivery.backoff(1, outcome.retry_after) >= timedelta(seconds=900)
    assert webhook_delivery.backoff(20) == timedelta(seconds=webhook_delivery.MAX_DELAY_SECONDS)


def test_out_of_attempts_the_delivery_fails(app, db, make, chat, monkeypatch):
    monkeypatch.setattr(webhook_delivery, "MAX_ATTEMPTS", 2)
    org = make.org()
    webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH))
    webhooks.notify(org, webhooks.EVENT_RESULTS, "Results", "")
    db.session.commit()
    chat.script[SLACK_PATH] = [(503, "unavailable"), (503, "unavailable")]
    now = utcnow()
    assert tasks.deliver_webhooks(now=now) == {"queued": 1}
    assert tasks.deliver_webhooks(now=now + timedelta(hours=1)) == {"failed": 1}
    [delivery] = _deliveries(db, org)
    db.session.refresh(delivery)
    assert delivery.status == "failed" and delivery.last_error == "HTTP 503: unavailable"


@pytest.mark.parametrize("status,body", [(404, "no_service"), (410, "channel_is_archived")])
def test_a_hook_that_is_gone_is_turned_off(app, db, make, chat, status, body):
    org = make.org()
    endpoint = webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH))
    webhooks.notify(org, webhooks.EVENT_RESULTS, "One", "")
    webhooks.notify(org, webhooks.EVENT_RESULTS, "Two", "")
    db.session.commit()
    chat.script[SLACK_PATH] = [(status, body)]
    assert tasks.deliver_webhooks() == {"failed": 2}  # the second is failed with the hook, never posted
    assert len(chat.received) == 1
    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert endpoint.disabled_at is not None and endpoint.disabled_reason == f"HTTP {status}: {body}"
    assert webhooks.notify(org, webhooks.EVENT_RESULTS, "Three", "") == 0
    assert not webhooks.has_endpoints(org)


def test_a_stale_claim_goes_back_to_the_queue(app, db, make, chat):
    org = make.org()
    webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH))
    webhooks.notify(org, webhooks.EVENT_RESULTS, "Results", "")
    db.session.commit()
    now = utcnow()
    assert len(webhook_delivery.claim_due(now=now)) == 1  # a worker claimed it, then died
    db.session.commit()
    assert tasks.deliver_webhooks(now=now + timedelta(minutes=1)) == {}
    assert tasks.deliver_webhooks(now=now + webhook_delivery.CLAIM_TTL + timedelta(minutes=1)) == {"sent": 1}


def test_weekly_results_are_posted_once_per_week(app, db, make, chat):
    org = make.org(name="Lumière")
    webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH))
    member = make.member(org, name="Sam Sharer")
    sharing.share_post(membership=member, post=make.post(make.campaign(org)), network="x", caption=None)
    db.session.commit()
    today = utcnow()
    monday = today.replace(hour=10) + timedelta(days=(7 - today.weekday()) % 7)  # this or the coming Monday
    assert tasks.post_weekly_results(now=monday - timedelta(days=1)) == {"posted": 0}  # Sunday: not yet
    assert tasks.post_weekly_results(now=monday) == {"posted": 1}
    assert tasks.post_weekly_results(now=monday + timedelta(hours=1)) == {"posted": 0}  # once a week
    [delivery] = [d for d in _deliveries(db, org) if d.event_kind == "results"]
    assert delivery.text.startswith("Last 7 days at Lumière: 1 share, 0 counted clicks,")
    assert "Top ambassador: Sam Sharer" in delivery.text
    assert results.week_due(org, monday) is not None


def test_a_webhook_removed_after_the_claim_ends_the_run_quietly(app, db, make, chat):
    org = make.org()
    endpoint = webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH))
    webhooks.notify(org, webhooks.EVENT_RESULTS, "Results", "")
    db.session.commit()
    [claimed] = webhook_delivery.claim_due()
    webhooks.remove_endpoint(endpoint=endpoint)  # an admin removes it while the worker holds the claim
    db.session.commit()
    assert webhook_delivery.prepare(claimed) is None
    assert webhook_delivery.record(claimed, None) == "removed"
    assert chat.received == []
