"""The audit log page: admins only, one organization's events only, filters, keyset pages, the CSV export
(itself recorded), sign-in events from the real login form, the retention setting."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import sqlalchemy as sa

from ambassador.models import AuditEvent, utcnow
from ambassador.services.audit import reading


def _add(db, org, action, *, actor="", target="", at=None, ip="203.0.113.5", details=None):
    event = AuditEvent(org_id=org.id, action=action, actor_label=actor, target_label=target, ip=ip,
                       at=at or utcnow(), details=details or {})
    db.session.add(event)
    db.session.flush()
    return event


def test_only_admins_see_it_and_only_their_organizations_events(app, db, make, login):
    org, other = make.org(), make.org()
    admin = make.member(org, role="admin")
    _add(db, org, "member.deactivated", actor="boss@example.test", target="mine@example.test")
    _add(db, other, "member.deactivated", actor="them@example.test", target="secret-target@example.test")
    for role in ("manager", "curator", "ambassador"):
        client = login(make.member(org, role=role).user)
        assert client.get("/settings/audit").status_code == 403
        assert client.get("/settings/audit/export.csv").status_code == 403
        client.post("/logout")
    client = login(admin.user)
    page = client.get("/settings/audit").get_data(as_text=True)
    assert "mine@example.test" in page and "Member deactivated" in page
    assert "secret-target@example.test" not in page and "them@example.test" not in page
    exported = client.get("/settings/audit/export.csv").get_data(as_text=True)
    assert "mine@example.test" in exported and "secret-target" not in exported


def test_login_logout_and_the_product_itself_are_shown_with_where_from(app, db, make, login):
    org = make.org(timezone="Europe/Brussels")
    admin = make.member(org, role="admin")
    client = login(admin.user)
    client.post("/logout")
    client.post("/login", data={"email": admin.user.email, "password": "nope"})
    _add(db, org, "webhook.disabled", target="https://crm.example/hook", ip=None)
    client = login(admin.user)
    text = client.get("/settings/audit").get_data(as_text=True)
    for label in ("Signed in", "Signed out", "Sign-in failed", "the product",
                  "Webhook endpoint turned off after failing", "127.0.0.1"):
        assert label in text, label
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.org_id == org.id)
                                                    .order_by(AuditEvent.id))]
    assert actions[:3] == ["auth.sign_in", "auth.sign_out", "auth.sign_in_failed"]


def test_filters_by_group_actor_dates_and_target(app, db, make, login):
    org = make.org(timezone="Europe/Brussels")
    client = login(make.member(org, role="admin").user)
    # 23:30 UTC on 1 March is already 2 March in Brussels.
    _add(db, org, "member.role_changed", actor="ann@example.test", target="bob@example.test",
         at=datetime(2026, 3, 1, 23, 30))
    _add(db, org, "export.downloaded", actor="carl@example.test", target="leaderboard.csv",
         at=datetime(2026, 3, 5, 10, 0))

    def shown(**params):
        body = client.get("/settings/audit", query_string=params).get_data(as_text=True)
        return [name for name in ("bob@example.test", "leaderboard.csv") if name in body]

    assert shown(group="member") == ["bob@example.test"]
    assert shown(group="export.downloaded") == ["leaderboard.csv"]
    assert shown(actor="CARL") == ["leaderboard.csv"]
    assert shown(q="bob@") == ["bob@example.test"]
    assert shown(since="2026-03-02", until="2026-03-02") == ["bob@example.test"]
    assert shown(until="2026-03-01") == []
    assert shown(q="100%_") == []  # LIKE wildcards are searched for, not interpreted


def test_keyset_pages_go_back_in_time_without_repeats(app, db, make, login, monkeypatch):
    org = make.org()
    client = login(make.member(org, role="admin").user)
    start = utcnow() - timedelta(days=1)
    for n in range(7):
        _add(db, org, "post.approved", target=f"Post number {n:02d}", at=start + timedelta(minutes=n // 2))
    monkeypatch.setattr(reading, "PAGE", 3)
    seen, pages, url = [], 0, "/settings/audit?group=post"
    while url:
        body = client.get(url).get_data(as_text=True)
        pages += 1
        seen += sorted((n for n in range(7) if f"Post number {n:02d}" in body),
                       key=lambda n: body.index(f"Post number {n:02d}"))
        marker = 'rel="next"'
        url = None
        if marker in body:
            href = body[:body.index(marker)].rsplit('href="', 1)[1].split('"', 1)[0]
            url = href.replace("&amp;", "&")
    assert seen == [6, 5, 4, 3, 2, 1, 0] and pages == 3


def test_csv_export_streams_the_filtered_rows_and_is_recorded(app, db, make, login):
    org = make.org(slug="acme")
    admin = make.member(org, role="admin")
    client = login(admin.user)
    _add(db, org, "post.approved", actor="ann@example.test", target="=HYPERLINK(\"x\")")
    _add(db, org, "member.deactivated", actor="ann@example.test", target="bob@example.test")
    response = client.get("/settings/audit/export.csv?group=post")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="audit-log-acme.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["When", "Who", "Action", "What"]
    assert [row[2] for row in rows[1:]] == ["post.approved"]
    assert rows[1][6].startswith("'=")  # a formula is neutralised
    exported = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.org_id == org.id,
                                                             AuditEvent.action == "audit.exported"))
    assert exported.actor_user_id == admin.user_id and exported.details["filters"] == {"group": "post"}


def test_exports_elsewhere_are_recorded(app, db, make, login):
    org = make.org()
    admin = make.member(org, role="admin")
    client = login(admin.user)
    assert client.get("/leaderboard.csv?period=all").status_code == 200
    assert client.get("/overview/top-posts.xlsx?period=7").status_code == 200
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.org_id == org.id,
                                                            AuditEvent.action == "export.downloaded")
                                .order_by(AuditEvent.id)).all()
    assert [(e.details["format"], e.actor_user_id) for e in events] == [("csv", admin.user_id),
                                                                          ("xlsx", admin.user_id)]


def test_retention_is_set_on_the_settings_page(app, db, make, login):
    org = make.org()
    client = login(make.member(org, role="admin").user)
    page = client.get("/settings").get_data(as_text=True)
    assert "Keep the audit log for (days)" in page
