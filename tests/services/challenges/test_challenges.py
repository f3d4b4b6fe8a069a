"""Challenges: what counts (counted shares, never Facebook; clicks without bots; survey answers), team against
team, competition ranks and ties, the worker's start and end done once, winners, prizes granted once,
announcements and emails, validation and organization scoping."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.jobs import tasks
from ambassador.models import (
    Announcement,
    Challenge,
    ChallengePrize,
    ChallengeWinner,
    OutboxEmail,
    Redemption,
    Reward,
    Survey,
    SurveyResponse,
    WebhookDelivery,
    utcnow,
)
from ambassador.services.challenges import runs, scores, setup
from ambassador.services.challenges.setup import ChallengeError, ChallengeInput
from ambassador.services.community import announcements, points
from ambassador.services.notify import webhooks
from ambassador.services.publishing.tracked_links import link_for
from tests.services.notify.fake_chat import SLACK_PATH

from ...web.test_links import CHROME, follow

BOT = "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"


@pytest.fixture
def org(make):
    return make.org(name="Contest Org")


@pytest.fixture
def post(make, org):
    return make.post(make.campaign(org))


def challenge(db, make, org, *, goal="shares", mode="individual", kind="all", teams=(), reward=None,
              status="running", days_ago=1, length=2, target=None) -> Challenge:
    today = points.local_day(org)
    item = Challenge(org_id=org.id, title=f"{goal} contest", goal=goal, mode=mode, kind=kind, status=status,
                     first_day=today - timedelta(days=days_ago), last_day=today - timedelta(days=days_ago) +
                     timedelta(days=length - 1), target=target, reward_id=reward.id if reward else None,
                     teams=list(teams))
    db.session.add(item)
    db.session.flush()
    return item


def scored(item) -> list[tuple[str, int, int]]:
    return [(e.name, e.score, e.rank) for e in scores.board(item, limit=None).entries]


def test_shares_count_counted_shares_only_never_facebook_nor_another_organization(db, make, act, org, post):
    ann, bob = make.member(org, name="Ann"), make.member(org, name="Bob")
    now = utcnow()
    act.share(ann, post, now)
    act.share(ann, post, now, network="x")
    for _ in range(3):
        act.share(ann, make.post(post.campaign), now, network="facebook")
    act.share(bob, post, now)
    act.share(bob, make.post(post.campaign), now, status="failed", method="api")  # not sent: does not count
    act.share(bob, make.post(post.campaign), now - timedelta(days=5))  # before the challenge
    other = make.org(name="Elsewhere")
    act.share(make.member(other, name="Zed"), make.post(make.campaign(other)), now)
    item = challenge(db, make, org)
    assert scored(item) == [("Ann", 2, 1), ("Bob", 1, 2)]
    assert "Zed" not in str(scored(item))


def test_clicks_count_people_not_bots_nor_facebook(db, make, client, org, post):
    ann = make.member(org, name="Ann")
    link = link_for(membership=ann, post=post, network="linkedin")
    facebook = link_for(membership=ann, post=post, network="facebook")
    assert follow(client, link, ua=CHROME).status_code == 302
    follow(client, link, ua=BOT)
    follow(client, link, ua="facebookexternalhit/1.1")
    follow(client, facebook, ua=CHROME, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    item = challenge(db, make, org, goal="clicks")
    assert scored(item) == [("Ann", 1, 1)]


def test_points_and_engagement_read_the_same_cells(db, make, act, org, post):
    ann, bob = make.member(org, name="Ann"), make.member(org, name="Bob")
    act.points(ann, 7, utcnow())
    act.points(bob, 9, utcnow() - timedelta(days=10))  # outside
    assert scored(challenge(db, make, org, goal="points")) == [("Ann", 7, 1), ("Bob", 0, 2)]
    assert scored(challenge(db, make, org, goal="engagement")) == [("Ann", 0, 1), ("Bob", 0, 1)]


def test_survey_answers_count_the_members_own_signed_in_answers(db, make, org):
    ann, _bob = make.member(org, name="Ann"), make.member(org, name="Bob")
    survey = Survey(org_id=org.id, title="NPS", public_token="t" * 20, status="open")
    db.session.add(survey)
    db.session.flush()
    for member in (ann, ann, None):
        db.session.add(SurveyResponse(org_id=org.id, survey_id=survey.id, score=9, group="promoter",
                                      membership_id=member.id if member else None))
    db.session.flush()
    assert scored(challenge(db, make, org, goal="answers")) == [("Ann", 2, 1), ("Bob", 0, 2)]


def test_ties_share_a_rank_and_are_listed_by_name(db, make, act, org, post):
    cid, bea, abe = make.member(org, name="cid"), make.member(org, name="Bea"), make.member(org, name="Abe")
    for member in (cid, bea):
        act.share(member, post, utcnow())
    item = challenge(db, make, org)
    assert scored(item) == [("Bea", 1, 1), ("cid", 1, 1), ("Abe", 0, 3)]
    me = scores.board(item, limit=1, me_id=abe.id)
    assert [e.name for e in me.entries] == ["Bea"] and me.me.name == "Abe" and me.me_outside_top and me.total == 3


def test_team_against_team_sums_eligible_members_of_the_chosen_teams(db, make, act, org, post):
    red, blue, grey = make.team(org, "Red"), make.team(org, "Blue"), make.team(org, "Grey")
    ann = make.member(org, name="Ann", teams=[red])
    bob = make.member(org, name="Bob", teams=[red, blue])
    cid = make.member(org, name="Cid", teams=[blue], kind="external")  # not of the chosen kind
    dan = make.member(org, name="Dan", teams=[grey])  # a team not chosen
    for member, times in ((ann, 2), (bob, 1), (cid, 5), (dan, 9)):
        for _ in range(times):
            act.share(member, make.post(post.campaign), utcnow())
    item = challenge(db, make, org, mode="team", kind="internal", teams=[red, blue])
    board = scores.board(item, limit=None, me_id=bob.id)
    assert [(e.name, e.score, e.rank, e.members) for e in board.entries] == [("Red", 3, 1, 2), ("Blue", 1, 2, 1)]
    assert board.me.name == "Red"
    individual = challenge(db, make, org, kind="internal", teams=[red, blue])
    assert scored(individual) == [("Ann", 2, 1), ("Bob", 1, 2)]


def test_the_worker_starts_and_ends_once_crowns_tied_winners_and_grants_the_prize_once(db, make, act, org, post, app):
    prize = Reward(org_id=org.id, title="Mug", points_cost=100, stock=5)
    db.session.add(prize)
    db.session.flush()
    ann, bob = make.member(org, name="Ann"), make.member(org, name="Bob")
    make.member(org, name="Cid")
    yesterday = utcnow() - timedelta(days=1)
    act.share(ann, post, yesterday)
    act.share(bob, post, yesterday)
    item = challenge(db, make, org, status="scheduled", days_ago=2, length=2, reward=prize)
    upcoming = challenge(db, make, org, status="scheduled", days_ago=-3, length=2)
    assert tasks.advance_challenges() == {"started": 1, "ended": 1}
    assert tasks.advance_challenges() == {"started": 0, "ended": 0}
    assert runs.end(challenge_id=item.id) is False  # a second worker finds nothing to do
    db.session.refresh(item)
    db.session.refresh(upcoming)
    assert item.status == "ended" and item.started_at and item.ended_at and upcoming.status == "scheduled"
    winners = db.session.scalars(sa.select(ChallengeWinner).where(ChallengeWinner.challenge_id == item.id)
                                 .order_by(ChallengeWinner.name)).all()
    assert [(w.name, w.rank, w.score) for w in winners] == [("Ann", 1, 1), ("Bob", 1, 1)]
    prizes = db.session.scalars(sa.select(Redemption).where(Redemption.reward_id == prize.id)).all()
    assert sorted((r.membership_id, r.points, r.status) for r in prizes) == sorted(
        [(ann.id, 0, "approved"), (bob.id, 0, "approved")])
    assert runs.grant_prize(challenge=item, reward=prize, membership_id=ann.id) is None  # once per member
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChallengePrize)) == 2
    assert db.session.scalar(sa.select(Reward.stock).where(Reward.id == prize.id)) == 3
    assert points.balance(ann.id) == 0  # a prize costs no points
    announcement = db.session.scalars(sa.select(Announcement).where(Announcement.org_id == org.id)).one()
    assert announcement.ref == f"challenge:{item.id}" and "Ann, Bob" in announcement.text
    assert announcement.url.startswith("http") and announcement.url.endswith(f"/challenges/{item.id}")
    mails = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.org_id == org.id)).all()
    assert sorted(m.to for m in mails) == sorted([ann.user.email, bob.user.email])  # Cid scored nothing
    assert all("Congratulations" in m.body_text and "Mug" in m.body_text for m in mails)


def test_a_team_win_gives_each_eligible_member_the_prize_and_nobody_wins_with_zero(db, make, act, org, post):
    prize = Reward(org_id=org.id, title="Cake", points_cost=10)
    db.session.add(prize)
    red, blue = make.team(org, "Red"), make.team(org, "Blue")
    ann, bob = make.member(org, name="Ann", teams=[red]), make.member(org, name="Bob", teams=[red])
    make.member(org, name="Cid", teams=[blue])
    loner = make.member(org, name="Lone Wolf")  # no team: scores, but takes no part in a team challenge
    act.share(ann, post, utcnow() - timedelta(days=1))
    act.share(loner, post, utcnow() - timedelta(days=1))
    team = challenge(db, make, org, mode="team", days_ago=2, reward=prize)
    empty = challenge(db, make, org, goal="clicks", days_ago=2, reward=prize)
    assert runs.end(challenge_id=team.id) and runs.end(challenge_id=empty.id)
    assert [w.name for w in setup.winners_of([team.id])[team.id]] == ["Red"]
    assert setup.winners_of([empty.id])[empty.id] == []
    owners = db.session.scalars(sa.select(ChallengePrize.membership_id).where(ChallengePrize.challenge_id == team.id))
    assert sorted(owners) == sorted([ann.id, bob.id])
    mailed = set(db.session.scalars(sa.select(OutboxEmail.to).where(OutboxEmail.org_id == org.id)))
    assert mailed == {ann.user.email, bob.user.email}  # the winning team's members; not the member without a team
    assert "No winner" in db.session.scalars(sa.select(Announcement.text).where(
        Announcement.ref == f"challenge:{empty.id}")).one()


def test_emails_go_out_in_each_members_language(db, make, act, org, post):
    ann = make.member(org, name="Ann", locale="nl")
    act.share(ann, post, utcnow() - timedelta(days=1))
    item = challenge(db, make, org, days_ago=2)
    runs.end(challenge_id=item.id)
    mail = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == ann.user.email)).one()
    assert mail.body_text.startswith("Hallo Ann,")


def form(**kw) -> ChallengeInput:
    today = utcnow().date()
    values = {"title": "Spring", "goal": "shares", "first_day": today, "last_day": today + timedelta(days=6)}
    values.update(kw)
    return ChallengeInput(**values)


def test_validation_refuses_bad_input_with_clear_messages_and_writes_nothing(db, make, org):
    author = make.member(org, role="manager")
    other_team = make.team(make.org(name="Other"))
    foreign = Reward(org_id=other_team.org_id, title="Theirs", points_cost=5)
    db.session.add(foreign)
    db.session.flush()
    today = utcnow().date()
    cases = [
        (form(title=" "), "title", "Give the challenge a name."),
        (form(last_day=today - timedelta(days=1), first_day=today), "last_day", "must end on or after"),
        (form(goal="likes"), "goal", "Choose what the challenge counts."),
        (form(mode="team"), "teams", "at least two teams"),
        (form(team_ids=[other_team.id]), "teams", "Choose teams of this organization."),
        (form(reward_id=foreign.id), "reward_id", "Choose an active reward"),
        (form(target=0), "target", "Enter a target"),
        (form(first_day=None), "first_day", "Enter the first day"),
    ]
    for data, name, message in cases:
        with pytest.raises(ChallengeError) as refused:
            setup.save_challenge(org=org, data=data, author=author)
        assert message in " ".join(str(m) for m in refused.value.field_errors[name]), name
    assert db.session.scalar(sa.select(sa.func.count(Challenge.id))) == 0


def test_publish_once_and_running_rules_are_fixed(db, make, org):
    author = make.member(org, role="manager")
    item = setup.save_challenge(org=org, data=form(target=10), author=author)
    assert item.status == "draft" and item.target == 10
    setup.publish(challenge=item)
    with pytest.raises(ChallengeError):
        setup.publish(challenge=item)
    item.status = "running"
    setup.save_challenge(org=org, data=form(title="Renamed", goal="clicks"), author=author, challenge=item)
    assert item.title == "Renamed" and item.goal == "shares"
    with pytest.raises(ValueError):
        setup.save_challenge(org=make.org(), data=form(), author=author, challenge=item)


def test_two_workers_at_once_start_and_end_a_challenge_once(own_app):
    """Real concurrent transactions (threads with their own connections and commits): PostgreSQL's row locks, and
    SQLite's write lock taken first, let one worker move the challenge; the other finds nothing to do."""
    import threading

    from ambassador.extensions import db as ext_db

    from ..analytics.leaderboard_data import Activity

    with own_app.app_context():
        act = Activity(ext_db)
        org = act.org(name="Race Org")
        ann = act.member(org, name="Ann")
        act.share(ann, act.post(act.campaign(org)), utcnow() - timedelta(days=1))
        prize = Reward(org_id=org.id, title="Mug", points_cost=5, stock=1)
        ext_db.session.add(prize)
        ext_db.session.flush()
        item = challenge(ext_db, act, org, status="scheduled", days_ago=2, reward=prize)
        ext_db.session.commit()
        org_id, item_id = org.id, item.id
    start = threading.Barrier(2)
    results: list[dict] = []
    crashed: list[BaseException] = []

    def worker() -> None:
        with own_app.app_context():
            try:
                start.wait(timeout=30)
                results.append(tasks.advance_challenges())
                ext_db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                ext_db.session.rollback()
                crashed.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert crashed == []
    assert sorted(r["started"] for r in results) == [0, 1] and sorted(r["ended"] for r in results) == [0, 1]
    with own_app.app_context():
        def count(model, *where) -> int:
            return ext_db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

        assert count(ChallengeWinner, ChallengeWinner.challenge_id == item_id) == 1
        assert count(ChallengePrize, ChallengePrize.challenge_id == item_id) == 1
        assert count(Redemption, Redemption.org_id == org_id) == 1
        assert count(Announcement, Announcement.org_id == org_id) == 1
        assert count(OutboxEmail, OutboxEmail.org_id == org_id) == 1
        assert ext_db.session.scalar(sa.select(Reward.stock).where(Reward.org_id == org_id)) == 0


