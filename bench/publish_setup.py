"""The publishing benchmark's stand-ins and data: contract fakes with per-account rate limits that
keep score, the seeded organization (members, linked accounts, posts, due API shares), and what
each network ended up holding, share by share.

Used by bench/publish.py; the fakes themselves are the contract fakes of tests/providers/fakes.
"""
from __future__ import annotations

import random
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import g, request

from tests.providers.fakes.bluesky import FakePDS
from tests.providers.fakes.linkedin import FakeLinkedIn
from tests.providers.fakes.mastodon import FakeMastodon
from tests.providers.fakes.x import FakeX

NETWORKS = ("x", "mastodon", "bluesky", "linkedin")
# LinkedIn's 429 carries no reset header: the adapter waits until midnight UTC, so no LinkedIn
# account is rate limited here (the run would never finish).
LIMITABLE = ("x", "mastodon", "bluesky")
LINKEDIN_VERSION = "202601"
X_CLIENT = ("bench-x-client", "bench-x-secret")
LINKEDIN_CLIENT = ("bench-li-client", "bench-li-secret")
# Every caption carries "ref <idempotency key>", so a post on any network names its share.
REF_RE = re.compile(r"\bref ([0-9a-f]{32})\b")


# --- fakes --------------------------------------------------------------------------------------------


@dataclass
class LimitStats:
    """What one rate-limited account did to the fake's limit."""
    requests: int = 0
    rejected: int = 0  # answered 429
    spent: int = 0  # went through and was told no call was left (remaining 0) until a reset
    premature: int = 0  # arrived before a reset the fake had already announced to this account
    stale: int = 0  # answered 429 with a reset that had already passed (second-resolution headers)
    told_until: float = 0.0  # the latest announced reset (epoch seconds)
    episode: int = 0  # premature requests in the current wait
    worst_episode: int = 0  # most premature requests within one wait


class ScoredLimits:
    """Mixin for a FakeNetwork: the limit applies only to `limited_accounts`, and every request on a
    limited endpoint is scored against the reset the fake announced (its own rate-limit headers)."""

    limited_accounts: frozenset = frozenset()

    def setup_scoring(self, accounts) -> None:
        self.limited_accounts = frozenset(accounts)
        self.limit_stats: dict[str, LimitStats] = {}

    def announced_reset(self, headers: dict) -> float:
        raise NotImplementedError

    def _check_rate_limit(self):
        if request.endpoint not in self.limited_endpoints:
            return None
        account = self.account_of_request()
        if account not in self.limited_accounts:
            return None
        arrived = time.time()
        answer = super()._check_rate_limit()
        with self.lock:
            stats = self.limit_stats.setdefault(account, LimitStats())
            stats.requests += 1
            waiting = arrived < stats.told_until
            if waiting:
                stats.premature += 1
                stats.episode += 1
                stats.worst_episode = max(stats.worst_episode, stats.episode)
            if answer is not None:
                stats.rejected += 1
                if not waiting:
                    stats.episode = 0
                reset = self.announced_reset(g.rate_headers)
                stats.stale += reset <= arrived
                stats.told_until = max(stats.told_until, reset)
            elif any(name.lower().endswith("-remaining") and value == "0" for name, value in g.rate_headers.items()):
                # The last call of the window: the answer tells the account to wait as a 429 would.
                stats.spent += 1
                if not waiting:
                    stats.episode = 0
                stats.told_until = max(stats.told_until, self.announced_reset(g.rate_headers))
        return answer


class BenchX(ScoredLimits, FakeX):
    def announced_reset(self, headers):
        return float(headers["x-rate-limit-reset"])


class BenchMastodon(ScoredLimits, FakeMastodon):
    def announced_reset(self, headers):
        return datetime.fromisoformat(headers["X-RateLimit-Reset"].replace("Z", "+00:00")).timestamp()


class BenchPDS(ScoredLimits, FakePDS):
    def announced_reset(self, headers):
        return float(headers["ratelimit-reset"])


class BenchLinkedIn(ScoredLimits, FakeLinkedIn):
    def announced_reset(self, headers):
        return time.time()


def make_fakes(*, delay: float, limit: int, window: float) -> dict:
    """One fake per network, each answering after `delay` seconds."""
    common = dict(delay=delay, rate_limit=limit, rate_window=window)
    return {"x": BenchX(client_id=X_CLIENT[0], client_secret=X_CLIENT[1], **common),
            "mastodon": BenchMastodon(**common),
            "bluesky": BenchPDS(**common),
            "linkedin": BenchLinkedIn(client_id=LINKEDIN_CLIENT[0], client_secret=LINKEDIN_CLIENT[1],
                                      active_versions=(LINKEDIN_VERSION,), **common)}


