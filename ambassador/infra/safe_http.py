"""Outgoing HTTP to hosts a user typed in, connected to the very address that was checked.

Checking a name's addresses and then letting `requests` resolve it again leaves a gap: a DNS
server that answers a public address the first time and 127.0.0.1 the next (DNS rebinding)
gets the real connection into our own network. The sessions here resolve a name once per
connection, refuse it unless every address it resolves to is allowed (public; loopback too
when the caller allows it), and open the socket to one of those same addresses. The URL's
host name is kept for the Host header, TLS SNI and certificate verification, so nothing else
changes. They follow no redirects (callers follow them by hand, and every hop connects through
the same check) and use no proxy from the environment (a proxy would resolve the name itself).

Used by the Open Graph fetch (services) and the Mastodon/Bluesky adapters (providers), so it
lives in providers/, which both may import.
"""
from __future__ import annotations

import functools
import ipaddress
import os
import socket
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

AddrInfo = tuple[int, int, int, str, tuple]


class UnsafeURL(ValueError):
    """The address is not one we may fetch (scheme, host or a private/loopback address)."""


class UnsafeAddress(NewConnectionError):
    """The host resolved to an address we may not connect to; no connection was opened."""


def is_public(address: str) -> bool:
    """True for a globally routable unicast address (not private, loopback, link-local, reserved…)."""
    ip = _ip(address)
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
                                 or ip.is_multicast or ip.is_unspecified)


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def allowed(address: str, *, allow_loopback: bool = False) -> bool:
    return is_public(address) or (allow_loopback and _ip(address).is_loopback)


def resolve(host: str, port: int, *, allow_loopback: bool = False) -> list[AddrInfo]:
    """Every TCP address of `host`; UnsafeURL unless all of them are allowed.

    A literal address is not looked up. socket.gaierror (the name does not resolve) passes through.
    """
    host = host.strip("[]")
    infos: list[AddrInfo]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        infos = [info for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                 if info[0] in (socket.AF_INET, socket.AF_INET6)]
    else:
        family, sockaddr = ((socket.AF_INET6, (host, port, 0, 0)) if ip.version == 6 else
                            (socket.AF_INET, (host, port)))
        infos = [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]
    if not infos:
        raise UnsafeURL("the host does not resolve")
    if not all(allowed(str(info[4][0]), allow_loopback=allow_loopback) for info in infos):
        raise UnsafeURL("the host resolves to a private, loopback or reserved address")
    return infos


def check_public_url(url: str, *, allow_loopback: bool = False) -> None:
    """UnsafeURL unless `url` is http(s) and every address its host resolves to is allowed.

    A check ahead of time, for a clear message; the connection itself is checked again by the
    sessions below (this answer may be stale by then).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL("only http(s) URLs with a host")
    try:
        resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                allow_loopback=allow_loopback)
    except (OSError, ValueError, UnicodeError) as exc:
        if isinstance(exc, UnsafeURL):
            raise
        raise UnsafeURL("the host does not resolve") from exc


def open_socket(info: AddrInfo, timeout, source_address, socket_options) -> socket.socket:
    """A TCP socket connected to exactly the address in `info` (no name lookup)."""
    family, kind, proto, _canonname, sockaddr = info
    sock = socket.socket(family, kind, proto)
    try:
        for option in socket_options or ():
            sock.setsockopt(*option)
        if timeout is None or isinstance(timeout, (int, float)):  # else urllib3's "default" marker
            sock.settimeout(timeout)
        if source_address:
            sock.bind(source_address)
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


class _PinnedConnection(HTTPConnection):
    """urllib3's connection, but the socket goes to an address `resolve` has just checked."""

    allow_loopback = False

    def _new_conn(self) -> socket.socket:
        try:
            infos = resolve(self._dns_host, self.port, allow_loopback=self.allow_loopback)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        except (UnsafeURL, UnicodeError) as exc:
            raise UnsafeAddress(self, f"Refused to connect to {self.host}: {exc}") from exc
        error: Exception | None = None
        for info in infos:
            try:
                return open_socket(info, self.timeout, self.source_address, self.socket_options)
            except TimeoutError as exc:
                error = ConnectTimeoutError(self, f"Connection to {self.host} timed out. "
                                                  f"(connect timeout={self.timeout})")
                error.__cause__ = exc
            except OSError as exc:
                error = NewConnectionError(self, f"Failed to establish a new connection: {exc}")
                error.__cause__ = exc
        assert error is not None
        raise error


