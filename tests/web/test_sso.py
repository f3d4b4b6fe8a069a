"""Single sign-on against a real OpenID Connect provider: panva/oidc-provider (tests/oidc/provider.mjs) on
loopback, the flow driven like a browser (the test client for the product, requests at the provider)."""
from __future__ import annotations

from html import unescape as html_unescape

import pytest
import sqlalchemy as sa
from markupsafe import escape

from ambassador.infra import crypto
from ambassador.models import AuditEvent, Membership, SsoConfig, SsoLogin, User
from ambassador.services.audit import actions
from ambassador.services.audit.log import Origin
from ambassador.services.org import sso_settings
from tests.oidc import local_provider
from tests.oidc.local_provider import BASE, CLIENTS, through_provider


@pytest.fixture(scope="session")
def oidc(tmp_path_factory):
    provider = local_provider.start(tmp_path_factory.mktemp("oidc"))
    yield provider
    provider.stop()


@pytest.fixture
def loopback_issuers(app, monkeypatch):
    """SSO_ALLOW_LOOPBACK_ISSUERS on, as an operator running a provider on this machine sets it (the default,
    as in production, refuses loopback and http issuers)."""
    monkeypatch.setitem(app.config, "SSO_ALLOW_LOOPBACK_ISSUERS", True)


def configure(db, org, actor, oidc, *, slug: str, domains: str, **values) -> SsoConfig:
    settings = sso_settings.SsoSettings(
        issuer=oidc.issuer, client_id=CLIENTS[slug]["client_id"], client_secret=CLIENTS[slug]["client_secret"],
        allowed_domains=domains, **{"role_map": "amb-admins = admin\namb-curators = curator", **values})
    sso = sso_settings.save_settings(org=org, actor=actor, values=settings, origin=Origin())
    db.session.commit()
    return sso


@pytest.fixture
def acme(db, make, oidc, loopback_issuers):
    org = make.org(name="Acme", slug="acme")
    admin = make.member(org, role="admin", email="boss@acme.test")
    make.team(org, "Sales")
    make.team(org, "Marketing")
    configure(db, org, admin.user, oidc, slug="acme", domains="acme.test")
    return org


def provider_url(page) -> str:
    """Where the "sign in with your company account" page sends the browser (its meta refresh, and its link)."""
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    url = html_unescape(html.split('http-equiv="refresh" content="0; url=', 1)[1].split('"', 1)[0])
    assert f'href="{escape(url)}"' in html
    return url


def sign_in(client, email: str):
    """Type `email` under "Sign in with your company account", pass the provider, land on the callback."""
    started = client.post("/sso", data={"company-email": email})
    return client.get(through_provider(provider_url(started))[len(BASE):])


def refusal(org, reason: str) -> AuditEvent | None:
    from ambassador.extensions import db

    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.org_id == org.id,
                                                            AuditEvent.action == actions.SSO_SIGN_IN_REFUSED)).all()
    return next((event for event in events if event.details.get("reason") == reason), None)


def membership(org, email: str) -> Membership | None:
    from ambassador.extensions import db

    return db.session.scalar(sa.select(Membership).join(User).where(Membership.org_id == org.id,
                                                                    User.email == email))


def flashed(client) -> str:
    return client.get("/login").get_data(as_text=True)


def test_first_login_provisions_the_member_with_mapped_role_kind_and_teams(client, acme, oidc, db):
    oidc.accounts(**{"ann@acme.test": {"name": "Ann Smith", "groups": ["amb-curators", "Sales", "unrelated"]}})
    response = sign_in(client, "ann@acme.test")
    assert response.status_code == 302 and response.headers["Location"].endswith("/feed")
    assert client.get("/feed").status_code == 200  # signed in, in Acme
    member = membership(acme, "ann@acme.test")
    assert (member.role, member.kind, member.status, member.source) == ("curator", "internal", "active", "sso")
    assert [team.name for team in member.teams] == ["Sales"]
    assert member.user.name == "Ann Smith" and member.user.password_hash is None and member.user.email_verified
    done = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.org_id == acme.id,
                                                                 AuditEvent.via == "sso")).all()
    assert actions.SSO_MEMBER_PROVISIONED in done and actions.SSO_SIGN_IN in done


