"""NPS arithmetic, margin of error, response rate, trend and breakdowns (aggregated in SQL)."""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest

from ambassador.infra.tokens import new_token
from ambassador.models import Respondent, Survey, SurveyInvitation, SurveyResponse, nps_group
from ambassador.services.nps import results as nps_results
from ambassador.services.nps.results import NpsScore


def _survey(db, org, title="Survey"):
    survey = Survey(org_id=org.id, title=title, status="open", public_token=new_token(), question={},
                    follow_up_question={}, thank_you={})
    db.session.add(survey)
    db.session.flush()
    return survey


def _answer(db, survey, score, at=None, **kw):
    response = SurveyResponse(org_id=survey.org_id, survey_id=survey.id, score=score, group=nps_group(score),
                              created_at=at or datetime(2025, 3, 5, 12), **kw)
    db.session.add(response)
    db.session.flush()
    return response


# --- Arithmetic ------------------------------------------------------------------------------

def test_no_answers_has_no_score_and_no_margin():
    empty = NpsScore()
    assert (empty.nps, empty.score, empty.margin, empty.small_sample) == (None, None, None, False)


@pytest.mark.parametrize(("p", "m", "d", "expected"), [
    (5, 0, 0, 100), (0, 0, 5, -100), (1, 0, 1, 0), (0, 3, 0, 0), (1, 2, 0, 33), (0, 2, 1, -33),
    (1, 7, 0, 13), (0, 7, 1, -13),  # 12.5 → 13 and −12.5 → −13: halves away from zero
    (50, 30, 20, 30),
])
def test_nps_is_percent_promoters_minus_percent_detractors(p, m, d, expected):
    score = NpsScore(responses=p + m + d, promoters=p, passives=m, detractors=d)
    assert score.score == expected
    assert score.nps == pytest.approx(100 * (p - d) / (p + m + d))


def test_margin_of_error_values():
    # p_p = .5, p_d = .2, n = 100: SE = sqrt((.7 − .09)/100) × 100 = 7.810, margin = 1.96 × SE = 15.31
    score = NpsScore(responses=100, promoters=50, passives=30, detractors=20)
    assert score.standard_error == pytest.approx(math.sqrt(0.61 / 100) * 100)
    assert score.margin == pytest.approx(15.308, abs=0.001)
    assert score.small_sample is False
    # One promoter and one detractor: the widest spread, SE = sqrt(1/2) × 100
    pair = NpsScore(responses=2, promoters=1, detractors=1)
    assert pair.standard_error == pytest.approx(70.7107, abs=0.001)
    # ±139 would run past the whole −100…+100 scale: below MIN_FOR_MARGIN answers there is no margin
    assert (pair.margin, pair.too_few, pair.small_sample) == (None, True, True)
    assert NpsScore(responses=1, promoters=1).margin is None  # not "±0": one answer is no certainty
    nine = NpsScore(responses=9, promoters=5, detractors=4)
    assert nine.margin is None and nine.too_few
    ten = NpsScore(responses=10, promoters=5, detractors=5)
    assert ten.margin == pytest.approx(1.96 * 100 * math.sqrt(1 / 10)) and not ten.too_few  # the widest: ±62
    # Everyone agrees: no spread at all
    assert NpsScore(responses=10, promoters=10).margin == 0
    assert NpsScore(responses=29, passives=29).small_sample and not NpsScore(responses=30, passives=30).small_sample


# --- SQL aggregates ---------------------------------------------------------------------------

def test_summary_counts_the_groups_of_one_survey_or_all(db, make):
    org = make.org()
    first, second = _survey(db, org, "First"), _survey(db, org, "Second")
    for score in (10, 9, 9, 8, 3):
        _answer(db, first, score)
    _answer(db, second, 0)
    one = nps_results.summary(org_id=org.id, survey_id=first.id)
    assert (one.responses, one.promoters, one.passives, one.detractors, one.score) == (5, 3, 1, 1, 40)
    both = nps_results.summary(org_id=org.id)
    assert (both.responses, both.detractors, both.score) == (6, 2, 17)
    assert nps_results.summary(org_id=org.id, survey_id=_survey(db, org).id).score is None


