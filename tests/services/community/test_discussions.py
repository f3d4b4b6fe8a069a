"""Topics, replies and pins; moderation: hide with a reason, reports and the staff's decisions."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import MessageReport
from ambassador.services.community import discussions, moderation
from ambassador.services.community.participation import CommunityError

from .test_ideas import assert_second_insert_refused


@pytest.fixture
def org(make):
    return make.org()


def _topic(make, org, title="Welcome", body="Hello all", author=None):
    return discussions.create_topic(org=org, membership=author or make.member(org), title=title, body=body)


def test_topic_opens_with_its_first_message(make, org):
    author = make.member(org)
    topic = _topic(make, org, title=" Store   events ", body=" Who comes? ", author=author)
    assert topic.title == "Store events" and [m.body for m in topic.messages] == ["Who comes?"]
    assert topic.messages[0].author_id == author.id and topic.messages[0].org_id == org.id


@pytest.mark.parametrize("title,body,field", [("", "text", "title"), ("Title", " ", "body"), ("x" * 161, "b", "title")])
def test_topic_needs_title_and_message(make, org, title, body, field):
    with pytest.raises(CommunityError) as exc:
        _topic(make, org, title=title, body=body)
    assert field in exc.value.field_errors


def test_replies_and_ordering_pinned_first_then_activity(db, make, org):
    staff = make.member(org, role="manager")
    quiet, busy, pinned = _topic(make, org, "Quiet"), _topic(make, org, "Busy"), _topic(make, org, "Rules")
    for topic, minutes in ((quiet, 1), (busy, 2), (pinned, 0)):
        topic.last_activity_at = topic.created_at - timedelta(hours=1, minutes=-minutes)
    discussions.set_pinned(topic=pinned, membership=staff, pinned=True)
    before = quiet.last_activity_at
    discussions.reply(topic=quiet, membership=make.member(org), body="Me too")
    assert quiet.last_activity_at > before
    page = discussions.topic_page(org=org, page=1, per_page=10)
    assert [t.title for t in page.items] == ["Rules", "Quiet", "Busy"]
    assert discussions.reply_counts([quiet.id, busy.id]) == {quiet.id: 1, busy.id: 0}
    with pytest.raises(PermissionError):
        discussions.set_pinned(topic=busy, membership=make.member(org, role="curator"), pinned=True)


def test_staff_hide_with_reason_and_show_again(make, org):
    staff, member = make.member(org, role="manager"), make.member(org)
    message = _topic(make, org).messages[0]
    with pytest.raises(PermissionError):
        moderation.hide_message(message=message, moderator=member, reason="spam")
    with pytest.raises(CommunityError):
        moderation.hide_message(message=message, moderator=staff, reason="  ")
    moderation.hide_message(message=message, moderator=staff, reason="Off topic")
    assert message.hidden_at is not None and (message.hidden_reason, message.hidden_by_id) == ("Off topic", staff.id)
    moderation.show_message(message=message, moderator=staff)
    assert message.hidden_at is None and message.hidden_reason == ""


def test_report_flow_hide_settles_every_open_report(db, make, org):
    staff, a, b = make.member(org, role="admin"), make.member(org), make.member(org)
    author = make.member(org)
    message = _topic(make, org, author=author).messages[0]
    with pytest.raises(CommunityError):
        moderation.report_message(message=message, membership=author, reason="mine")
    with pytest.raises(CommunityError):
        moderation.report_message(message=message, membership=a, reason="")
    report = moderation.report_message(message=message, membership=a, reason="Rude")
    moderation.report_message(message=message, membership=b, reason="Spam")
    with pytest.raises(CommunityError) as exc:
        moderation.report_message(message=message, membership=a, reason="Again")
    assert "already reported" in str(exc.value)
    assert moderation.count_open_reports(org=org) == 2
    assert moderation.count_open_reports(org=make.org()) == 0
    moderation.hide_message(message=message, moderator=staff, reason="Rude language")
    db.session.refresh(report)
    assert (report.state, report.resolved_by_id) == ("hidden", staff.id)
    assert moderation.open_reports(org=org) == []
    with pytest.raises(CommunityError):
        moderation.report_message(message=message, membership=make.member(org), reason="Hidden already")


def test_dismiss_keeps_the_message_visible(db, make, org):
    staff, member = make.member(org, role="manager"), make.member(org)
    message = _topic(make, org).messages[0]
    report = moderation.report_message(message=message, membership=member, reason="Hmm")
    with pytest.raises(PermissionError):
        moderation.dismiss_report(report=report, moderator=member)
    moderation.dismiss_report(report=report, moderator=staff)
    db.session.refresh(report)
    assert report.state == "dismissed" and message.hidden_at is None


def test_database_refuses_a_second_report(db, make, org):
    member = make.member(org)
    message = _topic(make, org).messages[0]
    assert_second_insert_refused(db, lambda: MessageReport(org_id=org.id, message_id=message.id,
                                                          reporter_id=member.id, reason="Spam"))
    assert db.session.scalar(sa.select(sa.func.count(MessageReport.id))) == 1
