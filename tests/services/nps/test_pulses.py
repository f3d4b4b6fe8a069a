"""Employee NPS pulses: answers kept apart from participation, once per member per round, points for taking part."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import PointsEntry, PulseAnswer, PulseAspectAnswer, PulseParticipation, utcnow
from ambassador.services.nps import pulses
from ambassador.services.nps.pulses import PulseData, PulseError


def make_pulse(make, db, org=None, teams=(), aspects=(), **kw):
    org = org or make.org()
    pulse = pulses.create_pulse(org=org, data=PulseData(title="Q4 pulse", team_ids=[t.id for t in teams],
                                                        aspects=[{"en": a} for a in aspects], **kw))
    return org, pulse


def participation_of(db, member, rnd):
    return db.session.scalar(sa.select(PulseParticipation).where(PulseParticipation.round_id == rnd.id,
                                                                 PulseParticipation.membership_id == member.id))


def test_a_round_asks_the_active_internal_members_of_the_chosen_teams(db, make):
    org = make.org()
    sales, ops = make.team(org, "Sales"), make.team(org, "Ops")
    asked = [make.member(org, teams=[sales]), make.member(org, teams=[sales, ops])]
    make.member(org, teams=[ops])  # another team
    make.member(org, kind="external", teams=[sales])  # customers are not asked
    make.member(org, teams=[sales], status="deactivated")
    _, pulse = make_pulse(make, db, org=org, teams=[sales])
    rnd = pulses.open_round(pulse=pulse, org=org)
    ids = db.session.scalars(sa.select(PulseParticipation.membership_id).where(PulseParticipation.round_id == rnd.id))
    assert sorted(ids) == sorted(m.id for m in asked)


def test_bad_input_is_refused_and_nothing_is_written(db, make):
    org = make.org()
    other_team = make.team(make.org())
    for data, field in ((PulseData(title=" "), "title"), (PulseData(title="x", recurrence="weekly"), "recurrence"),
                        (PulseData(title="x", team_ids=[other_team.id]), "team_ids"),
                        (PulseData(title="x", days_open=0), "days_open")):
        with pytest.raises(PulseError) as refused:
            pulses.create_pulse(org=org, data=data)
        assert field in refused.value.field_errors
    from ambassador.models import Pulse
    assert db.session.scalar(sa.select(sa.func.count(Pulse.id)).where(Pulse.org_id == org.id)) == 0


def test_the_answer_row_carries_no_member_no_time_and_a_random_id(db, make):
    assert {c.name for c in PulseAnswer.__table__.columns} == {
        "id", "org_id", "round_id", "team_id", "score", "group", "comment", "language"}
    assert not any(isinstance(c.type, sa.DateTime | sa.Date) for c in PulseAnswer.__table__.columns)
    assert {c.name for c in PulseParticipation.__table__.columns}.isdisjoint({"score", "comment", "answered_at"})
    org = make.org()
    team = make.team(org)
    members = [make.member(org, teams=[team]) for _ in range(20)]
    _, pulse = make_pulse(make, db, org=org, teams=[team])
    rnd = pulses.open_round(pulse=pulse, org=org)
    written = [pulses.answer(participation=participation_of(db, m, rnd), membership=m, score=i % 11).id
               for i, m in enumerate(members)]
    assert len(set(written)) == 20
    assert written != sorted(written)  # ids do not follow the order of answering (1 in 20! by chance)
    if db.engine.dialect.name == "sqlite":  # no rowid: the table is kept in (random) id order
        stored = db.session.scalars(sa.select(PulseAnswer.id).where(PulseAnswer.round_id == rnd.id)).all()
        assert stored == sorted(written)


def test_one_answer_per_member_per_round_and_only_their_own(db, make):
    org = make.org()
    team = make.team(org)
    me, colleague = make.member(org, teams=[team]), make.member(org, teams=[team])
    _, pulse = make_pulse(make, db, org=org, teams=[team], aspects=["Workload"])
    rnd = pulses.open_round(pulse=pulse, org=org)
    mine = participation_of(db, me, rnd)
    assert pulses.open_participation(membership=me) == mine
    with pytest.raises(PulseError):
        pulses.answer(participation=mine, membership=colleague, score=9)
    for bad in (11, -1, "x"):
        with pytest.raises(PulseError):
            pulses.answer(participation=mine, membership=me, score=bad)
    with pytest.raises(PulseError):
        pulses.answer(participation=mine, membership=me, score=8, aspect_scores={pulse.aspects[0].id: 12})
    assert not mine.answered
    row = pulses.answer(participation=mine, membership=me, score=9, comment=" Great team ",
                        aspect_scores={pulse.aspects[0].id: "7"}, language="nl")
    assert (row.group, row.comment, row.team_id, row.language) == ("promoter", "Great team", team.id, "nl")
    assert db.session.scalar(sa.select(PulseAspectAnswer.score).where(PulseAspectAnswer.answer_id == row.id)) == 7
    assert mine.answered and pulses.open_participation(membership=me) is None
    with pytest.raises(PulseError):
        pulses.answer(participation=mine, membership=me, score=3)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PulseAnswer)
                             .where(PulseAnswer.round_id == rnd.id)) == 1


def test_a_closed_round_takes_no_answer(db, make):
    org = make.org()
    team = make.team(org)
    me = make.member(org, teams=[team])
    _, pulse = make_pulse(make, db, org=org, teams=[team], days_open=3)
    rnd = pulses.open_round(pulse=pulse, org=org, now=utcnow() - timedelta(days=5))
    with pytest.raises(pulses.PulseClosed):
        pulses.answer(participation=participation_of(db, me, rnd), membership=me, score=9)
    assert pulses.open_participation(membership=me) is None


def test_taking_part_earns_capped_points_whatever_the_score(db, make):
    org = make.org(points_survey=20, daily_community_points_cap=30)
    team = make.team(org)
    me = make.member(org, teams=[team])
    _, pulse = make_pulse(make, db, org=org, teams=[team])
    first, second = pulses.open_round(pulse=pulse, org=org), pulses.open_round(pulse=pulse, org=org)
    pulses.answer(participation=participation_of(db, me, first), membership=me, score=0)
    pulses.answer(participation=participation_of(db, me, second), membership=me, score=10)
    points = db.session.scalars(sa.select(PointsEntry.points).where(PointsEntry.membership_id == me.id,
                                                                    PointsEntry.reason == "pulse")).all()
    assert sorted(points) == [10, 20]  # a detractor earns as much as a promoter; the daily cap holds


def test_the_threshold_is_an_organization_setting_never_below_three(db, make):
    from ambassador.services.org.settings import OrgSettings, SettingsError, update_settings

    org = make.org()
    keep = {key: getattr(org, key) for key in OrgSettings.fields() if key not in ("enps_min_group", "post_languages")}
    for bad in (2, 0, "five", 51):
        with pytest.raises(SettingsError) as refused:
            update_settings(org=org, settings=OrgSettings(**keep, enps_min_group=bad))
        assert "enps_min_group" in refused.value.field_errors
    assert org.enps_min_group == 5
    update_settings(org=org, settings=OrgSettings(**keep, enps_min_group=3))
    assert org.enps_min_group == 3
    update_settings(org=org, settings=OrgSettings(**keep))  # a form without the field keeps the value
    assert org.enps_min_group == 3
