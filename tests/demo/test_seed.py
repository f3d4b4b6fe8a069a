"""The demo organization: complete, consistent with the ledger's rules, and created only once."""
from __future__ import annotations

from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa

from ambassador.demo import seed
from ambassador.models import (
    Announcement,
    AspectScore,
    Campaign,
    Challenge,
    Click,
    FollowUp,
    Idea,
    IdeaComment,
    IdeaVote,
    Membership,
    Message,
    Organization,
    PointsEntry,
    Poll,
    PollBallot,
    Post,
    PostCaption,
    Respondent,
    ResponseTag,
    Share,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    Team,
    Theme,
    Topic,
    TrackedLink,
    User,
    nps_group,
    utcnow,
)
from ambassador.models.rewards import BadgeAward, Redemption, Reward
from ambassador.services.challenges import scores, setup
from ambassador.services.community import points

COUNTED = (Organization, User, Membership, Team, Campaign, Post, PostCaption, TrackedLink, Share, Click, PointsEntry,
           Survey, Respondent, SurveyInvitation, SurveyResponse, AspectScore, FollowUp, Theme, ResponseTag,
           Idea, IdeaVote, IdeaComment, Poll, PollBallot, Topic, Message, Reward, Redemption, BadgeAward)


def counts(db) -> dict[str, int]:
    return {m.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in COUNTED}


@pytest.fixture
def demo_org(db):
    return seed.ensure_demo().org


def test_second_run_changes_nothing(db, demo_org):
    before = counts(db)
    again = seed.ensure_demo(password="something else entirely")
    assert again.created is False and again.org.id == demo_org.id
    assert counts(db) == before
    assert db.session.scalar(sa.select(User).where(User.email == "admin@demo.test")).check_password(
        seed.DEFAULT_PASSWORD)


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
    shares = list(db.session.scalars(sa.select(Share).where(Share.org_id == demo_org.id, Share.method == "intent")))
    assert len(shares) > 30
    for share in shares:
        assert share.status == "shared"
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
    assert {"share", "click"} <= reasons <= {"share", "click", "idea", "vote", "poll", "redemption", "pulse"}
    shares = {s.id: s for s in db.session.scalars(sa.select(Share).where(Share.org_id == demo_org.id))}
    for entry in entries:
        if entry.reason == "share":
            assert shares[entry.share_id].network != "facebook"  # Facebook shares earn nothing
    # No member ever goes over a daily cap.
    per_day = db.session.execute(
        sa.select(PointsEntry.membership_id, PointsEntry.day, PointsEntry.reason, sa.func.sum(PointsEntry.points))
        .where(PointsEntry.org_id == demo_org.id)
        .group_by(PointsEntry.membership_id, PointsEntry.day, PointsEntry.reason))
    caps = {"share": demo_org.daily_share_points_cap, "click": demo_org.daily_click_points_cap,
            "idea": demo_org.daily_community_points_cap, "vote": demo_org.daily_community_points_cap,
            "poll": demo_org.daily_community_points_cap, "redemption": 0,
            "pulse": demo_org.daily_community_points_cap}
    assert all(total <= caps[reason] for _m, _d, reason, total in per_day)
    # A spread for the leaderboard: several members with points, not all equal.
    totals = db.session.execute(
        sa.select(PointsEntry.membership_id, sa.func.sum(PointsEntry.points))
        .where(PointsEntry.org_id == demo_org.id).group_by(PointsEntry.membership_id)).all()
    assert len(totals) >= 8 and len({t for _m, t in totals}) > 3


def _of(db, model, org) -> list:
    return list(db.session.scalars(sa.select(model).where(model.org_id == org.id)))


def test_nps_survey_with_answers_follow_ups_and_themes(db, demo_org):
    [survey] = _of(db, Survey, demo_org)
    assert (survey.title, survey.status) == ("How was your visit?", "open")
    assert [a.label["en"] for a in survey.aspects] == ["Service", "Price"]
    responses = _of(db, SurveyResponse, demo_org)
    assert len(responses) == 40
    now = utcnow()
    assert all(now - timedelta(days=31) < r.created_at < now for r in responses)
    assert {r.language for r in responses} == {"en", "nl", "fr"}
    assert len({r.store for r in responses}) > 1 and len({r.segment for r in responses}) > 1
    assert all(r.respondent.email.endswith("@example.test") and r.group == nps_group(r.score) for r in responses)
    groups = [r.group for r in responses]
    detractors = groups.count("detractor")
    assert detractors > 0 and groups.count("promoter") - detractors > 0  # positive NPS, with detractors
    follow_ups = _of(db, FollowUp, demo_org)
    assert len(follow_ups) == detractors and all(f.response.group == "detractor" for f in follow_ups)
    assert sum(bool(r.comment) for r in responses) > 25 and sum(bool(r.aspect_scores) for r in responses) == 40
    themes = {t.id: t.name for t in _of(db, Theme, demo_org)}
    assert set(themes.values()) == {"Service", "Price"}
    tagged = {themes[t.theme_id] for t in _of(db, ResponseTag, demo_org)}
    assert tagged == {"Service", "Price"}


