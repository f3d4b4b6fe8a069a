"""The demo organization: complete, consistent with the ledger's rules, and created only once."""
from __future__ import annotations

from datetime import UTC

import pytest
import sqlalchemy as sa

from ambassador.models import (Campaign, Click, Membership, Organization, PointsEntry, Post, PostCaption, Share,
                               Team, TrackedLink, User, utcnow)
from ambassador.services import demo

COUNTED = (Organization, User, Membership, Team, Campaign, Post, PostCaption, TrackedLink, Share, Click, PointsEntry)


def counts(db) -> dict[str, int]:
    return {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in COUNTED}


@pytest.fixture
def demo_org(db):
    return demo.ensure_demo().org


def test_second_run_changes_nothing(db, demo_org):
    before = counts(db)
    again = demo.ensure_demo(password="something else entirely")
    assert again.created is False and again.org.id == demo_org.id
    assert counts(db) == before
    assert db.session.scalar(sa.select(User).where(User.email == "admin@demo.test")).check_password(
        demo.DEFAULT_PASSWORD)


def test_people_roles_teams_and_settings(db, demo_org):
    assert (demo_org.slug, demo_org.default_locale, demo_org.disclosure, demo_org.timezone) == (
        "demo", "en", "#employee", "Europe/Brussels")
    by_email = {m.user.email: m for m in db.session.scalars(
        sa.select(Membership).where(Membership.org_id == demo_org.id))}
    assert by_email["admin@demo.test"].role == "admin"
    assert by_email["manager@demo.test"].role == "manager"
    assert by_email["curator@demo.test"].role == "curator"
    assert all(by_email[f"ambassador{n}@demo.test"].kind == "internal" for n in range(1, 9))
    fans = [by_email[f"fan{n}@demo.test"] for n in range(1, 4)]
    assert all(f.kind == "external" and [t.name for t in f.teams] == ["Loyal customers"] for f in fans)
    assert {t.name for t in demo_org.teams} >= {"Sales", "Marketing", "Brussels store", "Loyal customers"}
    assert all(m.status == "active" for m in by_email.values())


def test_active_campaigns_with_approved_posts_and_captions(db, demo_org):
    campaigns = list(db.session.scalars(sa.select(Campaign).where(
        Campaign.org_id == demo_org.id, Campaign.status == "active")))
    assert len(campaigns) == 2
    for campaign in campaigns:
        approved = [p for p in campaign.posts if p.status == "approved"]
        assert len(approved) >= 3
        for post in approved:
            assert post.link_url.startswith("https://example.com/") and post.published_at < utcnow()
            assert {c.network for c in post.captions} >= {"linkedin", "x", "mastodon", "bluesky", "whatsapp"}


def test_history_is_in_the_past_and_consistent(db, demo_org):
    now = utcnow()
    shares = list(db.session.scalars(sa.select(Share).where(Share.org_id == demo_org.id)))
    assert len(shares) > 30
    for share in shares:
        assert (share.method, share.status) == ("intent", "shared")
        assert share.post.published_at <= share.created_at < now
        assert share.tracked_link.membership_id == share.membership_id
        # Internal-only posts are only shared by internal members.
        assert share.post.audience == "everyone" or share.membership.kind == "internal"
    clicks = list(db.session.scalars(sa.select(Click).where(Click.org_id == demo_org.id)))
    assert len(clicks) > 50
    assert len({c.visitor_hash for c in clicks}) == len(clicks)
    for click in clicks:
        assert click.created_at < now
        assert click.hour_bucket == int(click.created_at.replace(tzinfo=UTC).timestamp() // 3600)


def test_points_ledger_follows_the_rules(db, demo_org):
    entries = list(db.session.scalars(sa.select(PointsEntry).where(PointsEntry.org_id == demo_org.id)))
    reasons = {e.reason for e in entries}
    assert reasons == {"share", "click"}
    shares = {s.id: s for s in db.session.scalars(sa.select(Share).where(Share.org_id == demo_org.id))}
    for entry in entries:
        if entry.reason == "share":
            assert shares[entry.share_id].network != "facebook"  # Facebook shares earn nothing
    # No member ever goes over a daily cap.
    per_day = db.session.execute(
        sa.select(PointsEntry.membership_id, PointsEntry.day, PointsEntry.reason, sa.func.sum(PointsEntry.points))
        .where(PointsEntry.org_id == demo_org.id)
        .group_by(PointsEntry.membership_id, PointsEntry.day, PointsEntry.reason))
    caps = {"share": demo_org.daily_share_points_cap, "click": demo_org.daily_click_points_cap}
    assert all(total <= caps[reason] for _m, _d, reason, total in per_day)
    # A spread for the leaderboard: several members with points, not all equal.
    totals = db.session.execute(
        sa.select(PointsEntry.membership_id, sa.func.sum(PointsEntry.points))
        .where(PointsEntry.org_id == demo_org.id).group_by(PointsEntry.membership_id)).all()
    assert len(totals) >= 8 and len({t for _m, t in totals}) > 3


def _history(db, org) -> list[tuple]:
    return sorted(db.session.execute(
        sa.select(User.email, Share.network, Post.title, Share.created_at, Share.caption != "")
        .join(Membership, Membership.id == Share.membership_id).join(User, User.id == Membership.user_id)
        .join(Post, Post.id == Share.post_id).where(Share.org_id == org.id)).all())


def test_demo_is_deterministic(db):
    """The same seed and clock give the same history (a second org, made after renaming the first)."""
    now = utcnow()
    first_org = demo.ensure_demo(now=now).org
    first = _history(db, first_org)
    first_clicks = db.session.scalar(sa.select(sa.func.count(Click.id)).where(Click.org_id == first_org.id))
    first_org.slug = "demo-before"
    db.session.flush()
    second_org = demo.ensure_demo(now=now).org
    assert second_org.id != first_org.id
    assert _history(db, second_org) == first
    assert db.session.scalar(sa.select(sa.func.count(Click.id)).where(Click.org_id == second_org.id)) == first_clicks


def test_demo_users_can_log_in(client, demo_org, db):
    db.session.commit()
    for email in ("admin@demo.test", "ambassador1@demo.test", "fan1@demo.test"):
        response = client.post("/login", data={"email": email, "password": demo.DEFAULT_PASSWORD})
        assert response.status_code == 302, email
        client.post("/logout")


def test_short_password_is_refused(db):
    with pytest.raises(ValueError):
        demo.ensure_demo(password="short")
    assert demo.find_demo_org() is None


def test_demo_posts_have_real_banner_images(db, app):
    import sqlalchemy as sa

    from ambassador.models import Post
    from ambassador.services import demo, uploads

    demo.ensure_demo()
    posts = db.session.scalars(sa.select(Post).where(Post.org_id == demo.find_demo_org().id)).all()
    assert posts and all(p.image_path for p in posts)
    for post in posts:
        path = uploads.absolute_path(post.image_path)
        assert path is not None
        with open(path, "rb") as handle:
            assert uploads.sniff_image(handle.read(16)) == "png"
