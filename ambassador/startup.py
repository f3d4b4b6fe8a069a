"""The settings a process cannot start without, checked the same way for every entry point.

`create_app()` raises ConfigurationError; `wsgi.py` (gunicorn workers, every `flask …` command,
the worker) and gunicorn's master (gunicorn.conf.py) turn it into one line on stderr and exit
status 1, never a traceback. Production requires SECRET_KEY, PUBLIC_BASE_URL and TOKEN_KEYS;
development defaults the first two and derives the token key from SECRET_KEY (config.py).
"""
from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import NoReturn

from .infra.urls import base_url_problem

FERNET_HINT = ('TOKEN_KEYS takes Fernet keys, newest first, comma-separated: python -c "from cryptography.fernet '
               'import Fernet; print(Fernet.generate_key().decode())"')


class ConfigurationError(RuntimeError):
    """Settings missing or invalid; the message is one line for the operator."""


def token_keys_problem(value: str | None) -> str | None:
    from cryptography.fernet import Fernet

    keys = [key.strip() for key in (value or "").split(",") if key.strip()]
    if not keys:
        return "not set"
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            return f"key {position} is not a Fernet key (32 url-safe base64-encoded bytes)"
    return None


# Each setting a process may need, with what checks a value that is set (None: any value will do).
CHECKS = {"SECRET_KEY": None, "PUBLIC_BASE_URL": base_url_problem, "TOKEN_KEYS": token_keys_problem}


def problems(config: Mapping) -> tuple[list[str], list[str]]:
    """(the required settings that are missing, what is wrong with the ones that are set)."""
    missing, invalid = [], []
    for name, check in CHECKS.items():
        value = config.get(name)
        if not value:
            if name in config.get("REQUIRED_SETTINGS", ()):
                missing.append(name)
        elif check is not None and (problem := check(value)):
            invalid.append(f"{name} {problem}")
    return missing, invalid


def message(config: Mapping) -> str | None:
    """One line saying everything that is missing or wrong and how to fix it, or None when all is well."""
    missing, invalid = problems(config)
    if not missing and not invalid:
        return None
    said = []
    if missing:
        said.append(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set")
    said += invalid
    fix = "Set them in the environment"
    if "TOKEN_KEYS" in missing or any(problem.startswith("TOKEN_KEYS") for problem in invalid):
        fix += f" ({FERNET_HINT})"
    if config.get("ENV_NAME") == "production":
        fix += ", or run with AMBASSADOR_ENV=development on your own machine"
    return f"Ambassador cannot start ({config.get('ENV_NAME')} settings): {'; '.join(said)}. {fix}."


def check(config: Mapping) -> None:
    text = message(config)
    if text:
        raise ConfigurationError(text)


def class_settings(config_class: type) -> dict:
    return {name: getattr(config_class, name) for name in dir(config_class) if name.isupper()}


WORKER_BOOT_ERROR = 3  # gunicorn's arbiter stops (rather than forking the next worker) on this status


def refuse(error: ConfigurationError) -> NoReturn:
    """The one line on stderr, a non-zero exit status, no traceback."""
    print(error, file=sys.stderr, flush=True)
    # A gunicorn worker started without our gunicorn.conf.py (whose master checks first) exits with
    # gunicorn's "worker failed to boot", so the master stops too instead of booting worker after worker.
    sys.exit(WORKER_BOOT_ERROR if "gunicorn.arbiter" in sys.modules else 1)


def exit_if_misconfigured() -> None:
    """For processes that check before building the app (gunicorn's master, before it forks workers)."""
    from config import config_for

    try:
        check(class_settings(config_for()))
    except ConfigurationError as error:
        refuse(error)


def help_requested(argv: list[str] | None = None) -> bool:
    """`flask … --help` lists the commands even before the settings are in place."""
    return "--help" in (sys.argv[1:] if argv is None else argv)
