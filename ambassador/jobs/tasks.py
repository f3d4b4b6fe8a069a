"""What the periodic jobs do: each calls the services of its domain. Each runs inside an app context;
the runner (jobs/worker.py) commits after it. A job whose steps must each be durable on their own
(a refreshed token, a claim, one organization's badges) gets them committed step by step.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from threading import Event

from ..extensions import db
from ..infra import database, throttle, uploads
from ..services.analytics import rebuild as rollup_rebuild
from ..services.audit import retention as audit_retention
from ..services.challenges import runs as challenge_runs
from ..services.community import badges
from ..services.hooks import delivery as event_hook_delivery
from ..services.notify import digest_content, digests, results, webhook_delivery
from ..services.nps import followups, pulse_followups, pulse_mail, reminders
from ..services.org import api_tokens, organizations, sessions
from ..services.publishing import (
    account_upkeep,
    auto_share,
    click_retention,
    click_sink,
    dispatch,
    followers,
    linked_shares,
    metrics,
)
from . import publisher

ENGAGEMENT_BATCH = 2000  # shares claimed per run (X reads 100 a call, Bluesky 25, Facebook 50, Mastodon 20)
FOLLOWERS_BATCH = 500  # accounts per run

# Set when the worker is asked to stop: claimed shares not yet sent are handed back.
shutdown_requested = Event()


def dispatch_due_shares(now: datetime | None = None) -> dict[str, int]:
    """Publish the API shares that are due (jobs/publisher.py, services/publishing/dispatch.py)."""
    return publisher.dispatch_due_shares(now=now, stop=shutdown_requested)


def drain_clicks() -> dict[str, int]:
    """Count the clicks the web processes queued in the click inbox (services/publishing/click_sink.py), batch
    by batch until it is empty or the worker is asked to stop. Each batch is one transaction: its counted
    clicks, their points and rollups, and the removal of its inbox rows are committed together."""
    totals: Counter = Counter()
    while not shutdown_requested.is_set():
        database.begin_write()  # commits the previous batch
        drained = click_sink.drain_batch()
        if drained is None:  # another worker is draining: the inbox is in hand
            break
        totals.update(batches=1, taken=drained.taken, stored=drained.stored)
        if drained.taken < click_sink.drain_limit():
            break
    return dict(totals)


def refresh_expiring_tokens(now: datetime | None = None) -> dict[str, int]:
    """Refresh tokens that expire within the hour, each committed at once (services/publishing/account_upkeep.py)."""
    return account_upkeep.refresh_expiring_tokens(now)


def warn_expiring_linkedin_tokens(now: datetime | None = None) -> dict[str, int]:
    """Warn the owners of tokens that cannot be renewed before they end (services/publishing/account_upkeep.py)."""
    return account_upkeep.warn_expiring_tokens(now)


def expire_posts(now: datetime | None = None) -> dict[str, int]:
    """Waiting API shares of posts that are over, or of disconnected accounts, fail
    (services/publishing/linked_shares.py)."""
    return linked_shares.expire_waiting_shares(now)


def auto_share_campaigns(now: datetime | None = None) -> dict[str, int]:
    """Queue newly live posts for the ambassadors who opted in (services/publishing/auto_share.py)."""
    return auto_share.queue_newly_live_posts(now)


def award_badges() -> dict[str, int]:
    """Award the badges members reached (services/community/badges.py), one organization per transaction."""
    awarded = 0
    for org_id in organizations.all_ids():
        database.begin_write()  # commits the previous organization's awards; SQLite: write lock first
        awarded += badges.evaluate_all(org_id=org_id)
    return {"awarded": awarded}


def advance_challenges(now: datetime | None = None) -> dict[str, int]:
    """Start challenges on their first day, end them after their last: winners, prizes, announcements
    (services/challenges/runs.py; each challenge in its own transaction, moved once however many workers run)."""
    return challenge_runs.advance(now)


def send_survey_reminders(now: datetime | None = None) -> dict[str, int]:
    """One reminder per unanswered survey invitation, N days after it (services/nps/reminders.py); each
    reminder is committed with its outbox row before the next."""
    sent = skipped = 0
    for invitation_id in reminders.due_reminders(now=now):
        database.begin_write()  # commits the previous reminder; SQLite: the write lock first
        if reminders.remind(invitation_id=invitation_id, now=now):
            sent += 1
        else:
            skipped += 1
    return {"sent": sent, "skipped": skipped}


def run_employee_pulses(now: datetime | None = None) -> dict[str, int]:
    """Employee pulses (services/nps/pulse_mail.py): open the rounds of recurring pulses that are due, email
    each invitation and, halfway through a round, one reminder; then the team follow-ups of rounds that have
    closed (pulse_followups.py). Every step committed with its outbox rows."""
    opened = sent = reminded = followed = 0
    for pulse_id in pulse_mail.due_pulses(now=now):
        database.begin_write()
        if pulse_mail.open_next_round(pulse_id=pulse_id, now=now) is not None:
            opened += 1
    database.begin_write()
    round_ids = pulse_mail.rounds_to_send(now=now)
    for round_id in round_ids:
        for participation_id in pulse_mail.unsent(round_id=round_id):
            database.begin_write()
            sent += pulse_mail.send_invitation(participation_id=participation_id, now=now)
    for participation_id in pulse_mail.due_reminders(now=now):
        database.begin_write()
        reminded += pulse_mail.remind(participation_id=participation_id, now=now)
    database.begin_write()
    for round_id in pulse_followups.rounds_to_check(now=now):
        database.begin_write()
        followed += pulse_followups.open_for_round_id(round_id=round_id, now=now)
    return {"opened": opened, "sent": sent, "reminded": reminded, "follow_ups": followed}


def open_detractor_followups() -> dict[str, int]:
    """Catch-up: a follow-up for every detractor answer that has none (services/nps/followups.py)."""
    database.begin_write()
    return {"opened": followups.open_missing()}


def purge_throttle_counters(now: datetime | None = None) -> dict[str, int]:
    """Delete login and form throttle counters that count nothing any more (infra/throttle.py)."""
    database.begin_write()
    return {"purged": throttle.purge_expired(now)}


def purge_idempotent_responses(now: datetime | None = None) -> dict[str, int]:
    """Forget the API's kept create responses (Idempotency-Key) older than a day (services/org/api_tokens.py)."""
    database.begin_write()
    return {"purged": api_tokens.purge_idempotent_responses(now)}


