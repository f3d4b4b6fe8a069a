"""A local stand-in for Slack and Microsoft Teams incoming webhooks, as strict as they are.

Slack (``/services/T…/B…/…``): a POST with Content-Type application/json whose body has a non-empty "text"
and, when present, "blocks" made of known block types (section with mrkdwn/plain_text text; actions with
buttons that have a plain_text label of at most 75 characters and an absolute URL); answers 200 "ok",
400 "invalid_payload" / "no_text" otherwise. Teams (``/webhookb2/…``): a "message" with one attachment whose
contentType is application/vnd.microsoft.card.adaptive and content is an AdaptiveCard with a version and a body
of TextBlocks; answers 200 "1", 400 otherwise. Anything else: 415 without JSON, 404 for an unknown path.

`script[path]` is a list of (status, body) answered first, in order (e.g. 500, then 404 "no_service").
"""
from __future__ import annotations

import contextlib
import json
from http.server import BaseHTTPRequestHandler

import pytest

from tests.loopback import serving

SLACK_PATH = "/services/T0001/B0001/abcdefghijklmnopqrstuvwx"
TEAMS_PATH = "/webhookb2/1111-2222@3333/IncomingWebhook/abcdef/4444"
BLOCK_TYPES = {"section", "actions", "divider", "context", "header"}


def _slack_error(body: dict) -> str | None:
    if not isinstance(body.get("text"), str) or not body["text"].strip():
        return "no_text"
    for block in body.get("blocks", []):
        if block.get("type") not in BLOCK_TYPES:
            return "invalid_blocks"
        if block["type"] == "section":
            text = block.get("text") or {}
            if text.get("type") not in ("mrkdwn", "plain_text") or not text.get("text"):
                return "invalid_blocks"
        if block["type"] == "actions":
            for element in block.get("elements", []):
                label = element.get("text") or {}
                if element.get("type") != "button" or label.get("type") != "plain_text" \
                        or not 0 < len(label.get("text", "")) <= 75 \
                        or not str(element.get("url", "")).startswith(("http://", "https://")):
                    return "invalid_blocks"
    return None


def _teams_error(body: dict) -> str | None:
    attachments = body.get("attachments")
    if body.get("type") != "message" or not isinstance(attachments, list) or len(attachments) != 1:
        return "Summary or Text is required."
    card = attachments[0]
    content = card.get("content") or {}
    if card.get("contentType") != "application/vnd.microsoft.card.adaptive" or content.get("type") != "AdaptiveCard":
        return "Invalid card"
    if not isinstance(content.get("version"), str) or not content.get("body"):
        return "Invalid card"
    if any(item.get("type") != "TextBlock" or not item.get("text") for item in content["body"]):
        return "Invalid card"
    for action in content.get("actions", []):
        if action.get("type") != "Action.OpenUrl" or not str(action.get("url", "")).startswith("http"):
            return "Invalid card"
    return None


class FakeChat:
    def __init__(self):
        self.received: list[dict] = []
        self.script: dict[str, list[tuple[int, str]]] = {}
        self.port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextlib.contextmanager
def fake_chat():
    chat = FakeChat()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):  # noqa: N802 - http.server's name
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path not in (SLACK_PATH, TEAMS_PATH):
                return self._answer(404, "no_service")
            if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
                return self._answer(415, "invalid_payload")
            try:
                body = json.loads(raw)
            except ValueError:
                return self._answer(400, "invalid_payload")
            chat.received.append({"path": self.path, "body": body})
            scripted = chat.script.get(self.path)
            if scripted:
                return self._answer(*scripted.pop(0))
            if self.path == SLACK_PATH:
                error = _slack_error(body)
                return self._answer(400, error) if error else self._answer(200, "ok")
            error = _teams_error(body)
            return self._answer(400, error) if error else self._answer(200, "1")

    with serving(Handler) as port:
        chat.port = port
        yield chat


@pytest.fixture
def chat(app, monkeypatch):
    """The stand-in, running; it listens on http://127.0.0.1, which an operator would allow the same way."""
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "SLACK_WEBHOOK_HOSTS", "127.0.0.1")
    monkeypatch.setitem(app.config, "TEAMS_WEBHOOK_HOSTS", "127.0.0.1")
    with fake_chat() as server:
        yield server