def test_announcements_wait_once_per_event_until_delivered(db, make, org):
    other = make.org(name="Elsewhere")
    assert announcements.announce(org_id=org.id, topic="challenge_ended", ref="challenge:1", title="Ended",
                                  text="Winner: Ann", url="https://amb.example/challenges/1")
    assert not announcements.announce(org_id=org.id, topic="challenge_ended", ref="challenge:1", title="Again",
                                      text="Again", url="https://amb.example/challenges/1")
    announcements.announce(org_id=other.id, topic="challenge_ended", ref="challenge:2", title="Theirs", text="x",
                           url="https://amb.example/challenges/2")
    waiting = announcements.pending()
    assert [(a.title, a.org_id) for a in waiting] == [("Ended", org.id), ("Theirs", other.id)]
    assert [a.title for a in announcements.of_org(org_id=org.id)] == ["Ended"]
    announcements.delivered(announcement_id=waiting[0].id)
    assert [a.title for a in announcements.pending()] == ["Theirs"]


def test_publishing_and_ending_a_challenge_queue_one_chat_message_each(db, make, act, org, post, chat):

    north, south = make.team(org), make.team(org)
    everyone = webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH))
    north_hook = webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH) + "?north", team_id=north.id)
    webhooks.add_endpoint(org=org, kind="slack", url=chat.url(SLACK_PATH) + "?south", team_id=south.id)
    ann = make.member(org, name="Ann", teams=[north])
    act.share(ann, post, utcnow() - timedelta(days=1))
    item = challenge(db, make, org, status="draft", days_ago=2, length=2, teams=[north])
    setup.publish(challenge=item)

    def queued():
        return [(d.event_kind, d.endpoint_id, d.text) for d in db.session.scalars(
            sa.select(WebhookDelivery).where(WebhookDelivery.org_id == org.id).order_by(WebhookDelivery.id))]

    assert [(kind, hook) for kind, hook, _ in queued()] == [("challenge_new", everyone.id),
                                                            ("challenge_new", north_hook.id)]  # not south's
    assert tasks.advance_challenges() == {"started": 1, "ended": 1}  # its days are past: started, then ended
    ended = [(hook, text) for kind, hook, text in queued() if kind == "challenge_ended"]
    assert [hook for hook, _ in ended] == [everyone.id, north_hook.id]
    assert all("Ann" in text and item.title in text for _, text in ended)
    assert runs.end(challenge_id=item.id) is False and len(queued()) == 4  # once
    assert announcements.pending() == []  # handed over to the chat outbox, not waiting
