"""A strict local receiver of event webhooks: a real HTTP server on loopback that accepts a delivery only when
the Standard Webhooks reference library (`standardwebhooks`, not our code) verifies its signature with the
endpoint's secret, the timestamp is within its five-minute tolerance, Content-Type is application/json and the
body is {"type", "timestamp", "data"}. Answers 204 then; 401 for a bad or missing signature, 415/400 for a bad
body. `script` is a list of (status, body) answered first, in order, to a verified request (e.g. 500, 500)."""
from __future__ import annotations

import contextlib
import json
from http.server import BaseHTTPRequestHandler

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from tests.loopback import serving


class Receiver:
    def __init__(self):
        self.secret: str | None = None
        self.received: list[dict] = []  # verified deliveries: {"headers", "body" (parsed), "raw"}
        self.refused: list[tuple[int, str]] = []
        self.script: list[tuple[int, str]] = []
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/ambassador"


@contextlib.contextmanager
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status: int, text: str = "") -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _refuse(self, status: int, text: str) -> None:
            state.refused.append((status, text))
            self._answer(status, text)

        def do_POST(self):  # noqa: N802 - http.server's name
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/hooks/ambassador":
                return self._refuse(404, "not found")
            if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
                return self._refuse(415, "application/json expected")
            try:
                Webhook(state.secret or "").verify(raw, dict(self.headers.items()), json_parse=False)
            except (WebhookVerificationError, ValueError, Exception) as exc:  # noqa: BLE001 - any refusal is a 401
                return self._refuse(401, f"signature: {exc}")
            try:
                body = json.loads(raw)
            except ValueError:
                return self._refuse(400, "not JSON")
            if set(body) != {"type", "timestamp", "data"} or not isinstance(body["data"], dict):
                return self._refuse(400, "not an event")
            state.received.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                                   "raw": raw})
            if state.script:
                return self._answer(*state.script.pop(0))
            return self._answer(204)

    with serving(Handler) as port:
        state.port = port
        yield state


@pytest.fixture
def hook_receiver(app, monkeypatch):
    """The receiver, running on http://127.0.0.1 — which production refuses; WEBHOOKS_ALLOW_HTTP (the operator
    setting for stand-in servers, off in production) lets it in, exactly as the chat webhook tests do."""
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_HTTP", True)
    with receiver() as state:
        yield state
