import pytest

from ambassador.models import Membership
from ambassador.services.org import members, teams
from ambassador.services.org.members import MemberError


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


def test_last_admin_cannot_be_demoted_or_deactivated(make):
    org = make.org()
    admin = make.member(org, role="admin")
    with pytest.raises(MemberError, match="last administrator"):
        members.update_member(actor=admin, membership=admin, role="manager", kind="internal", teams=[])
    with pytest.raises(MemberError, match="last administrator"):
        members.deactivate_member(actor=admin, membership=admin)
    assert admin.role == "admin" and admin.status == "active"


def test_a_deactivated_admin_does_not_count(make):
    org = make.org()
    admin = make.member(org, role="admin")
    make.member(org, role="admin", status="deactivated")
    with pytest.raises(MemberError):
        members.deactivate_member(actor=admin, membership=admin)


def test_with_a_second_admin_demotion_works(make):
    org = make.org()
    admin, other = make.member(org, role="admin"), make.member(org, role="admin")
    members.update_member(actor=admin, membership=other, role="curator", kind="external", teams=[])
    assert (other.role, other.kind) == ("curator", "external")
    with pytest.raises(MemberError, match="last administrator"):
        members.update_member(actor=admin, membership=admin, role="ambassador", kind="internal", teams=[])


def test_managers_change_kind_and_teams_of_ambassadors_but_not_roles_or_managers(make):
    org = make.org()
    manager, other_manager = make.member(org, role="manager"), make.member(org, role="manager")
    ambassador = make.member(org)
    team = make.team(org)
    members.update_member(actor=manager, membership=ambassador, role="ambassador", kind="external", teams=[team])
    assert ambassador.kind == "external" and ambassador.teams == [team]
    with pytest.raises(MemberError, match="Only administrators"):
        members.update_member(actor=manager, membership=ambassador, role="curator", kind="external", teams=[])
    with pytest.raises(MemberError):
        members.deactivate_member(actor=manager, membership=other_manager)
    assert members.assignable_roles(manager) == ("curator", "ambassador")


def test_deactivate_and_reactivate_keep_the_row(make, db):
    org = make.org()
    admin, ambassador = make.member(org, role="admin"), make.member(org)
    members.deactivate_member(actor=admin, membership=ambassador)
    assert db.session.get(Membership, ambassador.id).status == "deactivated"
    members.reactivate_member(actor=admin, membership=ambassador)
    assert ambassador.status == "active"


def test_approve_and_reject_join_requests(make, db):
    org = make.org()
    manager = make.member(org, role="manager")
    first, second = make.member(org, status="pending"), make.member(org, status="pending")
    members.approve_member(actor=manager, membership=first)
    assert first.status == "active"
    members.reject_member(actor=manager, membership=second)
    assert db.session.get(Membership, second.id) is None
    with pytest.raises(MemberError):
        members.approve_member(actor=manager, membership=first)


def test_member_query_filters_and_is_scoped(make, db):
    org, other = make.org(), make.org()
    team = make.team(org)
    ann = make.member(org, role="curator", kind="external", teams=[team], name="Ann Peeters", email="ann@a.test")
    make.member(org, name="Bob", email="bob@a.test")
    make.member(other, name="Ann Elsewhere", email="ann@b.test")

    def names(**filters):
        found = [m.user.name for m in db.session.scalars(members.member_query(org=org, **filters))]
        assert members.member_count(org=org, **filters) == len(found), filters  # the page's "N members"
        return found

    assert names(q="ann") == ["Ann Peeters"]
    assert names(q="A.TEST") == ["Ann Peeters", "Bob"]
    assert names(role="curator") == names(kind="external") == names(team_id=team.id) == ["Ann Peeters"]
    assert names(q="100%") == []
    assert names() == ["Ann Peeters", "Bob"] and names(status="pending") == []
    assert names(q="ann", role="curator", kind="external", team_id=team.id, status="active") == ["Ann Peeters"]
    assert ann in db.session.scalars(members.member_query(org=org, status="active")).all()


def test_member_pages_are_member_query_in_slices(make, db):
    """Each page of the members page (pending first, then by name and email) is member_query's rows in that slice,
    with and without filters, across the pending/other boundary, with names missing, equal or in other cases."""
    org, other = make.org(), make.org()
    team = make.team(org)
    people = [("Bob", "active"), ("ann", "pending"), ("Ann", "active"), (None, "active"), ("Cas", "pending"),
              ("Ann", "deactivated"), (None, "pending"), ("Dee", "active"), ("bob", "active")]
    for i, (name, status) in enumerate(people):
        make.member(org, name=name, email=f"m{9 - i}@a.test", status=status, teams=[team] if i % 2 else [])
    make.member(other, name="Ann", email="ann@b.test")
    for filters in ({}, {"q": "ann"}, {"team_id": team.id}, {"status": "pending"}, {"status": "active"},
                    {"q": "zzz"}):
        every = db.session.scalars(members.member_query(org=org, **filters)).all()
        for limit in (1, 2, 3, 4, 25):
            for offset in range(0, len(every) + 2):
                page = members.member_page(org=org, offset=offset, limit=limit, **filters)
                assert page == every[offset:offset + limit], (filters, offset, limit)
    page = members.MemberPagination(page=2, per_page=4, error_out=False, org=org)
    assert (page.total, page.items) == (9, db.session.scalars(members.member_query(org=org)).all()[4:8])


def test_join_link_creates_external_ambassador_and_respects_approval(make):
    org = make.org(join_requires_approval=True)
    team = make.team(org)
    target = members.join_target(team.join_token)
    assert target.org.id == org.id and target.team.id == team.id
    membership, created = members.join_via_link(target=target, user=make.user())
    assert created and (membership.role, membership.kind, membership.status, membership.source) == (
        "ambassador", "external", "pending", "join")
    assert membership.teams == [team]


def test_join_link_refused_when_disabled_or_deactivated(make):
    org = make.org(join_enabled=False)
    with pytest.raises(MemberError, match="switched off"):
        members.join_via_link(target=members.join_target(org.join_token), user=make.user())
    open_org = make.org()
    gone = make.member(open_org, status="deactivated")
    with pytest.raises(MemberError, match="deactivated"):
        members.join_via_link(target=members.join_target(open_org.join_token), user=gone.user)
    assert members.join_target("nope") is None


def test_team_names_are_unique_case_insensitively(make):
    org = make.org()
    teams.create_team(org=org, name="  Sales  Team ")
    with pytest.raises(teams.TeamError):
        teams.create_team(org=org, name="sales team")
    assert teams.find_or_create_team(org=org, name="SALES TEAM")[1] is False


def test_teams_by_ids_ignores_other_organizations(make):
    org = make.org()
    mine, theirs = make.team(org), make.team(make.org())
    assert teams.teams_by_ids(org=org, ids=[mine.id, theirs.id]) == [mine]
