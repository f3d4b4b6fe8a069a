"""Pinned outgoing HTTP: a name is resolved once, every address checked, and the socket opened to
the checked address (no DNS rebinding), for the sessions and for the Mastodon/Bluesky adapters."""
from __future__ import annotations

import pytest
import requests

from ambassador.infra import safe_http
from ambassador.providers.base import AccountContext, ErrorKind, ProviderError, PublishRequest
from ambassador.providers.bluesky import BlueskyProvider
from ambassador.providers.instance_urls import normalize_service_url
from ambassador.providers.mastodon import MastodonProvider, register_app

from ..providers.loopback import (
    PUBLIC_IP,
    rebinding_resolver,
    recording_server,
    route_public_address,
    self_signed,
)


def _reason(exc: requests.RequestException):
    return getattr(exc.args[0], "reason", None)


def test_a_rebinding_name_is_connected_at_the_address_that_was_checked(monkeypatch):
    with recording_server() as (port, hits):
        looked_up = rebinding_resolver(monkeypatch, "rebind.test", [[PUBLIC_IP], ["127.0.0.1"]])
        asked = route_public_address(monkeypatch, to_port=None)  # the public address refuses at once
        with pytest.raises(requests.ConnectionError):
            safe_http.session_for().get(f"http://rebind.test:{port}/rebound", timeout=5)
    assert hits == []  # the loopback server never saw a connection
    assert asked == [(PUBLIC_IP, port)]
    assert looked_up == ["rebind.test"]  # resolved once: the address checked is the address used


def test_a_name_with_any_private_address_is_refused_before_connecting(monkeypatch):
    with recording_server() as (port, hits):
        rebinding_resolver(monkeypatch, "mixed.test", [[PUBLIC_IP, "127.0.0.1"]])
        asked = route_public_address(monkeypatch, to_port=port)
        with pytest.raises(requests.ConnectionError) as caught:
            safe_http.session_for().get(f"http://mixed.test:{port}/", timeout=5)
    assert isinstance(_reason(caught.value), safe_http.UnsafeAddress)
    assert asked == [] and hits == []


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.7", "169.254.169.254", "::1", "::ffff:127.0.0.1"])
def test_literal_internal_addresses_are_refused(address):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(requests.ConnectionError) as caught:
        safe_http.session_for().get(f"http://{host}:9/", timeout=5)
    assert isinstance(_reason(caught.value), safe_http.UnsafeAddress)


def test_loopback_is_allowed_only_when_asked_and_private_networks_never():
    with recording_server(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n") as (port, hits):
        assert safe_http.session_for(allow_loopback=True).get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 204
    assert len(hits) == 1
    with pytest.raises(safe_http.UnsafeURL):
        safe_http.resolve("10.0.0.7", 80, allow_loopback=True)


def test_host_header_sni_and_certificate_check_keep_the_host_name(monkeypatch, tmp_path):
    """The socket goes to the checked public address; TLS and HTTP still speak to `shop.example`."""
    tls, ca_file = self_signed(tmp_path, "shop.example")
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    with recording_server(answer, tls=tls) as (port, hits):
        rebinding_resolver(monkeypatch, "shop.example", [[PUBLIC_IP]])
        asked = route_public_address(monkeypatch, to_port=port)
        response = safe_http.session_for().get(f"https://shop.example:{port}/page", timeout=5, verify=ca_file)
    assert response.text == "ok"
    assert asked == [(PUBLIC_IP, port)]
    assert hits[0]["sni"] == "shop.example"
    assert f"Host: shop.example:{port}\r\n".encode() in hits[0]["request"]


def test_a_certificate_for_another_name_is_still_refused(monkeypatch, tmp_path):
    tls, ca_file = self_signed(tmp_path, "other.example")
    with recording_server(b"", tls=tls) as (port, _hits):
        rebinding_resolver(monkeypatch, "shop.example", [[PUBLIC_IP]])
        route_public_address(monkeypatch, to_port=port)
        with pytest.raises(requests.exceptions.SSLError):
            safe_http.session_for().get(f"https://shop.example:{port}/", timeout=5, verify=ca_file)


def test_proxies_from_the_environment_are_not_used(monkeypatch):
    answer = b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
    with recording_server(answer) as (proxy_port, proxy_hits), recording_server(answer) as (port, hits):
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy_port}")
        rebinding_resolver(monkeypatch, "shop.example", [[PUBLIC_IP]])
        route_public_address(monkeypatch, to_port=port)
        assert safe_http.session_for().get(f"http://shop.example:{port}/", timeout=5).status_code == 204
    assert proxy_hits == [] and len(hits) == 1


