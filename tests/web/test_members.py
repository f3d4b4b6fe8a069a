import io
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from ambassador.models import Invitation, Membership, OutboxEmail, Team
from ambassador.services.org import invitations


def _signed_in(make, login, role="admin", org=None, **kw):
    membership = make.member(org or make.org(), role=role, **kw)
    login(membership.user)
    return membership


def _invite(org, by, email, **kw):
    return invitations.create_invitation(org=org, invited_by=by, email=email, **kw)


class _Forms(HTMLParser):
    """Collects POST forms and the names of their inputs."""

    def __init__(self):
        super().__init__()
        self.forms, self._current = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._current = {"action": attrs.get("action"), "inputs": []}
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None:
            self._current["inputs"].append(attrs.get("name"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def post_forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


# --- Access -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["ambassador", "curator"])
def test_members_pages_are_for_managers_and_admins(client, make, login, role):
    _signed_in(make, login, role=role)
    for path in ("/members", "/members/invite", "/members/invitations", "/members/import", "/outbox"):
        assert client.get(path).status_code == 403, path


def test_manager_sees_members_but_not_the_outbox(client, make, login):
    _signed_in(make, login, role="manager")
    assert client.get("/members").status_code == 200
    assert client.get("/outbox").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/members")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- List, search, filters, pagination ----------------------------------------------------------

def test_search_and_filters(client, make, login):
    admin = _signed_in(make, login)
    org = admin.organization
    gent = make.team(org, "Gent")
    make.member(org, role="curator", kind="external", teams=[gent], name="Ann Peeters", email="ann@zuid.test")
    make.member(org, name="Bert Jansen", email="bert@zuid.test")
    make.member(org, name="Cleo Pending", status="pending")

    def shown(query):
        html = client.get("/members" + query).get_data(as_text=True)
        return {name for name in ("Ann Peeters", "Bert Jansen", "Cleo Pending") if name in html}

    assert shown("") == {"Ann Peeters", "Bert Jansen", "Cleo Pending"}
    assert shown("?q=peeters") == {"Ann Peeters"}
    assert shown("?q=bert%40zuid") == {"Bert Jansen"}
    assert shown("?role=curator") == shown("?kind=external") == shown(f"?team={gent.id}") == {"Ann Peeters"}
    assert shown("?status=pending") == {"Cleo Pending"}
    assert "1 person waits for approval" in client.get("/members").get_data(as_text=True)


def test_pagination(client, make, login):
    admin = _signed_in(make, login, name="Aaa Admin")
    for n in range(30):
        make.member(admin.organization, name=f"Member {n:02d}")
    first = client.get("/members").get_data(as_text=True)
    second = client.get("/members?page=2").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Member 23" in first and "Member 29" not in first
    assert "Member 29" in second and "Member 00" not in second


# --- Editing, roles, status ---------------------------------------------------------------------

def test_admin_changes_role_kind_and_teams(client, make, login, db):
    admin = _signed_in(make, login)
    team = make.team(admin.organization)
    member = make.member(admin.organization)
    response = client.post(f"/members/{member.id}", data={"role": "curator", "kind": "external", "teams": [team.id]})
    assert response.status_code == 302
    db.session.refresh(member)
    assert (member.role, member.kind, [t.id for t in member.teams]) == ("curator", "external", [team.id])


def test_the_edit_page_shows_the_members_current_teams_ticked(client, make, login, db):
    admin = _signed_in(make, login)
    kept, other = make.team(admin.organization, name="Kept"), make.team(admin.organization, name="Other")
    member = make.member(admin.organization, role="curator", kind="external", teams=[kept])
    page = client.get(f"/members/{member.id}").get_data(as_text=True)
    ticked = {int(v) for v in re.findall(r'<input[^>]*name="teams"[^>]*value="(\d+)"[^>]*checked', page)}
    ticked |= {int(v) for v in re.findall(r'<input[^>]*checked[^>]*name="teams"[^>]*value="(\d+)"', page)}
    assert ticked == {kept.id} and other.id != kept.id
    assert re.search(r'<option[^>]*selected[^>]*value="curator"|<option[^>]*value="curator"[^>]*selected', page)


def test_manager_cannot_change_roles_or_touch_admins(client, make, login, db):
    manager = _signed_in(make, login, role="manager")
    member = make.member(manager.organization)
    admin = make.member(manager.organization, role="admin")
    page = client.get(f"/members/{member.id}").get_data(as_text=True)
    assert 'name="role"' not in page
    client.post(f"/members/{member.id}", data={"role": "admin", "kind": "external"})
    db.session.refresh(member)
    assert (member.role, member.kind) == ("ambassador", "external")
    assert client.get(f"/members/{admin.id}").status_code == 403
    assert client.post(f"/members/{admin.id}/deactivate").status_code == 403


def test_last_admin_is_protected_with_a_clear_message(client, make, login, db):
    admin = _signed_in(make, login)
    response = client.post(f"/members/{admin.id}", data={"role": "ambassador", "kind": "internal"},
                           follow_redirects=True)
    assert "last administrator" in response.get_data(as_text=True)
    response = client.post(f"/members/{admin.id}/deactivate", follow_redirects=True)
    assert "last administrator" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert (admin.role, admin.status) == ("admin", "active")


def test_deactivated_member_loses_access_and_can_be_reactivated(client, app, make, login, db):
    admin = _signed_in(make, login)
    member = make.member(admin.organization)
    client.post(f"/members/{member.id}/deactivate")
    db.session.refresh(member)
    assert member.status == "deactivated"
    other = app.test_client()
    other.post("/login", data={"email": member.user.email, "password": "correct horse battery"})
    assert "/no-organization" in other.get("/feed").headers["Location"]
    client.post(f"/members/{member.id}/reactivate")
    db.session.refresh(member)
    assert member.status == "active"


def test_approve_sends_a_welcome_and_reject_removes_the_request(client, make, login, db):
    manager = _signed_in(make, login, role="manager")
    waiting, unwanted = (make.member(manager.organization, status="pending", kind="external") for _ in range(2))
    client.post(f"/members/{waiting.id}/approve")
    db.session.refresh(waiting)
    assert waiting.status == "active"
    assert db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == waiting.user.email)) is not None
    client.post(f"/members/{unwanted.id}/reject")
    assert db.session.scalar(sa.select(Membership.id).where(Membership.id == unwanted.id)) is None


