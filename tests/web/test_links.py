import sqlalchemy as sa

from ambassador.jobs import tasks
from ambassador.models import Click, PointsEntry
from ambassador.services.community import points
from ambassador.services.publishing import click_sink
from ambassador.services.publishing.click_sink import shutdown_click_buffers
from ambassador.services.publishing.clicks import visitor_hash
from ambassador.services.publishing.tracked_links import link_cache

from ..services.publishing.test_tracked_links import make_link

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.0.0 Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.4.1 Mobile/15E148 Safari/604.1")


def follow(client, link, ua=CHROME, method="get", **kw):
    headers = {"User-Agent": ua} if ua is not None else {}
    headers.update(kw.pop("headers", {}))
    return getattr(client, method)(f"/s/{link.code}", headers=headers, **kw)


def clicks_on(db, link):
    return db.session.scalar(sa.select(sa.func.count(Click.id)).where(Click.tracked_link_id == link.id))


def test_redirects_to_the_stored_destination_with_utm(client, make, db):
    link = make_link(make, url="https://example.be/artikel?id=3#top", campaign_slug="lente")
    response = follow(client, link)
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "https://example.be/artikel?id=3&utm_source=linkedin&utm_medium=ambassador&utm_campaign=lente#top")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Set-Cookie" not in response.headers
    assert clicks_on(db, link) == 1


def test_unknown_code_is_the_404_page(client, make):
    for code in ("doesnotexist", "a" * 40, "%2e%2e"):
        response = client.get(f"/s/{code}", headers={"User-Agent": CHROME})
        assert response.status_code == 404
        assert "Not found" in response.get_data(as_text=True)


def test_the_redirect_never_goes_anywhere_else(client, make):
    link = make_link(make)
    for suffix in ("?next=https://evil.example/", "?url=//evil.example", "?destination=https://evil.example",
                   "/../../evil.example"):
        response = client.get(f"/s/{link.code}{suffix}", headers={"User-Agent": CHROME})
        assert response.status_code in (302, 404)
        assert "evil" not in response.headers.get("Location", "")
    assert client.get(f"/s/{link.code}?next=//evil.example").headers["Location"] == link.destination


def test_head_redirects_but_does_not_count(client, make, db):
    link = make_link(make)
    response = follow(client, link, method="head")
    assert response.status_code == 302 and response.headers["Location"] == link.destination
    assert clicks_on(db, link) == 0


def test_previews_bots_and_missing_user_agent_do_not_count(client, make, db):
    link = make_link(make)
    for ua in ("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
               "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
               "Mastodon/4.2.8 (http.rb/5.1.1; +https://mastodon.social/)", "curl/8.5.0", "",
               None):  # the test client's own user agent (Werkzeug/x.y)
        assert follow(client, link, ua=ua).status_code == 302
    assert clicks_on(db, link) == 0


def firefox(n: int) -> str:
    return f"Mozilla/5.0 (X11; Linux x86_64; rv:{100 + n}.0) Gecko/20100101 Firefox/{100 + n}.0"


def test_one_address_with_twenty_browsers_is_one_click_and_one_award(client, make, db):
    org = make.org(points_click=1, daily_click_points_cap=100)
    link = make_link(make, org=org, network="linkedin")
    for n in range(20):
        assert follow(client, link, ua=firefox(n), environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 302
    assert clicks_on(db, link) == 1
    assert points.balance(link.membership_id) == 1


def test_different_addresses_count_separately(client, make, db):
    link = make_link(make)
    for address in ("198.51.100.7", "198.51.100.8", "2001:db8:5::1", "198.51.100.7", "2001:db8:5::2"):
        follow(client, link, ua=IPHONE, environ_base={"REMOTE_ADDR": address})
    assert clicks_on(db, link) == 3  # the two IPv6 addresses share one /64


def test_clicks_award_points_to_the_links_member_with_the_cap(client, make, db):
    org = make.org(points_click=4, daily_click_points_cap=10)
    link = make_link(make, org=org, network="x")
    for n in range(4):
        follow(client, link, headers={"Referer": "https://t.co/abc"}, environ_base={"REMOTE_ADDR": f"203.0.113.{n}"})
    assert clicks_on(db, link) == 4
    assert points.balance(link.membership_id) == 10
    assert db.session.scalars(sa.select(Click.referrer_host).where(Click.tracked_link_id == link.id)).all() == [
        "t.co"] * 4


def test_facebook_link_counts_clicks_without_points(client, make, db):
    link = make_link(make, network="facebook")
    follow(client, link)
    assert clicks_on(db, link) == 1
    assert points.balance(link.membership_id) == 0


def test_visitor_is_the_peer_address_unless_proxies_are_trusted(client, make, db, app):
    link = make_link(make)
    follow(client, link, headers={"X-Forwarded-For": "203.0.113.50"}, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    stored = db.session.scalar(sa.select(Click.visitor_hash).where(Click.tracked_link_id == link.id))
    assert stored == visitor_hash(salt=app.config["CLICK_SALT"], ip="10.0.0.2")


def test_trusted_proxy_forwarded_address_is_the_visitor(make, db, app, monkeypatch):
    from ambassador import _trust_proxies

    link = make_link(make)
    original = app.wsgi_app
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    _trust_proxies(app)
    try:
        follow(app.test_client(), link, headers={"X-Forwarded-For": "203.0.113.50"},
               environ_base={"REMOTE_ADDR": "10.0.0.2"})
    finally:
        app.wsgi_app = original
    stored = db.session.scalar(sa.select(Click.visitor_hash).where(Click.tracked_link_id == link.id))
    assert stored == visitor_hash(salt=app.config["CLICK_SALT"], ip="203.0.113.50")


def test_buffered_clicks_reach_the_inbox_at_shutdown_and_count_when_drained(client, make, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLICK_BUFFER_SYNC", False)
    monkeypatch.setitem(app.config, "CLICK_FLUSH_INTERVAL", 3600)
    monkeypatch.setitem(app.config, "CLICK_FLUSH_BATCH", 1000)
    link = make_link(make)
    for ua, address in ((CHROME, "203.0.113.1"), (IPHONE, "203.0.113.2"), (IPHONE, "203.0.113.1"),
                        ("Twitterbot/1.0", "203.0.113.3")):
        assert follow(client, link, ua=ua, environ_base={"REMOTE_ADDR": address}).status_code == 302
    assert clicks_on(db, link) == 0 and click_sink.waiting() == 0  # in the process's buffer
    shutdown_click_buffers()
    assert clicks_on(db, link) == 0 and click_sink.waiting() == 3  # in the inbox (the bot was never queued)
    assert tasks.drain_clicks() == {"batches": 1, "taken": 3, "stored": 2}  # the worker's job
    assert clicks_on(db, link) == 2 and click_sink.waiting() == 0
    assert db.session.scalar(sa.select(sa.func.count(PointsEntry.id)).where(
        PointsEntry.membership_id == link.membership_id)) == 2


def test_a_repeat_hit_is_served_from_the_cache(client, make, db):
    link = make_link(make)
    follow(client, link)
    assert link_cache.get(link.code).link_id == link.id


def test_a_destination_with_non_ascii_characters_is_sent_as_a_uri(client, make):
    link = make_link(make, url="https://exämple.be/café?naam=Zoë", campaign_slug="c")
    location = follow(client, link).headers["Location"]
    assert location == ("https://xn--exmple-cua.be/caf%C3%A9?naam=Zo%C3%AB&utm_source=linkedin"
                        "&utm_medium=ambassador&utm_campaign=c")