def test_breakdowns_by_store_employee_segment_and_survey(db, make):
    org = make.org()
    survey, other = _survey(db, org, "Spring"), _survey(db, org, "Autumn")
    # Gent: all helped by Sofie, all detractors — "were they all helped by the same employee?"
    for score in (2, 4, 6):
        _answer(db, survey, score, store="Gent", employee="Sofie", segment="retail")
    for score in (10, 9, 7):
        _answer(db, survey, score, store="Brugge", employee="Jan", segment="retail")
    _answer(db, survey, 9, store="Brugge", employee="Sofie")
    _answer(db, other, 10, store="Gent", employee="Jan", segment="online")

    stores = {b.label: b.score for b in nps_results.breakdown(org_id=org.id, by="store", survey_id=survey.id)}
    assert stores["Gent"].score == -100 and stores["Gent"].responses == 3
    assert stores["Brugge"].score == 75 and stores["Brugge"].responses == 4
    employees = nps_results.breakdown(org_id=org.id, by="employee", survey_id=survey.id)
    assert [(b.label, b.score.responses, b.score.score) for b in employees] == [("Sofie", 4, -50), ("Jan", 3, 67)]
    segments = {b.label: b.score.responses for b in nps_results.breakdown(org_id=org.id, by="segment")}
    assert segments == {"retail": 6, "online": 1, "": 1}
    by_survey = {b.label: b.score.score for b in nps_results.breakdown(org_id=org.id, by="survey")}
    assert by_survey == {"Spring": 0, "Autumn": 100}
    with pytest.raises(ValueError):
        nps_results.breakdown(org_id=org.id, by="respondent")


def test_trend_per_local_week_and_month(db, make):
    org = make.org(timezone="Europe/Brussels")
    survey = _survey(db, org)
    now = datetime(2025, 3, 12, 10)  # a Wednesday
    # Monday 10 March 00:30 in Brussels is Sunday 9 March 23:30 UTC: it belongs to the week of the 10th.
    _answer(db, survey, 10, at=datetime(2025, 3, 9, 23, 30))
    _answer(db, survey, 0, at=datetime(2025, 3, 9, 22, 30))  # Sunday 23:30 local: the week before
    _answer(db, survey, 9, at=datetime(2025, 3, 3, 8))
    _answer(db, survey, 5, at=datetime(2025, 1, 15, 8))
    _answer(db, survey, 8, at=datetime(2024, 1, 15, 8))  # older than the months shown

    weeks = nps_results.trend(org=org, unit="week", survey_id=survey.id, now=now)
    assert len(weeks) == nps_results.TREND_WEEKS
    assert weeks[-1].start == date(2025, 3, 10) and weeks[-1].score.responses == 1 and weeks[-1].score.score == 100
    assert weeks[-2].start == date(2025, 3, 3)
    assert (weeks[-2].score.responses, weeks[-2].score.score) == (2, 0)
    assert weeks[0].start == date(2025, 3, 10) - timedelta(weeks=11)

    months = nps_results.trend(org=org, unit="month", survey_id=survey.id, now=now)
    assert [m.start for m in months][-3:] == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
    assert months[0].start == date(2024, 4, 1)
    counts = {m.start: (m.score.responses, m.score.score) for m in months if m.score.responses}
    assert counts == {date(2025, 1, 1): (1, -100), date(2025, 3, 1): (3, 33)}


