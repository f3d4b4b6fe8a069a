""""My accounts" and the connect flows through the test client, against fake providers."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa

from ambassador.infra import crypto
from ambassador.models import SocialAccount, utcnow
from ambassador.services.publishing import oauth_flow
from tests.services.publishing.oauth_fakes import calls


@pytest.fixture
def member(make):
    return make.member(make.org(name="Brasserie Zuid"))


@pytest.fixture
def signed_in(fake_providers, member, login, public_dns):  # noqa: F811  (servers like toot.example are public)
    return login(member.user)


def accounts_of(db, member) -> list[SocialAccount]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(SocialAccount).where(SocialAccount.membership_id == member.id)))


def start(client, provider: str = "x", **params) -> dict[str, str]:
    """Start a flow; the query string of the network's authorize URL we were sent to."""
    response = client.get(f"/me/accounts/connect/{provider}", query_string=params)
    assert response.status_code == 302, response.get_data(as_text=True)
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}


def flash_text(client) -> str:
    return client.get("/me/accounts").get_data(as_text=True)


def add_account(make_db, member, provider="x", **kw) -> SocialAccount:
    kw.setdefault("access_token_enc", crypto.encrypt("tok"))
    account = SocialAccount(org_id=member.org_id, membership_id=member.id, provider=provider,
                            external_id=kw.pop("external_id", f"{provider}-ext"), handle="@owner",
                            display_name="Owner Person",
                            extra={}, **kw)
    make_db.session.add(account)
    make_db.session.flush()
    return account


# --- the page ---------------------------------------------------------------------------------------

def test_page_offers_only_configured_networks(signed_in):
    html = signed_in.get("/me/accounts").get_data(as_text=True)
    for label in ("Connect Chirp", "Connect ProNet", "Connect Tootville", "Connect Skyline"):
        assert label in html
    assert "Connect Facebook Pages" not in html and "/me/accounts/connect/facebook" not in html
    assert "Your admin has not enabled Facebook Pages yet" in html
    assert signed_in.get("/me/accounts/connect/facebook").status_code == 404
    assert signed_in.get("/me/accounts/connect/nope").status_code == 404


def test_page_needs_a_member(client):
    response = client.get("/me/accounts")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_page_shows_states_reconnect_and_expiry(signed_in, member, db):
    add_account(db, member, "x", external_id="ok")
    add_account(db, member, "mastodon", status="needs_reconnect", last_error="The token was revoked",
                service_url="https://toot.example")
    add_account(db, member, "linkedin", token_expires_at=utcnow() + timedelta(days=4, hours=1))
    add_account(db, member, "x", external_id="refreshable", token_expires_at=utcnow() + timedelta(days=2),
                refresh_token_enc=crypto.encrypt("r"))
    add_account(db, member, "bluesky", status="disconnected")
    html = signed_in.get("/me/accounts").get_data(as_text=True)
    assert html.count("badge--ok") == 2  # the refreshable token near expiry is no concern
    assert "Needs reconnecting" in html and "The token was revoked" in html
    assert "/me/accounts/connect/mastodon?server=https://toot.example" in html
    assert "Expires in 5 days" in html and "/me/accounts/connect/linkedin?handle=" in html
    assert "Skyline" not in html.split("connect-heading")[0]  # disconnected accounts are not listed


def test_a_token_without_refresh_token_warns_before_it_expires(signed_in, member, db):
    add_account(db, member, "x", token_expires_at=utcnow() + timedelta(hours=30))
    assert "Expires in 2 days" in signed_in.get("/me/accounts").get_data(as_text=True)


# --- OAuth ------------------------------------------------------------------------------------------

def test_connect_redirects_with_state_pkce_and_the_exact_redirect_uri(signed_in):
    for provider in ("x", "linkedin"):
        query = start(signed_in, provider)
        assert query["redirect_uri"] == f"http://localhost/me/accounts/callback/{provider}"
        with signed_in.session_transaction() as sess:
            flow = sess[oauth_flow.flow_key(provider)]
        assert query["state"] == flow["state"] and flow["provider"] == provider
        assert query["code_challenge"] == oauth_flow.pkce_challenge(flow["verifier"])
        assert flow["verifier"] not in str(query)


