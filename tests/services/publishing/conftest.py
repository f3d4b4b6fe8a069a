"""The publishing area's fixtures: scripted fake adapters (fakes.py, metrics_fakes.py) and an app of its own for
races."""
from __future__ import annotations

import pytest

from tests.conftest import PUBLIC_BASE_URL, app_with_own_schema

from .fakes import member, network, post  # noqa: F401 - fixtures of this area's tests
from .metrics_fakes import reads  # noqa: F401 - fixture of the engagement and follower tests


@pytest.fixture
def own_app(own_database_url):
    """An app on a throwaway database (the suite's per-test transaction would hide other sessions' rows),
    publishing with four threads."""
    with app_with_own_schema("test", own_database_url, PUBLISH_THREADS=4, PUBLIC_BASE_URL=PUBLIC_BASE_URL) as app:
        yield app
