"""The Bluesky adapter against the contract PDS: sessions, refresh and fallback, facets, fixed record keys."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from ambassador.models import utcnow
from ambassador.providers import registry
from ambassador.providers.base import AccountContext, ErrorKind, ProviderError, PublishRequest
from ambassador.providers.bluesky import TID_RE, BlueskyProvider, facets, jwt_claims, record_key, unpack

from .fakes.bluesky import FakePDS

# The fakes are http:// servers on loopback: only PROVIDERS_ALLOW_HTTP admits them.
pytestmark = pytest.mark.usefixtures("allow_http_providers")

APP_PASSWORD = "abcd-efgh-ijkl-mnop"
LINK = "https://amb.example/s/Xy1"


@pytest.fixture
def pds():
    with FakePDS().running() as pds:
        yield pds


@pytest.fixture
def bluesky(app):
    return BlueskyProvider({**app.config, "PROVIDER_READ_TIMEOUT": 0.5})


def connected(bluesky, pds):
    tokens = bluesky.login(identifier="@alice.test", password=APP_PASSWORD, service_url=pds.base_url)
    [profile] = bluesky.profiles(tokens=tokens, service_url=pds.base_url)
    return tokens, AccountContext(external_id=profile.external_id, access_token=tokens.access_token,
                                  service_url=pds.base_url, extra=profile.extra)


def share(text=f"Café déjà vu 🎉👩‍👩‍👧 #employee {LINK}", key="share-7f3a"):
    return PublishRequest(text=text, link_url=LINK, title="Un article", description="Résumé", idempotency_key=key)


# --- pure helpers -----------------------------------------------------------------------------

def test_link_facets_are_utf8_byte_offsets():
    text = f"é🎉 voir {LINK} et https://b.example/x."
    found = [f for f in facets(text) if f["features"][0]["$type"].endswith("#link")]
    raw = text.encode("utf-8")
    assert [raw[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode() for f in found] == [
        LINK, "https://b.example/x"]
    assert found[0]["index"]["byteStart"] == len("é🎉 voir ".encode()) == 12  # not the 8 characters


def test_hashtags_become_tag_facets_but_url_fragments_do_not():
    found = facets("Fier #employé, lisez https://a.example/#section #2024 #ok.")
    tags = [f["features"][0]["tag"] for f in found if f["features"][0]["$type"].endswith("#tag")]
    assert tags == ["employé", "ok"]


def test_record_keys_are_stable_valid_tids():
    key = record_key("share-7f3a")
    assert key == record_key("share-7f3a") != record_key("share-7f3b")
    assert TID_RE.match(key) and len(key) == 13
    assert record_key("3jzfcijpj2z2a") == "3jzfcijpj2z2a"  # a key that already is a TID is used as is
    assert all(TID_RE.match(record_key(f"k{n}")) for n in range(200))


# --- sessions -----------------------------------------------------------------------------------

def test_configuration(app):
    assert BlueskyProvider.is_configured({"BLUESKY_ENABLED": True})
    assert not BlueskyProvider.is_configured({"BLUESKY_ENABLED": False})
    adapter = registry.get("bluesky", {**app.config, "BLUESKY_ENABLED": True})
    assert adapter.connect_style == "app_password" and adapter.can_refresh
    assert adapter.normalize_service_url("") == "https://bsky.social"


def test_login_gives_tokens_with_expiry_and_the_app_password_kept_for_later(bluesky, pds):
    tokens = bluesky.login(identifier="alice.test", password=APP_PASSWORD, service_url=pds.base_url)
    assert tokens.access_token in pds.access
    exp = jwt_claims(tokens.access_token)["exp"]
    assert tokens.expires_at == datetime.fromtimestamp(exp, UTC).replace(tzinfo=None)
    refresh_jwt, identifier, password = unpack(tokens.refresh_token)
    assert refresh_jwt in pds.refresh and identifier == "did:plc:alice123" and password == APP_PASSWORD
    assert tokens.extra["app_password"] == APP_PASSWORD and tokens.extra["did"] == "did:plc:alice123"
    assert pds.last("createSession")["json"] == {"identifier": "alice.test", "password": APP_PASSWORD}


def test_profile(bluesky, pds):
    tokens = bluesky.login(identifier="alice@example.test", password=APP_PASSWORD, service_url=pds.base_url)
    [profile] = bluesky.profiles(tokens=tokens, service_url=pds.base_url)
    assert profile.external_id == "did:plc:alice123" and profile.handle == "@alice.test"
    assert profile.display_name == "Alice Ç" and profile.profile_url == "https://bsky.app/profile/alice.test"
    assert "app_password" not in profile.extra  # account.extra is not a secret store


def test_wrong_password_and_account_password_are_refused(bluesky, pds):
    with pytest.raises(ProviderError) as caught:
        bluesky.login(identifier="alice.test", password="nope", service_url=pds.base_url)
    assert caught.value.kind is ErrorKind.REAUTH and "Invalid identifier or password" in caught.value.message
    with pytest.raises(ProviderError) as caught:
        bluesky.login(identifier="alice.test", password="main-password", service_url=pds.base_url)
    assert caught.value.kind is ErrorKind.REJECTED and "app password" in caught.value.message


def test_refresh_prefers_refresh_session_and_rotates_the_refresh_token(bluesky, pds):
    tokens = bluesky.login(identifier="alice.test", password=APP_PASSWORD, service_url=pds.base_url)
    renewed = bluesky.refresh(refresh_token=tokens.refresh_token, service_url=pds.base_url)
    assert pds.count("createSession") == 1 and pds.count("refreshSession") == 1
    assert renewed.access_token != tokens.access_token and renewed.access_token in pds.access
    new_jwt, _, password = unpack(renewed.refresh_token)
    assert new_jwt in pds.refresh and password == APP_PASSWORD
    assert pds.last("refreshSession")["headers"]["Authorization"] == f"Bearer {unpack(tokens.refresh_token)[0]}"


@pytest.mark.parametrize("expired_status", [400, 401])
def test_an_expired_refresh_token_falls_back_to_the_app_password(app, expired_status):
    with FakePDS(refresh_ttl=-1, expired_status=expired_status).running() as pds:
        bluesky = BlueskyProvider(app.config)
        tokens = bluesky.login(identifier="alice.test", password=APP_PASSWORD, service_url=pds.base_url)
        renewed = bluesky.refresh(refresh_token=tokens.refresh_token, service_url=pds.base_url)
    assert pds.count("refreshSession") == 1 and pds.count("createSession") == 2
    assert renewed.access_token in pds.access


def test_without_a_usable_password_an_expired_session_means_reconnect(app):
    with FakePDS(refresh_ttl=-1).running() as pds:
        bluesky = BlueskyProvider(app.config)
        tokens = bluesky.login(identifier="alice.test", password=APP_PASSWORD, service_url=pds.base_url)
        refresh_jwt = unpack(tokens.refresh_token)[0]
        with pytest.raises(ProviderError) as caught:
            bluesky.refresh(refresh_token=refresh_jwt, service_url=pds.base_url)  # a bare JWT, no password
        assert caught.value.kind is ErrorKind.REAUTH
        pds.accounts["did:plc:alice123"]["app_passwords"].clear()  # the member revoked the app password
        with pytest.raises(ProviderError) as caught:
            bluesky.refresh(refresh_token=tokens.refresh_token, service_url=pds.base_url)
        assert caught.value.kind is ErrorKind.REAUTH


def test_a_transient_refresh_failure_is_not_a_reconnect(bluesky, pds):
    tokens = bluesky.login(identifier="alice.test", password=APP_PASSWORD, service_url=pds.base_url)
    pds.fail("refreshSession", status=502)
    with pytest.raises(ProviderError) as caught:
        bluesky.refresh(refresh_token=tokens.refresh_token, service_url=pds.base_url)
    assert caught.value.kind is ErrorKind.RETRY and pds.count("createSession") == 1


def test_create_session_rate_limit(app):
    with FakePDS(rate_limit=1).running() as pds:
        bluesky = BlueskyProvider(app.config)
        bluesky.login(identifier="alice.test", password=APP_PASSWORD, service_url=pds.base_url)
        with pytest.raises(ProviderError) as caught:
            bluesky.login(identifier="alice.test", password=APP_PASSWORD, service_url=pds.base_url)
    assert caught.value.kind is ErrorKind.RATE_LIMITED
    assert utcnow() + timedelta(seconds=200) < caught.value.retry_at


# --- publishing ----------------------------------------------------------------------------------

def test_publish_sends_a_post_record_with_facets_card_and_fixed_key(bluesky, pds):
    _tokens, account = connected(bluesky, pds)
    result = bluesky.publish(account=account, request=share())
    sent = pds.last("createRecord")
    body = sent["json"]
    assert sent["headers"]["Authorization"] == f"Bearer {account.access_token}"
    assert body["repo"] == "did:plc:alice123" and body["collection"] == "app.bsky.feed.post"
    assert body["rkey"] == record_key("share-7f3a")
    record = body["record"]
    assert record["text"] == share().text and record["createdAt"].endswith("Z")
    assert record["embed"] == {"$type": "app.bsky.embed.external",
                               "external": {"uri": LINK, "title": "Un article", "description": "Résumé"}}
    kinds = [f["features"][0]["$type"] for f in record["facets"]]
    assert kinds == ["app.bsky.richtext.facet#tag", "app.bsky.richtext.facet#link"]  # the fake checked the bytes
    assert result.external_id == f"at://did:plc:alice123/app.bsky.feed.post/{body['rkey']}"
    assert result.url == f"https://bsky.app/profile/alice.test/post/{body['rkey']}"


@pytest.mark.parametrize("fault", [{"status": 500}, {"delay": 1.5}], ids=["500-after-writing", "answer-too-late"])
def test_a_lost_answer_is_resolved_by_reading_the_record_back(bluesky, pds, fault):
    _tokens, account = connected(bluesky, pds)
    pds.fail("createRecord", after=True, **fault)
    result = bluesky.publish(account=account, request=share())
    assert len(pds.records) == 1 and pds.count("getRecord") == 1
    assert result.external_id == next(iter(pds.records.values()))["uri"]


@pytest.mark.parametrize("duplicate_style", ["500", "named"])
def test_a_retry_after_an_unknown_outcome_does_not_post_twice(app, duplicate_style):
    with FakePDS(duplicate_style=duplicate_style).running() as pds:
        bluesky = BlueskyProvider(app.config)
        _tokens, account = connected(bluesky, pds)
        pds.fail("createRecord", after=True, status=500)
        pds.fail("getRecord", status=503)  # and the look-up fails too: we cannot tell yet
        with pytest.raises(ProviderError) as caught:
            bluesky.publish(account=account, request=share())
        assert caught.value.kind is ErrorKind.RETRY and len(pds.records) == 1
        result = bluesky.publish(account=account, request=share())
    assert pds.count("createRecord") == 2 and len(pds.records) == 1
    assert result.external_id == next(iter(pds.records.values()))["uri"]


def test_a_record_key_taken_by_another_text_is_rejected(bluesky, pds):
    _tokens, account = connected(bluesky, pds)
    bluesky.publish(account=account, request=share())
    with pytest.raises(ProviderError) as caught:
        bluesky.publish(account=account, request=share(text=f"Autre texte {LINK}"))
    assert caught.value.kind is ErrorKind.REJECTED and len(pds.records) == 1


def test_without_a_key_the_pds_picks_one_and_a_lost_answer_is_unknown(bluesky, pds):
    _tokens, account = connected(bluesky, pds)
    pds.fail("createRecord", after=True, status=500)
    with pytest.raises(ProviderError) as caught:
        bluesky.publish(account=account, request=share(key=""))
    assert caught.value.kind is ErrorKind.UNKNOWN_OUTCOME and "rkey" not in pds.last("createRecord")["json"]


def test_too_long_is_rejected_with_the_pds_message(bluesky, pds):
    _tokens, account = connected(bluesky, pds)
    with pytest.raises(ProviderError) as caught:
        bluesky.publish(account=account, request=share(text="é" * 301))
    assert caught.value.kind is ErrorKind.REJECTED and "300 graphemes" in caught.value.message
    assert not pds.records


def test_an_expired_access_token_is_retried_after_refresh_not_a_reconnect(app):
    with FakePDS(access_ttl=-1).running() as pds:
        bluesky = BlueskyProvider(app.config)
        _tokens, account = connected(bluesky, pds)
        with pytest.raises(ProviderError) as caught:
            bluesky.publish(account=account, request=share())
    assert caught.value.kind is ErrorKind.RETRY and not pds.records


def test_an_unknown_token_means_reconnect(bluesky, pds):
    _tokens, account = connected(bluesky, pds)
    account.access_token = "forged"
    with pytest.raises(ProviderError) as caught:
        bluesky.publish(account=account, request=share())
    assert caught.value.kind is ErrorKind.REAUTH


def test_publish_rate_limit_uses_the_epoch_reset_header(app):
    with FakePDS(rate_limit=1, rate_window=60).running() as pds:
        bluesky = BlueskyProvider(app.config)
        _tokens, account = connected(bluesky, pds)
        first = bluesky.publish(account=account, request=share(key="a"))
        with pytest.raises(ProviderError) as caught:
            bluesky.publish(account=account, request=share(key="b"))
    reset = datetime.fromtimestamp(int(time.time()) + 60, UTC).replace(tzinfo=None)
    assert caught.value.kind is ErrorKind.RATE_LIMITED
    # RateLimit-Remaining: 0 on the record that was created (a second more: the epoch is cut to the second)
    assert first.wait_until == caught.value.retry_at + timedelta(seconds=1)
    assert abs((caught.value.retry_at - reset).total_seconds()) <= 2
    assert pds.count("getRecord") == 0  # a rate limit is not a reason to look for the record


@pytest.mark.parametrize("relative", ["/s/Xy1", "amb.example/s/Xy1", ""])
def test_the_pds_refuses_a_card_without_an_absolute_uri(bluesky, pds, relative):
    """What the real PDS answered the worker's old relative short link: Invalid uri (got "/s/…")."""
    _tokens, account = connected(bluesky, pds)
    with pytest.raises(ProviderError) as caught:
        bluesky.publish(account=account, request=PublishRequest(text="Lisez ceci", link_url=relative or " ",
                                                                title="T", description="D", idempotency_key="k1"))
    assert caught.value.kind is ErrorKind.REJECTED
    assert "Invalid uri" in caught.value.message and "$.record.embed.external.uri" in caught.value.message
    assert not pds.records


