"""The promoter community: ideas with votes and comments, polls with ballots, topics with messages.

Uniqueness that matters is enforced by the database, not only by the code:
one vote per (idea, member), one ballot per (poll, member), one report per (message, member).
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, one_of, utcnow

if TYPE_CHECKING:  # the other side of relationships, for the type checker only
    from .organization import Membership


class IdeaStatus(enum.StrEnum):
    NEW = "new"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    DONE = "done"
    DECLINED = "declined"


IDEA_STATUSES = tuple(IdeaStatus)


class PollResults(enum.StrEnum):
    """When members see a poll's results."""

    AFTER_VOTE = "after_vote"
    AFTER_CLOSE = "after_close"


class ReportState(enum.StrEnum):
    OPEN = "open"
    HIDDEN = "hidden"  # the message was hidden
    DISMISSED = "dismissed"


POLL_RESULTS = tuple(PollResults)
REPORT_STATES = tuple(ReportState)

_MEMBER_FK = "membership.id"


class Idea(Model):
    __tablename__ = "idea"
    __table_args__ = (sa.Index("ix_idea_org_created", "org_id", "created_at"), one_of("status", IdeaStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey(_MEMBER_FK, ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    image_path: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[str] = mapped_column(sa.String(16), default=IdeaStatus.NEW, index=True)
    # The staff's public answer, shown on the idea with who gave it and when.
    staff_reply: Mapped[str] = mapped_column(sa.Text, default="")
    replied_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey(_MEMBER_FK, ondelete="SET NULL"))
    replied_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Membership | None] = relationship(foreign_keys=[author_id])  # noqa: F821
    replied_by: Mapped[Membership | None] = relationship(foreign_keys=[replied_by_id])  # noqa: F821
    comments: Mapped[list[IdeaComment]] = relationship(back_populates="idea", cascade="all, delete-orphan",
                                                         order_by="IdeaComment.created_at")


class IdeaVote(Model):
    __tablename__ = "idea_vote"
    __table_args__ = (sa.UniqueConstraint("idea_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey(_MEMBER_FK, ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdeaComment(Model):
    __tablename__ = "idea_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey(_MEMBER_FK, ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    idea: Mapped[Idea] = relationship(back_populates="comments")
    author: Mapped[Membership | None] = relationship()  # noqa: F821


class Poll(Model):
    __tablename__ = "poll"
    __table_args__ = (one_of("results", PollResults),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    multiple: Mapped[bool] = mapped_column(default=False)  # several options per ballot
    results: Mapped[str] = mapped_column(sa.String(16), default=PollResults.AFTER_VOTE)
    ends_at: Mapped[datetime | None]  # naive UTC; no votes from then on
    closed_at: Mapped[datetime | None]  # closed by hand before (or without) an end date
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey(_MEMBER_FK, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    options: Mapped[list[PollOption]] = relationship(back_populates="poll", cascade="all, delete-orphan",
                                                       order_by="PollOption.position")
    created_by: Mapped[Membership | None] = relationship()  # noqa: F821

    def is_closed(self, now: datetime) -> bool:
        return self.closed_at is not None or (self.ends_at is not None and self.ends_at <= now)


class PollOption(Model):
    __tablename__ = "poll_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(sa.String(200))

    poll: Mapped[Poll] = relationship(back_populates="options")


class PollBallot(Model):
    """One per member per poll (the database says so); its choices are the options picked."""

    __tablename__ = "poll_ballot"
    __table_args__ = (sa.UniqueConstraint("poll_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(sa.ForeignKey(_MEMBER_FK, ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    choices: Mapped[list[PollChoice]] = relationship(cascade="all, delete-orphan")


class PollChoice(Model):
    __tablename__ = "poll_choice"

    ballot_id: Mapped[int] = mapped_column(sa.ForeignKey("poll_ballot.id", ondelete="CASCADE"), primary_key=True)
    option_id: Mapped[int] = mapped_column(sa.ForeignKey("poll_option.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)


class Topic(Model):
    __tablename__ = "topic"
    __table_args__ = (sa.Index("ix_topic_org_activity", "org_id", "pinned", "last_activity_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey(_MEMBER_FK, ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(160))
    pinned: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Membership | None] = relationship()  # noqa: F821
    messages: Mapped[list[Message]] = relationship(back_populates="topic", cascade="all, delete-orphan",
                                                     order_by="Message.id")


class Message(Model):
    """A message in a topic (the first one opens it). Hidden messages stay, with the moderator's reason."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int] = mapped_column(sa.ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey(_MEMBER_FK, ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    hidden_at: Mapped[datetime | None]
    hidden_reason: Mapped[str] = mapped_column(sa.String(300), default="")
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey(_MEMBER_FK, ondelete="SET NULL"))

    topic: Mapped[Topic] = relationship(back_populates="messages")
    author: Mapped[Membership | None] = relationship(foreign_keys=[author_id])  # noqa: F821


class MessageReport(Model):
    __tablename__ = "message_report"
    __table_args__ = (sa.UniqueConstraint("message_id", "reporter_id"), one_of("state", ReportState))

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("message.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(sa.ForeignKey(_MEMBER_FK, ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(sa.String(300))
    state: Mapped[str] = mapped_column(sa.String(16), default=ReportState.OPEN, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey(_MEMBER_FK, ondelete="SET NULL"))

    message: Mapped[Message] = relationship()
    reporter: Mapped[Membership] = relationship(foreign_keys=[reporter_id])  # noqa: F821
