"""Community pages through the test client: ideas, polls, discussions, moderation, CSRF, tenant isolation."""
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import (
    Idea,
    IdeaComment,
    IdeaVote,
    Message,
    MessageReport,
    PointsEntry,
    Poll,
    PollBallot,
    Topic,
    utcnow,
)
from ambassador.services.community import discussions, ideas, moderation, polls

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def _as(make, login, role="ambassador", org=None):
    org = org or make.org(points_idea=10, points_vote=2, daily_community_points_cap=30)
    member = make.member(org, role=role)
    login(member.user)
    return org, member


def _count(db, model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _flash_after(client, response):
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


# Ideas -----------------------------------------------------------------------------------------

def test_member_posts_an_idea_with_an_image_and_earns_points(client, make, login, db):
    org, member = _as(make, login)
    response = client.post("/community/ideas/new", data={
        "title": "Bike racks", "body": "At every store", "image": (io.BytesIO(PNG), "racks.png")},
        content_type="multipart/form-data")
    page = _flash_after(client, response)
    idea = db.session.scalar(sa.select(Idea).where(Idea.org_id == org.id))
    assert "Your idea is on the board" in page and "Bike racks" in page and "At every store" in page
    image = client.get(f"/community/ideas/{idea.id}/image")
    assert image.status_code == 200 and image.data == PNG and image.mimetype == "image/png"
    assert _count(db, PointsEntry, PointsEntry.membership_id == member.id, PointsEntry.reason == "idea") == 1


@pytest.mark.parametrize("data,message", [
    ({"title": "", "body": "x"}, "This field is required."),
    ({"title": "Idea", "body": "x", "image": (io.BytesIO(b"GIF? no"), "fake.gif")}, "Upload a PNG, JPEG, GIF or WebP"),
])
def test_bad_idea_is_refused_next_to_the_field(client, make, login, db, data, message):
    org, _ = _as(make, login)
    response = client.post("/community/ideas/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _count(db, Idea, Idea.org_id == org.id) == 0


def test_vote_toggle_from_the_list_keeps_sort_and_pays_once(client, make, login, db):
    org, member = _as(make, login)
    idea = ideas.create_idea(org=org, membership=make.member(org), title="Terrace", body="")
    response = client.post(f"/community/ideas/{idea.id}/vote?sort=newest", data={"next": "list"})
    assert response.headers["Location"].endswith(f"/community/ideas?sort=newest#idea-{idea.id}")
    assert "Your vote is counted." in client.get("/community/ideas?sort=newest").get_data(as_text=True)
    assert "Your vote is taken back." in _flash_after(client, client.post(f"/community/ideas/{idea.id}/vote"))
    client.post(f"/community/ideas/{idea.id}/vote")
    assert _count(db, IdeaVote, IdeaVote.idea_id == idea.id) == 1
    assert db.session.scalars(sa.select(PointsEntry.points).where(
        PointsEntry.membership_id == member.id, PointsEntry.reason == "vote")).all() == [2]
    html = client.get(f"/community/ideas/{idea.id}").get_data(as_text=True)
    assert 'aria-pressed="true"' in html and "1 vote" in html


def test_ideas_sort_and_filter_by_status(client, make, login, db):
    org, _ = _as(make, login)
    author, voter = make.member(org), make.member(org)
    popular = ideas.create_idea(org=org, membership=author, title="Popular idea", body="")
    fresh = ideas.create_idea(org=org, membership=author, title="Fresh idea", body="")
    fresh.created_at = popular.created_at + timedelta(minutes=5)
    ideas.toggle_vote(org=org, membership=voter, idea=popular)
    ideas.set_status(idea=fresh, membership=make.member(org, role="manager"), status="planned", reply="")
    by_votes = client.get("/community/ideas").get_data(as_text=True)
    newest = client.get("/community/ideas?sort=newest").get_data(as_text=True)
    assert by_votes.index("Popular idea") < by_votes.index("Fresh idea")
    assert newest.index("Fresh idea") < newest.index("Popular idea")
    planned = client.get("/community/ideas?status=planned").get_data(as_text=True)
    assert "Fresh idea" in planned and "Popular idea" not in planned


def test_ambassador_cannot_set_a_status(client, make, login, db):
    org, _ = _as(make, login)
    idea = ideas.create_idea(org=org, membership=make.member(org), title="Idea", body="")
    assert client.post(f"/community/ideas/{idea.id}/status", data={"status": "done"}).status_code == 403
    assert f'action="/community/ideas/{idea.id}/status"' not in client.get(f"/community/ideas/{idea.id}").get_data(
        as_text=True)
    db.session.refresh(idea)
    assert idea.status == "new"


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_staff_set_status_with_a_public_reply(client, make, login, db, role):
    org, staff = _as(make, login, role=role)
    idea = ideas.create_idea(org=org, membership=make.member(org), title="Idea", body="")
    page = _flash_after(client, client.post(f"/community/ideas/{idea.id}/status",
                                            data={"status": "planned", "reply": "Coming in May."}))
    assert "Reply from the team" in page and "Coming in May." in page and "Planned" in page
    assert client.post(f"/community/ideas/{idea.id}/status", data={"status": "bogus"}).status_code == 400


def test_comments_on_an_idea(client, make, login, db):
    org, _ = _as(make, login)
    idea = ideas.create_idea(org=org, membership=make.member(org), title="Idea", body="")
    assert client.post(f"/community/ideas/{idea.id}/comments", data={"body": ""}).status_code == 400
    page = _flash_after(client, client.post(f"/community/ideas/{idea.id}/comments", data={"body": "Love it"}))
    assert "Love it" in page and _count(db, IdeaComment, IdeaComment.idea_id == idea.id) == 1


# Polls -----------------------------------------------------------------------------------------

POLL = {"question": "Which snack?", "options": "Fries\nWaffles\n\nPralines", "results": "after_vote"}


def test_only_curators_create_polls(client, make, login, db):
    org, _ = _as(make, login)
    assert client.get("/community/polls/new").status_code == 403
    assert client.post("/community/polls/new", data=POLL).status_code == 403


def test_curator_creates_a_poll_and_bad_input_is_explained(client, make, login, db):
    org, _ = _as(make, login, role="curator")
    bad = client.post("/community/polls/new", data={**POLL, "options": "Only one"})
    assert bad.status_code == 400 and "Give between 2 and 10 options." in bad.get_data(as_text=True)
    past = client.post("/community/polls/new", data={**POLL, "ends_at": "2001-01-01T10:00"})
    assert past.status_code == 400 and "The end must be in the future." in past.get_data(as_text=True)
    assert _count(db, Poll, Poll.org_id == org.id) == 0
    page = _flash_after(client, client.post("/community/polls/new", data={**POLL, "multiple": "y",
                                                                           "ends_at": "2099-01-01T10:00"}))
    poll = db.session.scalar(sa.select(Poll).where(Poll.org_id == org.id))
    assert [o.label for o in poll.options] == ["Fries", "Waffles", "Pralines"] and poll.multiple
    assert poll.ends_at == poll.ends_at.replace(hour=9)  # 10:00 in Brussels is 09:00 UTC in January
    assert "The poll is open" in page and 'type="checkbox"' in page


def _poll(make, org, **kw):
    return polls.create_poll(org=org, membership=make.member(org, role="curator"),
                             data=polls.PollInput("Which snack?", ["Fries", "Waffles"], **kw))


def test_vote_once_then_see_results(client, make, login, db):
    org, member = _as(make, login)
    poll = _poll(make, org)
    fries, waffles = (o.id for o in poll.options)
    assert "Vote to see the results." in client.get(f"/community/polls/{poll.id}").get_data(as_text=True)
    assert client.post(f"/community/polls/{poll.id}/vote", data={"option": [fries, waffles]}).status_code == 302
    assert _count(db, PollBallot, PollBallot.poll_id == poll.id) == 0  # single choice: refused
    page = _flash_after(client, client.post(f"/community/polls/{poll.id}/vote", data={"option": fries}))
    assert "your vote is counted" in page and "100% (1)" in page and "your choice" in page
    page = _flash_after(client, client.post(f"/community/polls/{poll.id}/vote", data={"option": waffles}))
    assert "You have already voted in this poll." in page
    assert _count(db, PollBallot, PollBallot.poll_id == poll.id) == 1
    other = _poll(make, org)
    assert "Choose an option." in _flash_after(client, client.post(f"/community/polls/{other.id}/vote", data={}))
    assert client.post(f"/community/polls/{other.id}/vote", data={"option": "abc"}).status_code == 400
    assert _count(db, PollBallot, PollBallot.poll_id == other.id) == 0


def test_results_after_close_and_closed_poll_refuses(client, make, login, db):
    org, _ = _as(make, login)
    poll = _poll(make, org, results="after_close")
    client.post(f"/community/polls/{poll.id}/vote", data={"option": poll.options[0].id})
    page = client.get(f"/community/polls/{poll.id}").get_data(as_text=True)
    assert "Results are shown when the poll closes." in page and "100%" not in page
    polls.close_poll(poll=poll)
    page = client.get(f"/community/polls/{poll.id}").get_data(as_text=True)
    assert "100% (1)" in page
    other = _poll(make, org)
    polls.close_poll(poll=other)
    page = _flash_after(client, client.post(f"/community/polls/{other.id}/vote", data={"option": other.options[0].id}))
    assert "This poll is closed." in page and _count(db, PollBallot, PollBallot.poll_id == other.id) == 0


def test_curator_closes_a_poll_ambassador_cannot(client, make, login, db):
    org, _ = _as(make, login)
    poll = _poll(make, org, ends_at=utcnow() + timedelta(days=1))
    assert client.post(f"/community/polls/{poll.id}/close").status_code == 403
    client.post("/logout")
    login(make.member(org, role="curator").user)
    assert "The poll is closed." in _flash_after(client, client.post(f"/community/polls/{poll.id}/close"))


# Discussions and moderation -------------------------------------------------------------------

def test_topics_replies_and_pins(client, make, login, db):
    org, _ = _as(make, login)
    page = _flash_after(client, client.post("/community/topics/new", data={"title": "Store events",
                                                                           "body": "Who comes?"}))
    topic = db.session.scalar(sa.select(Topic).where(Topic.org_id == org.id))
    assert "Your topic is started." in page and "Who comes?" in page
    assert client.post("/community/topics/new", data={"title": "No body", "body": ""}).status_code == 400
    response = client.post(f"/community/topics/{topic.id}/reply", data={"body": "Me!"})
    assert response.headers["Location"].endswith(f"/community/topics/{topic.id}#reply")
    assert "Me!" in client.get(f"/community/topics/{topic.id}").get_data(as_text=True)
    assert client.post(f"/community/topics/{topic.id}/pin").status_code == 403
    rules = discussions.create_topic(org=org, membership=make.member(org), title="House rules", body="Be kind")
    client.post("/logout")
    login(make.member(org, role="manager").user)
    client.post(f"/community/topics/{rules.id}/pin")
    listing = client.get("/community/topics").get_data(as_text=True)
    assert listing.index("House rules") < listing.index("Store events") and "Pinned" in listing


def test_report_then_hide_from_the_queue(client, make, login, db):
    org, reporter = _as(make, login)
    topic = discussions.create_topic(org=org, membership=make.member(org), title="Deals", body="Buy cheap pills")
    message = topic.messages[0]
    page = _flash_after(client, client.post(f"/community/messages/{message.id}/report", data={"reason": ""}))
    assert "Give a reason" in page and _count(db, MessageReport) == 0
    page = _flash_after(client, client.post(f"/community/messages/{message.id}/report", data={"reason": "Spam"}))
    assert "a moderator will look at this message" in page
    assert "You reported this message." in page and f'/community/messages/{message.id}/report"' not in page
    assert client.get("/community/reports").status_code == 403
    assert client.post(f"/community/messages/{message.id}/hide", data={"reason": "x"}).status_code == 403

    client.post("/logout")
    login(make.member(org, role="manager").user)
    moderation.report_message(message=message, membership=make.member(org), reason="Scam")
    queue = client.get("/community/reports").get_data(as_text=True)
    assert queue.count("Buy cheap pills") == 1 and "2 reports" in queue and "Spam" in queue and "Scam" in queue
    response = client.post(f"/community/messages/{message.id}/hide", data={"reason": "Advertising", "next": "reports"})
    assert response.headers["Location"].endswith("/community/reports")
    assert "No open reports" in client.get("/community/reports").get_data(as_text=True)
    staff_view = client.get(f"/community/topics/{topic.id}").get_data(as_text=True)
    assert "Hidden by a moderator: Advertising" in staff_view and "Buy cheap pills" in staff_view

    client.post("/logout")
    login(reporter.user)
    member_view = client.get(f"/community/topics/{topic.id}").get_data(as_text=True)
    assert "This message was hidden by a moderator." in member_view
    assert "Buy cheap pills" not in member_view and "Advertising" not in member_view


def test_dismiss_and_show_again(client, make, login, db):
    org, staff = _as(make, login, role="admin")
    topic = discussions.create_topic(org=org, membership=make.member(org), title="Chat", body="Fine words")
    message = topic.messages[0]
    report = moderation.report_message(message=message, membership=make.member(org), reason="Hmm")
    page = _flash_after(client, client.post(f"/community/reports/{report.id}/dismiss"))
    assert "The report is dismissed" in page
    db.session.refresh(report)
    assert report.state == "dismissed"
    assert client.post(f"/community/messages/{message.id}/hide", data={"reason": " "}).status_code == 302
    db.session.refresh(message)
    assert message.hidden_at is None  # no reason, nothing hidden
    client.post(f"/community/messages/{message.id}/hide", data={"reason": "Too personal"})
    client.post(f"/community/messages/{message.id}/show")
    db.session.refresh(message)
    assert message.hidden_at is None and message.hidden_reason == ""


# CSRF and tenant isolation ----------------------------------------------------------------------

def _world(make, org):
    """One of everything in `org`: an idea with an image path, a poll, a topic with a reported message."""
    author, other = make.member(org), make.member(org)
    idea = ideas.create_idea(org=org, membership=author, title="Secret idea of org A", body="")
    idea.image_path = "nowhere.png"
    poll = polls.create_poll(org=org, membership=make.member(org, role="curator"),
                             data=polls.PollInput("Secret poll of org A", ["One", "Two"]))
    topic = discussions.create_topic(org=org, membership=author, title="Secret topic of org A", body="Psst")
    report = moderation.report_message(message=topic.messages[0], membership=other, reason="Secret reason")
    return {"idea": idea.id, "poll": poll.id, "option": poll.options[0].id, "topic": topic.id,
            "message": topic.messages[0].id, "report": report.id}


def _urls(ids):
    gets = [f"/community/ideas/{ids['idea']}", f"/community/ideas/{ids['idea']}/image",
            f"/community/polls/{ids['poll']}", f"/community/topics/{ids['topic']}"]
    posts = [(f"/community/ideas/{ids['idea']}/vote", {}),
             (f"/community/ideas/{ids['idea']}/comments", {"body": "Hi"}),
             (f"/community/ideas/{ids['idea']}/status", {"status": "done", "reply": "x"}),
             (f"/community/polls/{ids['poll']}/vote", {"option": ids["option"]}),
             (f"/community/polls/{ids['poll']}/close", {}),
             (f"/community/topics/{ids['topic']}/reply", {"body": "Hi"}),
             (f"/community/topics/{ids['topic']}/pin", {}),
             (f"/community/messages/{ids['message']}/report", {"reason": "x"}),
             (f"/community/messages/{ids['message']}/hide", {"reason": "x"}),
             (f"/community/messages/{ids['message']}/show", {}),
             (f"/community/reports/{ids['report']}/dismiss", {})]
    return gets, posts


@pytest.mark.parametrize("role", ["ambassador", "admin"])
def test_another_organization_gets_404_everywhere_and_changes_nothing(client, make, login, db, role):
    org_a = make.org()
    ids = _world(make, org_a)
    _as(make, login, role=role)
    gets, posts = _urls(ids)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, data in posts:
        # An ambassador is turned away from staff actions before any lookup (403 for every id, so it tells
        # nothing about another organization's ids); everything else answers 404.
        staff_only = url.endswith(("/status", "/close", "/pin", "/hide", "/show", "/dismiss"))
        expected = 403 if staff_only and role == "ambassador" else 404
        assert client.post(url, data=data).status_code == expected, url
    for url in ("/community", "/community/ideas", "/community/polls", "/community/topics") + (
            ("/community/reports",) if role == "admin" else ()):
        body = client.get(url).get_data(as_text=True)
        assert "Secret" not in body, url
    assert (_count(db, IdeaVote), _count(db, IdeaComment), _count(db, PollBallot)) == (0, 0, 0)
    assert _count(db, Message, Message.topic_id == ids["topic"]) == 1
    assert _count(db, MessageReport, MessageReport.state == "open") == 1
    assert db.session.get(Idea, ids["idea"]).status == "new" and db.session.get(Poll, ids["poll"]).closed_at is None


def test_every_form_has_a_csrf_token_and_posts_without_one_are_refused(app, client, make, login, db, monkeypatch):
    org, admin = _as(make, login, role="admin")
    ids = _world(make, org)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    pages = ["/community", "/community/ideas", "/community/ideas/new", f"/community/ideas/{ids['idea']}",
             "/community/polls", "/community/polls/new", f"/community/polls/{ids['poll']}",
             "/community/topics", "/community/topics/new", f"/community/topics/{ids['topic']}", "/community/reports"]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", html, flags=re.S):
            assert 'name="csrf_token"' in form, (url, form[:120])
    _, posts = _urls(ids)
    for url, data in posts + [("/community/ideas/new", {"title": "x"}), ("/community/topics/new", {"title": "x"}),
                              ("/community/polls/new", POLL)]:
        assert client.post(url, data=data).status_code == 400, url
    assert _count(db, IdeaVote) == 0 and _count(db, Idea, Idea.org_id == org.id) == 1


def test_community_is_for_signed_in_members(client):
    response = client.get("/community/ideas")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# Organization settings -------------------------------------------------------------------------

def test_admin_sets_community_points_and_a_form_without_them_keeps_them(client, make, login, db):
    from .test_org_settings import SETTINGS

    org, _ = _as(make, login, role="admin")
    community = {"points_idea": "12", "points_vote": "0", "points_survey": "4", "daily_community_points_cap": "40"}
    assert "Community points" in client.get("/settings").get_data(as_text=True)
    bad = client.post("/settings", data={**SETTINGS, **community, "points_idea": "-3"})
    assert "Number must be between 0 and 10000" in bad.get_data(as_text=True)
    db.session.refresh(org)
    assert org.points_idea == 10
    assert client.post("/settings", data={**SETTINGS, **community}).status_code == 302
    db.session.refresh(org)
    assert (org.points_idea, org.points_vote, org.points_survey, org.daily_community_points_cap) == (12, 0, 4, 40)
    assert client.post("/settings", data=SETTINGS).status_code == 302
    db.session.refresh(org)
    assert (org.points_idea, org.points_vote, org.points_survey, org.daily_community_points_cap) == (12, 0, 4, 40)