# --- Invitations --------------------------------------------------------------------------------

def test_invite_through_the_form_lands_in_the_outbox(client, make, login, db):
    admin = _signed_in(make, login)
    team = make.team(admin.organization, "Sales")
    response = client.post("/members/invite", data={"email": "New@Example.test", "name": "Nieuw", "role": "manager",
                                                    "kind": "internal", "teams": [team.id]})
    assert response.status_code == 302
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.email == "new@example.test"))
    assert invitation.role == "manager" and invitation.teams == [team] and invitation.invited_by_id == admin.user_id
    outbox = client.get("/outbox").get_data(as_text=True)
    assert "new@example.test" in outbox and re.search(r"http://localhost/invite/[\w-]{43}", outbox)


def test_invite_errors_are_shown_next_to_the_field(client, make, login, db):
    admin = _signed_in(make, login)
    make.member(admin.organization, email="already@example.test")
    html = client.post("/members/invite", data={"email": "already@example.test", "role": "ambassador",
                                                "kind": "internal"}).get_data(as_text=True)
    assert "Already a member" in html and "field--error" in html
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_manager_cannot_invite_admins(client, make, login, db):
    _signed_in(make, login, role="manager")
    html = client.post("/members/invite", data={"email": "boss@example.test", "role": "admin",
                                                "kind": "internal"}).get_data(as_text=True)
    assert "Not a valid choice" in html
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_revoke_and_resend_from_the_invitations_page(client, make, login, db):
    admin = _signed_in(make, login)
    first, _ = _invite(admin.organization, admin, "one@example.test")
    second, old_token = _invite(admin.organization, admin, "two@example.test")
    assert "one@example.test" in client.get("/members/invitations").get_data(as_text=True)
    client.post(f"/members/invitations/{first.id}/revoke")
    db.session.refresh(first)
    assert first.revoked_at is not None
    assert "one@example.test" not in client.get("/members/invitations").get_data(as_text=True)
    assert "one@example.test" in client.get("/members/invitations?state=closed").get_data(as_text=True)
    client.post(f"/members/invitations/{second.id}/resend")
    assert invitations.find_by_token(old_token)[1] == invitations.UNKNOWN


# --- CSV import ---------------------------------------------------------------------------------

def test_csv_upload_reports_every_row(client, make, login, db):
    _signed_in(make, login)
    data = "\ufeffemail;name;kind;team\nok@example.test;Ok;external;Stores\nbad-address;X;;\n".encode()
    response = client.post("/members/import", data={"file": (io.BytesIO(data), "people.csv"), "role": "curator",
                                                    "kind": "internal"}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 invited" in html and "1 row rejected" in html and "Not a valid email address" in html
    assert "New teams created: Stores" in html
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.email == "ok@example.test"))
    assert invitation.role == "curator" and invitation.source == "csv"


