from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.infra.tokens import hash_token
from ambassador.models import Invitation, Membership, OutboxEmail, utcnow
from ambassador.services.org import invitations
from ambassador.services.org.invitations import InvitationError


@pytest.fixture(autouse=True)
def request_context(app):
    """Messages are lazy strings; the app's locale selector reads the session, so give it a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def admin(make):
    return make.member(make.org(name="Brasserie Zuid"), role="admin")


def test_create_stores_only_the_hash_and_mails_the_link(admin, make, db, app):
    team = make.team(admin.organization, "Gent")
    invitation, token = invitations.create_invitation(org=admin.organization, invited_by=admin,
                                                      email=" An@Example.TEST ",
                                                      name="An", role="curator", kind="external", teams=[team])
    assert invitation.email == "an@example.test"
    assert invitation.token_hash == hash_token(token) and token not in invitation.token_hash
    assert invitation.teams == [team] and invitation.role == "curator" and invitation.kind == "external"
    ttl = timedelta(days=app.config["INVITATION_TTL_DAYS"])
    assert abs((invitation.expires_at - utcnow()) - ttl) < timedelta(minutes=1)
    mail = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == "an@example.test"))
    assert mail.org_id == admin.org_id and "Brasserie Zuid" in mail.subject
    assert f"http://localhost/invite/{token}" in mail.body_text


def test_accept_creates_membership_with_invited_role_kind_and_teams(admin, make):
    team = make.team(admin.organization)
    invitation, token = invitations.create_invitation(org=admin.organization, invited_by=admin, email="b@example.test",
                                                      role="manager", kind="internal", teams=[team])
    user = make.user(email="b@example.test", name="")
    found, status = invitations.find_by_token(token)
    assert found.id == invitation.id and status == invitations.VALID
    membership = invitations.accept_invitation(invitation=invitation, user=user)
    assert (membership.role, membership.kind, membership.status, membership.source) == ("manager", "internal",
                                                                                         "active", "invite")
    assert membership.teams == [team]
    assert invitation.accepted_at is not None


def test_invitation_is_single_use(admin, make):
    invitation, token = invitations.create_invitation(org=admin.organization, invited_by=admin, email="c@example.test")
    user = make.user(email="c@example.test")
    invitations.accept_invitation(invitation=invitation, user=user)
    assert invitations.find_by_token(token)[1] == invitations.USED
    with pytest.raises(InvitationError):
        invitations.accept_invitation(invitation=invitation, user=user)


def test_expired_invitation_cannot_be_accepted(admin, make):
    invitation, token = invitations.create_invitation(org=admin.organization, invited_by=admin, email="d@example.test")
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    assert invitations.find_by_token(token)[1] == invitations.EXPIRED
    with pytest.raises(InvitationError):
        invitations.accept_invitation(invitation=invitation, user=make.user(email="d@example.test"))
    assert invitation.accepted_at is None


def test_revoked_invitation_cannot_be_accepted(admin, make, db):
    invitation, token = invitations.create_invitation(org=admin.organization, invited_by=admin, email="e@example.test")
    invitations.revoke_invitation(actor=admin, invitation=invitation)
    assert invitations.find_by_token(token)[1] == invitations.REVOKED
    user = make.user(email="e@example.test")
    with pytest.raises(InvitationError):
        invitations.accept_invitation(invitation=invitation, user=user)
    assert db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id)) is None
    with pytest.raises(InvitationError):
        invitations.revoke_invitation(actor=admin, invitation=invitation)


def test_resend_replaces_the_token_and_extends_expiry(admin, db):
    invitation, old = invitations.create_invitation(org=admin.organization, invited_by=admin, email="f@example.test")
    invitation.expires_at = utcnow() - timedelta(days=1)
    new = invitations.resend_invitation(actor=admin, invitation=invitation)
    assert new != old
    assert invitations.find_by_token(old) == (None, invitations.UNKNOWN)
    assert invitations.find_by_token(new) == (invitation, invitations.VALID)
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.to == "f@example.test")) == 2


def test_accept_requires_the_invited_address(admin, make):
    invitation, _ = invitations.create_invitation(org=admin.organization, invited_by=admin, email="g@example.test")
    with pytest.raises(InvitationError):
        invitations.accept_invitation(invitation=invitation, user=make.user(email="someone-else@example.test"))
    assert invitation.accepted_at is None


@pytest.mark.parametrize("email,message", [("not-an-email", "valid email"), ("", "valid email")])
def test_bad_addresses_are_refused(admin, email, message):
    with pytest.raises(InvitationError, match=message):
        invitations.create_invitation(org=admin.organization, invited_by=admin, email=email)


def test_members_and_pending_invitations_cannot_be_invited_again(admin, make):
    org = admin.organization
    make.member(org, email="member@example.test")
    with pytest.raises(InvitationError, match="Already a member"):
        invitations.create_invitation(org=org, invited_by=admin, email="Member@example.test")
    invitations.create_invitation(org=org, invited_by=admin, email="h@example.test")
    with pytest.raises(InvitationError, match="Already invited"):
        invitations.create_invitation(org=org, invited_by=admin, email="h@example.test")


def test_managers_invite_only_ambassadors_and_curators(make):
    org = make.org()
    manager = make.member(org, role="manager")
    invitations.create_invitation(org=org, invited_by=manager, email="i@example.test", role="curator")
    for role in ("manager", "admin"):
        with pytest.raises(InvitationError):
            invitations.create_invitation(org=org, invited_by=manager, email=f"{role}@example.test", role=role)


def test_teams_of_another_organization_are_refused(admin, make, db):
    foreign = make.team(make.org())
    with pytest.raises(InvitationError):
        invitations.create_invitation(org=admin.organization, invited_by=admin, email="j@example.test", teams=[foreign])
    assert db.session.scalar(sa.select(Invitation).where(Invitation.email == "j@example.test")) is None


def test_accepting_reactivates_a_deactivated_member_with_the_invited_role(admin, make):
    old = make.member(admin.organization, role="ambassador", status="deactivated", email="k@example.test")
    invitation, _ = invitations.create_invitation(org=admin.organization, invited_by=admin, email="k@example.test",
                                                  role="curator")
    membership = invitations.accept_invitation(invitation=invitation, user=old.user)
    assert membership.id == old.id and membership.status == "active" and membership.role == "curator"
