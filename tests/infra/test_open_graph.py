"""Open Graph previews: parsing, SSRF refusal and fetching (with requests and DNS replaced)."""
import socket

import pytest
import requests

from ambassador.infra import open_graph
from ambassador.infra.open_graph import Preview, UnsafeURL, check_public_url, fetch_preview, parse_preview

from ..providers.loopback import PUBLIC_IP, rebinding_resolver, recording_server, route_public_address

PAGE = """<!doctype html><html><head>
<title>Fallback title</title>
<meta property="og:title" content="  Our new store in  Ghent ">
<meta property="og:description" content="Opening on Saturday &amp; Sunday">
<meta property="og:image" content="/img/store.jpg">
<meta name="description" content="meta description">
</head><body><p>hi</p></body></html>"""


def test_parse_open_graph_tags_and_resolves_relative_image():
    preview = parse_preview(html=PAGE, base_url="https://shop.example/news/store")
    assert preview == Preview(title="Our new store in Ghent", description="Opening on Saturday & Sunday",
                              image_url="https://shop.example/img/store.jpg")


def test_parse_falls_back_to_title_and_meta_description():
    html = "<html><head><TITLE>Plain page</TITLE><meta name='Description' content='About us'></head></html>"
    preview = parse_preview(html=html, base_url="https://a.example/")
    assert preview.title == "Plain page" and preview.description == "About us" and preview.image_url == ""


def test_parse_ignores_non_http_images_and_survives_garbage():
    html = '<meta property="og:image" content="javascript:alert(1)"><meta property="og:title" content="T"><div <<<'
    preview = parse_preview(html=html, base_url="https://a.example/")
    assert preview.title == "T" and preview.image_url == ""
    assert not parse_preview(html="", base_url="https://a.example/")


def _resolve_to(monkeypatch, address):
    def fake_getaddrinfo(host, port, *args, **kwargs):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]
    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.0.10", "172.16.5.5",
                                     "0.0.0.0", "::1", "fe80::1", "::ffff:127.0.0.1", "100.64.0.1", "240.0.0.1"])
def test_refuses_private_loopback_link_local_and_reserved_hosts(monkeypatch, address):
    _resolve_to(monkeypatch, address)
    with pytest.raises(UnsafeURL):
        check_public_url("https://innocent.example/page")


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://10.0.0.8:8080/admin", "http://169.254.169.254/latest/"])
def test_refuses_literal_private_addresses_without_dns(url):
    with pytest.raises(UnsafeURL):
        check_public_url(url)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)", "https://"])
def test_refuses_other_schemes(url):
    with pytest.raises(UnsafeURL):
        check_public_url(url)


def test_accepts_public_address(monkeypatch):
    _resolve_to(monkeypatch, "93.184.216.34")
    check_public_url("https://example.com/")


