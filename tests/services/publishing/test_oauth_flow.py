"""OAuth state + PKCE flows and connecting through the provider interface (fake providers: oauth_fakes.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from ambassador.infra import crypto
from ambassador.models import utcnow
from ambassador.providers import registry
from ambassador.providers.base import ErrorKind, ProviderError
from ambassador.services.publishing import oauth_flow
from ambassador.services.publishing.oauth_flow import ConnectError

from .oauth_fakes import calls

# --- PKCE and flows ---------------------------------------------------------------------------------

def test_pkce_challenge_is_s256_as_in_rfc_7636():
    # RFC 7636 appendix B.
    assert oauth_flow.pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == \
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_start_flow_stores_a_fresh_state_and_verifier_per_provider():
    store: dict = {}
    first = oauth_flow.start_flow(store=store, provider="x", service_url="")
    second = oauth_flow.start_flow(store=store, provider="mastodon", service_url="https://m.example")
    assert first.state != second.state and first.verifier != second.verifier
    assert 43 <= len(first.verifier) <= 128  # RFC 7636 length
    assert store[oauth_flow.flow_key("x")]["state"] == first.state
    assert store[oauth_flow.flow_key("mastodon")]["service_url"] == "https://m.example"


def test_finish_flow_returns_the_flow_once():
    store: dict = {}
    started = oauth_flow.start_flow(store=store, provider="x")
    flow = oauth_flow.finish_flow(store=store, provider="x", state=started.state)
    assert (flow.verifier, flow.challenge) == (started.verifier, oauth_flow.pkce_challenge(started.verifier))
    with pytest.raises(ConnectError):
        oauth_flow.finish_flow(store=store, provider="x", state=started.state)


@pytest.mark.parametrize("state", ["", None, "not-the-state"])
def test_finish_flow_refuses_a_wrong_state_and_burns_the_flow(state):
    store: dict = {}
    started = oauth_flow.start_flow(store=store, provider="x")
    with pytest.raises(ConnectError, match="does not match"):
        oauth_flow.finish_flow(store=store, provider="x", state=state)
    with pytest.raises(ConnectError, match="unknown or was already used"):
        oauth_flow.finish_flow(store=store, provider="x", state=started.state)


def test_finish_flow_refuses_an_old_flow():
    store: dict = {}
    started = oauth_flow.start_flow(store=store, provider="x", now=utcnow() - timedelta(minutes=11))
    with pytest.raises(ConnectError, match="too long"):
        oauth_flow.finish_flow(store=store, provider="x", state=started.state)


def test_finish_flow_for_one_provider_cannot_complete_another_providers_flow():
    store: dict = {}
    started = oauth_flow.start_flow(store=store, provider="x")
    with pytest.raises(ConnectError):
        oauth_flow.finish_flow(store=store, provider="linkedin", state=started.state)
    # Even a flow entry filed under the wrong key is refused by its provider field.
    store[oauth_flow.flow_key("linkedin")] = dict(store[oauth_flow.flow_key("x")])
    with pytest.raises(ConnectError, match="does not match"):
        oauth_flow.finish_flow(store=store, provider="linkedin", state=started.state)


def test_finish_flow_belongs_to_the_membership_that_started_it():
    store: dict = {}
    started = oauth_flow.start_flow(store=store, provider="x", owner=7)
    with pytest.raises(ConnectError, match="does not match"):
        oauth_flow.finish_flow(store=store, provider="x", state=started.state, owner=8)
    started = oauth_flow.start_flow(store=store, provider="x", owner=7)
    assert oauth_flow.finish_flow(store=store, provider="x", state=started.state, owner=7).owner == 7


def test_finish_flow_refuses_a_garbled_entry():
    store = {oauth_flow.flow_key("x"): {"state": "s"}}
    with pytest.raises(ConnectError):
        oauth_flow.finish_flow(store=store, provider="x", state="s")


# --- server addresses -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("mastodon.social", "https://mastodon.social"),
    (" https://Fosstodon.org/ ", "https://fosstodon.org"),
    ("social.example.org:8443", "https://social.example.org:8443"),
    ("https://social.example.org:443", "https://social.example.org"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
])
def test_normalize_service_url_accepts_a_bare_host(raw, expected, public_dns):
    assert oauth_flow.normalize_service_url(raw, config={"PROVIDERS_ALLOW_HTTP": True}) == expected


@pytest.mark.parametrize("raw", ["", "not a host", "https://m.example/@me", "https://user:pw@m.example",
                                 "ftp://m.example", "https://m.example?x=1", "m.example:99999", "javascript:alert(1)"])
def test_normalize_service_url_refuses_what_is_not_a_server(raw):
    with pytest.raises(ConnectError):
        oauth_flow.normalize_service_url(raw, config={"PROVIDERS_ALLOW_HTTP": True})


@pytest.mark.parametrize("raw", ["http://mastodon.social", "127.0.0.1", "localhost", "10.0.0.8",
                                 "no-such-host.invalid"])
def test_normalize_service_url_in_production_needs_a_public_https_server(raw):
    with pytest.raises(ConnectError):
        oauth_flow.normalize_service_url(raw, config={"PROVIDERS_ALLOW_HTTP": False})


# --- connecting -------------------------------------------------------------------------------------

def test_complete_oauth_exchanges_with_the_flow_verifier_and_saves_encrypted_tokens(fake_providers, make):
    member = make.member(make.org())
    store: dict = {}
    started = oauth_flow.start_flow(store=store, provider="x")
    flow = oauth_flow.finish_flow(store=store, provider="x", state=started.state)
    (account,) = oauth_flow.complete_oauth(membership=member, provider=registry.get("x", {}), flow=flow,
                                           code="c0de", redirect_uri="https://amb.example/me/accounts/callback/x")
    assert calls("exchange") == [{"code": "c0de", "redirect_uri": "https://amb.example/me/accounts/callback/x",
                                  "code_verifier": started.verifier, "service_url": ""}]
    assert (account.provider, account.external_id, account.org_id) == ("x", "chirp-1", member.org_id)
    assert "access-c0de" not in account.access_token_enc
    assert crypto.decrypt(account.access_token_enc) == "access-c0de"
    assert crypto.decrypt(account.refresh_token_enc) == "refresh-c0de"


def test_complete_oauth_without_a_code_saves_nothing(fake_providers, make):
    member = make.member(make.org())
    store: dict = {}
    flow = oauth_flow.start_flow(store=store, provider="x")
    with pytest.raises(ConnectError):
        oauth_flow.complete_oauth(membership=member, provider=registry.get("x", {}), flow=flow, code="",
                                  redirect_uri="https://amb.example/cb")
    assert calls("exchange") == []


def test_connect_with_password_strips_the_at_and_never_stores_the_password_in_plain_text(fake_providers, make, db):
    member = make.member(make.org())
    (account,) = oauth_flow.connect_with_password(membership=member, provider=registry.get("bluesky", {}),
                                                  identifier=" @me.sky.example ", password="good-app-pass",
                                                  service_url="https://pds.example")
    assert calls("login")[0]["identifier"] == "me.sky.example"
    assert account.service_url == "https://pds.example"
    stored = " ".join(str(v) for v in (account.access_token_enc, account.refresh_token_enc, account.extra))
    assert "good-app-pass" not in stored and crypto.decrypt(account.access_token_enc) == "session-jwt"


@pytest.mark.parametrize("kind, words", [(ErrorKind.REAUTH, "refused"), (ErrorKind.REJECTED, "refused"),
                                         (ErrorKind.RATE_LIMITED, "slow down"), (ErrorKind.CONFIG, "administrator"),
                                         (ErrorKind.RETRY, "could not reach"),
                                         (ErrorKind.UNKNOWN_OUTCOME, "could not reach")])
def test_explain_says_what_to_do_per_error_kind(app, kind, words):
    with app.test_request_context():
        assert words in oauth_flow.explain(ProviderError(kind, "nope"), label="Chirp")