def test_a_later_login_updates_teams_and_mapped_role(app, client, acme, oidc):
    oidc.accounts(**{"ann@acme.test": {"groups": ["Sales"]}})
    assert sign_in(client, "ann@acme.test").status_code == 302
    assert membership(acme, "ann@acme.test").role == "ambassador"  # the default role: no mapped value
    oidc.accounts(**{"ann@acme.test": {"groups": ["Marketing", "amb-admins"]}})
    assert sign_in(app.test_client(), "ann@acme.test").headers["Location"].endswith("/feed")
    member = membership(acme, "ann@acme.test")
    assert [team.name for team in member.teams] == ["Marketing"] and member.role == "admin"


def test_the_organization_sign_in_link_asks_the_provider_who_signs_in(client, acme, oidc):
    oidc.accounts(**{"noor@acme.test": {"groups": []}})
    started = client.get("/sso/acme")
    assert started.status_code == 302 and "login_hint" not in started.headers["Location"]
    callback = through_provider(started.headers["Location"], email="noor@acme.test")
    assert client.get(callback[len(BASE):]).headers["Location"].endswith("/feed")
    assert membership(acme, "noor@acme.test").role == "ambassador"


def test_login_still_works_after_the_provider_rotates_its_signing_key(app, client, acme, oidc, db):
    oidc.accounts(**{"ann@acme.test": {"groups": []}})
    assert sign_in(client, "ann@acme.test").headers["Location"].endswith("/feed")
    sso = db.session.scalar(sa.select(SsoConfig).where(SsoConfig.org_id == acme.id))
    old_kids = [key["kid"] for key in sso.jwks["keys"]]
    new_kid = oidc.control("rotate")["kid"]
    assert new_kid not in old_kids
    assert sign_in(app.test_client(), "ann@acme.test").headers["Location"].endswith("/feed")
    db.session.refresh(sso)
    assert [key["kid"] for key in sso.jwks["keys"]] == [new_kid]  # fetched again for the unknown kid


def test_an_id_token_issued_to_another_client_is_refused(client, acme, oidc):
    oidc.accounts(**{"ann@acme.test": {"groups": []}})
    oidc.control("wrong_audience", client_id="someone-elses-app")
    response = sign_in(client, "ann@acme.test")
    assert response.headers["Location"].endswith("/login")
    assert refusal(acme, "audience") is not None
    assert membership(acme, "ann@acme.test") is None
    assert "did not pass our checks" in flashed(client)
    assert client.get("/feed").status_code == 302  # not signed in


def test_a_replayed_state_is_refused_even_with_the_old_session_cookie(app, client, acme, oidc):
    oidc.accounts(**{"ann@acme.test": {"groups": []}})
    started = client.post("/sso", data={"company-email": "ann@acme.test"})
    cookie = client.get_cookie("session").value  # the session holding this login's state
    callback = through_provider(provider_url(started))[len(BASE):]
    assert client.get(callback).headers["Location"].endswith("/feed")
    replay = app.test_client()
    replay.set_cookie("session", cookie, domain="localhost")
    assert replay.get(callback).headers["Location"].endswith("/login")
    event = refusal(acme, "state")
    assert event is not None and event.details["detail"] == "unknown, used or expired"
    assert "already used or has expired" in flashed(replay)
    assert replay.get("/feed").status_code == 302


def test_a_callback_without_this_browsers_state_is_refused(app, client, acme, oidc):
    oidc.accounts(**{"ann@acme.test": {"groups": []}})
    started = client.post("/sso", data={"company-email": "ann@acme.test"})
    callback = through_provider(provider_url(started))[len(BASE):]
    stranger = app.test_client()  # e.g. a link planted in someone else's browser (login CSRF)
    assert stranger.get(callback).headers["Location"].endswith("/login")
    assert refusal(acme, "state").details["detail"] == "not this browser's state"
    assert membership(acme, "ann@acme.test") is None


