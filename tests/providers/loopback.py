"""Helpers for the DNS-rebinding tests: a loopback server that records every connection, a
resolver that changes its answer (the audit's simulation), and "public" addresses routed to a
local server so a pinned connection can be observed end to end without the internet.
"""
from __future__ import annotations

import contextlib
import datetime
import socket
import socketserver
import ssl
import threading

from ambassador.infra import safe_http

PUBLIC_IP = "93.184.216.34"
SECRET_PAGE = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n"
               b"<meta property='og:title' content='INTERNAL-SECRET'>")


class _Recorder(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextlib.contextmanager
def recording_server(answer: bytes = SECRET_PAGE, *, tls: ssl.SSLContext | None = None):
    """A TCP server on 127.0.0.1; yields (port, hits): one dict per connection it accepted
    (`request`: the first bytes read, `sni`: the TLS server name the client sent)."""
    hits: list[dict] = []

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            hit: dict = {"request": b"", "sni": None}
            hits.append(hit)
            sock = self.request
            sock.settimeout(5)
            try:
                if tls is not None:
                    context = tls

                    def remember_sni(_sock, name, _ctx):
                        hit["sni"] = name
                    context.sni_callback = remember_sni
                    sock = context.wrap_socket(sock, server_side=True)
                hit["request"] = sock.recv(65536)
                sock.sendall(answer)
            except (OSError, ssl.SSLError):
                pass

    server = _Recorder(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def rebinding_resolver(monkeypatch, name: str, answers: list[list[str]]):
    """socket.getaddrinfo answers `name` with answers[0] the first time, answers[1] the next…
    (the last one sticks); other names do not resolve. Returns the list of names looked up."""
    looked_up: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != name:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        addresses = answers[min(looked_up.count(host), len(answers) - 1)]
        looked_up.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port)))
                for address in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up


def route_public_address(monkeypatch, *, to_port: int | None):
    """Connections the pinned sessions open to PUBLIC_IP go to 127.0.0.1:`to_port` instead (or are
    refused at once when `to_port` is None). Returns the socket addresses they asked for."""
    asked: list[tuple] = []
    real_open = safe_http.open_socket

    def open_socket(info, timeout, source_address, socket_options):
        asked.append(info[4])
        if info[4][0] != PUBLIC_IP or to_port is None:
            raise ConnectionRefusedError(111, "Connection refused (test: only the public stand-in answers)")
        local = (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", to_port))
        return real_open(local, timeout, source_address, socket_options)

    monkeypatch.setattr(safe_http, "open_socket", open_socket)
    return asked


def self_signed(tmp_path, hostname: str) -> tuple[ssl.SSLContext, str]:
    """A server TLS context with a certificate for `hostname`, and the CA file a client should trust."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, str(cert_file)
