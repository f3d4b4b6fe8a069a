"""Shares with engagement read back (snapshots, latest figures, deleted posts) and what the tests expect of them,
computed here in plain Python from the rows the test wrote, independently of the services.

`Recorder.api_share` writes a published API share through a linked account and stores each of its readings the
way the engagement job does (services/publishing/metrics.py `store`: latest figures, a snapshot when a figure
changed, the increase in the rollups); `Recorder.intent_share` a share through a share link. Every share is
remembered (`Made`) with the readings the test asked for, and the expectations are computed from those.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from ambassador.models import Membership, Post, Share, ShareEngagement, SocialAccount
from ambassador.providers.base import Engagement, MetricsResult
from ambassador.services.analytics import emv
from ambassador.services.publishing import metrics

ENGAGEMENT = ("likes", "reposts", "replies", "quotes")
REPORTING = {"x", "bluesky", "mastodon"}  # linkedin: does not report engagement for members' accounts


@dataclass
class Made:
    share: Share
    name: str  # the member's name
    network: str
    api: bool
    followers: int | None = None
    readings: list[tuple[datetime, dict]] = field(default_factory=list)
    deleted: bool = False

    @property
    def engagement(self) -> int | None:
        """The latest reading's likes + reposts + replies + quotes (unknown ones add nothing); None: never read."""
        if not self.readings:
            return None
        return sum(self.readings[-1][1].get(name) or 0 for name in ENGAGEMENT)

    def gains(self) -> list[tuple[datetime, int]]:
        """Each reading's increase over the previous one (the first one whole)."""
        out, before = [], 0
        for at, figures in self.readings:
            now = sum(figures.get(name) or 0 for name in ENGAGEMENT)
            out.append((at, now - before))
            before = now
        return out


def known_sum(values) -> int | None:
    values = [v for v in values if v is not None]
    return sum(values) if values else None


