"""Tenant isolation as a matrix: every page an admin of the demo organization can reach,
requested by the admin of another organization, shows none of the demo's data.

Pages addressed by an id must answer 403/404; list pages (members, feed, leaderboard…)
answer with the other organization's own (here: empty) data, so none of the demo's
names, emails or post titles may appear on them.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from ambassador.models import Campaign, Membership, Post, Team, User

from ..services.analytics.xlsx_reader import read_xlsx
from .test_crawl import _crawl

ID_IN_PATH = re.compile(r"/\d+(/|$)")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _text_of(response) -> str:
    """What a page or download shows: a spreadsheet's cells, anything else as text."""
    if response.mimetype == XLSX:
        return "\n".join(text for row in read_xlsx(response.get_data()) for _kind, text in row)
    return response.get_data(as_text=True)


def _demo_secrets(db, org_id: int) -> set[str]:
    members = db.session.execute(sa.select(User.email, User.name).join(Membership).where(Membership.org_id == org_id))
    texts = {value for row in members for value in row if value}
    texts |= set(db.session.scalars(sa.select(Post.title).where(Post.org_id == org_id)))
    texts |= set(db.session.scalars(sa.select(Campaign.title).where(Campaign.org_id == org_id)))
    texts |= set(db.session.scalars(sa.select(Team.name).where(Team.org_id == org_id)))
    return {t for t in texts if len(t) >= 6}


def test_no_page_of_one_organization_leaks_into_another(app, client, db, make, monkeypatch):
    from ambassador.demo import seed

    seed.ensure_demo(password="ambassador-demo")
    db.session.flush()
    assert client.post("/login", data={"email": "admin@demo.test", "password": "ambassador-demo"}).status_code == 302
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    pages, problems = _crawl(client, "/feed")
    assert problems == []
    demo_org_id = db.session.scalar(sa.select(User).where(User.email == "admin@demo.test")).memberships[0].org_id
    secrets = _demo_secrets(db, demo_org_id)

    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/logout")
    other = make.member(make.org(name="Other Org"), role="admin", email="intruder@other.test", name="Intruder")
    assert client.post("/login", data={"email": other.user.email,
                                       "password": "correct horse battery"}).status_code == 302
    leaks = []
    for path in sorted(pages):
        response = client.get(path)
        if ID_IN_PATH.search(path.split("?")[0]):
            if response.status_code not in (403, 404):
                leaks.append(f"{path}: HTTP {response.status_code} for another organization's id")
            continue
        body = _text_of(response)
        found = sorted(s for s in secrets if s in body)
        if found:
            leaks.append(f"{path}: shows {found[:3]}")
    assert len(pages) > 20
    assert leaks == []