# --- the member's own server: Mastodon instance, Bluesky PDS -----------------------------------------

SHARE = PublishRequest(text="hello https://amb.example/s/x", link_url="https://amb.example/s/x", idempotency_key="k")


def _mastodon_account(service_url: str) -> AccountContext:
    return AccountContext(external_id="1", access_token="token", service_url=service_url)


def test_bluesky_login_on_a_rebinding_pds_never_reaches_loopback(app, monkeypatch):
    """The audit's simulation: the name is public when connecting is checked, loopback right after."""
    with recording_server() as (port, hits):
        rebinding_resolver(monkeypatch, "rebind.internal.test", [[PUBLIC_IP], ["127.0.0.1"]])
        asked = route_public_address(monkeypatch, to_port=None)
        safe_http.check_public_url(f"https://rebind.internal.test:{port}")  # what services/oauth_flow checks
        with pytest.raises(ProviderError) as caught:
            BlueskyProvider(app.config).login(identifier="alice.test", password="abcd-efgh-ijkl-mnop",
                                              service_url=f"rebind.internal.test:{port}")
    assert hits == [] and asked == []  # the loopback server never saw a connection
    assert caught.value.kind is ErrorKind.REJECTED


@pytest.mark.parametrize("call", ["register", "publish"])
def test_mastodon_calls_to_a_rebinding_instance_never_reach_loopback(app, monkeypatch, call):
    with recording_server() as (port, hits):
        rebinding_resolver(monkeypatch, "rebind.internal.test", [[PUBLIC_IP], ["127.0.0.1"]])
        asked = route_public_address(monkeypatch, to_port=None)
        instance = f"https://rebind.internal.test:{port}"
        safe_http.check_public_url(instance)
        with pytest.raises(ProviderError) as caught:
            if call == "register":
                register_app(service_url=instance, redirect_uri="https://amb.example/cb",
                             website="https://amb.example", config=app.config)
            else:
                MastodonProvider(app.config).publish(account=_mastodon_account(instance), request=SHARE)
    assert hits == [] and asked == []  # the loopback server never saw a connection
    assert caught.value.kind is ErrorKind.REJECTED


def test_http_and_loopback_servers_are_refused_by_default(app, monkeypatch):
    assert not app.config["PROVIDERS_ALLOW_HTTP"]
    for typed in ("http://pds.example.org", "https://127.0.0.1:8443", "localhost:3000"):
        with pytest.raises(ProviderError):
            normalize_service_url(typed, config=app.config)
    with recording_server() as (port, hits):
        # An account stored while the setting was on: its calls are refused once it is off.
        with pytest.raises(ProviderError) as caught:
            MastodonProvider(app.config).publish(account=_mastodon_account(f"http://127.0.0.1:{port}"),
                                                 request=SHARE)
    assert hits == []
    assert caught.value.kind is ErrorKind.REJECTED


def test_provider_allow_http_admits_http_and_loopback_but_not_private_networks():
    config = {"PROVIDERS_ALLOW_HTTP": True}
    assert normalize_service_url("http://127.0.0.1:3000", config=config) == "http://127.0.0.1:3000"
    assert normalize_service_url("http://localhost:3000", config=config) == "http://localhost:3000"
    for typed in ("http://10.0.0.7", "https://192.168.1.20", "http://[fd00::1]"):
        with pytest.raises(ProviderError):
            normalize_service_url(typed, config=config)
