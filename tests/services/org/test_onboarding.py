"""The getting-started checklist and the "Get set up" panel follow real state, per organization."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import Invitation, SocialAccount, utcnow
from ambassador.services.org import onboarding

ENABLED = {"MASTODON_ENABLED": True, "BLUESKY_ENABLED": True}


def done(checklist) -> set[str]:
    return {step.key for step in checklist.steps if step.done}


def link(db, membership, provider="mastodon", status="active"):
    account = SocialAccount(org_id=membership.org_id, membership_id=membership.id, provider=provider,
                            external_id=f"{provider}-{membership.id}-{status}", handle="@me", display_name="Me",
                            profile_url="https://social.example/@me", status=status, extra={})
    db.session.add(account)
    db.session.flush()
    return account


def invite(db, org, email="new@example.test", revoked=False):
    db.session.add(Invitation(org_id=org.id, email=email, token_hash=f"hash-{email}-{revoked}",
                              expires_at=utcnow() + timedelta(days=7), revoked_at=utcnow() if revoked else None))
    db.session.flush()


@pytest.fixture
def admin(make):
    return make.member(make.org(name="New Bakery"), role="admin")


def test_a_new_organization_has_nothing_done(admin):
    checklist = onboarding.admin_checklist(org=admin.organization, config=ENABLED)
    assert [s.key for s in checklist.steps] == ["branding", "disclosure", "people", "campaign", "networks"]
    assert done(checklist) == set() and checklist.shown and not checklist.complete


def test_each_step_ticks_as_it_is_done_and_the_list_hides_when_complete(admin, make, db):
    org = admin.organization
    org.brand_color = "#0f766e"
    assert done(onboarding.admin_checklist(org=org, config=ENABLED)) == {"branding"}
    org.brand_color, org.logo_path = None, "org-1/logo/x.png"  # a logo alone is branding too
    assert "branding" in done(onboarding.admin_checklist(org=org, config=ENABLED))
    org.disclosure = "  "
    assert "disclosure" not in done(onboarding.admin_checklist(org=org, config=ENABLED))
    org.disclosure = "#employee"

    invite(db, org, revoked=True)  # a revoked invitation invites nobody
    assert "people" not in done(onboarding.admin_checklist(org=org, config=ENABLED))
    invite(db, org)
    assert "people" in done(onboarding.admin_checklist(org=org, config=ENABLED))

    campaign = make.campaign(org)
    make.post(campaign, status="draft", published_at=None)
    make.post(campaign, expires_at=utcnow() - timedelta(hours=1))  # published, but no longer live
    assert "campaign" not in done(onboarding.admin_checklist(org=org, config=ENABLED))
    make.post(campaign)
    assert "campaign" in done(onboarding.admin_checklist(org=org, config=ENABLED))

    link(db, admin, status="disconnected")
    assert "networks" not in done(onboarding.admin_checklist(org=org, config=ENABLED))
    link(db, admin)
    assert "networks" not in done(onboarding.admin_checklist(org=org, config={}))  # Mastodon not enabled here
    checklist = onboarding.admin_checklist(org=org, config=ENABLED)
    assert checklist.complete and not checklist.shown and checklist.done_count == 5


def test_another_active_member_counts_as_people_but_not_a_deactivated_one(admin, make):
    org = admin.organization
    make.member(org, status="deactivated")
    assert "people" not in done(onboarding.admin_checklist(org=org, config=ENABLED))
    make.member(org, status="pending")  # asked to join through the link
    assert "people" in done(onboarding.admin_checklist(org=org, config=ENABLED))


def test_another_organizations_progress_never_ticks_this_one(admin, make, db):
    other = make.org(disclosure="#staff", brand_color="#123456")
    other_admin = make.member(other, role="admin")
    make.member(other)
    invite(db, other)
    make.post(make.campaign(other))
    link(db, other_admin)
    assert done(onboarding.admin_checklist(org=other, config=ENABLED)) == {
        "branding", "disclosure", "people", "campaign", "networks"}
    assert done(onboarding.admin_checklist(org=admin.organization, config=ENABLED)) == set()


def test_the_checklist_is_one_query(admin, db):
    org, statements = admin.organization, []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        onboarding.admin_checklist(org=org, config=ENABLED)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_dismissing_hides_the_checklist_for_this_organization_only(admin, make):
    other = make.org()
    onboarding.dismiss_checklist(org=admin.organization)
    assert not onboarding.admin_checklist(org=admin.organization, config=ENABLED).shown
    assert onboarding.admin_checklist(org=other, config=ENABLED).shown


def test_member_setup_follows_account_language_and_queue_times(make, db):
    org = make.org()
    member = make.member(org)
    neighbour = make.member(org)
    setup = onboarding.member_setup(membership=member, user=member.user)
    assert [s.key for s in setup.steps] == ["account", "language", "queue"] and done(setup) == set()

    link(db, neighbour)  # someone else's account is not mine
    link(db, member, status="needs_reconnect")  # nor is an account that cannot post
    assert done(onboarding.member_setup(membership=member, user=member.user)) == set()
    link(db, member, provider="bluesky")
    onboarding.language_chosen(member.user)
    assert done(onboarding.member_setup(membership=member, user=member.user)) == {"account", "language"}
    onboarding.queue_times_chosen(member)
    setup = onboarding.member_setup(membership=member, user=member.user)
    assert setup.complete and not setup.shown


def test_member_setup_dismissal_is_per_membership(make):
    org = make.org()
    member, other = make.member(org), make.member(org)
    onboarding.dismiss_member_setup(membership=member)
    assert not onboarding.member_setup(membership=member, user=member.user).shown
    assert onboarding.member_setup(membership=other, user=other.user).shown
