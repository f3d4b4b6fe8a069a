"""Polls: single or multiple choice, one ballot per member (a unique row per poll and member), optional end.

Results are shown to a member after their vote ("after_vote") or only once the poll is closed
("after_close"), as its creator chose; curators and above always see them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from ...extensions import db
from ...models import Membership, Organization, Poll, PollBallot, PollChoice, PollOption, utcnow
from ...models.community import POLL_RESULTS, PollResults
from .participation import CommunityError, award, clean_text, insert_once

MIN_OPTIONS, MAX_OPTIONS = 2, 10
CREATOR_ROLE = "curator"


@dataclass
class PollInput:
    question: str
    options: list[str]
    description: str = ""
    multiple: bool = False
    results: str = PollResults.AFTER_VOTE
    ends_at: datetime | None = None  # naive UTC


@dataclass
class OptionResult:
    option: PollOption
    votes: int
    percent: int  # of the ballots cast (multiple choice: may add up to more than 100)


def _options(labels: list[str]) -> list[str]:
    cleaned = [" ".join((label or "").split()) for label in labels]
    cleaned = [label for label in cleaned if label]
    if not MIN_OPTIONS <= len(cleaned) <= MAX_OPTIONS:
        raise CommunityError({"options": lazy_ngettext("Give between %(low)d and %(num)d option.",
                                                       "Give between %(low)d and %(num)d options.",
                                                       MAX_OPTIONS, low=MIN_OPTIONS)})
    if any(len(label) > 200 for label in cleaned):
        raise CommunityError({"options": _l("Keep each option under 200 characters.")})
    if len({label.casefold() for label in cleaned}) != len(cleaned):
        raise CommunityError({"options": _l("Each option must be different.")})
    return cleaned


def create_poll(*, org: Organization, membership: Membership, data: PollInput, now: datetime | None = None) -> Poll:
    if not membership.has_role(CREATOR_ROLE):
        raise PermissionError("curators and above create polls")
    question = clean_text(data.question, field="question", max_length=300, single_line=True)
    description = clean_text(data.description, field="description", max_length=2000, required=False)
    labels = _options(data.options)
    if data.results not in POLL_RESULTS:
        raise CommunityError({"results": _l("Choose when members see the results.")})
    if data.ends_at is not None and data.ends_at <= (now or utcnow()):
        raise CommunityError({"ends_at": _l("The end must be in the future.")})
    poll = Poll(org_id=org.id, question=question, description=description, multiple=data.multiple,
                results=data.results, ends_at=data.ends_at, created_by_id=membership.id,
                options=[PollOption(position=i, label=label) for i, label in enumerate(labels)])
    db.session.add(poll)
    db.session.flush()
    return poll


def poll_page(*, org: Organization, page: int, per_page: int, now: datetime | None = None):
    """Open polls first (newest first), then closed ones."""
    now = now or utcnow()
    closed = sa.or_(Poll.closed_at.is_not(None), sa.and_(Poll.ends_at.is_not(None), Poll.ends_at <= now))
    query = (sa.select(Poll).where(Poll.org_id == org.id)
             .order_by(sa.case((closed, 1), else_=0), Poll.created_at.desc(), Poll.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def ballot_of(*, poll: Poll, membership: Membership) -> PollBallot | None:
    return db.session.scalar(sa.select(PollBallot).where(PollBallot.poll_id == poll.id,
                                                         PollBallot.membership_id == membership.id))


def voted_polls(*, membership: Membership, poll_ids) -> set[int]:
    ids = list(poll_ids)
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(PollBallot.poll_id).where(
        PollBallot.membership_id == membership.id, PollBallot.poll_id.in_(ids))))


def cast_ballot(*, org: Organization, membership: Membership, poll: Poll, option_ids: list[int],
                now: datetime | None = None) -> PollBallot:
    """The member's one ballot: one option (single choice) or one or more (multiple choice)."""
    if poll.is_closed(now or utcnow()):
        raise CommunityError({"option": _l("This poll is closed.")})
    wanted = set(option_ids or [])
    if not wanted:
        raise CommunityError({"option": _l("Choose an option.")})
    if not poll.multiple and len(wanted) > 1:
        raise CommunityError({"option": _l("Choose one option.")})
    if not wanted <= {option.id for option in poll.options}:
        raise CommunityError({"option": _l("Choose among this poll's options.")})
    ballot = PollBallot(poll_id=poll.id, membership_id=membership.id,
                        choices=[PollChoice(option_id=option_id) for option_id in sorted(wanted)])
    insert_once(ballot, duplicate=CommunityError({"option": _l("You have already voted in this poll.")}))
    award(org=org, membership=membership, reason="poll", ref=f"poll:{poll.id}:{membership.id}")
    return ballot


def close_poll(*, poll: Poll, now: datetime | None = None) -> Poll:
    if poll.closed_at is None:
        poll.closed_at = now or utcnow()
        db.session.flush()
    return poll


def can_see_results(*, poll: Poll, membership: Membership, has_voted: bool, now: datetime | None = None) -> bool:
    if membership.has_role(CREATOR_ROLE) or poll.is_closed(now or utcnow()):
        return True
    return poll.results == PollResults.AFTER_VOTE and has_voted


def results(*, poll: Poll) -> tuple[list[OptionResult], int]:
    """Votes per option (in the poll's order) and the number of ballots."""
    counts = dict(db.session.execute(
        sa.select(PollChoice.option_id, sa.func.count()).join(PollOption, PollOption.id == PollChoice.option_id)
        .where(PollOption.poll_id == poll.id).group_by(PollChoice.option_id)).tuples().all())
    ballots = db.session.scalar(sa.select(sa.func.count(PollBallot.id)).where(PollBallot.poll_id == poll.id)) or 0
    rows = [OptionResult(option, counts.get(option.id, 0),
                         round(100 * counts.get(option.id, 0) / ballots) if ballots else 0) for option in poll.options]
    return rows, ballots
