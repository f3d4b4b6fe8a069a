"""Reporting windows: whole calendar days in the organization's time zone.

How windows are counted (the leaderboard and the overview both use this):

* A window is a run of whole *org-local* calendar days, ``first_day`` … ``last_day``
  inclusive. "Last 7 days" is today (in the org's zone) and the 6 days before it;
  "last 30 days" and "last 90 days" likewise. A custom window names its own days.
* Those days become one half-open range of naive-UTC timestamps
  ``[start, end)`` — local midnight of ``first_day`` to local midnight after ``last_day``,
  converted to UTC (daylight-saving changes included) — and every table is filtered on
  its timestamp with that same range: ``PointsEntry.created_at``, the moment of a share
  (``published_at`` for API shares, else ``created_at``) and ``Click.created_at``.
  ``PointsEntry.day`` is ``services.points.local_day(created_at)``, so filtering the
  ledger by ``created_at`` in this range is the same as filtering it by ``day``.
* "All time" has no bounds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from ...models import Organization, utcnow
from ..community.points import local_day
from .standings import quarter_start

# Longest custom window, in days (keeps the per-day series a readable size).
MAX_CUSTOM_DAYS = 366


@dataclass(frozen=True)
class Window:
    key: str  # "all", "7", "30", "90", "quarter", "custom" or "previous"
    first_day: date | None = None
    last_day: date | None = None
    # Local midnights as naive UTC: one per day plus the one after the last day.
    boundaries: tuple[datetime, ...] = ()

    @property
    def bounded(self) -> bool:
        return bool(self.boundaries)

    @property
    def start(self) -> datetime | None:
        return self.boundaries[0] if self.boundaries else None

    @property
    def end(self) -> datetime | None:
        return self.boundaries[-1] if self.boundaries else None

    @property
    def days(self) -> list[date]:
        if self.first_day is None or self.last_day is None:
            return []
        return [self.first_day + timedelta(days=i) for i in range((self.last_day - self.first_day).days + 1)]

    def contains(self, column) -> list:
        """SQL conditions keeping `column` (a naive-UTC timestamp) inside the window."""
        if not self.bounded:
            return []
        return [column >= self.start, column < self.end]

    def day_index(self, column):
        """SQL expression: the 0-based index of the window day `column` falls on (NULL outside).

        A CASE over the local-midnight boundaries, so it is exact across daylight-saving
        changes and the same on SQLite and PostgreSQL.
        """
        whens = [(column < boundary, i) for i, boundary in enumerate(self.boundaries[1:])]
        return sa.case(*whens, else_=None)


def local_midnight_utc(org: Organization, day: date) -> datetime:
    """Naive UTC timestamp of the start of `day` in the organization's time zone."""
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(org.timezone or "UTC"))
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def days_window(org: Organization, first_day: date, last_day: date, key: str = "custom") -> Window:
    count = (last_day - first_day).days + 1
    boundaries = tuple(local_midnight_utc(org, first_day + timedelta(days=i)) for i in range(count + 1))
    return Window(key=key, first_day=first_day, last_day=last_day, boundaries=boundaries)


def last_days(org: Organization, days: int, *, now: datetime | None = None) -> Window:
    """Today (org-local) and the `days - 1` days before it."""
    today = local_day(org, now or utcnow())
    return days_window(org, today - timedelta(days=days - 1), today, key=str(days))


def this_quarter(org: Organization, *, now: datetime | None = None) -> Window:
    """From the first day of the current calendar quarter (org-local) to today."""
    today = local_day(org, now or utcnow())
    return days_window(org, quarter_start(today), today, key="quarter")


def previous(org: Organization, window: Window) -> Window | None:
    """The period of equal length just before `window` (None for all time)."""
    if window.first_day is None or window.last_day is None:
        return None
    length = (window.last_day - window.first_day).days + 1
    return days_window(org, window.first_day - timedelta(days=length), window.first_day - timedelta(days=1),
                       key="previous")


def previous_days(window: Window) -> tuple[date, date] | None:
    """The days of previous(): the same number of days, ending the day before `window` starts (None for all
    time)."""
    if window.first_day is None or window.last_day is None:
        return None
    length = (window.last_day - window.first_day).days + 1
    return window.first_day - timedelta(days=length), window.first_day - timedelta(days=1)


def all_time() -> Window:
    return Window(key="all")


def named_window(org: Organization, key: str | None, *, allowed: tuple[str, ...], default: str,
                 now: datetime | None = None) -> Window:
    """A window from a name such as "7", "30", "90", "quarter" or "all"; unknown names fall back to `default`."""
    key = key if key in allowed else default
    if key == "quarter":
        return this_quarter(org, now=now)
    return all_time() if key == "all" else last_days(org, int(key), now=now)


def _parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def custom_window(org: Organization, raw_from: str | None, raw_to: str | None) -> tuple[Window | None, dict]:
    """A window between two ISO dates (inclusive); returns (window, errors by field name)."""
    errors: dict = {}
    first, last = _parse_day(raw_from), _parse_day(raw_to)
    if first is None:
        errors["from"] = _l("Enter a start date (YYYY-MM-DD).")
    if last is None:
        errors["to"] = _l("Enter an end date (YYYY-MM-DD).")
    if first and last:
        if last < first:
            errors["to"] = _l("The end date must be on or after the start date.")
        elif (last - first).days + 1 > MAX_CUSTOM_DAYS:
            errors["to"] = lazy_ngettext("Choose at most %(num)d day.", "Choose at most %(num)d days.", MAX_CUSTOM_DAYS)
    if errors or first is None or last is None:
        return None, errors
    return days_window(org, first, last), {}
