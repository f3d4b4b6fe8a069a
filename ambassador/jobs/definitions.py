"""The periodic jobs, in one list: the worker schedules each at its interval; `run-job NAME` runs one once."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import tasks


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], Any]  # runs inside an app context; the runner commits after it
    seconds: float | str  # the interval, or the name of the setting that holds it

    def interval(self, config: Mapping[str, Any]) -> float:
        return float(config[self.seconds] if isinstance(self.seconds, str) else self.seconds)


JOBS: list[Job] = [
    Job("dispatch_due_shares", tasks.dispatch_due_shares, "DISPATCH_INTERVAL_SECONDS"),
    # Every few seconds: click counts, points and leaderboards lag the redirect by this much (and the flush).
    Job("drain_clicks", tasks.drain_clicks, "CLICK_DRAIN_INTERVAL_SECONDS"),
    Job("refresh_expiring_tokens", tasks.refresh_expiring_tokens, 10 * 60),
    Job("warn_expiring_linkedin_tokens", tasks.warn_expiring_linkedin_tokens, 6 * 60 * 60),
    Job("expire_posts", tasks.expire_posts, 5 * 60),
    Job("auto_share_campaigns", tasks.auto_share_campaigns, 5 * 60),
    Job("award_badges", tasks.award_badges, 15 * 60),
    # Within minutes of an organization's midnight: challenges start and end, winners are announced.
    Job("advance_challenges", tasks.advance_challenges, 5 * 60),
    Job("roll_standings", tasks.roll_standings, 2 * 60),
    # Every few seconds: a custom date range someone looks at is summed from the cells until it is built.
    Job("build_asked_ranges", tasks.build_asked_ranges, 2),
    # Every few seconds: what a publishing worker queued for the standings and left (it adds its own).
    Job("add_queued_standings", tasks.add_queued_standings, 5),
    Job("open_detractor_followups", tasks.open_detractor_followups, 10 * 60),
    Job("send_survey_reminders", tasks.send_survey_reminders, 15 * 60),
    Job("run_employee_pulses", tasks.run_employee_pulses, 10 * 60),
    Job("purge_throttle_counters", tasks.purge_throttle_counters, 60 * 60),
    Job("prune_user_sessions", tasks.prune_user_sessions, 6 * 60 * 60),
    # Hourly: visitor hashes of clicks older than CLICK_VISITOR_HASH_RETENTION_DAYS are dropped (counts stay).
    Job("drop_old_visitor_hashes", tasks.drop_old_visitor_hashes, 60 * 60),
    Job("purge_pending_uploads", tasks.purge_pending_uploads, 60 * 60),
    Job("purge_idempotent_responses", tasks.purge_idempotent_responses, 60 * 60),
    # Hourly reads in a share's first 48 hours need a run well within the hour.
    Job("fetch_engagement", tasks.fetch_engagement, 10 * 60),
    Job("refresh_follower_counts", tasks.refresh_follower_counts, 60 * 60),
    # Hourly: each member's digest goes out in the first run after the local hour in their time zone.
    Job("send_digests", tasks.send_digests, 60 * 60),
    Job("post_weekly_results", tasks.post_weekly_results, 60 * 60),
    Job("deliver_webhooks", tasks.deliver_webhooks, 60),
    # Every few seconds: the first retry of an event webhook is due 5 s after its first attempt.
    Job("deliver_event_hooks", tasks.deliver_event_hooks, 10),
    Job("purge_audit_events", tasks.purge_audit_events, 6 * 60 * 60),
]


def by_name(name: str) -> Job:
    """The job called `name`; KeyError when there is none."""
    for job in JOBS:
        if job.name == name:
            return job
    raise KeyError(name)
