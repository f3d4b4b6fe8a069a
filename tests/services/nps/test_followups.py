"""Detractor follow-ups: opened once per 0–6 answer, assignment emails, overdue, closing the loop, passives."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import FollowUp, OutboxEmail, SurveyInvitation, utcnow
from ambassador.services.nps import followups, invitations

from .followup_data import answer, respondent, survey


def _mails(db, to):
    return db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == to)).all()


def test_a_detractor_answer_opens_one_follow_up_due_in_three_days(db, make):
    org = make.org()
    s = survey(db, org)
    detractor = answer(db, s, 4, comment="Slow delivery")
    first = followups.open_for_response(response=detractor)
    again = followups.open_for_response(response=detractor)
    assert first is not None and again.id == first.id
    assert (first.status, first.assignee_membership_id) == ("open", None)
    assert first.due_at == detractor.created_at + timedelta(days=3)
    assert followups.open_for_response(response=answer(db, s, 7)) is None
    assert followups.open_for_response(response=answer(db, s, 10)) is None
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id))) == 1


def test_open_missing_catches_up_once_and_only_for_the_given_organization(db, make):
    org, other = make.org(), make.org()
    s, s_other = survey(db, org), survey(db, other)
    answer(db, s, 0), answer(db, s, 6), answer(db, s, 8), answer(db, s_other, 3)
    assert followups.open_missing(org_id=org.id) == 2
    assert followups.open_missing(org_id=org.id) == 0
    assert db.session.scalar(sa.select(sa.func.count(FollowUp.id)).where(FollowUp.org_id == other.id)) == 0
    assert followups.open_missing() == 1


def test_the_survey_creator_is_assigned_and_emailed(db, make):
    org = make.org()
    manager = make.member(org, role="manager")
    s = survey(db, org, created_by=manager.user)
    follow_up = followups.open_for_response(response=answer(db, s, 2, comment="Rude staff"))
    assert follow_up.assignee_membership_id == manager.id
    [mail] = _mails(db, manager.user.email)
    assert "Rude staff" in mail.body_text and f"/follow-ups/{follow_up.id}" in mail.body_text


def test_assigning_emails_the_assignee_and_refuses_non_staff_and_other_orgs(db, make):
    org = make.org()
    manager, curator = make.member(org, role="manager"), make.member(org, role="curator")
    ambassador, stranger = make.member(org), make.member(make.org(), role="admin")
    follow_up = followups.open_for_response(response=answer(db, survey(db, org), 5))
    followups.assign(actor=manager, follow_up=follow_up, assignee_id=curator.id)
    assert follow_up.assignee_membership_id == curator.id
    assert len(_mails(db, curator.user.email)) == 1
    followups.assign(actor=manager, follow_up=follow_up, assignee_id=curator.id)  # unchanged: no second email
    assert len(_mails(db, curator.user.email)) == 1
    for bad in (ambassador.id, stranger.id):
        with pytest.raises(followups.FollowUpError):
            followups.assign(actor=manager, follow_up=follow_up, assignee_id=bad)
    with pytest.raises(followups.FollowUpError):
        followups.assign(actor=curator, follow_up=follow_up, assignee_id=None)  # only managers assign
    with pytest.raises(followups.FollowUpError):
        followups.add_note(actor=stranger, follow_up=follow_up, text="Hello")


def test_overdue_means_past_due_and_not_resolved(db, make):
    org = make.org()
    manager = make.member(org, role="manager")
    s = survey(db, org)
    old = followups.open_for_response(response=answer(db, s, 1, created_at=utcnow() - timedelta(days=5)))
    fresh = followups.open_for_response(response=answer(db, s, 1))
    assert old.is_overdue() and not fresh.is_overdue()
    assert followups.count_overdue(org=org) == 1
    assert db.session.scalars(followups.follow_up_query(org=org, overdue=True)).all() == [old]
    followups.update(actor=manager, follow_up=old, status="resolved", due_at=old.due_at)
    assert old.resolved_at is not None and not old.is_overdue()
    assert followups.count_overdue(org=org) == 0
    followups.update(actor=manager, follow_up=old, status="contacted", due_at=old.due_at)
    assert old.resolved_at is None


def test_filters_status_assignee_survey_and_curators_see_their_own(db, make):
    org = make.org()
    manager, curator = make.member(org, role="manager"), make.member(org, role="curator")
    s1, s2 = survey(db, org), survey(db, org)
    a = followups.open_for_response(response=answer(db, s1, 3))
    b = followups.open_for_response(response=answer(db, s2, 3))
    followups.assign(actor=manager, follow_up=b, assignee_id=curator.id)
    followups.update(actor=manager, follow_up=b, status="contacted", due_at=b.due_at)

    def ids(**kw):
        return {f.id for f in db.session.scalars(followups.follow_up_query(org=org, **kw))}

    assert ids(status="contacted") == {b.id}
    assert ids(assignee="none") == {a.id}
    assert ids(assignee=str(curator.id)) == {b.id}
    assert ids(survey_id=s1.id) == {a.id}
    assert ids(viewer=curator) == {b.id} and ids(viewer=manager) == {a.id, b.id}


def test_notes_are_checked_and_kept_in_order(db, make):
    org = make.org()
    manager = make.member(org, role="manager")
    follow_up = followups.open_for_response(response=answer(db, survey(db, org), 0))
    with pytest.raises(followups.FollowUpError):
        followups.add_note(actor=manager, follow_up=follow_up, text="   ")
    followups.add_note(actor=manager, follow_up=follow_up, text="Called, left a message")
    followups.add_note(actor=manager, follow_up=follow_up, text="Refund offered")
    assert [n.text for n in follow_up.notes] == ["Called, left a message", "Refund offered"]


def test_end_of_day_is_in_the_organizations_zone():
    assert followups.end_of_day(date(2025, 1, 15), "Europe/Brussels").isoformat() == "2025-01-15T22:59:00"


def _resolved(db, make, *, unsubscribed=False, with_email=True):
    org = make.org()
    manager = make.member(org, role="manager")
    s = survey(db, org)
    unsubscribed_at = utcnow() if unsubscribed else None
    person = respondent(db, org, name="Dora", unsubscribed_at=unsubscribed_at) if with_email else None
    follow_up = followups.open_for_response(response=answer(db, s, 3, person=person, invited=True))
    return manager, follow_up, person


def test_a_resolved_detractor_is_surveyed_again_with_a_new_invitation(db, make):
    manager, follow_up, person = _resolved(db, make)
    with pytest.raises(followups.FollowUpError):
        invitations.resurvey(actor=manager, follow_up=follow_up)  # not resolved yet
    followups.update(actor=manager, follow_up=follow_up, status="resolved", due_at=follow_up.due_at)
    invitation = invitations.resurvey(actor=manager, follow_up=follow_up)
    assert invitation.respondent_id == person.id and invitation.id != follow_up.response.invitation_id
    assert invitation.sent_at is not None and follow_up.resurvey_invitation_id == invitation.id
    [mail] = _mails(db, person.email)
    assert f"/survey/i/{invitation.token}/10" in mail.body_text
    with pytest.raises(followups.FollowUpError):
        invitations.resurvey(actor=manager, follow_up=follow_up)  # once


@pytest.mark.parametrize("kw", [{"unsubscribed": True}, {"with_email": False}])
def test_no_new_survey_for_the_unsubscribed_or_without_an_email(db, make, kw):
    manager, follow_up, person = _resolved(db, make, **kw)
    followups.update(actor=manager, follow_up=follow_up, status="resolved", due_at=follow_up.due_at)
    assert followups.resurvey_refusal(follow_up) is not None
    with pytest.raises(followups.FollowUpError):
        invitations.resurvey(actor=manager, follow_up=follow_up)
    assert db.session.scalar(sa.select(sa.func.count(SurveyInvitation.id))) == (1 if person else 0)


def test_passives_get_the_message_the_rest_do_not_and_it_is_logged(db, make):
    org = make.org()
    manager = make.member(org, role="manager")
    s = survey(db, org)
    passive = respondent(db, org, name="Paula")
    quiet = respondent(db, org, unsubscribed_at=utcnow())
    promoter = respondent(db, org)
    answer(db, s, 7, person=passive), answer(db, s, 8, person=passive, invited=True), answer(db, s, 8, person=quiet)
    answer(db, s, 10, person=promoter)
    rows = followups.passives(org=org)
    assert [r.id for _a, r in rows] == [passive.id]
    with pytest.raises(followups.FollowUpError):
        followups.send_to_passives(org=org, actor=manager, respondent_ids=[passive.id], subject="Hi", link="ftp://x")
    message = followups.send_to_passives(org=org, actor=manager, respondent_ids=[passive.id, quiet.id, promoter.id],
                                         subject="Our new range", body="Have a look", link="https://shop.test/new")
    assert message.recipient_count == 1
    [mail] = _mails(db, passive.email)
    assert "Have a look" in mail.body_text and "https://shop.test/new" in mail.body_text
    token = db.session.scalar(sa.select(SurveyInvitation.token).where(SurveyInvitation.respondent_id == passive.id))
    assert f"/survey/unsubscribe/{token}" in mail.body_text
    assert _mails(db, quiet.email) == [] and _mails(db, promoter.email) == []
    assert followups.passive_messages(org=org) == [message]


def test_answering_on_the_public_page_opens_the_follow_up_at_once(db, make):
    from ambassador.services.nps import surveys

    org = make.org()
    detractor = surveys.record_public_answer(survey=survey(db, org), score=3, language="en")
    promoter = surveys.record_public_answer(survey=survey(db, org), score=10, language="en")
    opened = db.session.scalars(sa.select(FollowUp.response_id)).all()
    assert opened == [detractor.id] and promoter.id not in opened
