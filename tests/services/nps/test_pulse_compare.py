"""eNPS beside customer NPS: the same calendar periods, per team paired with a customer segment or store (else
the one of its name)."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from ambassador.models import PulseParticipation, SurveyResponse, nps_group
from ambassador.services.nps import pulses
from ambassador.services.nps.pulse_compare import (
    PairingError,
    customer_places,
    pair_teams,
    period_of,
    side_by_side,
)

from .test_pulses import make_pulse
from .test_surveys import make_survey


def _customer(db, survey, score, at, store="", segment=""):
    db.session.add(SurveyResponse(org_id=survey.org_id, survey_id=survey.id, score=score, group=nps_group(score),
                                  store=store, segment=segment, created_at=at))


def test_rounds_stand_for_their_month_or_quarter(db, make):
    org = make.org(timezone="Europe/Brussels")
    _, quarterly = make_pulse(make, db, org=org, recurrence="quarterly")
    rnd = pulses.open_round(pulse=quarterly, org=org, now=datetime(2026, 11, 30, 22, 30))  # 1 Dec in Brussels
    assert period_of(rnd, quarterly, org) == (datetime(2026, 10, 1).date(), datetime(2026, 12, 31).date())
    _, monthly = make_pulse(make, db, org=org, recurrence="monthly")
    rnd = pulses.open_round(pulse=monthly, org=org, now=datetime(2026, 12, 31, 10, 0))
    assert period_of(rnd, monthly, org) == (datetime(2026, 12, 1).date(), datetime(2026, 12, 31).date())
    _, once = make_pulse(make, db, org=org, days_open=5)
    rnd = pulses.open_round(pulse=once, org=org, now=datetime(2026, 12, 10, 10, 0))
    assert period_of(rnd, once, org) == (datetime(2026, 12, 10).date(), datetime(2026, 12, 14).date())


def test_enps_beside_customer_nps_of_the_same_quarter_and_per_team(db, make):
    org = make.org(timezone="Europe/Brussels", enps_min_group=3)
    ghent, tiny = make.team(org, "Ghent"), make.team(org, "Tiny")
    staff = [make.member(org, teams=[ghent]) for _ in range(4)] + [make.member(org, teams=[tiny]) for _ in range(3)]
    _, pulse = make_pulse(make, db, org=org, teams=[ghent, tiny], recurrence="quarterly", days_open=30)
    opened = datetime(2026, 11, 2, 9, 0)
    rnd = pulses.open_round(pulse=pulse, org=org, now=opened)
    for member, score in zip(staff, (10, 9, 3, 8, 9, 10, 9), strict=True):
        participation = db.session.scalar(sa.select(PulseParticipation).where(
            PulseParticipation.round_id == rnd.id, PulseParticipation.membership_id == member.id))
        pulses.answer(participation=participation, membership=member, score=score, now=opened)
    survey = make_survey(make, db, org=org)
    _customer(db, survey, 10, datetime(2026, 10, 5), store="ghent")  # same quarter, the team's store
    _customer(db, survey, 2, datetime(2026, 12, 20), store="Ghent")
    _customer(db, survey, 9, datetime(2026, 12, 20), store="Antwerp")
    _customer(db, survey, 0, datetime(2026, 9, 30, 21, 59))  # 30 Sept 23:59 in Brussels: the quarter before
    db.session.flush()
    (pair,) = side_by_side(pulse=pulse, org=org)
    assert (pair.employee.responses, pair.employee.score) == (7, 57)  # 5 promoters, 1 detractor of 7
    assert (pair.customer.responses, pair.customer.score) == (3, 33)
    assert [(t.name, t.employee.responses, t.customer.responses) for t in pair.teams] == [("Ghent", 4, 2)]
    org.enps_min_group = 8  # fewer answers than the threshold: the eNPS is hidden, customer NPS is not
    (pair,) = side_by_side(pulse=pulse, org=org)
    assert pair.employee is None and pair.teams == [] and pair.customer.responses == 3


def test_a_team_paired_with_a_segment_is_shown_beside_that_segments_customers(db, make):
    org = make.org(timezone="Europe/Brussels", enps_min_group=3)
    kitchen, ghent = make.team(org, "Kitchen"), make.team(org, "Ghent")
    staff = [make.member(org, teams=[kitchen]) for _ in range(3)] + [make.member(org, teams=[ghent]) for _ in range(3)]
    _, pulse = make_pulse(make, db, org=org, teams=[kitchen, ghent], recurrence="quarterly")
    opened = datetime(2026, 11, 2, 9, 0)
    rnd = pulses.open_round(pulse=pulse, org=org, now=opened)
    for member in staff:
        participation = db.session.scalar(sa.select(PulseParticipation).where(
            PulseParticipation.round_id == rnd.id, PulseParticipation.membership_id == member.id))
        pulses.answer(participation=participation, membership=member, score=9, now=opened)
    survey = make_survey(make, db, org=org)
    _customer(db, survey, 10, datetime(2026, 11, 5), segment="Dinner")
    _customer(db, survey, 3, datetime(2026, 11, 6), segment="dinner", store="Ghent")
    _customer(db, survey, 9, datetime(2026, 11, 7), store="Antwerp")
    db.session.flush()
    assert customer_places(org=org) == ["Antwerp", "Dinner", "Ghent"]
    (pair,) = side_by_side(pulse=pulse, org=org)
    assert [(t.name, t.place, t.customer.responses) for t in pair.teams] == [("Ghent", "Ghent", 1)]  # by name
    pair_teams(org=org, places={kitchen.id: "DINNER", ghent.id: "Antwerp"})
    assert (kitchen.customer_place, ghent.customer_place) == ("Dinner", "Antwerp")
    (pair,) = side_by_side(pulse=pulse, org=org)
    assert [(t.name, t.place, t.customer.responses, t.customer.score) for t in pair.teams] == [
        ("Ghent", "Antwerp", 1, 100), ("Kitchen", "Dinner", 2, 0)]
    # A place no customer answer carries, or another organization's team: refused, nothing changed.
    with pytest.raises(PairingError) as refused:
        pair_teams(org=org, places={kitchen.id: "Lunch", ghent.id: ""})
    assert f"place_{kitchen.id}" in refused.value.field_errors and ghent.customer_place == "Antwerp"
    with pytest.raises(PairingError):
        pair_teams(org=org, places={make.team(make.org()).id: "Dinner"})
    pair_teams(org=org, places={ghent.id: ""})  # back to the store of its name
    assert ghent.customer_place == ""