@pytest.mark.parametrize("base, expected", [("https://amb.example.com/", "https://amb.example.com/me/accounts/callback/x"),
                                            ("https://example.org/amb", "https://example.org/amb/me/accounts/callback/x")])
def test_redirect_uri_follows_public_base_url(signed_in, app, monkeypatch, base, expected):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", base)
    assert start(signed_in)["redirect_uri"] == expected


def test_callback_connects_with_the_verifier_whose_challenge_was_sent(signed_in, member, db):
    query = start(signed_in)
    response = signed_in.get("/me/accounts/callback/x", query_string={"code": "abc", "state": query["state"]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/accounts")
    (exchange,) = calls("exchange")
    assert oauth_flow.pkce_challenge(exchange["code_verifier"]) == query["code_challenge"]
    assert exchange["redirect_uri"] == query["redirect_uri"]
    (account,) = accounts_of(db, member)
    assert (account.provider, account.handle, account.status, account.org_id) == ("x", "@me", "active", member.org_id)
    raw = db.session.execute(sa.text("SELECT access_token_enc, refresh_token_enc FROM social_account")).one()
    assert "access-abc" not in raw[0] and "refresh-abc" not in raw[1]
    assert crypto.decrypt(raw[0]) == "access-abc"
    assert "Chirp connected: Me Myself." in flash_text(signed_in)
    with signed_in.session_transaction() as sess:
        assert oauth_flow.flow_key("x") not in sess  # single use


def test_callback_with_a_wrong_state_saves_nothing(signed_in, member, db):
    start(signed_in)
    response = signed_in.get("/me/accounts/callback/x", query_string={"code": "abc", "state": "forged"})
    assert response.status_code == 302
    assert accounts_of(db, member) == [] and calls("exchange") == []
    assert "does not match the connection you started" in flash_text(signed_in)


def test_callback_without_a_flow_is_refused(signed_in, member, db):
    signed_in.get("/me/accounts/callback/x", query_string={"code": "abc", "state": "whatever"})
    assert accounts_of(db, member) == [] and calls("exchange") == []
    assert "unknown or was already used" in flash_text(signed_in)


def test_callback_for_an_expired_flow_is_refused(signed_in, member, db):
    query = start(signed_in)
    with signed_in.session_transaction() as sess:
        flow = sess[oauth_flow.flow_key("x")]
        flow["created_at"] = (utcnow() - timedelta(minutes=11)).isoformat()
        sess[oauth_flow.flow_key("x")] = flow
    signed_in.get("/me/accounts/callback/x", query_string={"code": "abc", "state": query["state"]})
    assert accounts_of(db, member) == [] and calls("exchange") == []
    assert "took too long" in flash_text(signed_in)


def test_a_callback_cannot_be_replayed(signed_in, member, db):
    query = start(signed_in)
    signed_in.get("/me/accounts/callback/x", query_string={"code": "abc", "state": query["state"]})
    signed_in.get("/me/accounts/callback/x", query_string={"code": "abc", "state": query["state"]})
    assert len(calls("exchange")) == 1 and len(accounts_of(db, member)) == 1
    assert "unknown or was already used" in flash_text(signed_in)


def test_provider_a_cannot_complete_a_flow_started_for_provider_b(signed_in, member, db):
    query = start(signed_in, "x")
    signed_in.get("/me/accounts/callback/linkedin", query_string={"code": "abc", "state": query["state"]})
    assert accounts_of(db, member) == [] and calls("exchange") == []
    with signed_in.session_transaction() as sess:
        stolen = dict(sess[oauth_flow.flow_key("x")])
        sess[oauth_flow.flow_key("linkedin")] = stolen  # planted under the other provider's key
    signed_in.get("/me/accounts/callback/linkedin", query_string={"code": "abc", "state": stolen["state"]})
    assert accounts_of(db, member) == [] and calls("exchange") == []


def test_a_flow_started_in_one_organization_cannot_finish_in_another(signed_in, member, make, db):
    other = make.member(make.org(), user=member.user)
    query = start(signed_in)
    signed_in.post(f"/switch/{other.org_id}")
    signed_in.get("/me/accounts/callback/x", query_string={"code": "abc", "state": query["state"]})
    assert accounts_of(db, member) == [] and accounts_of(db, other) == [] and calls("exchange") == []


def test_access_denied_is_explained_and_ends_the_flow(signed_in, member, db):
    query = start(signed_in)
    signed_in.get("/me/accounts/callback/x", query_string={"error": "access_denied", "state": query["state"]})
    assert accounts_of(db, member) == [] and calls("exchange") == []
    assert "You did not give Chirp access, so nothing was connected." in flash_text(signed_in)
    with signed_in.session_transaction() as sess:
        assert oauth_flow.flow_key("x") not in sess


def test_a_failing_exchange_saves_nothing_and_says_why(signed_in, member, db):
    query = start(signed_in)
    signed_in.get("/me/accounts/callback/x", query_string={"code": "bad", "state": query["state"]})
    assert accounts_of(db, member) == []
    assert "Chirp refused the connection: invalid_grant" in flash_text(signed_in)


def test_reconnect_updates_the_same_row_and_reactivates_it(signed_in, member, db):
    old = add_account(db, member, "x", external_id="chirp-1", status="needs_reconnect", last_error="revoked")
    query = start(signed_in)
    signed_in.get("/me/accounts/callback/x", query_string={"code": "new", "state": query["state"]})
    (account,) = accounts_of(db, member)
    assert account.id == old.id
    assert (account.status, account.last_error) == ("active", None)
    assert crypto.decrypt(account.access_token_enc) == "access-new"


# --- instance first ---------------------------------------------------------------------------------

def test_instance_form_validates_the_server(signed_in, member, db):
    page = signed_in.get("/me/accounts/connect/mastodon", query_string={"server": "https://toot.example"})
    assert page.status_code == 200 and 'value="https://toot.example"' in page.get_data(as_text=True)
    assert "form-action 'self' https:" in page.headers["Content-Security-Policy"]
    response = signed_in.post("/me/accounts/connect/mastodon", data={"instance": "https://toot.example/@me"})
    assert response.status_code == 422
    assert "without a path" in response.get_data(as_text=True)
    assert calls("authorize_url") == []


def test_instance_flow_carries_the_server_to_the_callback(signed_in, member, db):
    response = signed_in.post("/me/accounts/connect/mastodon", data={"instance": "Toot.Example"})
    assert response.status_code == 303 and response.headers["Location"].startswith("https://toot.example/authorize?")
    state = parse_qs(urlsplit(response.headers["Location"]).query)["state"][0]
    assert calls("authorize_url")[0]["redirect_uri"] == "http://localhost/me/accounts/callback/mastodon"
    signed_in.get("/me/accounts/callback/mastodon", query_string={"code": "t", "state": state})
    assert calls("exchange")[0]["service_url"] == "https://toot.example"
    (account,) = accounts_of(db, member)
    assert (account.provider, account.service_url) == ("mastodon", "https://toot.example")


def test_an_unreachable_instance_is_reported_next_to_the_field(signed_in, member, db):
    response = signed_in.post("/me/accounts/connect/mastodon", data={"instance": "down.example"})
    assert response.status_code == 422
    assert "We could not reach Tootville" in response.get_data(as_text=True)
    with signed_in.session_transaction() as sess:
        assert oauth_flow.flow_key("mastodon") not in sess


# --- app password -----------------------------------------------------------------------------------

def test_app_password_form_explains_and_hides_the_password(signed_in):
    html = signed_in.get("/me/accounts/connect/bluesky").get_data(as_text=True)
    assert 'type="password"' in html and 'autocomplete="off"' in html
    assert "App passwords" in html and "Never enter your main password" in html


def test_app_password_connects_with_the_default_server(signed_in, member, db, app):
    response = signed_in.post("/me/accounts/connect/bluesky", data={"identifier": "me.sky.example",
                                                                    "password": "good-app-pass"})
    assert response.status_code == 302
    assert calls("login")[0]["service_url"] == app.config["BLUESKY_DEFAULT_SERVICE"]
    (account,) = accounts_of(db, member)
    assert (account.external_id, account.service_url) == ("did:plc:abc", app.config["BLUESKY_DEFAULT_SERVICE"])


def test_app_password_with_an_own_server(signed_in, member, db):
    signed_in.post("/me/accounts/connect/bluesky", data={"identifier": "me.example", "password": "good-app-pass",
                                                         "service_url": "pds.example.org"})
    assert calls("login")[0]["service_url"] == "https://pds.example.org"


@pytest.mark.parametrize("data, message", [
    ({"identifier": "me.sky.example", "password": "wrong"}, "Skyline refused the connection: Invalid identifier"),
    ({"identifier": "", "password": ""}, "This field is required."),
    ({"identifier": "me", "password": "good-app-pass", "service_url": "https://pds.example/x"}, "without a path"),
    ({"identifier": "offline.example", "password": "good-app-pass"}, "We could not reach Skyline"),
])
def test_app_password_errors_are_shown_and_nothing_is_saved(signed_in, member, db, data, message):
    response = signed_in.post("/me/accounts/connect/bluesky", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert accounts_of(db, member) == []


def test_wrong_app_password_error_sits_next_to_the_password_field(signed_in):
    response = signed_in.post("/me/accounts/connect/bluesky", data={"identifier": "me", "password": "nope"})
    html = response.get_data(as_text=True)
    help_block = html.split('id="password-help"')[1].split("</div>")[0]
    assert "refused the connection" in help_block


# --- disconnect and isolation -----------------------------------------------------------------------

def test_disconnect_clears_tokens_and_keeps_the_row(signed_in, member, db):
    account = add_account(db, member, refresh_token_enc=crypto.encrypt("r"), token_expires_at=utcnow())
    response = signed_in.post(f"/me/accounts/{account.id}/disconnect")
    assert response.status_code == 302
    (kept,) = accounts_of(db, member)
    assert (kept.id, kept.status) == (account.id, "disconnected")
    assert (kept.access_token_enc, kept.refresh_token_enc, kept.token_expires_at) == (None, None, None)


def test_disconnect_needs_post(signed_in, member, db):
    account = add_account(db, member)
    assert signed_in.get(f"/me/accounts/{account.id}/disconnect").status_code == 405


def test_another_member_cannot_disconnect_my_account(fake_providers, make, member, db, login):  # noqa: F811
    mine = add_account(db, member)
    colleague = make.member(db.session.get(type(member.organization), member.org_id), role="admin")
    outsider = make.member(make.org(), role="admin")
    for intruder in (colleague, outsider):
        client = login(intruder.user)
        assert client.post(f"/me/accounts/{mine.id}/disconnect").status_code == 404
        assert "Owner Person" not in client.get("/me/accounts").get_data(as_text=True).split("connect-heading")[0]
        client.post("/logout")
    (still,) = accounts_of(db, member)
    assert still.status == "active" and still.access_token_enc is not None


# --- round trips against real adapters and their contract fakes --------------------------------------

def consent(client, authorize_location: str, provider: str) -> str:
    """The network's consent page redirects back to our exact callback; follow it; the page after."""
    answer = requests.get(authorize_location, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"http://localhost/me/accounts/callback/{provider}"
    assert client.get(back.path, query_string=back.query).status_code == 302
    return client.get("/me/accounts").get_data(as_text=True)


def test_mastodon_round_trip_against_its_contract_fake(member, login, db, allow_http_providers):
    from tests.providers.fakes.mastodon import FakeMastodon

    client = login(member.user)
    with FakeMastodon().running() as fake:
        response = client.post("/me/accounts/connect/mastodon", data={"instance": fake.base_url})
        assert response.status_code == 303, response.get_data(as_text=True)
        # The fake checks the registered redirect URI, then the PKCE verifier against the challenge.
        html = consent(client, response.headers["Location"], "mastodon")
    assert "Mastodon connected: Alice Example." in html
    (account,) = accounts_of(db, member)
    assert (account.external_id, account.service_url, account.status) == ("1", fake.base_url, "active")
    assert crypto.decrypt(account.access_token_enc) in fake.tokens


def _x_fake():
    from tests.providers.fakes.x import FakeX

    return FakeX(), lambda base: {"X_CLIENT_ID": "x-client", "X_CLIENT_SECRET": "", "X_API_URL": base,
                                  "X_AUTH_URL": f"{base}/i/oauth2/authorize", "X_TOKEN_URL": f"{base}/2/oauth2/token"}


def _linkedin_fake():
    from tests.providers.fakes.linkedin import FakeLinkedIn

    return FakeLinkedIn(), lambda base: {"LINKEDIN_CLIENT_ID": "li-client", "LINKEDIN_CLIENT_SECRET": "li-secret",
                                         "LINKEDIN_AUTH_URL": f"{base}/oauth/v2/authorization",
                                         "LINKEDIN_TOKEN_URL": f"{base}/oauth/v2/accessToken", "LINKEDIN_API_URL": base}


def _facebook_fake():
    from tests.providers.fakes.facebook import APP_ID, APP_SECRET, FakeFacebook

    return FakeFacebook(), lambda base: {"FACEBOOK_APP_ID": APP_ID, "FACEBOOK_APP_SECRET": APP_SECRET,
                                         "FACEBOOK_AUTH_URL": base, "FACEBOOK_GRAPH_URL": base}


@pytest.mark.parametrize("provider, make_fake, connected", [
    ("x", _x_fake, "X connected: Ann Ambassador."),
    ("linkedin", _linkedin_fake, "LinkedIn connected:"),
    ("facebook", _facebook_fake, "Facebook Pages connected: Boulangerie Dupont"),
])
def test_oauth_round_trip_against_the_contract_fake(member, login, db, app, monkeypatch, provider, make_fake,
                                                    connected):
    client = login(member.user)
    fake, settings = make_fake()
    with fake.running():
        for key, value in settings(fake.base_url).items():
            monkeypatch.setitem(app.config, key, value)
        assert f"/me/accounts/connect/{provider}" in client.get("/me/accounts").get_data(as_text=True)
        response = client.get(f"/me/accounts/connect/{provider}")
        assert response.status_code == 302, response.get_data(as_text=True)
        html = consent(client, response.headers["Location"], provider)
    assert connected in html
    accounts = accounts_of(db, member)
    assert accounts and {(a.provider, a.status) for a in accounts} == {(provider, "active")}
    tokens = [crypto.decrypt(a.access_token_enc) for a in accounts]
    assert all(tokens) and len(set(tokens)) == len(tokens)  # each Page with its own token


def test_bluesky_round_trip_against_its_contract_pds(member, login, db, allow_http_providers):
    from tests.providers.fakes.bluesky import FakePDS

    client = login(member.user)
    with FakePDS().running() as pds:
        main = client.post("/me/accounts/connect/bluesky",
                           data={"identifier": "alice.test", "password": "main-password", "service_url": pds.base_url})
        assert main.status_code == 422 and "That is your account password" in main.get_data(as_text=True)
        assert accounts_of(db, member) == []
        done = client.post("/me/accounts/connect/bluesky", data={"identifier": "@alice.test",
                                                                 "password": "abcd-efgh-ijkl-mnop",
                                                                 "service_url": pds.base_url})
        assert done.status_code == 302, done.get_data(as_text=True)
    (account,) = accounts_of(db, member)
    assert (account.external_id, account.handle, account.service_url) == ("did:plc:alice123", "@alice.test",
                                                                          pds.base_url)
    assert "abcd-efgh-ijkl-mnop" not in (account.refresh_token_enc or "") + str(account.extra)


# --- every network, with its state (the real adapters and settings) --------------------------------------

def _network_row(html: str, key: str) -> str:
    start = html.index(f'id="network-{key}"')
    return html[start:html.index("</li>", start)]


@pytest.fixture
def only_mastodon_and_bluesky(app, monkeypatch):
    """A server like the review's: no LinkedIn, X or Facebook app; Mastodon and Bluesky on."""
    for key in ("LINKEDIN_CLIENT_ID", "LINKEDIN_CLIENT_SECRET", "X_CLIENT_ID", "FACEBOOK_APP_ID",
                "FACEBOOK_APP_SECRET"):
        monkeypatch.setitem(app.config, key, "")
    monkeypatch.setitem(app.config, "MASTODON_ENABLED", True)
    monkeypatch.setitem(app.config, "BLUESKY_ENABLED", True)


def test_every_network_is_listed_with_what_the_member_can_do(client, login, member, only_mastodon_and_bluesky):
    login(member.user)
    html = client.get("/me/accounts").get_data(as_text=True)
    for key in ("linkedin", "x", "facebook", "mastodon", "bluesky", "whatsapp", "xing", "email", "copy"):
        assert f'id="network-{key}"' in html
    linkedin = _network_row(html, "linkedin")
    assert "Your admin has not enabled LinkedIn yet" in linkedin
    assert "You can still share to LinkedIn from the feed" in linkedin
    assert "/me/accounts/connect/linkedin" not in linkedin and "How to enable" not in linkedin  # not an admin
    assert "Connect Mastodon" in _network_row(html, "mastodon")
    assert "Connect Bluesky" in _network_row(html, "bluesky")
    facebook = _network_row(html, "facebook")
    assert "Your admin has not enabled Facebook Pages yet" in facebook
    assert "does not allow prefilled text or rewards" in facebook
    assert "share from the feed with the WhatsApp button" in _network_row(html, "whatsapp")
    assert "get your own link from the feed" in _network_row(html, "copy")
    assert "Enabling networks" not in html and "LINKEDIN_CLIENT_ID" not in html


def test_admins_get_the_set_up_steps_of_networks_not_enabled(client, login, make, only_mastodon_and_bluesky):
    admin = make.member(make.org(), role="admin")
    login(admin.user)
    html = client.get("/me/accounts").get_data(as_text=True)
    assert 'href="#setup-linkedin"' in _network_row(html, "linkedin")
    setup = html[html.index('id="setup-linkedin"'):]
    setup = setup[:setup.index("</section>")]
    assert "<code>LINKEDIN_CLIENT_ID</code>, <code>LINKEDIN_CLIENT_SECRET</code>" in setup
    assert "http://localhost/me/accounts/callback/linkedin" in setup
    assert 'id="setup-facebook"' in html and 'id="setup-x"' in html
    assert 'id="setup-mastodon"' not in html  # enabled: nothing to set up


def test_a_configured_network_offers_its_connect_button_and_counts_accounts(client, login, db, member, app,
                                                                             monkeypatch, only_mastodon_and_bluesky):
    monkeypatch.setitem(app.config, "LINKEDIN_CLIENT_ID", "id")
    monkeypatch.setitem(app.config, "LINKEDIN_CLIENT_SECRET", "secret")
    add_account(db, member, "linkedin")
    login(member.user)
    linkedin = _network_row(client.get("/me/accounts").get_data(as_text=True), "linkedin")
    assert "1 account connected" in linkedin and "Connect another LinkedIn account" in linkedin
    assert 'href="/me/accounts/connect/linkedin"' in linkedin and "not enabled" not in linkedin
