"""Run the whole suite on SQLite, then on PostgreSQL when one is reachable.

Under CI=true a missing PostgreSQL (or Chromium for the browser tests) is a failure,
not a skip; on a newcomer's machine those parts skip with a clear message.
"""
from __future__ import annotations

import os
import subprocess
import sys

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def postgres_reachable(url: str) -> str | None:
    """None when reachable, else the reason."""
    try:
        import psycopg

        conninfo = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__


def pytest(env_extra: dict[str, str], label: str) -> int:
    print(f"\n=== test suite on {label} ===", flush=True)
    env = {**os.environ, **env_extra}
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *sys.argv[1:]], env=env)


def main() -> int:
    status = pytest({"TEST_DATABASE_URL": "sqlite://"}, "SQLite")
    reason = postgres_reachable(POSTGRES_URL)
    if reason is None:
        # The browser tests ran against SQLite already; on PostgreSQL run the rest.
        status = pytest({"TEST_DATABASE_URL": POSTGRES_URL, "SKIP_E2E_REASON": "run once, on SQLite"},
                        "PostgreSQL") or status
    elif IN_CI:
        print(f"PostgreSQL is required under CI=true but is not reachable at {POSTGRES_URL}: {reason}")
        status = status or 1
    else:
        print(f"\nSKIPPED the PostgreSQL run: no PostgreSQL reachable at {POSTGRES_URL} ({reason}).\n"
              "Set TEST_POSTGRES_URL to run the suite on PostgreSQL too.")
    return status


if __name__ == "__main__":
    sys.exit(main())