def app_settings(fakes: dict) -> dict:
    """The configuration that points the real adapters at the fakes (loopback, http allowed)."""
    x, linkedin = fakes["x"].base_url, fakes["linkedin"].base_url
    return {"PROVIDERS_ALLOW_HTTP": True, "MASTODON_ENABLED": True, "BLUESKY_ENABLED": True,
            "BLUESKY_DEFAULT_SERVICE": fakes["bluesky"].base_url,
            "X_CLIENT_ID": X_CLIENT[0], "X_CLIENT_SECRET": X_CLIENT[1], "X_API_URL": x,
            "X_AUTH_URL": f"{x}/i/oauth2/authorize", "X_TOKEN_URL": f"{x}/2/oauth2/token",
            "LINKEDIN_CLIENT_ID": LINKEDIN_CLIENT[0], "LINKEDIN_CLIENT_SECRET": LINKEDIN_CLIENT[1],
            "LINKEDIN_API_URL": linkedin, "LINKEDIN_AUTH_URL": f"{linkedin}/oauth/v2/authorization",
            "LINKEDIN_TOKEN_URL": f"{linkedin}/oauth/v2/accessToken", "LINKEDIN_API_VERSION": LINKEDIN_VERSION,
            "FACEBOOK_APP_ID": "", "MAIL_SERVER": None, "OPEN_GRAPH_FETCH": False,
            "PUBLIC_BASE_URL": "https://amb.bench.example"}


# --- accounts on the fakes ----------------------------------------------------------------------------


