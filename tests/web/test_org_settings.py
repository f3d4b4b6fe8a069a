import io

import pytest
import sqlalchemy as sa

from ambassador.models import Membership, Organization, Team

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SETTINGS = {"name": "Brasserie Noord", "slug": "brasserie-noord", "default_locale": "fr", "timezone": "Europe/Paris",
            "disclosure": "#partenaire", "points_share": "7", "points_click": "0", "daily_share_points_cap": "70",
            "daily_click_points_cap": "0", "posts_require_approval": "y", "join_requires_approval": "y"}


@pytest.fixture
def admin(make, login):
    membership = make.member(make.org(name="Brasserie Zuid"), role="admin")
    login(membership.user)
    return membership


@pytest.mark.parametrize("role", ["manager", "curator", "ambassador"])
def test_only_admins_reach_settings_and_teams(client, make, login, role):
    login(make.member(make.org(), role=role).user)
    assert client.get("/settings").status_code == 403
    assert client.get("/teams").status_code == 403
    assert client.post("/teams", data={"name": "X"}).status_code == 403


def test_settings_page_shows_current_values_and_join_link(client, admin):
    html = client.get("/settings").get_data(as_text=True)
    assert 'value="Brasserie Zuid"' in html
    assert f"http://localhost/join/{admin.organization.join_token}" in html


def test_saving_all_settings(client, admin, db):
    response = client.post("/settings", data=SETTINGS)
    assert response.status_code == 302
    org = db.session.get(Organization, admin.org_id)
    db.session.refresh(org)
    assert (org.name, org.slug, org.default_locale, org.timezone, org.disclosure) == (
        "Brasserie Noord", "brasserie-noord", "fr", "Europe/Paris", "#partenaire")
    assert (org.points_share, org.points_click, org.daily_share_points_cap, org.daily_click_points_cap) == (7, 0, 70, 0)
    assert org.posts_require_approval and org.join_requires_approval and not org.join_enabled


def test_both_disclosures_are_saved_and_shown(client, admin, db):
    response = client.post("/settings", data={**SETTINGS, "disclosure": " #medewerker ", "disclosure_external": "#ad"})
    assert response.status_code == 302
    org = db.session.get(Organization, admin.org_id)
    db.session.refresh(org)
    assert (org.disclosure, org.disclosure_external) == ("#medewerker", "#ad")
    html = client.get("/settings").get_data(as_text=True)
    assert 'value="#medewerker"' in html and 'name="disclosure_external"' in html and 'value="#ad"' in html
    client.post("/settings", data={**SETTINGS, "disclosure": "#medewerker", "disclosure_external": ""})
    db.session.refresh(org)
    assert (org.disclosure, org.disclosure_external) == ("#medewerker", "")  # none for customers


@pytest.mark.parametrize("field,value,message", [
    ("slug", "Not A Slug!", "Use lowercase letters"),
    ("slug", "api", "reserved"),
    ("timezone", "Mars/Olympus", "Unknown time zone"),
    ("points_share", "-1", "Number must be between 0 and 10000"),
    ("points_click", "", "This field is required"),
])
def test_bad_settings_are_refused_and_nothing_changes(client, admin, db, field, value, message):
    html = client.post("/settings", data={**SETTINGS, field: value}).get_data(as_text=True)
    assert message in html
    db.session.refresh(admin.organization)
    assert admin.organization.name == "Brasserie Zuid"


def test_slug_of_another_organization_is_taken(client, admin, make, db):
    make.org(slug="taken-slug")
    html = client.post("/settings", data={**SETTINGS, "slug": "taken-slug"}).get_data(as_text=True)
    assert "already uses this address" in html
    db.session.refresh(admin.organization)
    assert admin.organization.name == "Brasserie Zuid"


