"""Server-side sessions: every sign-in is a UserSession row that logout, password change and reset revoke.

The browser holds a random token (in the signed Flask session and, with "remember me", in the
remember-me cookie); the database holds only its SHA-256. A request is signed in only while its row
exists, is not revoked and has not expired, so a copied cookie stops working at logout and a
remember-me cookie stops working after REMEMBER_DAYS whatever its Expires says.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...infra import database
from ...infra.addresses import network_hint
from ...infra.database import begin_write
from ...infra.tokens import hash_token, new_token
from ...models import User, UserSession, utcnow

# last_seen_at is written at most this often, so a busy session costs no write per request.
TOUCH_EVERY = timedelta(minutes=5)


# Most specific first: Edge and Opera say "Chrome" too, Chrome says "Safari", Android says "Linux".
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("CriOS/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def device_label(user_agent: str) -> str:
    """"Firefox on Windows" for a list of sessions a person can recognise; "" when unknown."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    return " · ".join(part for part in (browser, system) if part)


def session_id(token: str | None) -> str:
    """The stored id of the session holding `token`."""
    return hash_token(token) if token else ""


def open_session(user: User, *, remember: bool = False, user_agent: str | None = None,
                 address: str | None = None) -> str:
    """Record a new session for `user`; returns the raw token (set on `user.session_token` too)."""
    now = utcnow()
    token = new_token()
    db.session.add(UserSession(
        id=hash_token(token), user_id=user.id, remember=remember, created_at=now, last_seen_at=now,
        expires_at=now + timedelta(days=current_app.config["REMEMBER_DAYS"]),
        user_agent=(user_agent or "")[:200], address_hint=network_hint(address)))
    db.session.flush()
    user.session_token = token
    return token


def is_live(row: UserSession, *, now=None) -> bool:
    """Not revoked, before its absolute expiry and, without remember-me, used within SESSION_IDLE_HOURS."""
    now = now or utcnow()
    if row.revoked_at is not None or row.expires_at <= now:
        return False
    idle = timedelta(hours=current_app.config["SESSION_IDLE_HOURS"])
    return row.remember or row.last_seen_at + idle > now


def user_for_session(user_id: int, token: str) -> tuple[User | None, bool]:
    """(the user of a live session or None, whether last_seen_at was refreshed and needs a commit).

    last_seen_at is written at most every TOUCH_EVERY, so most requests write nothing.
    """
    if not token:
        return None, False
    row = db.session.get(UserSession, hash_token(token))
    now = utcnow()
    if row is None or row.user_id != user_id or not is_live(row, now=now):
        return None, False
    touched = row.last_seen_at + TOUCH_EVERY <= now
    if touched:
        # SQLite: this request has read; a read turned into a write fails at once ("database is
        # locked") when another request wrote meanwhile, so start a transaction with the write.
        # Guarded, so racing requests of one session write it once.
        session_id = row.id
        begin_write()
        db.session.execute(sa.update(UserSession).where(
            UserSession.id == session_id, UserSession.last_seen_at <= now - TOUCH_EVERY).values(last_seen_at=now)
            .execution_options(synchronize_session=False))
    user = db.session.get(User, user_id)
    if user is not None:
        user.session_token = token
    return user, touched


def revoke(token: str | None) -> None:
    if token:
        db.session.execute(sa.update(UserSession).where(UserSession.id == hash_token(token),
                                                        UserSession.revoked_at.is_(None)).values(revoked_at=utcnow()))


def revoke_all(user: User, *, keep_token: str | None = None) -> int:
    """Revoke every session of `user` except the one holding `keep_token`; returns how many."""
    stmt = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep_token:
        stmt = stmt.where(UserSession.id != hash_token(keep_token))
    return database.changed_rows(stmt.values(revoked_at=utcnow()).execution_options(synchronize_session=False))


def live_sessions(user: User) -> list[UserSession]:
    now = utcnow()
    rows = db.session.scalars(sa.select(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None), UserSession.expires_at > now)
        .order_by(UserSession.last_seen_at.desc()))
    return [row for row in rows if is_live(row, now=now)]


def prune(now=None) -> int:
    """Delete sessions that ended (revoked or expired) more than a day ago; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=1)
    return database.changed_rows(sa.delete(UserSession).where(sa.or_(
        UserSession.expires_at <= cutoff, UserSession.revoked_at <= cutoff)))