def test_csv_upload_of_a_non_csv_file(client, make, login):
    _signed_in(make, login)
    response = client.post("/members/import", data={"file": (io.BytesIO(b"\xff\xfe\x00garbage"), "x.csv"),
                                                    "role": "ambassador", "kind": "internal"},
                           content_type="multipart/form-data")
    assert "UTF-8" in response.get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    (b"email,name\nok@example.test," + b"x" * (200 * 1024) + b"\n", "A field is longer than"),
    (b'email,name\nq1@example.test,"unclosed\nq2@example.test,Two\n', "Row 2 opens a quote"),
], ids=["huge-field", "unclosed-quote"])
def test_csv_upload_of_a_broken_file_explains_and_writes_nothing(client, make, login, db, data, message):
    admin = _signed_in(make, login)
    response = client.post("/members/import", data={"file": (io.BytesIO(data), "people.csv"), "role": "ambassador",
                                                    "kind": "internal"}, content_type="multipart/form-data")
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))
                             .where(Invitation.org_id == admin.organization.id)) == 0


# --- Outbox -------------------------------------------------------------------------------------

def test_outbox_shows_only_this_organizations_mail(client, make, login):
    admin = _signed_in(make, login)
    _invite(admin.organization, admin, "mine@example.test")
    other_admin = make.member(make.org(), role="admin")
    _invite(other_admin.organization, other_admin, "theirs@example.test")
    html = client.get("/outbox").get_data(as_text=True)
    assert "mine@example.test" in html and "theirs@example.test" not in html


# --- Tenant isolation ---------------------------------------------------------------------------

def test_an_admin_of_another_organization_reaches_nothing(client, make, login, db):
    victim_admin = make.member(make.org(), role="admin")
    org = victim_admin.organization
    team = make.team(org, "Secret team")
    member = make.member(org, teams=[team], name="Victim Member")
    pending = make.member(org, status="pending", name="Victim Pending")
    invitation, _ = _invite(org, victim_admin, "victim-invitee@example.test")
    _signed_in(make, login)  # admin of a fresh organization

    for path in (f"/members/{member.id}",):
        assert client.get(path).status_code == 404
    posts = [f"/members/{member.id}", f"/members/{member.id}/deactivate", f"/members/{member.id}/reactivate",
             f"/members/{pending.id}/approve", f"/members/{pending.id}/reject",
             f"/members/invitations/{invitation.id}/revoke", f"/members/invitations/{invitation.id}/resend",
             f"/teams/{team.id}/rename", f"/teams/{team.id}/delete", f"/teams/{team.id}/join-token"]
    for path in posts:
        assert client.post(path, data={"name": "Hacked", "role": "admin", "kind": "external"}).status_code == 404, path

    for path in ("/members", f"/members?team={team.id}", "/members?q=victim", "/members/invitations?state=all",
                 "/outbox", "/teams", "/settings"):
        html = client.get(path).get_data(as_text=True)
        for secret in ("Victim Member", "Victim Pending", "victim-invitee@example.test", "Secret team", org.name):
            assert secret not in html, (path, secret)

    # A team id of another organization is not a valid choice when inviting.
    html = client.post("/members/invite", data={"email": "x@example.test", "role": "ambassador", "kind": "internal",
                                                "teams": [team.id]}).get_data(as_text=True)
    assert "not a valid choice" in html.lower()
    assert db.session.scalar(sa.select(Invitation).where(Invitation.email == "x@example.test")) is None

    db.session.expire_all()
    assert db.session.get(Membership, member.id).status == "active"
    assert db.session.get(Membership, pending.id).status == "pending"
    assert db.session.get(Team, team.id).name == "Secret team"
    assert db.session.get(Invitation, invitation.id).revoked_at is None


# --- CSRF ---------------------------------------------------------------------------------------

def test_every_post_form_on_these_pages_has_a_csrf_token(client, app, make, login):
    admin = _signed_in(make, login)
    org = admin.organization
    team = make.team(org)
    member = make.member(org, teams=[team])
    make.member(org, status="pending")
    _invite(org, admin, "pending@example.test")
    pages = ["/members", f"/members/{member.id}", "/members/invite", "/members/invitations", "/members/import",
             "/outbox", "/settings", "/teams"]
    checked = 0
    app.config["WTF_CSRF_ENABLED"] = True  # TestConfig turns CSRF off; FlaskForms only render a token when on
    try:
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, path
            for form in post_forms(response.get_data(as_text=True)):
                assert "csrf_token" in form["inputs"], (path, form["action"])
                checked += 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert checked >= 10


def test_a_post_without_csrf_token_is_refused_when_csrf_is_on(client, app, make, login, db):
    _signed_in(make, login)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/members/invite", data={"email": "x@example.test", "role": "ambassador",
                                                        "kind": "internal"})
        assert response.status_code == 400
        assert client.post("/teams", data={"name": "No token"}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0