def test_the_pds_refuses_a_link_facet_without_an_absolute_uri(bluesky, pds):
    tokens, account = connected(bluesky, pds)
    text = "Lisez /s/Xy1"
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-01-01T00:00:00.000Z",
              "facets": [{"index": {"byteStart": 6, "byteEnd": 12},
                          "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "/s/Xy1"}]}]}
    answer = requests.post(f"{pds.base_url}/xrpc/com.atproto.repo.createRecord", timeout=5,
                           headers={"Authorization": f"Bearer {tokens.access_token}"},
                           json={"repo": account.external_id, "collection": "app.bsky.feed.post", "record": record})
    assert answer.status_code == 400 and answer.json()["error"] == "InvalidRequest"
    assert answer.json()["message"] == 'Invalid uri (got "/s/Xy1") at $.record.facets[0].features[0].uri'
    assert not pds.records


def test_posts_carry_their_language(bluesky, pds):
    _tokens, account = connected(bluesky, pds)
    bluesky.publish(account=account, request=PublishRequest(text=f"Lees dit {LINK}", link_url=LINK, language="nl-BE",
                                                            idempotency_key="k2"))
    assert pds.last("createRecord")["json"]["record"]["langs"] == ["nl-BE"]
    bluesky.publish(account=account, request=PublishRequest(text=f"Read this {LINK}", link_url=LINK,
                                                            idempotency_key="k3"))
    assert "langs" not in pds.last("createRecord")["json"]["record"]  # unknown: left out, never guessed


@pytest.mark.parametrize("langs", [["en", "nl", "fr", "de"], "en", ["e"], ["en_US"], [""], ["en-"]])
def test_the_pds_refuses_langs_that_are_not_up_to_three_bcp47_tags(bluesky, pds, langs):
    tokens, account = connected(bluesky, pds)
    record = {"$type": "app.bsky.feed.post", "text": "Hi", "createdAt": "2026-01-01T00:00:00.000Z", "langs": langs}
    answer = requests.post(f"{pds.base_url}/xrpc/com.atproto.repo.createRecord", timeout=5,
                           headers={"Authorization": f"Bearer {tokens.access_token}"},
                           json={"repo": account.external_id, "collection": "app.bsky.feed.post", "record": record})
    assert answer.status_code == 400 and "langs" in answer.json()["message"]
