"""The app we register on each Mastodon instance, stored once and reused for everyone there.

Registering per connection would litter the instance with apps (Mastodon.py's docs say as
much); one OAuthClient row per instance keeps client_id and the encrypted secret. A different
redirect URI (the site moved) registers again and replaces the row. These rows belong to no
organization: an instance's app is shared by all of them, and only carries our own credentials.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...infra import crypto
from ...models import OAuthClient
from ...providers import mastodon

PROVIDER = "mastodon"


def _stored(service_url: str) -> OAuthClient | None:
    return db.session.scalar(sa.select(OAuthClient).where(OAuthClient.provider == PROVIDER,
                                                          OAuthClient.service_url == service_url))


def client_for(*, service_url: str, redirect_uri: str) -> tuple[str, str]:
    """(client_id, client_secret) for the instance; registers the app on first use (flushes)."""
    client = _stored(service_url)
    if client is not None and client.redirect_uri == redirect_uri:
        return client.client_id, crypto.decrypt(client.client_secret_enc)
    parts = urlsplit(redirect_uri)
    client_id, client_secret = mastodon.register_app(
        service_url=service_url, redirect_uri=redirect_uri, website=f"{parts.scheme}://{parts.netloc}",
        config=current_app.config)
    if client is not None:
        client.client_id = client_id
        client.client_secret_enc = crypto.encrypt(client_secret)
        client.redirect_uri = redirect_uri
        db.session.flush()
        return client_id, client_secret
    try:
        with db.session.begin_nested():
            db.session.add(OAuthClient(provider=PROVIDER, service_url=service_url, client_id=client_id,
                                       client_secret_enc=crypto.encrypt(client_secret), redirect_uri=redirect_uri))
    except IntegrityError:
        # Another request registered this instance at the same moment: use the stored one.
        winner = _stored(service_url)
        if winner is not None and winner.redirect_uri == redirect_uri:
            return winner.client_id, crypto.decrypt(winner.client_secret_enc)
        raise
    return client_id, client_secret


def forget(*, service_url: str) -> None:
    """The instance no longer knows our app (invalid_client): drop it so the next connect registers anew."""
    client = _stored(service_url)
    if client is not None:
        db.session.delete(client)
        db.session.flush()