def test_a_wrong_nonce_is_refused(client, acme, oidc, db):
    oidc.accounts(**{"ann@acme.test": {"groups": []}})
    started = client.post("/sso", data={"company-email": "ann@acme.test"})
    db.session.execute(sa.update(SsoLogin).where(SsoLogin.org_id == acme.id).values(nonce="not-the-one-sent"))
    response = client.get(through_provider(provider_url(started))[len(BASE):])
    assert response.headers["Location"].endswith("/login")
    assert refusal(acme, "nonce") is not None and membership(acme, "ann@acme.test") is None


def test_an_address_outside_the_allowed_domains_is_refused(client, acme, oidc):
    oidc.accounts(**{"eve@elsewhere.test": {"groups": ["amb-admins"]}})
    started = client.get("/sso/acme")
    response = client.get(through_provider(started.headers["Location"], email="eve@elsewhere.test")[len(BASE):])
    assert response.headers["Location"].endswith("/login")
    assert refusal(acme, "domain").target_label == "eve@elsewhere.test"
    assert "eve@elsewhere.test is not an address of an email domain" in flashed(client)
    assert membership(acme, "eve@elsewhere.test") is None


def test_an_unknown_domain_is_not_sent_anywhere(client, acme):
    response = client.post("/sso", data={"company-email": "someone@unknown.test"}, follow_redirects=True)
    assert "No organization signs in someone@unknown.test with single sign-on" in response.get_data(as_text=True)


def test_a_person_removed_at_the_provider_can_no_longer_sign_in(app, client, acme, oidc):
    oidc.accounts(**{"ann@acme.test": {"groups": []}})
    assert sign_in(client, "ann@acme.test").headers["Location"].endswith("/feed")
    oidc.accounts()  # Ann left the company
    browser = app.test_client()
    assert sign_in(browser, "ann@acme.test").headers["Location"].endswith("/login")
    assert refusal(acme, "provider").details["detail"].startswith("access_denied")
    assert "did not sign you in" in flashed(browser)


def test_a_deactivated_member_stays_refused(app, client, acme, oidc, db):
    oidc.accounts(**{"ann@acme.test": {"groups": []}})
    assert sign_in(client, "ann@acme.test").headers["Location"].endswith("/feed")
    membership(acme, "ann@acme.test").status = "deactivated"
    db.session.flush()
    browser = app.test_client()
    assert sign_in(browser, "ann@acme.test").headers["Location"].endswith("/login")
    assert refusal(acme, "deactivated") is not None
    assert membership(acme, "ann@acme.test").status == "deactivated"


def test_require_sso_refuses_password_login_but_admins_keep_it(client, acme, make, db, app):
    sso = db.session.scalar(sa.select(SsoConfig).where(SsoConfig.org_id == acme.id))
    sso.require_sso = True
    make.member(acme, email="bob@acme.test")  # has a password from before SSO
    db.session.flush()
    refused = client.post("/login", data={"email": "bob@acme.test", "password": "correct horse battery"})
    assert refused.status_code == 200
    assert "Acme uses single sign-on" in refused.get_data(as_text=True)
    assert client.get("/feed").status_code == 302
    admin = app.test_client()
    assert admin.post("/login", data={"email": "boss@acme.test",
                                      "password": "correct horse battery"}).status_code == 302  # break-glass
    sso.require_sso = False
    db.session.flush()
    assert client.post("/login", data={"email": "bob@acme.test",
                                       "password": "correct horse battery"}).status_code == 302