def test_response_rate_counts_sent_invitations_and_public_answers_apart(db, make):
    org = make.org()
    survey = _survey(db, org)
    invitations = []
    for n in range(4):
        respondent = Respondent(org_id=org.id, email=f"r{n}@example.test")
        db.session.add(respondent)
        db.session.flush()
        invitation = SurveyInvitation(org_id=org.id, survey_id=survey.id, respondent_id=respondent.id,
                                      token=new_token(), sent_at=datetime(2025, 3, 1) if n < 3 else None)
        db.session.add(invitation)
        invitations.append(invitation)
    db.session.flush()
    invitations[0].answered_at = datetime(2025, 3, 2)
    _answer(db, survey, 9, invitation_id=invitations[0].id)
    _answer(db, survey, 7)
    _answer(db, survey, 2)
    rate = nps_results.response_rate(org_id=org.id, survey_id=survey.id)
    assert (rate.sent, rate.answered, rate.public_answers, rate.percent) == (3, 1, 2, 33)
    assert nps_results.response_rate(org_id=make.org().id).percent is None


def test_results_of_one_organization_never_include_another(db, make):
    org, other = make.org(), make.org()
    mine, theirs = _survey(db, org), _survey(db, other)
    _answer(db, mine, 10, store="Gent")
    for _ in range(3):
        _answer(db, theirs, 0, store="Secret store")
    report = nps_results.results(org=org, now=datetime(2025, 3, 12))
    assert report.overall.responses == 1 and report.overall.score == 100
    assert [b.label for b in report.breakdowns["store"]] == ["Gent"]
    assert sum(w.score.responses for w in report.weeks) == 1
    assert nps_results.scores_by_survey(org_id=org.id).keys() == {mine.id}
    one = nps_results.results(org=org, survey_id=mine.id, now=datetime(2025, 3, 12))
    assert "survey" not in one.breakdowns


def test_the_trend_starts_at_the_first_answer(db, make):
    org = make.org(timezone="Europe/Brussels")
    survey = _survey(db, org)
    now = datetime(2025, 3, 12, 10)  # Wednesday
    assert nps_results.trend(org=org, unit="week", survey_id=survey.id, now=now) == []  # no answers, no periods
    assert nps_results.results(org=org, survey_id=survey.id, now=now).months == []

    _answer(db, survey, 9, at=datetime(2025, 3, 12, 9))  # a survey created today: one period each
    weeks = nps_results.trend(org=org, unit="week", survey_id=survey.id, now=now)
    months = nps_results.trend(org=org, unit="month", survey_id=survey.id, now=now)
    assert [(b.start, b.score.responses) for b in weeks] == [(date(2025, 3, 10), 1)]
    assert [(b.start, b.score.responses) for b in months] == [(date(2025, 3, 1), 1)]

    # Monday 17 Feb 00:30 in Brussels (Sunday 23:30 UTC): the first week is the 17th's; the empty weeks between stay
    _answer(db, survey, 3, at=datetime(2025, 2, 16, 23, 30))
    other = _survey(db, org, "Other")
    _answer(db, other, 5, at=datetime(2024, 6, 1))  # another survey's older answer does not move this start
    weeks = nps_results.trend(org=org, unit="week", survey_id=survey.id, now=now)
    assert [b.start for b in weeks] == [date(2025, 2, 17), date(2025, 2, 24), date(2025, 3, 3), date(2025, 3, 10)]
    assert [b.score.responses for b in weeks] == [1, 0, 0, 1]
    months = nps_results.trend(org=org, unit="month", survey_id=survey.id, now=now)
    assert [(b.start, b.score.responses) for b in months] == [(date(2025, 2, 1), 1), (date(2025, 3, 1), 1)]
    # all surveys together start with the oldest answer, at most TREND_MONTHS back
    everything = nps_results.trend(org=org, unit="month", now=now)
    assert everything[0].start == date(2024, 6, 1) and len(everything) == 10
    report = nps_results.results(org=org, survey_id=survey.id, now=now)
    assert report.first_answer_at == datetime(2025, 2, 16, 23, 30)
