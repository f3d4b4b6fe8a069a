"""What the community services share: input errors keyed by field, text cleaning, participation points."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.exc import IntegrityError

from ...errors import ServiceError
from ...extensions import db
from ...models import Membership, Organization, PointsEntry
from . import points

# Staff of the community (set an idea's status, pin topics, moderate): managers and admins.
STAFF_ROLE = "manager"
# Which organization setting pays each kind of participation.
POINTS_SETTING = {"idea": "points_idea", "vote": "points_vote", "poll": "points_vote"}


class CommunityError(ServiceError):
    """Bad input or a refused action: messages keyed by the form field they belong to ("" = the whole form)."""

    code = "community"


def is_staff(membership: Membership) -> bool:
    return membership.has_role(STAFF_ROLE)


def require_staff(membership: Membership) -> None:
    if not is_staff(membership):
        raise PermissionError("community staff only")


def clean_text(value: str | None, *, field: str, max_length: int, required: bool = True,
               single_line: bool = False) -> str:
    """Trimmed text (one line: inner whitespace collapsed); raises CommunityError for the field."""
    text = (value or "").strip()
    if single_line:
        text = " ".join(text.split())
    if required and not text:
        raise CommunityError({field: _l("This field is required.")})
    if len(text) > max_length:
        raise CommunityError({field: lazy_ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.",
                                                   max_length)})
    return text


def insert_once(row, *, duplicate: CommunityError):
    """Insert `row` in a savepoint; a unique-constraint clash (a double click, two tabs) raises `duplicate`
    and leaves the rest of the transaction intact."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise duplicate from None
    return row


def award(*, org: Organization, membership: Membership, reason: str, ref: str) -> PointsEntry | None:
    """Participation points: the organization's amount for `reason`, paid once per `ref`, within the
    daily community cap (per reason). "idea" pays points_idea; "vote" and "poll" pay points_vote."""
    amount = getattr(org, POINTS_SETTING[reason])
    return points.award_for(org=org, membership_id=membership.id, reason=reason, points=amount,
                            cap=org.daily_community_points_cap, ref=ref)