class _PinnedHTTPSConnection(_PinnedConnection, HTTPSConnection):
    """TLS on the pinned socket: SNI and certificate checks still use the URL's host name
    (urllib3's HTTPSConnection.connect wraps whatever `_new_conn` returns with server_hostname=host)."""


def _pool_classes(allow_loopback: bool) -> dict[str, type]:
    http_conn = type("PinnedHTTPConnection", (_PinnedConnection,), {"allow_loopback": allow_loopback})
    https_conn = type("PinnedHTTPSConnection", (_PinnedHTTPSConnection,), {"allow_loopback": allow_loopback})
    return {"http": type("PinnedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("PinnedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn})}


_POOLS = {False: _pool_classes(False), True: _pool_classes(True)}


class PinnedAdapter(HTTPAdapter):
    """A requests transport whose connections are pinned to checked addresses, never via a proxy."""

    def __init__(self, *, allow_loopback: bool = False, **kwargs):
        self.allow_loopback = allow_loopback
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS[self.allow_loopback]

    def send(self, request, **kwargs):
        kwargs["proxies"] = {}
        return super().send(request, **kwargs)


# Open connections kept per host (and pinned address) for the next call: at least the publishing
# threads of a worker (PUBLISH_THREADS), which may all be talking to one network. Calls beyond it
# still go out, on a connection closed afterwards.
CONNECTIONS_PER_HOST = 32


class SharedSession(requests.Session):
    """A session fit to be shared by every account and thread: it keeps no cookies (one member's cookie
    from a network must never ride along on another member's call), so only the connection pool (HTTP
    keep-alive, as the networks allow) is shared.

    It reads the environment once per host, not on every request as requests does with `trust_env`
    (proxy variables, the CA bundle, ~/.netrc: a fifth of a call's CPU): the CA bundle
    (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) when it is made, and, with `env_proxies`, each host's proxy
    (HTTPS_PROXY, NO_PROXY…) the first time it is called. ~/.netrc is never read: every call carries
    its own credentials, and no stored password may ride along on a call to a network."""

    def __init__(self, *, env_proxies: bool = True):
        super().__init__()
        self.trust_env = False
        self.env_proxies = env_proxies
        self.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True

    def request(self, method, url, *args, **kwargs):
        if self.env_proxies and kwargs.get("proxies") is None:
            parts = urlsplit(url)
            kwargs["proxies"] = dict(_environment_proxies(parts.scheme, parts.netloc))
        return super().request(method, url, *args, **kwargs)


@functools.lru_cache(maxsize=1024)
def _environment_proxies(scheme: str, netloc: str) -> tuple[tuple[str, str], ...]:
    return tuple(requests.utils.get_environ_proxies(f"{scheme}://{netloc}/").items())


def pinned_session(*, allow_loopback: bool = False) -> requests.Session:
    """A session whose connections go to checked addresses only; a kept-alive connection stays on the
    address it was opened to (checked then), and a new one is checked again."""
    session = SharedSession(env_proxies=False)  # a proxy would resolve the name itself
    adapter = PinnedAdapter(allow_loopback=allow_loopback, pool_maxsize=CONNECTIONS_PER_HOST)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


_SESSIONS = {False: pinned_session(), True: pinned_session(allow_loopback=True)}


def session_for(*, allow_loopback: bool = False) -> requests.Session:
    """The shared pinned session (connections are pooled per host, thread-safe like requests' own; no cookies)."""
    return _SESSIONS[bool(allow_loopback)]


def member_hosts_session(config) -> requests.Session:
    """For a member's own server (Mastodon instance, Bluesky PDS): loopback only with PROVIDERS_ALLOW_HTTP."""
    return session_for(allow_loopback=bool(config.get("PROVIDERS_ALLOW_HTTP")))
