"""Polls: one ballot per member (single and multiple choice), closing, results visibility, points."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import PointsEntry, PollBallot, utcnow
from ambassador.services.community import polls
from ambassador.services.community.participation import CommunityError

from .test_ideas import assert_second_insert_refused


@pytest.fixture
def org(make):
    return make.org(points_vote=3, daily_community_points_cap=30)


def _poll(make, org, **kw):
    data = polls.PollInput(question=kw.pop("question", "Which snack?"), options=kw.pop("options", ["Fries", "Waffles",
                                                                                                   "Pralines"]), **kw)
    return polls.create_poll(org=org, membership=make.member(org, role="curator"), data=data)


def _ids(poll, *labels):
    return [o.id for o in poll.options if o.label in labels]


@pytest.mark.parametrize("options,message", [
    (["Only one"], "between 2 and 10"),
    ([f"Option {n}" for n in range(11)], "between 2 and 10"),
    (["Same", " same ", "Other"], "different"),
])
def test_poll_needs_two_to_ten_distinct_options(make, org, options, message):
    with pytest.raises(CommunityError) as exc:
        _poll(make, org, options=options)
    assert message in str(exc.value.field_errors["options"])


def test_poll_options_keep_order_and_blank_lines_are_dropped(make, org):
    poll = _poll(make, org, options=["  A ", "", "B"])
    assert [(o.position, o.label) for o in poll.options] == [(0, "A"), (1, "B")]


def test_only_curators_create_polls_and_end_must_be_future(make, org):
    with pytest.raises(PermissionError):
        polls.create_poll(org=org, membership=make.member(org), data=polls.PollInput("Q", ["A", "B"]))
    with pytest.raises(CommunityError) as exc:
        _poll(make, org, ends_at=utcnow() - timedelta(minutes=1))
    assert "ends_at" in exc.value.field_errors


def test_single_choice_one_ballot_one_option(db, make, org):
    poll, member = _poll(make, org), make.member(org)
    with pytest.raises(CommunityError):
        polls.cast_ballot(org=org, membership=member, poll=poll, option_ids=_ids(poll, "Fries", "Waffles"))
    with pytest.raises(CommunityError):
        polls.cast_ballot(org=org, membership=member, poll=poll, option_ids=[])
    polls.cast_ballot(org=org, membership=member, poll=poll, option_ids=_ids(poll, "Fries"))
    with pytest.raises(CommunityError) as exc:
        polls.cast_ballot(org=org, membership=member, poll=poll, option_ids=_ids(poll, "Waffles"))
    assert "already voted" in str(exc.value)
    rows, ballots = polls.results(poll=poll)
    assert ballots == 1 and [(r.option.label, r.votes, r.percent) for r in rows] == [
        ("Fries", 1, 100), ("Waffles", 0, 0), ("Pralines", 0, 0)]


def test_multiple_choice_is_still_one_ballot(db, make, org):
    poll = _poll(make, org, multiple=True)
    a, b = make.member(org), make.member(org)
    ballot = polls.cast_ballot(org=org, membership=a, poll=poll, option_ids=_ids(poll, "Fries", "Waffles"))
    assert len(ballot.choices) == 2
    with pytest.raises(CommunityError):
        polls.cast_ballot(org=org, membership=a, poll=poll, option_ids=_ids(poll, "Pralines"))
    polls.cast_ballot(org=org, membership=b, poll=poll, option_ids=_ids(poll, "Waffles"))
    rows, ballots = polls.results(poll=poll)
    assert ballots == 2 and [(r.votes, r.percent) for r in rows] == [(1, 50), (2, 100), (0, 0)]


def test_database_refuses_a_second_ballot(db, make, org):
    poll, member = _poll(make, org), make.member(org)
    assert_second_insert_refused(db, lambda: PollBallot(poll_id=poll.id, membership_id=member.id))


def test_option_of_another_poll_is_refused(make, org):
    poll, other = _poll(make, org), _poll(make, org)
    with pytest.raises(CommunityError):
        polls.cast_ballot(org=org, membership=make.member(org), poll=poll, option_ids=[other.options[0].id])


def test_closed_polls_refuse_votes(db, make, org):
    ending = _poll(make, org, ends_at=utcnow() + timedelta(hours=1))
    member = make.member(org)
    with pytest.raises(CommunityError) as exc:
        polls.cast_ballot(org=org, membership=member, poll=ending, option_ids=_ids(ending, "Fries"),
                          now=utcnow() + timedelta(hours=2))
    assert "closed" in str(exc.value)
    closed = polls.close_poll(poll=_poll(make, org))
    with pytest.raises(CommunityError):
        polls.cast_ballot(org=org, membership=member, poll=closed, option_ids=_ids(closed, "Fries"))
    assert db.session.scalar(sa.select(sa.func.count(PollBallot.id)).where(PollBallot.membership_id == member.id)) == 0


def test_results_visibility(make, org):
    member, curator = make.member(org), make.member(org, role="curator")
    after_vote, after_close = _poll(make, org), _poll(make, org, results="after_close")

    def sees(poll, who=member, voted=False):
        return polls.can_see_results(poll=poll, membership=who, has_voted=voted)

    assert (sees(after_vote), sees(after_vote, voted=True)) == (False, True)
    assert (sees(after_close), sees(after_close, voted=True)) == (False, False)
    assert sees(after_close, who=curator) is True
    polls.close_poll(poll=after_close)
    assert sees(after_close) is True


def test_poll_votes_pay_each_member_once(db, make, org):
    poll, other_poll = _poll(make, org), _poll(make, org)
    a, b = make.member(org), make.member(org)
    for member in (a, b):
        polls.cast_ballot(org=org, membership=member, poll=poll, option_ids=_ids(poll, "Fries"))
    polls.cast_ballot(org=org, membership=a, poll=other_poll, option_ids=_ids(other_poll, "Fries"))
    paid = db.session.execute(sa.select(PointsEntry.membership_id, PointsEntry.points, PointsEntry.ref)
                              .where(PointsEntry.reason == "poll").order_by(PointsEntry.id)).all()
    assert paid == [(a.id, 3, f"poll:{poll.id}:{a.id}"), (b.id, 3, f"poll:{poll.id}:{b.id}"),
                    (a.id, 3, f"poll:{other_poll.id}:{a.id}")]


def test_poll_list_open_first(make, org):
    old_open, closed, new_open = _poll(make, org, question="Old"), _poll(make, org, question="Closed"), _poll(
        make, org, question="New")
    new_open.created_at = old_open.created_at + timedelta(minutes=1)
    closed.created_at = old_open.created_at + timedelta(minutes=2)
    polls.close_poll(poll=closed)
    page = polls.poll_page(org=org, page=1, per_page=10)
    assert [p.question for p in page.items] == ["New", "Old", "Closed"]
