"""Crawl every page reachable from the demo organization as each role.

Catches server errors on any page, and any state-changing form without a CSRF token.
"""
from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from ambassador.models import User

SKIP_PREFIXES = ("/s/", "/static/", "/logout")


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action"),
                          "inputs": []}
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            self._form["inputs"].append(attrs.get("name"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _crawl(client, start: str, limit: int = 250):
    seen, queue, problems = set(), [start], []
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code >= 500:
            problems.append(f"{path}: HTTP {response.status_code}")
            continue
        if response.status_code in (301, 302, 303):
            queue.append(urlsplit(response.headers["Location"]).path or "/")
            continue
        if "text/html" not in response.content_type:
            continue
        parser = _PageParser()
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            if form["method"] == "post" and "csrf_token" not in form["inputs"]:
                problems.append(f"{path}: POST form to {form['action']} has no csrf_token")
        for href in parser.links:
            target = urlsplit(urljoin(path, href))
            if target.scheme or target.netloc or not target.path.startswith("/"):
                continue
            if target.path.startswith(SKIP_PREFIXES):
                continue
            url = target.path + (f"?{target.query}" if target.query else "")
            if url not in seen:
                queue.append(url)
    return seen, problems


@pytest.mark.parametrize("email", ["admin@demo.test", "manager@demo.test", "curator@demo.test",
                                   "ambassador1@demo.test", "fan1@demo.test"])
def test_every_page_renders_and_every_post_form_has_csrf(app, client, db, email, monkeypatch):
    from ambassador.demo import seed

    seed.ensure_demo(password="ambassador-demo")
    db.session.flush()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    assert user is not None, f"demo user {email} missing"
    response = client.post("/login", data={"email": email, "password": "ambassador-demo"})
    assert response.status_code == 302
    # CSRF is off in TestConfig; switch it on so forms render their token as in production.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    seen, problems = _crawl(client, "/feed")
    assert len(seen) > 3
    assert problems == []
