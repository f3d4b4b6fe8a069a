"""Test helpers for NPS insights: surveys, aspects, responses and themes written directly."""
from __future__ import annotations

import itertools

from ambassador.models import AspectScore, Organization, Survey, SurveyAspect, SurveyResponse, Theme, nps_group

_seq = itertools.count(1)


def survey(db, org: Organization, title: str | None = None, aspects: tuple[str, ...] = ()) -> Survey:
    n = next(_seq)
    item = Survey(org_id=org.id, title=title or f"Survey {n}", status="open", public_token=f"insights-token-{n}")
    for position, label in enumerate(aspects):
        item.aspects.append(SurveyAspect(position=position, label={"en": label}))
    db.session.add(item)
    db.session.flush()
    return item


def response(db, item: Survey, score: int, comment: str = "", language: str = "en",
             aspects: dict[str, int] | None = None) -> SurveyResponse:
    answer = SurveyResponse(org_id=item.org_id, survey_id=item.id, score=score, group=nps_group(score),
                            comment=comment, language=language)
    db.session.add(answer)
    db.session.flush()
    by_label = {a.label["en"]: a for a in item.aspects}
    for label, value in (aspects or {}).items():
        db.session.add(AspectScore(response_id=answer.id, aspect_id=by_label[label].id, score=value))
    db.session.flush()
    return answer


def theme(db, org: Organization, name: str, *keywords: str) -> Theme:
    item = Theme(org_id=org.id, name=name, keywords=list(keywords))
    db.session.add(item)
    db.session.flush()
    return item