class Recorder:
    def __init__(self, db, act, rng: random.Random | None = None):
        self.db, self.act, self.rng = db, act, rng or random.Random(9)
        self.made: list[Made] = []

    def account(self, member: Membership, provider: str, followers: int | None) -> SocialAccount:
        row = SocialAccount(org_id=member.org_id, membership_id=member.id, provider=provider,
                            external_id=f"acct-{member.id}-{provider}-{len(self.made)}", handle=f"@m{member.id}",
                            extra={}, followers_count=followers, scopes="")
        self.db.session.add(row)
        self.db.session.flush()
        return row

    def intent_share(self, member: Membership, post: Post, at: datetime, network: str) -> Made:
        share = self.act.share(member, post, at, network=network)
        made = Made(share=share, name=member.user.name, network=network, api=False)
        self.made.append(made)
        return made

    def api_share(self, member: Membership, post: Post, account: SocialAccount, at: datetime, *,
                  readings: int = 0, deleted: bool = False, figures: dict | None = None,
                  now: datetime | None = None, history: list[tuple[datetime, dict]] | None = None) -> Made:
        """A share `account` published at `at`, read back `readings` times (random, growing figures, spread over
        the hours and days after `at` but before `now`; `figures` fixes the keys reported, None = not given), or
        read back as `history` says: (when, figures) in order."""
        share = self.act.share(member, post, at, network=account.provider, method="api", status="published",
                               published_at=at)
        share.account_id = account.id
        share.external_id = f"post-{share.id}"
        self.db.session.add(ShareEngagement(share_id=share.id, org_id=share.org_id, next_fetch_at=None))
        self.db.session.flush()
        made = Made(share=share, name=member.user.name, network=account.provider, api=True,
                    followers=account.followers_count, deleted=deleted)
        reported = dict.fromkeys((*ENGAGEMENT, "impressions"), 0) if figures is None else dict(figures)
        limit = (now or at + timedelta(days=30)) - at
        for taken, step in history or []:
            self.read(made, taken, step)
        for n in range(readings):
            taken = at + min(timedelta(hours=1 + n * 17), limit - timedelta(minutes=readings - n))
            step = {name: (None if value is None else value + self.rng.randint(0, 6))
                    for name, value in reported.items()}
            if n == readings - 1 and readings > 2 and step.get("likes") is not None:
                step["likes"] = max(0, step["likes"] - 9)  # someone unliked: the day's gain can be negative
            reported = step
            self.read(made, taken, step)
        if deleted:
            gone = (made.readings[-1][0] if made.readings else at) + timedelta(minutes=1)
            self._store(share, MetricsResult(deleted={share.external_id}), gone)
        self.db.session.get_one(ShareEngagement, share.id).next_fetch_at = None  # the job leaves it alone
        self.db.session.flush()
        self.made.append(made)
        return made

    def read(self, made: Made, taken: datetime, figures: dict) -> None:
        """The network reports `figures` for `made`'s share at `taken` (stored as the engagement job does)."""
        made.readings.append((taken, dict(figures)))
        self._store(made.share, MetricsResult(found={made.share.external_id: Engagement(**figures)}), taken)

    def _store(self, share: Share, result: MetricsResult, now: datetime) -> None:
        metrics.store([metrics.Due(share.id, share.external_id, share.published_at)], result, now=now)
        self.db.session.flush()

    # Expectations ------------------------------------------------------------------------------------------

    def of(self, post_ids: set[int]) -> list[Made]:
        return [m for m in self.made if m.share.post_id in post_ids]

    @staticmethod
    def per_network(made: list[Made]) -> dict[str, dict]:
        """Per network: shares, read, deleted, each figure, engagement and potential reach (None: unknown)."""
        out: dict[str, dict] = {}
        for network in sorted({m.network for m in made}):
            mine = [m for m in made if m.network == network]
            read = [m for m in mine if m.readings]
            out[network] = {
                "shares": len(mine), "read": len(read), "deleted": sum(m.deleted for m in mine),
                **{name: known_sum(m.readings[-1][1].get(name) for m in read)
                   for name in (*ENGAGEMENT, "impressions")},
                "engagement": known_sum(m.engagement for m in read),
                "reach": known_sum(m.followers for m in mine if m.api),
            }
        return out

    @staticmethod
    def daily(made: list[Made], days: list[date], timezone: str) -> list[int]:
        """Per day: the increases of the readings taken that day (org-local), whatever day the share went out."""
        zone, index = ZoneInfo(timezone), {d: i for i, d in enumerate(days)}
        out = [0] * len(days)
        for m in made:
            for at, gain in m.gains():
                local = at.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).date()
                if local in index:
                    out[index[local]] += gain
        return out

    @staticmethod
    def by_member(made: list[Made], clicks: dict[str, int]) -> list[tuple]:
        """(name, shares, clicks, engagement, reach), most clicks first, then shares, then name."""
        names = sorted({m.name for m in made} | set(clicks))
        rows = []
        for name in names:
            mine = [m for m in made if m.name == name]
            rows.append((name, len(mine), clicks.get(name, 0), known_sum(m.engagement for m in mine if m.readings),
                         known_sum(m.followers for m in mine if m.api)))
        return sorted(rows, key=lambda r: (-r[2], -r[1], r[0].lower()))

    @staticmethod
    def emv_value(made: list[Made], clicks_by_network: dict[str, int]) -> Decimal:
        """EMV with the placeholder coefficients: per network, potential impressions / 1,000 × CPM + counted
        clicks × per click + engagement × per engagement; unknown figures add nothing."""
        networks = Recorder.per_network(made)
        total = Decimal(0)
        for network, rate in emv.DEFAULT_RATES.items():
            figures = networks.get(network, {})
            total += clicks_by_network.get(network, 0) * rate.per_click
            if figures.get("reach") is not None:
                total += Decimal(figures["reach"]) / 1000 * rate.per_thousand_impressions
            if figures.get("engagement") is not None:
                total += figures["engagement"] * rate.per_engagement
        return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def clicks_by(made_clicks: list[tuple[str, str]]) -> tuple[dict[str, int], dict[str, int]]:
    """Counted clicks per member name and per network, from (name, network) pairs."""
    names: dict[str, int] = defaultdict(int)
    networks: dict[str, int] = defaultdict(int)
    for name, network in made_clicks:
        names[name] += 1
        networks[network] += 1
    return dict(names), dict(networks)