def test_one_organizations_provider_cannot_sign_into_another(client, acme, make, oidc, db):
    globex = make.org(name="Globex", slug="globex")
    boss = make.member(globex, role="admin", email="boss@globex.test")
    configure(db, globex, boss.user, oidc, slug="globex", domains="globex.test acme.test")
    oidc.accounts(**{"ann@acme.test": {"groups": ["amb-admins"]}})
    started = client.get("/sso/acme")
    callback = through_provider(started.headers["Location"], email="ann@acme.test")
    query = callback.split("?", 1)[1]
    assert client.get(f"/sso/globex/callback?{query}").headers["Location"].endswith("/login")
    assert refusal(globex, "state") is not None
    assert membership(globex, "ann@acme.test") is None and membership(acme, "ann@acme.test") is None


def test_an_account_of_another_organization_is_not_taken_over(client, acme, make, oidc):
    other = make.org(name="Other")
    make.member(other, email="ann@acme.test")  # Ann's own account, in another organization
    oidc.accounts(**{"ann@acme.test": {"groups": ["amb-admins"]}})
    assert sign_in(client, "ann@acme.test").headers["Location"].endswith("/login")
    assert refusal(acme, "account_elsewhere") is not None and membership(acme, "ann@acme.test") is None


def test_settings_page_saves_checks_discovery_and_never_logs_the_secret(client, login, make, oidc, db, app,
                                                                          monkeypatch):
    org = make.org(name="Initech", slug="initech")
    admin = make.member(org, role="admin")
    login(admin.user)
    empty = client.get("/settings/sso").get_data(as_text=True)
    assert 'selected value="ambassador"' in empty  # an unmapped person never becomes an admin by default
    form = {"enabled": "y", "issuer": oidc.issuer, "client_id": "initech-app", "client_secret": "s3cret-value-1234",
            "allowed_domains": "initech.test", "default_role": "ambassador", "kind": "external",
            "role_claim": "groups", "role_map": "managers = manager", "team_claim": "groups", "team_map": ""}
    refused = client.post("/settings/sso", data=form)  # loopback issuers are off, as in production
    assert "private network" in refused.get_data(as_text=True) or "https://" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(SsoConfig).where(SsoConfig.org_id == org.id)) is None
    monkeypatch.setitem(app.config, "SSO_ALLOW_LOOPBACK_ISSUERS", True)
    bad = client.post("/settings/sso", data={**form, "role_map": "managers = boss"})
    assert "boss is not a role" in bad.get_data(as_text=True)
    assert client.post("/settings/sso", data={**form, "issuer": oidc.issuer + "/nothing-here"}).status_code == 200
    saved = client.post("/settings/sso", data=form)
    assert saved.status_code == 302
    sso = db.session.scalar(sa.select(SsoConfig).where(SsoConfig.org_id == org.id))
    assert sso.client_secret_encrypted != "s3cret-value-1234"
    assert crypto.decrypt(sso.client_secret_encrypted) == "s3cret-value-1234"
    assert (sso.kind, sso.role_map, sso.provider_metadata["issuer"]) == ("external", {"managers": "manager"},
                                                                         oidc.issuer)
    page = client.get("/settings/sso").get_data(as_text=True)
    assert "s3cret-value-1234" not in page and "A secret is set" in page
    assert f"{BASE}/sso/initech/callback" in page
    assert client.post("/settings/sso", data={**form, "client_secret": ""}).status_code == 302  # kept
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.org_id == org.id,
                                                          AuditEvent.action == actions.SSO_SETTINGS_CHANGED))
    assert event.details["client_secret"] == {"changed": True} and "s3cret" not in str(event.details)


def test_only_admins_see_the_settings(client, login, make):
    org = make.org()
    member = make.member(org, role="manager")
    login(member.user)
    assert client.get("/settings/sso").status_code in (302, 403)


def test_sign_in_starts_are_throttled_per_address_and_store_nothing_beyond(app, client, acme, db, monkeypatch):
    monkeypatch.setitem(app.config["FORM_THROTTLES"], "sso_start", (2, 3600))
    assert client.get("/sso/acme").status_code == 302
    assert provider_url(client.post("/sso", data={"company-email": "ann@acme.test"}))
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(SsoLogin))
    assert client.get("/sso/acme").status_code == 429
    assert client.post("/sso", data={"company-email": "ann@acme.test"}).status_code == 429
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SsoLogin)) == pending == 2


