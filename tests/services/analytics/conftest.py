"""Engagement figures come from shares published through linked accounts: the publishing fakes' fixtures."""
from __future__ import annotations

from tests.services.publishing.fakes import member, network, post  # noqa: F401 - fixtures of test_engagement_reach.py