def _fake_account(network: str, fake, n: int) -> dict:
    """Create user n on the fake network; the SocialAccount columns that go with it (plain tokens)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    if network == "x":
        user_id = str(1_000_000 + n)
        tokens = fake.account(user_id, username=f"bench{n}")
        return dict(external_id=user_id, handle=f"@bench{n}", service_url="", extra={"username": f"bench{n}"},
                    access=tokens["access_token"], refresh=tokens["refresh_token"],
                    expires=now + timedelta(seconds=tokens["expires_in"]), limit_key=user_id)
    if network == "linkedin":
        sub = f"bench{n:06d}"
        tokens = fake.account(sub)
        return dict(external_id=f"urn:li:person:{sub}", handle=f"Member {n}", service_url="", extra={},
                    access=tokens["access_token"], refresh=None,
                    expires=now + timedelta(seconds=tokens["expires_in"]), limit_key=sub)
    if network == "mastodon":
        account_id = str(n)
        fake.accounts[account_id] = {"id": account_id, "username": f"bench{n}", "display_name": f"Member {n}"}
        return dict(external_id=account_id, handle=f"@bench{n}@127.0.0.1", service_url=fake.base_url,
                    extra={"acct": f"bench{n}"}, access=fake.add_token(account_id), refresh=None, expires=None,
                    limit_key=account_id)
    from ambassador.providers.bluesky import jwt_claims, pack

    did, password = f"did:plc:bench{n:06d}", "abcd-efgh-ijkl-mnop"
    fake.accounts[did] = {"handle": f"bench{n}.test", "email": f"bench{n}@bench.test", "password": "main-password",
                          "app_passwords": {password}, "displayName": f"Member {n}"}
    session = fake.session(did)
    expires = datetime.fromtimestamp(jwt_claims(session["accessJwt"])["exp"], UTC).replace(tzinfo=None)
    return dict(external_id=did, handle=f"@bench{n}.test", service_url=fake.base_url,
                extra={"did": did, "handle": f"bench{n}.test"}, access=session["accessJwt"],
                refresh=pack(session["refreshJwt"], did, password), expires=expires, limit_key=did)


# --- the database ---------------------------------------------------------------------------------------


TEAMS = 20


def seed(app, fakes: dict, *, accounts: int, shares: int, limited_share: float, rng: random.Random) -> dict:
    """One org, `accounts` members in TEAMS teams with one linked account each (networks in turn), enough live
    posts for `shares` due API shares (one per post and account), and its leaderboard standings built, as the
    worker builds them for every organization: each published share then adds to every window and scope it
    counts in, as in production. Returns a summary."""
    from ambassador.extensions import db
    from ambassador.infra import crypto
    from ambassador.infra.tokens import new_token
    from ambassador.models import (
        Campaign,
        Membership,
        Organization,
        Post,
        Share,
        SocialAccount,
        Team,
        TrackedLink,
        User,
        utcnow,
    )
    from ambassador.models.organization import membership_team
    from ambassador.services.analytics import rebuild as rollup_rebuild
    from ambassador.services.publishing.sharing import short_url
    from ambassador.services.publishing.tracked_links import new_code, with_utm

    with app.app_context():
        db.create_all()
        now = utcnow()
        org = Organization(name="Bench", slug="bench", join_token=new_token(), disclosure="")
        db.session.add(org)
        db.session.flush()
        users = [{"email": f"member{i}@bench.test", "name": f"Member {i}"} for i in range(accounts)]
        user_ids = db.session.scalars(sa.insert(User).returning(User.id, sort_by_parameter_order=True), users).all()
        member_ids = db.session.scalars(sa.insert(Membership).returning(Membership.id, sort_by_parameter_order=True),
                                        [{"org_id": org.id, "user_id": uid, "role": "ambassador"}
                                         for uid in user_ids]).all()
        team_ids = db.session.scalars(sa.insert(Team).returning(Team.id, sort_by_parameter_order=True),
                                      [{"org_id": org.id, "name": f"Team {t}", "join_token": new_token()}
                                       for t in range(TEAMS)]).all()
        db.session.execute(sa.insert(membership_team), [{"membership_id": member_id, "team_id": team_ids[i % TEAMS]}
                                                        for i, member_id in enumerate(member_ids)])
        limitable = [i for i in range(accounts) if NETWORKS[i % len(NETWORKS)] in LIMITABLE]
        limited = set(rng.sample(limitable, min(len(limitable), round(accounts * limited_share))))
        rows, limited_keys = [], {name: [] for name in NETWORKS}
        for i, member_id in enumerate(member_ids):
            network = NETWORKS[i % len(NETWORKS)]
            info = _fake_account(network, fakes[network], i)
            if i in limited:
                limited_keys[network].append(info["limit_key"])
            rows.append(dict(org_id=org.id, membership_id=member_id, provider=network,
                             external_id=info["external_id"], handle=info["handle"], display_name=f"Member {i}",
                             service_url=info["service_url"], extra=info["extra"], status="active",
                             access_token_enc=crypto.encrypt(info["access"]),
                             refresh_token_enc=crypto.encrypt(info["refresh"]), token_expires_at=info["expires"]))
        account_ids = db.session.scalars(
            sa.insert(SocialAccount).returning(SocialAccount.id, sort_by_parameter_order=True), rows).all()
        for network, keys in limited_keys.items():
            fakes[network].setup_scoring(keys)
        campaign = Campaign(org_id=org.id, title="Bench", slug="bench", status="active")
        db.session.add(campaign)
        db.session.flush()
        n_posts = -(-shares // accounts)
        posts = [Post(org_id=org.id, campaign_id=campaign.id, title=f"Bench post {p}", status="approved",
                      link_url=f"https://example.com/article/{p}", published_at=now, preview_title=f"Article {p}")
                 for p in range(n_posts)]
        db.session.add_all(posts)
        db.session.flush()
        pairs = [(post, i) for post in posts for i in range(accounts)][:shares]
        # Each member's shares fall due together (a queue slot, an auto-shared campaign), members in
        # a shuffled order over the last minute: bursts per account, which is what rate limits meet.
        burst = {i: now - timedelta(seconds=rng.uniform(2, 60)) for i in range(accounts)}
        links, share_rows = [], []
        for post, i in pairs:
            network = NETWORKS[i % len(NETWORKS)]
            code, key = new_code(), secrets.token_hex(16)
            links.append(dict(org_id=org.id, post_id=post.id, membership_id=member_ids[i], network=network,
                              code=code, destination=with_utm(post.link_url, network=network, campaign_slug="bench")))
            due = burst[i] + timedelta(seconds=rng.uniform(0, 2))
            share_rows.append(dict(org_id=org.id, post_id=post.id, membership_id=member_ids[i], network=network,
                                   method="api", status="scheduled", created_at=now, scheduled_at=due,
                                   next_attempt_at=due, idempotency_key=key, account_id=account_ids[i],
                                   caption=f"{post.title}: worth a read, ref {key} {short_url(code)}"))
        link_ids = db.session.scalars(sa.insert(TrackedLink).returning(TrackedLink.id, sort_by_parameter_order=True),
                                      links).all()
        for row, link_id in zip(share_rows, link_ids, strict=True):
            row["tracked_link_id"] = link_id
        db.session.execute(sa.insert(Share), share_rows)
        db.session.commit()
        rollup_rebuild.roll_standings(org=org)  # the worker's roll_standings job
        db.session.commit()
        # A table filled in one go has no statistics until autovacuum gets to it (a production table
        # has them): without, the planner takes the claim's join for one row and loops over accounts.
        with db.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
        db.engine.dispose()
    return {"accounts": accounts, "posts": n_posts, "shares": len(share_rows),
            "limited_accounts": sum(len(keys) for keys in limited_keys.values()),
            "by_network": Counter(NETWORKS[i % len(NETWORKS)] for _post, i in pairs)}


def share_states(url: str) -> dict[str, tuple[str, str, str | None]]:
    """idempotency key → (network, status, error kind) for every API share."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT idempotency_key, network, status, error_kind FROM share "
                                    "WHERE method = 'api'")).all()
    engine.dispose()
    return {key: (network, status, kind) for key, network, status, kind in rows}