def test_community_and_rewards(db, demo_org):
    ideas = _of(db, Idea, demo_org)
    assert len(ideas) == 4
    [planned] = [i for i in ideas if i.status == "planned"]
    assert planned.staff_reply and planned.replied_by_id is not None
    idea_ids = [i.id for i in ideas]
    assert db.session.scalar(sa.select(sa.func.count(IdeaVote.id)).where(IdeaVote.idea_id.in_(idea_ids))) > 4
    assert db.session.scalar(sa.select(sa.func.count(IdeaComment.id)).where(IdeaComment.idea_id.in_(idea_ids))) >= 2
    [poll] = _of(db, Poll, demo_org)
    assert not poll.is_closed(utcnow())
    assert db.session.scalar(sa.select(sa.func.count(PollBallot.id)).where(PollBallot.poll_id == poll.id)) > 3
    [topic] = _of(db, Topic, demo_org)
    assert topic.pinned and len(topic.messages) >= 3
    catalogue = _of(db, Reward, demo_org)
    assert len(catalogue) == 3 and sum(r.stock is not None for r in catalogue) == 1
    [redemption] = [r for r in _of(db, Redemption, demo_org) if r.points]  # prizes of challenges cost 0
    assert redemption.status == "fulfilled" and redemption.membership.role == "ambassador"
    entry = db.session.scalar(sa.select(PointsEntry).where(PointsEntry.ref == f"redemption:{redemption.id}"))
    assert entry.points == -redemption.points and points.balance(redemption.membership_id) >= 0
    awarded = {(b.membership_id, b.badge) for b in _of(db, BadgeAward, demo_org)}
    assert (redemption.membership_id, "first_reward") in awarded
    assert {"first_share", "first_idea"} <= {badge for _m, badge in awarded}


def test_challenges_running_ended_and_upcoming(db, demo_org):
    by_title = {c.title: c for c in _of(db, Challenge, demo_org)}
    running, ended = by_title["Spring share sprint"], by_title["Click cup"]
    assert (running.status, ended.status, by_title["Survey month"].status) == ("running", "ended", "scheduled")
    board = scores.board(running, limit=None)
    assert board.entries[0].score > 0 and board.sum > 0  # progress from the seeded shares
    winners = setup.winners_of([ended.id])[ended.id]
    assert winners and all(w.team_id for w in winners)
    prizes = [r for r in _of(db, Redemption, demo_org) if r.points == 0]
    assert prizes and all(r.reward_title == "Coffee and cake" for r in prizes)
    assert db.session.scalar(sa.select(sa.func.count(Announcement.id)).where(Announcement.org_id == demo_org.id)) == 1


def _history(db, org) -> list[tuple]:
    return sorted(db.session.execute(
        sa.select(User.email, Share.network, Post.title, Share.created_at, Share.caption != "")
        .join(Membership, Membership.id == Share.membership_id).join(User, User.id == Membership.user_id)
        .join(Post, Post.id == Share.post_id).where(Share.org_id == org.id)).all())


def test_demo_is_deterministic(db):
    """The same seed and clock give the same history (a second org, made after renaming the first)."""
    now = utcnow()
    first_org = seed.ensure_demo(now=now).org
    first = _history(db, first_org)
    first_clicks = db.session.scalar(sa.select(sa.func.count(Click.id)).where(Click.org_id == first_org.id))
    first_org.slug = "demo-before"
    db.session.flush()
    second_org = seed.ensure_demo(now=now).org
    assert second_org.id != first_org.id
    assert _history(db, second_org) == first
    assert db.session.scalar(sa.select(sa.func.count(Click.id)).where(Click.org_id == second_org.id)) == first_clicks