def drop_old_visitor_hashes(now: datetime | None = None) -> dict[str, int]:
    """Clear the visitor hash of clicks past their retention, batch by batch (services/publishing/click_retention.py);
    the counts stay."""
    return {"cleared": click_retention.drop_old_visitor_hashes(now=now, stop=shutdown_requested.is_set)}


def purge_pending_uploads() -> dict[str, int]:
    """Delete images held for post forms that were never saved (infra/uploads.py, a day old)."""
    return {"deleted": uploads.purge_pending()}


def prune_user_sessions() -> dict[str, int]:
    """Forget sign-in sessions that ended more than a day ago (services/org/sessions.py)."""
    database.begin_write()
    return {"deleted": sessions.prune()}


def fetch_engagement(now: datetime | None = None) -> dict[str, int]:
    """Read back what the networks report for published shares that are due, account by account
    (services/publishing/metrics.py; each account's figures committed on their own)."""
    counts: Counter = Counter()
    groups = metrics.claim_due(limit=ENGAGEMENT_BATCH, now=now)
    for account_id, share_ids in groups.items():
        counts.update(metrics.fetch_for_account(account_id, share_ids, now=now))
    return {"accounts": len(groups), **counts}


def refresh_follower_counts(now: datetime | None = None) -> dict[str, int]:
    """Potential reach: refresh follower counts a day old (services/publishing/followers.py)."""
    return followers.refresh_due(limit=FOLLOWERS_BATCH, now=now)


def roll_standings(now: datetime | None = None) -> dict[str, int]:
    """Rebuild the leaderboard standings windows whose org-local days moved on (services/analytics/standings.py),
    one organization per transaction."""
    rebuilt = 0
    for org_id in rollup_rebuild.queued_org_ids():  # organizations whose activity predates the rollups
        database.begin_write()
        rollup_rebuild.rebuild(org=organizations.get(org_id), step=lambda _batch, _cells: database.begin_write())
        rebuilt += 1
    rolled = 0
    for org_id in organizations.all_ids():
        database.begin_write()  # commits the previous organization's windows; SQLite: write lock first
        rolled += rollup_rebuild.roll_standings(org=organizations.get(org_id), now=now)
    if rebuilt or rolled:
        database.begin_write()  # commit the last organization's windows, then
        database.vacuum("standing")  # boards read the new rows from the indexes alone (PostgreSQL)
    return {"rebuilt": rebuilt, "rolled": rolled}