def pace(url: str) -> dict | None:
    """When the shares went out (published_at, as the recorders wrote it): the steady rate between the 10th and
    the 90th percentile of publications, and how long the first and the last 10% took (from the first call):
    the rate-limited accounts whose turn comes last cannot finish sooner than their limits allow."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        first = conn.execute(sa.text("SELECT min(sending_at) FROM share WHERE method = 'api'")).scalar_one()
        times = conn.execute(sa.text("SELECT published_at FROM share WHERE method = 'api' AND status = 'published' "
                                     "ORDER BY published_at")).scalars().all()
    engine.dispose()
    if len(times) < 10 or first is None:
        return None
    low, high = times[len(times) // 10], times[len(times) * 9 // 10]
    steady = (high - low).total_seconds()
    return {"rate": (len(times) * 9 // 10 - len(times) // 10) / steady if steady > 0 else float("nan"),
            "head": (low - first).total_seconds(), "steady": steady, "tail": (times[-1] - high).total_seconds()}


def standings_problems(url: str) -> list[str]:
    """The standings against the ledger once the workers are done: nothing left queued, and each member's all-time
    standing (every campaign, network and team) holds the member's points."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        queued = conn.execute(sa.text("SELECT count(*) FROM standing_queue")).scalar_one()
        wrong = conn.execute(sa.text(
            "SELECT count(*) FROM (SELECT membership_id, sum(points) AS points FROM points_entry GROUP BY "
            "membership_id) AS ledger LEFT JOIN standing ON standing.membership_id = ledger.membership_id "
            "AND standing.window = 'all' AND standing.campaign_id = 0 AND standing.network = '' "
            "AND standing.team_id = 0 WHERE standing.points IS DISTINCT FROM ledger.points")).scalar_one()
    engine.dispose()
    return ([f"standings: {queued} rows left queued"] if queued else []) + (
        [f"standings: {wrong} members' all-time standing differs from their points in the ledger"] if wrong else [])


def unsettled(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM share WHERE method = 'api' "
                                    "AND status IN ('scheduled', 'publishing')")).scalar_one()


# --- what the networks hold ------------------------------------------------------------------------------


def network_posts(fakes: dict) -> dict[str, Counter]:
    """network → Counter(share key → posts that exist on the network for it)."""
    texts = {"x": [t["text"] for t in fakes["x"].tweets],
             "linkedin": [p["rendered"] for p in fakes["linkedin"].posts],
             "mastodon": [s["text"] for s in fakes["mastodon"].statuses],
             "bluesky": [r["value"]["text"] for r in fakes["bluesky"].records.values()]}
    found = {}
    for network, items in texts.items():
        found[network] = Counter(m.group(1) if (m := REF_RE.search(text)) else "?" for text in items)
    return found


def limit_summary(fakes: dict) -> dict:
    stats = [s for network in LIMITABLE for s in fakes[network].limit_stats.values()]
    return {"limited_requests": sum(s.requests for s in stats), "answered_429": sum(s.rejected for s in stats),
            "told_spent": sum(s.spent for s in stats),
            "reached": any(s.rejected or s.spent for s in stats),  # some account met its limit (429 or remaining 0)
            "premature": sum(s.premature for s in stats), "stale": sum(s.stale for s in stats),
            "by_network": {network: (sum(s.rejected for s in fakes[network].limit_stats.values()),
                                     sum(s.stale for s in fakes[network].limit_stats.values()))
                           for network in LIMITABLE},
            "worst_episode": max((s.worst_episode for s in stats), default=0),
            "worst_account_429": max((s.rejected for s in stats), default=0)}