def test_demo_users_can_log_in(client, demo_org, db):
    db.session.commit()
    for email in ("admin@demo.test", "ambassador1@demo.test", "fan1@demo.test"):
        response = client.post("/login", data={"email": email, "password": seed.DEFAULT_PASSWORD})
        assert response.status_code == 302, email
        client.post("/logout")


def test_short_password_is_refused(db):
    with pytest.raises(ValueError):
        seed.ensure_demo(password="short")
    assert seed.find_demo_org() is None


def test_demo_posts_have_real_banner_images(db, app):
    import sqlalchemy as sa

    from ambassador.demo import seed
    from ambassador.infra import uploads
    from ambassador.models import Post

    seed.ensure_demo()
    posts = db.session.scalars(sa.select(Post).where(Post.org_id == seed.find_demo_org().id)).all()
    assert posts and all(p.image_path for p in posts)
    for post in posts:
        path = uploads.absolute_path(post.image_path)
        assert path is not None
        with open(path, "rb") as handle:
            assert uploads.sniff_image(handle.read(16)) == "png"


def test_a_daily_digest_is_in_the_outbox_and_the_worker_does_not_send_it_again(app, db, demo_org, monkeypatch):
    from ambassador.jobs import tasks
    from ambassador.models import OutboxEmail

    def digests_in_outbox():
        return db.session.scalars(sa.select(OutboxEmail).where(
            OutboxEmail.org_id == demo_org.id, OutboxEmail.headers.is_not(None))).all()

    [mail] = digests_in_outbox()
    assert mail.to == "ambassador1@demo.test" and mail.subject == f"Your day at {demo_org.name}"
    assert "new posts to share" in mail.body_text and "Your last 7 days" in mail.body_text
    assert "List-Unsubscribe=One-Click" in mail.headers and mail.body_html
    monkeypatch.setitem(app.config, "DIGEST_LOCAL_HOUR", 0)  # every daily digest is due from midnight
    # At the seed's own moment Emma's day is taken. (On a Monday the weekly members are due too: count Emma's.)
    tasks.send_digests(now=mail.created_at)
    assert [m.to for m in digests_in_outbox()].count("ambassador1@demo.test") == 1
    # A Tuesday at noon UTC is a Tuesday in every time zone from UTC-12 to UTC+11, and the one after next is in
    # another ISO week than the seed's: weekly digests wait for Monday, so only Emma's day is due then.
    from ambassador.services.notify import digests

    tuesday = (mail.created_at + timedelta(days=(1 - mail.created_at.weekday()) % 7 + 7)).replace(hour=12)
    due = {db.session.get(Membership, member_id) for batch in digests.due(now=tuesday) for member_id, _ in batch}
    assert [m.user.email for m in due if m.org_id == demo_org.id] == ["ambassador1@demo.test"]


def test_employee_pulse_shows_teams_above_the_threshold_and_pools_the_small_one(db, demo_org):
    from ambassador.models import Pulse
    from ambassador.services.nps.pulse_results import pulse_results

    pulse = db.session.scalars(sa.select(Pulse).where(Pulse.org_id == demo_org.id)).one()
    assert pulse.recurrence == "quarterly" and len(pulse.rounds) == 2 and demo_org.enps_min_group == 3
    last, this = pulse.rounds
    before = pulse_results(pulse=pulse, org=demo_org, round_id=last.id)
    assert [(r.name, r.score.responses) for r in before.teams] == [("Marketing", 4), ("Sales", 4), ("other", 3)]
    assert "Brussels store" in before.hidden_teams and before.comments and before.keywords
    now = pulse_results(pulse=pulse, org=demo_org, round_id=this.id)
    assert [(r.name, r.score.responses) for r in now.teams] == [("Marketing", 4), ("other", 4)]
    assert (now.asked, now.answered) == (11, 8)
    # Last quarter (closed): Sales' two detractors both wrote about the workload — one anonymous follow-up.
    from ambassador.models import PulseFollowUp

    follow_up = db.session.scalars(sa.select(PulseFollowUp).where(PulseFollowUp.org_id == demo_org.id)).one()
    assert follow_up.round_id == last.id and follow_up.team.name == "Sales"
    assert {"theme": "workload", "detractors": 2} in follow_up.themes
    # Two teams are paired with the customer survey's stores: this quarter, Marketing beside its customers.
    from ambassador.services.nps.pulse_compare import side_by_side

    *_, current = side_by_side(pulse=pulse, org=demo_org)
    assert [(t.name, t.place) for t in current.teams] == [("Marketing", "Ghent Korenmarkt")]
    assert current.teams[0].customer.responses > 0