def test_claims_never_demote_the_last_administrator(app, client, acme, oidc, db):
    boss = membership(acme, "boss@acme.test")
    boss.status = "deactivated"  # Ann becomes the only active admin
    oidc.accounts(**{"ann@acme.test": {"groups": ["amb-admins"]}})
    assert sign_in(client, "ann@acme.test").headers["Location"].endswith("/feed")
    assert membership(acme, "ann@acme.test").role == "admin"
    oidc.accounts(**{"ann@acme.test": {"groups": ["amb-curators"]}})
    assert sign_in(app.test_client(), "ann@acme.test").headers["Location"].endswith("/feed")
    assert membership(acme, "ann@acme.test").role == "admin"  # kept: else nobody could administer Acme
    boss.status = "active"
    db.session.flush()
    assert sign_in(app.test_client(), "ann@acme.test").headers["Location"].endswith("/feed")
    assert membership(acme, "ann@acme.test").role == "curator"


def test_a_member_joining_through_the_provider_is_announced_once_to_webhooks(client, app, acme, oidc, db, make,
                                                                             monkeypatch):
    """member.joined: a first login creates an active member, or activates a pending join request; later logins
    are no new joining."""
    import json

    from ambassador.models import EventHookDelivery
    from ambassador.services.hooks import endpoints

    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_HTTP", True)  # a receiver on loopback (none listens)
    hook = endpoints.create_hook(org_id=acme.id, url="http://127.0.0.1:9/in", description="",
                                 events=["member.joined"], actor=None)[0]
    asking = make.member(acme, status="pending", email="bob@acme.test")  # a join request the provider approves
    db.session.commit()
    oidc.accounts(**{"ann@acme.test": {"name": "Ann Smith", "groups": ["Sales"]}, "bob@acme.test": {}})
    assert sign_in(client, "ann@acme.test").status_code == 302
    assert sign_in(app.test_client(), "ann@acme.test").status_code == 302
    assert sign_in(app.test_client(), "bob@acme.test").status_code == 302
    assert sign_in(app.test_client(), "bob@acme.test").status_code == 302
    bodies = [json.loads(body) for body in db.session.scalars(
        sa.select(EventHookDelivery.body).where(EventHookDelivery.hook_id == hook.id).order_by(EventHookDelivery.id))]
    member = membership(acme, "ann@acme.test")
    assert [(b["type"], b["data"]["member_id"]) for b in bodies] == [("member.joined", member.id),
                                                                     ("member.joined", asking.id)]
    assert bodies[0]["data"]["source"] == "sso"


def test_saving_the_same_secret_again_is_no_change_in_the_audit_log(acme, oidc, db):
    """The settings form's secret field is blank unless typed: typing the same secret is no secret change."""
    admin = membership(acme, "boss@acme.test")

    def changes() -> list[dict]:
        return db.session.scalars(sa.select(AuditEvent.details).where(
            AuditEvent.org_id == acme.id, AuditEvent.action == actions.SSO_SETTINGS_CHANGED)
            .order_by(AuditEvent.id)).all()

    before = len(changes())
    configure(db, acme, admin.user, oidc, slug="acme", domains="acme.test")  # the very same settings and secret
    assert len(changes()) == before
    configure(db, acme, admin.user, oidc, slug="acme", domains="acme.test", require_sso=True)
    assert changes()[-1] == {"require_sso": {"old": False, "new": True}}
    settings = sso_settings.SsoSettings(issuer=oidc.issuer, client_id=CLIENTS["acme"]["client_id"],
                                        client_secret="a-new-secret-from-the-provider", allowed_domains="acme.test",
                                        require_sso=True, role_map="amb-admins = admin\namb-curators = curator")
    sso_settings.save_settings(org=acme, actor=admin.user, values=settings, origin=Origin())
    assert changes()[-1] == {"client_secret": {"changed": True}}
