"""Adapters by name, enabled by configuration (redash's destinations registry, social-core's backends)."""
from __future__ import annotations

import threading

from flask import current_app

from .base import AppClients, SocialProvider

_CLASSES: dict[str, type[SocialProvider]] = {}
_LOADED = threading.Event()
_LOAD_LOCK = threading.Lock()


def register(cls: type[SocialProvider]) -> type[SocialProvider]:
    _CLASSES[cls.name] = cls
    return cls


def _load_adapters() -> None:
    # Importing the modules registers their classes; a missing module is simply not offered.
    import importlib

    for module in ("linkedin", "x", "mastodon", "bluesky", "facebook"):
        try:
            importlib.import_module(f"{__package__}.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{module}":
                raise


def all_classes() -> dict[str, type[SocialProvider]]:
    # Publishing threads ask at the same time in a fresh worker: load every adapter exactly once,
    # and let nobody see a half-filled registry (a KeyError would fail a share as "config").
    if not _LOADED.is_set():
        with _LOAD_LOCK:
            if not _LOADED.is_set():
                _load_adapters()
                _LOADED.set()
    return dict(_CLASSES)


def enabled(config: dict | None = None, *, clients: AppClients | None = None) -> dict[str, SocialProvider]:
    """The configured adapters, in a stable order (the order of networks.NETWORKS).

    `clients`: the store of per-server app credentials (services.mastodon_apps), needed to connect
    accounts on a network whose app is registered per server (Mastodon); publishing needs none."""
    from .. import networks

    config = config if config is not None else current_app.config
    classes = all_classes()
    order = [name for name in networks.NETWORKS if name in classes]
    return {name: classes[name](config, clients=clients) for name in order if classes[name].is_configured(config)}


def get(name: str, config: dict | None = None, *, clients: AppClients | None = None) -> SocialProvider:
    """An enabled adapter; KeyError when it is unknown or not configured."""
    return enabled(config, clients=clients)[name]
