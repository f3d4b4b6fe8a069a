"""The idea board's service: posting, one vote per member (toggle), comments, staff statuses, points."""
import io

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from ambassador.models import Idea, IdeaVote, PointsEntry
from ambassador.services.community import ideas
from ambassador.services.community.participation import CommunityError

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def _entries(db, membership, reason):
    return list(db.session.scalars(sa.select(PointsEntry).where(
        PointsEntry.membership_id == membership.id, PointsEntry.reason == reason)))


@pytest.fixture
def org(make):
    return make.org(points_idea=10, points_vote=2, daily_community_points_cap=30)


def test_posting_an_idea_pays_idea_points_once(db, make, org):
    member = make.member(org)
    idea = ideas.create_idea(org=org, membership=member, title="  Bike   racks ", body="At every store")
    assert (idea.title, idea.status, idea.author_id) == ("Bike racks", "new", member.id)
    [entry] = _entries(db, member, "idea")
    assert (entry.points, entry.ref) == (10, f"idea:{idea.id}")


def test_idea_needs_a_title_and_a_real_image(db, make, org):
    member = make.member(org)
    with pytest.raises(CommunityError) as exc:
        ideas.create_idea(org=org, membership=member, title="  ", body="x")
    assert "title" in exc.value.field_errors
    fake = FileStorage(io.BytesIO(b"not an image"), filename="x.png")
    with pytest.raises(CommunityError) as exc:
        ideas.create_idea(org=org, membership=member, title="Idea", body="", image=fake)
    assert "image" in exc.value.field_errors
    assert db.session.scalar(sa.select(sa.func.count(Idea.id)).where(Idea.org_id == org.id)) == 0
    assert _entries(db, member, "idea") == []


def test_idea_with_image_is_stored(db, make, org):
    idea = ideas.create_idea(org=org, membership=make.member(org), title="Photo", body="",
                             image=FileStorage(io.BytesIO(PNG), filename="p.png"))
    assert idea.image_path.startswith(f"org-{org.id}/ideas/") and idea.image_path.endswith(".png")


def test_vote_toggles_and_never_farms_points(db, make, org):
    author, voter = make.member(org), make.member(org)
    idea = ideas.create_idea(org=org, membership=author, title="Idea", body="")
    assert ideas.toggle_vote(org=org, membership=voter, idea=idea) is True
    assert ideas.vote_counts([idea.id]) == {idea.id: 1}
    assert ideas.toggle_vote(org=org, membership=voter, idea=idea) is False
    assert ideas.vote_counts([idea.id]) == {idea.id: 0}
    assert ideas.toggle_vote(org=org, membership=voter, idea=idea) is True
    assert ideas.voted_ideas(membership=voter, idea_ids=[idea.id]) == {idea.id}
    [entry] = _entries(db, voter, "vote")
    assert (entry.points, entry.ref) == (2, f"idea-vote:{idea.id}:{voter.id}")


def assert_second_insert_refused(db, make_row) -> None:
    """The database itself (not only the service) refuses a second row for the same pair."""
    db.session.add(make_row())
    db.session.flush()
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(make_row())
            db.session.flush()


def test_database_refuses_a_second_vote(db, make, org):
    member = make.member(org)
    idea = ideas.create_idea(org=org, membership=member, title="Idea", body="")
    assert_second_insert_refused(db, lambda: IdeaVote(idea_id=idea.id, membership_id=member.id))


def test_vote_points_stop_at_the_daily_cap(db, make):
    org = make.org(points_idea=0, points_vote=10, daily_community_points_cap=25)
    author, voter = make.member(org), make.member(org)
    items = [ideas.create_idea(org=org, membership=author, title=f"Idea {n}", body="") for n in range(4)]
    for idea in items:
        assert ideas.toggle_vote(org=org, membership=voter, idea=idea) is True
    assert [e.points for e in _entries(db, voter, "vote")] == [10, 10, 5]
    assert _entries(db, author, "idea") == []  # points_idea = 0 pays nothing


def test_settled_ideas_refuse_votes(db, make, org):
    staff, member = make.member(org, role="manager"), make.member(org)
    idea = ideas.create_idea(org=org, membership=member, title="Idea", body="")
    ideas.set_status(idea=idea, membership=staff, status="done", reply="Shipped!")
    with pytest.raises(CommunityError):
        ideas.toggle_vote(org=org, membership=member, idea=idea)


def test_only_staff_set_status_with_a_public_reply(db, make, org):
    curator, manager = make.member(org, role="curator"), make.member(org, role="manager")
    idea = ideas.create_idea(org=org, membership=make.member(org), title="Idea", body="")
    with pytest.raises(PermissionError):
        ideas.set_status(idea=idea, membership=curator, status="planned", reply="")
    with pytest.raises(CommunityError) as exc:
        ideas.set_status(idea=idea, membership=manager, status="someday", reply="")
    assert "status" in exc.value.field_errors
    ideas.set_status(idea=idea, membership=manager, status="planned", reply=" In the spring. ")
    assert (idea.status, idea.staff_reply, idea.replied_by_id) == ("planned", "In the spring.", manager.id)
    assert idea.replied_at is not None
    ideas.set_status(idea=idea, membership=manager, status="under_review", reply="")
    assert (idea.staff_reply, idea.replied_by_id, idea.replied_at) == ("", None, None)


def test_sorting_filtering_and_scoping(db, make, org):
    author, a, b = make.member(org), make.member(org), make.member(org)
    first = ideas.create_idea(org=org, membership=author, title="First", body="")
    second = ideas.create_idea(org=org, membership=author, title="Second", body="")
    second.created_at = first.created_at.replace(year=first.created_at.year + 1)
    third = ideas.create_idea(org=org, membership=author, title="Third", body="")
    third.created_at = first.created_at.replace(year=first.created_at.year - 1)
    for voter in (a, b):
        ideas.toggle_vote(org=org, membership=voter, idea=third)
    ideas.toggle_vote(org=org, membership=a, idea=first)
    other = make.org()
    ideas.create_idea(org=other, membership=make.member(other), title="Elsewhere", body="")

    def titles(**kw):
        return [i.title for i in db.session.scalars(ideas.idea_query(org=org, **kw))]

    assert titles(sort="votes") == ["Third", "First", "Second"]
    assert titles(sort="newest") == ["Second", "First", "Third"]
    ideas.set_status(idea=first, membership=make.member(org, role="admin"), status="planned", reply="")
    assert titles(status="planned") == ["First"]
    page = ideas.idea_page(org=org, page=2, per_page=2, sort="votes")
    assert [i.title for i in page.items] == ["Second"] and page.pages == 2


def test_comments(db, make, org):
    member = make.member(org)
    idea = ideas.create_idea(org=org, membership=member, title="Idea", body="")
    with pytest.raises(CommunityError):
        ideas.add_comment(idea=idea, membership=member, body=" ")
    ideas.add_comment(idea=idea, membership=member, body="Great!")
    assert ideas.comment_counts([idea.id]) == {idea.id: 1}
