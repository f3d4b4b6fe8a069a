"""The URL builder is checked on the publishing path too: its scripted fake adapters and their fixtures."""
from __future__ import annotations

from tests.services.publishing.fakes import member, network, post  # noqa: F401 - fixtures of test_urls.py
