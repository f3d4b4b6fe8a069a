"""Until its address is verified, an account makes the product send no email (each sending service refuses)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ambassador.models import Invitation, OutboxEmail, SurveyInvitation
from ambassador.services.nps import followups, promoters, surveys
from ambassador.services.nps import invitations as survey_invitations
from ambassador.services.org import imports, invitations
from ambassador.services.org.email_verification import UNVERIFIED_MESSAGE

from ..nps.followup_data import answer, respondent, survey


def _outbox_count(db):
    return db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)))


@pytest.fixture
def unverified(make):
    org = make.org()
    return make.member(org, role="admin", email_verified_at=None)


def test_invitations_are_refused(app, db, unverified):
    with app.test_request_context(), pytest.raises(invitations.InvitationError) as exc:
        invitations.create_invitation(org=unverified.organization, invited_by=unverified, email="a@example.test")
    assert str(exc.value) == str(UNVERIFIED_MESSAGE)
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0 and _outbox_count(db) == 0


def test_resending_an_invitation_is_refused(app, db, make, unverified):
    colleague = make.member(unverified.organization, role="admin")
    with app.test_request_context():
        invitation, _token = invitations.create_invitation(org=unverified.organization, invited_by=colleague,
                                                           email="b@example.test")
        before = _outbox_count(db)
        with pytest.raises(invitations.InvitationError, match="Confirm your email address first"):
            invitations.resend_invitation(actor=unverified, invitation=invitation)
    assert _outbox_count(db) == before


def test_member_csv_import_is_refused(app, db, unverified):
    with app.test_request_context(), pytest.raises(imports.CsvFileError, match="Confirm your email"):
        imports.import_invitations(org=unverified.organization, invited_by=unverified,
                                      data=b"email\nc@example.test\n")
    assert _outbox_count(db) == 0


def test_survey_invitations_are_refused(app, db, unverified):
    s = survey(db, unverified.organization)
    with app.test_request_context(), pytest.raises(surveys.SurveyError, match="Confirm your email"):
        survey_invitations.invite_from_csv(org=unverified.organization, actor=unverified, survey=s,
                                           data=b"email\nd@example.test\n")
    assert db.session.scalar(sa.select(sa.func.count(SurveyInvitation.id))) == 0 and _outbox_count(db) == 0


def test_promoter_invitations_are_refused(app, db, unverified):
    fan = respondent(db, unverified.organization)
    promoter_answer = answer(db, survey(db, unverified.organization), 10, person=fan)
    with app.test_request_context(), pytest.raises(invitations.InvitationError, match="Confirm your email"):
        promoters.invite_promoters(org=unverified.organization, actor=unverified, response_ids=[promoter_answer.id])
    assert _outbox_count(db) == 0


def test_messages_to_passives_and_resurveys_are_refused(app, db, unverified):
    org = unverified.organization
    s = survey(db, org)
    passive = respondent(db, org)
    answer(db, s, 7, person=passive, invited=True)
    with app.test_request_context():
        with pytest.raises(followups.FollowUpError, match="Confirm your email"):
            followups.send_to_passives(org=org, actor=unverified, respondent_ids=[passive.id], subject="Hi",
                                       body="News")
        follow_up = followups.open_for_response(response=answer(db, s, 3, person=respondent(db, org), invited=True))
        followups.update(actor=unverified, follow_up=follow_up, status="resolved", due_at=follow_up.due_at)
        before = _outbox_count(db)
        with pytest.raises(followups.FollowUpError, match="Confirm your email"):
            survey_invitations.resurvey(actor=unverified, follow_up=follow_up)
    assert _outbox_count(db) == before


def test_a_verified_account_sends(app, db, make):
    admin = make.member(make.org(), role="admin")  # existing accounts count as verified
    with app.test_request_context():
        invitations.create_invitation(org=admin.organization, invited_by=admin, email="e@example.test")
    assert _outbox_count(db) == 1