def test_logo_upload_is_served_and_checked(client, admin, db, app, monkeypatch):
    response = client.post("/settings", data={**SETTINGS, "logo": (io.BytesIO(PNG), "logo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(admin.organization)
    logo = client.get(f"/org/{admin.org_id}/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png" and logo.data == PNG

    html = client.post("/settings", data={**SETTINGS, "name": "Changed", "logo": (io.BytesIO(b"<svg/>"), "x.png")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Upload a PNG, JPEG, GIF or WebP image." in html
    monkeypatch.setitem(app.config, "MAX_IMAGE_BYTES", 10)
    html = client.post("/settings", data={**SETTINGS, "name": "Changed", "logo": (io.BytesIO(PNG), "big.png")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "larger than" in html
    db.session.refresh(admin.organization)
    assert admin.organization.name == "Brasserie Noord"  # the failed saves changed nothing

    client.post("/settings/logo/remove")
    assert client.get(f"/org/{admin.org_id}/logo").status_code == 404


def test_regenerating_the_join_token_kills_the_old_link(client, admin, db):
    old = admin.organization.join_token
    client.post("/settings/join-token")
    db.session.refresh(admin.organization)
    assert admin.organization.join_token != old
    assert client.get(f"/join/{old}").status_code == 404


def test_teams_create_rename_regenerate_delete(client, admin, make, db):
    client.post("/teams", data={"name": "Region Gent"})
    team = db.session.scalar(sa.select(Team).where(Team.org_id == admin.org_id))
    assert team.name == "Region Gent"
    html = client.post("/teams", data={"name": "region gent"}).get_data(as_text=True)
    assert "already a team" in html
    html = client.get("/teams").get_data(as_text=True)
    assert f"http://localhost/join/{team.join_token}" in html

    client.post(f"/teams/{team.id}/rename", data={"name": "Regio Gent"})
    old_token = team.join_token
    client.post(f"/teams/{team.id}/join-token")
    db.session.refresh(team)
    assert team.name == "Regio Gent" and team.join_token != old_token

    member = make.member(admin.organization, teams=[team])
    client.post(f"/teams/{team.id}/delete")
    assert db.session.scalar(sa.select(Team.id).where(Team.id == team.id)) is None
    db.session.expire_all()
    still = db.session.get(Membership, member.id)
    assert still.status == "active" and still.teams == []


def test_the_employee_pulse_threshold_is_set_here_and_never_below_three(client, admin, db):
    org = db.session.get(Organization, admin.org_id)
    assert 'id="employee-pulses"' in client.get("/settings").get_data(as_text=True)
    page = client.post("/settings", data={**SETTINGS, "enps_min_group": "2"})
    assert page.status_code == 200 and "between 3 and 50" in page.get_data(as_text=True)  # the form says it
    db.session.refresh(org)
    assert org.enps_min_group == 5 and org.slug != "brasserie-noord"  # nothing half-written
    assert client.post("/settings", data={**SETTINGS, "enps_min_group": "7"}).status_code == 302
    db.session.refresh(org)
    assert org.enps_min_group == 7
    client.post("/settings", data={**SETTINGS, "slug": "brasserie-noord-2"})  # a form without it keeps it
    db.session.refresh(org)
    assert org.enps_min_group == 7
    assert 'href="/settings#employee-pulses"' in client.get("/pulses").get_data(as_text=True)


def test_teams_page_counts_each_teams_members_without_loading_them(client, admin, make, db):
    org = admin.organization
    north, south, empty = make.team(org, "North"), make.team(org, "South"), make.team(org, "Empty")
    make.member(org, teams=[north, south])
    make.member(org, teams=[north], status="pending")
    make.member(org, teams=[north], status="deactivated")
    make.member(make.org(), teams=[])  # another organization's member
    for _ in range(6):
        make.member(org, teams=[north, south, empty])
    db.session.expunge_all()
    loaded = []

    def count_load(target, context):
        loaded.append(target.id)

    sa.event.listen(Membership, "load", count_load)
    try:
        html = client.get("/teams").get_data(as_text=True)
    finally:
        sa.event.remove(Membership, "load", count_load)

    def count(team):
        section = html.split(f'id="team-{team.id}"', 1)[1].split("</section>", 1)[0]
        return section.split(f'href="/members?team={team.id}">', 1)[1].split("</a>", 1)[0]

    assert (count(north), count(south), count(empty)) == ("9 members", "7 members", "6 members")
    assert loaded == [admin.id]  # the viewer's own membership; the counts are one grouped query