class FakeResponse:
    def __init__(self, body=b"", status=200, headers=None):
        self.body, self.status_code = body, status
        self.headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
        self.read_bytes = 0

    @property
    def is_redirect(self):
        return self.status_code in (301, 302, 303, 307, 308) and "Location" in self.headers

    def iter_content(self, chunk_size=1):
        for i in range(0, len(self.body), chunk_size):
            self.read_bytes += len(self.body[i:i + chunk_size])
            yield self.body[i:i + chunk_size]

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@pytest.fixture
def fetching(app, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_GRAPH_FETCH", True)
    monkeypatch.setitem(app.config, "OPEN_GRAPH_TIMEOUT", 2.5)
    _resolve_to(monkeypatch, "93.184.216.34")
    calls = []

    def install(*responses):
        queue = list(responses)

        def fake_get(url, **kwargs):
            calls.append((url, kwargs))
            item = queue.pop(0)
            if isinstance(item, Exception):
                raise item
            return item
        monkeypatch.setattr(open_graph, "_http_get", fake_get)
        return calls
    return install


def test_fetch_reads_preview_with_timeout_and_no_automatic_redirects(fetching):
    calls = fetching(FakeResponse(PAGE.encode()))
    preview = fetch_preview(url="https://shop.example/news/store")
    assert preview.title == "Our new store in Ghent"
    url, kwargs = calls[0]
    assert url == "https://shop.example/news/store"
    assert kwargs["timeout"] == 2.5 and kwargs["allow_redirects"] is False and kwargs["stream"] is True


def test_fetch_is_off_when_configured_off(app, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_GRAPH_FETCH", False)
    monkeypatch.setattr(open_graph, "_http_get", lambda *a, **k: pytest.fail("must not fetch"))
    assert fetch_preview(url="https://example.com/") is None


def test_fetch_failures_are_silent(fetching):
    fetching(requests.ConnectTimeout("slow"))
    assert fetch_preview(url="https://example.com/") is None
    fetching(FakeResponse(b"nope", status=404))
    assert fetch_preview(url="https://example.com/") is None
    fetching(FakeResponse(b"\x89PNG", headers={"Content-Type": "image/png"}))
    assert fetch_preview(url="https://example.com/") is None


def test_fetch_refuses_loopback_without_connecting(app, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_GRAPH_FETCH", True)
    with recording_server() as (port, hits):
        assert fetch_preview(url=f"http://127.0.0.1:{port}/admin") is None
        rebinding_resolver(monkeypatch, "intranet.example", [["10.0.0.5"]])
        assert fetch_preview(url="https://intranet.example/") is None
    assert hits == []


def test_fetch_never_reaches_loopback_through_dns_rebinding(app, monkeypatch):
    """The audit's simulation: the name answers a public address first and 127.0.0.1 the second time.
    The fetch connects to the address it checked (here refusing at once), never to the loopback page."""
    monkeypatch.setitem(app.config, "OPEN_GRAPH_FETCH", True)
    with recording_server() as (port, hits):
        rebinding_resolver(monkeypatch, "rebind.test", [[PUBLIC_IP], ["127.0.0.1"]])
        asked = route_public_address(monkeypatch, to_port=None)
        preview = fetch_preview(url=f"http://rebind.test:{port}/rebound")
    assert hits == []
    assert preview is None
    assert asked == [(PUBLIC_IP, port)]


def test_fetch_connects_to_the_checked_address_and_keeps_the_host_name(app, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_GRAPH_FETCH", True)
    page = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n" + PAGE.encode()
    with recording_server(page) as (port, hits):
        rebinding_resolver(monkeypatch, "shop.example", [[PUBLIC_IP]])
        asked = route_public_address(monkeypatch, to_port=port)
        preview = fetch_preview(url=f"http://shop.example:{port}/news/store")
    assert preview.title == "Our new store in Ghent"
    assert asked == [(PUBLIC_IP, port)]
    assert f"Host: shop.example:{port}\r\n".encode() in hits[0]["request"]


def test_fetch_checks_every_redirect_hop(app, monkeypatch):
    """A public page redirecting to loopback: the second hop is refused as it connects."""
    monkeypatch.setitem(app.config, "OPEN_GRAPH_FETCH", True)
    with recording_server() as (secret_port, secret_hits):
        redirect = (f"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{secret_port}/latest/meta-data\r\n"
                    "Content-Length: 0\r\nConnection: close\r\n\r\n").encode()
        with recording_server(redirect) as (port, hits):
            rebinding_resolver(monkeypatch, "example.com", [[PUBLIC_IP]])
            route_public_address(monkeypatch, to_port=port)
            assert fetch_preview(url=f"http://example.com:{port}/r") is None
    assert len(hits) == 1 and secret_hits == []


def test_fetch_follows_a_public_redirect(fetching):
    calls = fetching(FakeResponse(status=301, headers={"Location": "/final"}), FakeResponse(PAGE.encode()))
    preview = fetch_preview(url="https://example.com/start")
    assert [c[0] for c in calls] == ["https://example.com/start", "https://example.com/final"]
    assert preview.image_url == "https://example.com/img/store.jpg"


def test_fetch_reads_at_most_the_size_limit(fetching):
    head = b"<html><head><title>Big</title></head><body>"
    response = FakeResponse(head + b"x" * (5 * open_graph.MAX_BYTES))
    fetching(response)
    assert fetch_preview(url="https://example.com/big").title == "Big"
    assert response.read_bytes <= open_graph.MAX_BYTES + 16384


def test_fetch_decodes_by_meta_charset_or_utf8(fetching):
    body = '<meta charset="iso-8859-1"><title>Caf\xe9</title>'.encode("latin-1")
    fetching(FakeResponse(body, headers={"Content-Type": "text/html"}))
    assert fetch_preview(url="https://example.com/").title == "Café"
    fetching(FakeResponse("<title>Été</title>".encode(), headers={"Content-Type": "text/html"}))
    assert fetch_preview(url="https://example.com/").title == "Été"
