"""Helpers for the follow-up, promoter and privacy tests: surveys, respondents and answers."""
from __future__ import annotations

import itertools
from datetime import datetime

from ambassador.infra.tokens import new_token
from ambassador.models import Respondent, Survey, SurveyInvitation, SurveyResponse, nps_group

_seq = itertools.count(1)


def survey(db, org, *, title: str | None = None, status: str = "open", invite_promoters: bool = True,
           created_by=None) -> Survey:
    obj = Survey(org_id=org.id, title=title or f"Survey {next(_seq)}", status=status, public_token=new_token(),
                 invite_promoters=invite_promoters, created_by_id=created_by.id if created_by else None)
    db.session.add(obj)
    db.session.flush()
    return obj


def respondent(db, org, *, email: str | None = None, name: str = "", language: str = "en",
               unsubscribed_at: datetime | None = None) -> Respondent:
    obj = Respondent(org_id=org.id, email=email or f"customer{next(_seq)}@example.test", name=name,
                     language=language, unsubscribed_at=unsubscribed_at)
    db.session.add(obj)
    db.session.flush()
    return obj


def answer(db, survey_: Survey, score: int, *, person: Respondent | None = None, comment: str = "",
           invited: bool = False, created_at: datetime | None = None, **kw) -> SurveyResponse:
    """A response; `invited` makes it the answer to an emailed invitation of `person`."""
    invitation = None
    if invited and person is not None:
        invitation = SurveyInvitation(org_id=survey_.org_id, survey_id=survey_.id, respondent_id=person.id,
                                      token=new_token(), sent_at=created_at, answered_at=created_at)
        db.session.add(invitation)
        db.session.flush()
    obj = SurveyResponse(org_id=survey_.org_id, survey_id=survey_.id, score=score, group=nps_group(score),
                         comment=comment, respondent_id=person.id if person else None,
                         invitation_id=invitation.id if invitation else None, **kw)
    if created_at is not None:
        obj.created_at = created_at
    db.session.add(obj)
    db.session.flush()
    return obj
