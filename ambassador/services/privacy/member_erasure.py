"""An administrator erases a member (GDPR article 17): the person goes, their activity stays anonymous.

What happens, in one transaction (the caller commits; anything refused or failing writes nothing):

* The membership row stays — the points ledger, shares, tracked links, clicks, rollups and standings hang on
  it — so past leaderboards keep their totals; it now belongs to a new placeholder account with no name, no
  password and an address under the reserved `.invalid` domain (`erased-<random>@erased.invalid`), and every
  page names it "Erased member" (User.display_name). It keeps its kind and teams (team boards stay whole),
  loses any staff role (becomes an ambassador), gets no digest, and nobody can sign in as it.
* The person's account: when this was their only organization, the account is deleted — name, email address,
  password hash and every sign-in session with it. When they belong to other organizations, the account stays
  for those (each organization is its own controller) and only this organization's link to it is cut: rows of
  this organization that pointed at the account (posts and campaigns they created, audit events they did…)
  now point at the placeholder.
* Linked social accounts are deleted (their encrypted tokens with them), with the auto-share opt-ins that used
  them; shares still waiting to be published are cancelled; published shares keep their caption and counts but
  lose the address of the post on the member's profile.
* Community content stays readable: ideas, comments, discussion messages, votes and ballots keep their text and
  count, shown under "Erased member". (Removing the text would leave holes in threads others answered; a
  moderator can still hide or delete a message.) Survey answers they gave while signed in are unlinked from
  the membership and lose their comment, like an erased respondent's; the organization's NPS respondents with
  their address are erased as respondents (services/nps/respondent_privacy.py).
* Invitations to their address are deleted, emails to it in the outbox are emptied, pulse links are replaced,
  their name is replaced in challenge winners, announcements and chat deliveries, and audit events that name
  them get "erased member #<membership id>" instead of their name or address (and lose the IP address).
* The erasure itself is recorded (member.erased) with no personal data.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...infra.tokens import new_token
from ...models import (
    ERASED_EMAIL_DOMAIN,
    Announcement,
    ApiToken,
    AuditEvent,
    AutoShareOptIn,
    ChallengeWinner,
    DigestFrequency,
    EmvChange,
    Invitation,
    Membership,
    OutboxEmail,
    PointsEntry,
    PulseParticipation,
    Role,
    Share,
    ShareStatus,
    SocialAccount,
    SsoIdentity,
    Standing,
    SurveyResponse,
    User,
    UserSession,
    WebhookDelivery,
)
from ..audit import actions
from ..audit.log import Origin, record
from ..nps.respondent_privacy import erase_respondent
from ..org.members import MemberError
from .member_data import respondents_with

# Free text shorter than this is not searched for the name (a two-letter name would match inside words).
_MIN_NAME_IN_TEXT = 3
_WAITING = (ShareStatus.SCHEDULED,)


@dataclass(frozen=True)
class Erasure:
    label: str  # "erased member #12": what the audit log and texts say instead of the person
    account_kept: bool  # the person still has their account for other organizations


def erased_label(membership_id: int) -> str:
    return f"erased member #{membership_id}"


def other_memberships(membership: Membership) -> list[Membership]:
    return list(db.session.scalars(sa.select(Membership).where(
        Membership.user_id == membership.user_id, Membership.id != membership.id)))


def check_may_erase(*, actor: Membership, membership: Membership) -> None:
    if not actor.has_role(Role.ADMIN) or actor.org_id != membership.org_id:
        raise MemberError(_l("Only administrators of this organization can erase its members."))
    if actor.id == membership.id:
        raise MemberError(_l("You cannot erase yourself. Ask another administrator."))
    if membership.user.is_erased:
        raise MemberError(_l("This member is already erased."))


def erase_member(*, actor: Membership, membership: Membership, confirmation: str,
                 origin: Origin | None = None) -> Erasure:
    """Erase `membership`'s person from its organization (see the module docstring). `confirmation` must be
    their email address, typed by the administrator."""
    check_may_erase(actor=actor, membership=membership)
    person = membership.user
    if (confirmation or "").strip().lower() != person.email.lower():
        raise MemberError(field_errors={"confirmation": [_l("Type the member's email address exactly to confirm.")]})
    org_id, label = membership.org_id, erased_label(membership.id)
    words = [w for w in {person.email, person.name} if w]
    keep_account = bool(other_memberships(membership))

    placeholder = User(email=f"erased-{secrets.token_hex(12)}@{ERASED_EMAIL_DOMAIN}", name="", password_hash=None)
    db.session.add(placeholder)
    db.session.flush()
    _drop_credentials(membership, user_id=person.id)
    _repoint_account_rows(org_id=org_id, old_user_id=person.id, new_user_id=placeholder.id)
    membership.user = placeholder
    membership.role, membership.digest_frequency, membership.share_nudge_at = (
        Role.AMBASSADOR, DigestFrequency.OFF, None)

    _disconnect_accounts(membership)
    _unlink_answers(membership, email=person.email)
    _forget_address(org_id=org_id, email=person.email, placeholder=placeholder.email)
    _replace_names(membership, words=words, label=label)
    _relabel_audit(org_id=org_id, membership_id=membership.id, actor_user_id=placeholder.id, words=words,
                   label=label)
    if not keep_account:
        _delete_account(person.id, email=person.email, placeholder=placeholder.email, words=words, label=label)
    record(actions.MEMBER_ERASED, org_id=org_id, actor=actor.user, origin=origin, target_type="member",
           target_id=membership.id, target_label=label, details={"account_kept": keep_account})
    db.session.flush()
    return Erasure(label=label, account_kept=keep_account)


def _drop_credentials(membership: Membership, *, user_id: int) -> None:
    """What lets the person in as this member goes before anything is re-pointed: their API tokens for this
    membership, and this organization's single sign-on identity (re-pointed, the provider's next login for
    them would sign in as the placeholder and its anonymised history)."""
    db.session.execute(sa.delete(ApiToken).where(ApiToken.org_id == membership.org_id,
                                                 ApiToken.membership_id == membership.id)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.delete(SsoIdentity).where(SsoIdentity.org_id == membership.org_id,
                                                    SsoIdentity.user_id == user_id)
                       .execution_options(synchronize_session=False))


def _repoint_account_rows(*, org_id: int, old_user_id: int, new_user_id: int) -> None:
    """Rows of this organization that point at the person's account (created by, changed by, audit actor…)
    point at the placeholder instead: found from the schema, so a table added later is covered too."""
    for table in db.metadata.sorted_tables:
        if "org_id" not in table.c or table.name == Membership.__tablename__:
            continue
        for column in table.c:
            if any(fk.column.table.name == User.__tablename__ for fk in column.foreign_keys):
                db.session.execute(sa.update(table).where(table.c.org_id == org_id, column == old_user_id)
                                   .values({column.name: new_user_id}))
    db.session.execute(sa.update(EmvChange).where(EmvChange.org_id == org_id, EmvChange.changed_by_id == new_user_id)
                       .values(changed_by_name="").execution_options(synchronize_session=False))


def _disconnect_accounts(membership: Membership) -> None:
    """Linked accounts and their tokens go; what was waiting to be published through them is cancelled."""
    mine = (Share.membership_id == membership.id, Share.org_id == membership.org_id)
    db.session.execute(sa.update(Share).where(*mine, Share.status.in_(_WAITING))
                       .values(status=ShareStatus.CANCELED, next_attempt_at=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.update(Share).where(*mine).values(external_url=None, error=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.delete(AutoShareOptIn).where(AutoShareOptIn.membership_id == membership.id)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.delete(SocialAccount).where(SocialAccount.membership_id == membership.id)
                       .execution_options(synchronize_session=False))


def _unlink_answers(membership: Membership, *, email: str) -> None:
    db.session.execute(sa.update(SurveyResponse).where(SurveyResponse.membership_id == membership.id,
                                                       SurveyResponse.org_id == membership.org_id)
                       .values(membership_id=None, comment="").execution_options(synchronize_session=False))
    for participation in db.session.scalars(sa.select(PulseParticipation).where(
            PulseParticipation.membership_id == membership.id)):
        participation.token = new_token()  # links in old emails stop working
    # The organization's NPS respondents with the address: the same person, as a customer answering surveys.
    for respondent in respondents_with(org_id=membership.org_id, email=email):
        erase_respondent(respondent=respondent)


def _forget_address(*, org_id: int | None, email: str, placeholder: str) -> None:
    """Invitations to the address and the emails sent to it, in `org_id` (None: the account's own emails)."""
    if org_id is not None:
        db.session.execute(sa.delete(Invitation).where(Invitation.org_id == org_id,
                                                       sa.func.lower(Invitation.email) == email.lower())
                           .execution_options(synchronize_session=False))
    in_org = OutboxEmail.org_id.is_(None) if org_id is None else OutboxEmail.org_id == org_id
    db.session.execute(sa.update(OutboxEmail).where(in_org, sa.func.lower(OutboxEmail.to) == email.lower())
                       .values(to=placeholder, body_text="", body_html=None, headers=None)
                       .execution_options(synchronize_session=False))


def _replace_names(membership: Membership, *, words: list[str], label: str) -> None:
    db.session.execute(sa.update(Standing).where(Standing.membership_id == membership.id).values(sort_name="")
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.update(ChallengeWinner).where(ChallengeWinner.membership_id == membership.id)
                       .values(name=label).execution_options(synchronize_session=False))
    for column in (Announcement.title, Announcement.text, WebhookDelivery.text, PointsEntry.note):
        for word in words:
            if len(word) < _MIN_NAME_IN_TEXT:
                continue
            db.session.execute(sa.update(column.class_).where(column.class_.org_id == membership.org_id,
                                                              column.contains(word, autoescape=True))
                               .values({column.key: sa.func.replace(column, word, label)})
                               .execution_options(synchronize_session=False))


def _scrub(value: Any, words: list[str], label: str) -> Any:
    if isinstance(value, str):
        for word in words:
            value = value.replace(word, label)
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, words, label) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, words, label) for v in value]
    return value


