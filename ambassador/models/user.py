"""People: a User can belong to several organizations through Memberships."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .base import Model, utcnow

# Erasing a member (services/privacy/member_erasure.py) gives the person they were an address under this reserved
# top-level domain (RFC 2606: never deliverable): the row stays for the ledger, nothing of the person does.
ERASED_EMAIL_DOMAIN = "erased.invalid"

if TYPE_CHECKING:  # the other side of relationships, for the type checker only
    from .organization import Membership


class User(UserMixin, Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    # When the person chose their language themselves (profile or the footer's switch); None: never did.
    locale_chosen_at: Mapped[datetime | None]
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Brussels")
    # Bumped on every password change: voids password reset links made before it.
    session_version: Mapped[int] = mapped_column(default=1)
    # When the person proved they read this address (verification link, invitation email, password
    # reset); None = unverified: the account may not send email from the product.
    email_verified_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")  # noqa: F821

    def set_password(self, password: str) -> None:
        # Werkzeug 3 defaults to scrypt, a memory-hard KDF.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        return check_password_hash(self.password_hash, password)

    # The raw token of the UserSession this request runs under (set at login and by the user
    # loader); Flask-Login stores get_id() in the session and the remember-me cookie.
    if TYPE_CHECKING:
        session_token: str | None  # a plain attribute, not a column (declared here for the type checker)
    else:
        session_token = None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token or ''}"

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_erased(self) -> bool:
        return self.email.endswith("@" + ERASED_EMAIL_DOMAIN)

    @property
    def display_name(self) -> str:
        if self.is_erased:
            return erased_label()
        return self.name or self.email.split("@")[0]


def erased_label() -> str:
    """How an erased member is named on every page (boards, ideas, discussions), in the reader's language."""
    return gettext("Erased member")



# Boards list members at equal points by name (services/analytics/boards.py sort_name): in this order.
sa.Index("ix_user_sort_name", sa.func.lower(sa.func.coalesce(User.name, "")))
# The members page lists members by name, then email (services/org/members.py member_page): in this order.
sa.Index("ix_user_name_email", sa.func.lower(User.name), User.email)

class UserSession(Model):
    """One signed-in browser: revocable server-side (logout, password change, reset) and expiring.

    `id` is the SHA-256 of the random token kept in the signed session and remember-me cookies,
    so the table alone cannot be replayed as a cookie.
    """

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    address_hint: Mapped[str] = mapped_column(sa.String(64), default="")  # e.g. 192.0.2.0/24, never the full address
