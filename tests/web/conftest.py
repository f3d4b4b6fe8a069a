"""Fixtures of the pages that share through linked accounts (account_shares_data.py)."""
from __future__ import annotations

from .account_shares_data import campaign, member, org, post, providers_enabled  # noqa: F401 - fixtures