def build_asked_ranges(now: datetime | None = None) -> dict[str, int]:
    """Build the custom date ranges someone has just looked at (until built, their boards are summed from the
    cells: about 0.3 s at 100,000 members), one window per transaction, the last asked for first: a range is
    in use (with the movement since the period before still summed from the cells) before the period before it
    is built. roll_standings would only get to them within 2 minutes."""
    built = 0
    for org_id in rollup_rebuild.asked_org_ids():
        # Before each window: commit the one built before; SQLite: write lock first.
        built += rollup_rebuild.build_asked(org=organizations.get(org_id), now=now, step=database.begin_write)
    if built:
        database.begin_write()  # commit the last organization's windows, then
        database.vacuum("standing")  # boards read the new rows from the indexes alone (PostgreSQL)
    return {"built": built}


def add_queued_standings() -> dict[str, int]:
    """Add to the standings what publishing workers queued and did not add themselves (a worker adds its own
    at least every 2 seconds while it publishes, and before its job returns): one batch per transaction."""
    return {"added": dispatch.add_queued_standings()}  # one batch per transaction, committed


def send_digests(now: datetime | None = None) -> dict[str, int]:
    """Email each member's digest once per day or week, from the local hour in their time zone
    (services/notify/digests.py); each digest is committed with its claim before the next."""
    counts: Counter = Counter()
    facts = digest_content.OrgFacts()  # figures shared by an organization's members, read once per run
    for batch in digests.due(now=now):
        for membership_id, period in batch:
            if shutdown_requested.is_set():
                return dict(counts)
            database.begin_write()  # commits the previous digest; SQLite: the write lock first
            counts[digests.send_digest(membership_id=membership_id, period=period, now=now, facts=facts)] += 1
    return dict(counts)


def deliver_webhooks(now: datetime | None = None) -> dict[str, int]:
    """Send the queued Slack/Teams messages (services/notify/webhook_delivery.py): claims committed first, each
    POST made outside any transaction, its result committed on its own (retries are queued with backoff)."""
    counts: Counter = Counter()
    database.begin_write()
    claimed = webhook_delivery.claim_due(now=now)
    db.session.commit()
    for delivery_id in claimed:
        request = webhook_delivery.prepare(delivery_id)
        db.session.commit()  # no transaction (nor SQLite lock) held during the HTTP call
        outcome = webhook_delivery.post(request) if request is not None else None
        database.begin_write()
        counts[webhook_delivery.record(delivery_id, outcome, now=now)] += 1
    return dict(counts)


def deliver_event_hooks(now: datetime | None = None) -> dict[str, int]:
    """Sign and send the queued event webhooks (services/hooks/delivery.py): claims committed first,
    each POST made outside any transaction, its result committed on its own (retries queued with backoff)."""
    counts: Counter = Counter()
    database.begin_write()
    claimed = event_hook_delivery.claim_due(now=now)
    db.session.commit()
    for delivery_id in claimed:
        if shutdown_requested.is_set():
            break  # the rest of the claims go back to the queue when their lease expires
        request = event_hook_delivery.prepare(delivery_id)
        db.session.commit()  # no transaction (nor SQLite lock) held during the HTTP call
        outcome = event_hook_delivery.post(request) if request is not None else None
        database.begin_write()
        counts[event_hook_delivery.record_attempt(delivery_id, outcome, now=now)] += 1
        db.session.commit()
    return dict(counts)


def purge_audit_events(now: datetime | None = None) -> dict[str, int]:
    """Delete audit events older than each organization's retention, a committed batch at a time."""
    purged = 0
    for org_id, days in audit_retention.retentions():
        while not shutdown_requested.is_set():
            database.begin_write()
            count = audit_retention.purge_batch(org_id=org_id, days=days, now=now)
            db.session.commit()
            purged += count
            if count < audit_retention.BATCH:
                break
    while not shutdown_requested.is_set():
        database.begin_write()
        count = audit_retention.purge_orphans_batch(now=now)
        db.session.commit()
        purged += count
        if count < audit_retention.BATCH:
            break
    return {"purged": purged}


def post_weekly_results(now: datetime | None = None) -> dict[str, int]:
    """Once a week per organization, its results to its chat channels (services/notify/results.py)."""
    posted = 0
    for org_id in organizations.all_ids():
        database.begin_write()
        posted += results.post_week(organizations.get(org_id), now=now)
    return {"posted": posted}