def _relabel_audit(*, org_id: int | None, membership_id: int | None, actor_user_id: int | None, words: list[str],
                   label: str) -> None:
    """Audit events that name the person: by the actor column, the member they were about, or their name or
    address in a label or the details. The action and time stay; name, address and IP go."""
    in_org = AuditEvent.org_id.is_(None) if org_id is None else AuditEvent.org_id == org_id
    as_actor: list[sa.ColumnElement[bool]] = [AuditEvent.actor_label.in_(words)]
    if actor_user_id is not None:
        as_actor.append(AuditEvent.actor_user_id == actor_user_id)
    db.session.execute(sa.update(AuditEvent).where(in_org, sa.or_(*as_actor)).values(actor_label=label, ip=None)
                       .execution_options(synchronize_session=False))
    about: list[sa.ColumnElement[bool]] = [AuditEvent.target_label.in_(words)]
    if membership_id is not None:
        about.append(sa.and_(AuditEvent.target_type == "member", AuditEvent.target_id == str(membership_id)))
    db.session.execute(sa.update(AuditEvent).where(in_org, sa.or_(*about)).values(target_label=label)
                       .execution_options(synchronize_session=False))
    for word in words:  # a label that names them among other words: "Coffee and cake · zelda@example.test"
        if len(word) >= _MIN_NAME_IN_TEXT:
            named = AuditEvent.target_label.contains(word, autoescape=True)
            db.session.execute(sa.update(AuditEvent).where(in_org, named)
                               .values(target_label=sa.func.replace(AuditEvent.target_label, word, label))
                               .execution_options(synchronize_session=False))
    mentioned = sa.or_(*[sa.cast(AuditEvent.details, sa.Text).contains(w, autoescape=True) for w in words])
    for event in db.session.scalars(sa.select(AuditEvent).where(in_org, mentioned)):
        event.details = _scrub(event.details, words, label)


def _delete_account(user_id: int, *, email: str, placeholder: str, words: list[str], label: str) -> None:
    """The person's only organization: their account goes (sessions with it, by the foreign keys)."""
    _relabel_audit(org_id=None, membership_id=None, actor_user_id=user_id, words=words, label=label)
    # Account emails of no organization (confirmation links, password resets) to the address.
    _forget_address(org_id=None, email=email, placeholder=placeholder)
    db.session.flush()
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user_id)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.delete(User).where(User.id == user_id).execution_options(synchronize_session=False))
