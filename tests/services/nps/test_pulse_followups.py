"""Detractor themes of a closed pulse round: one anonymous follow-up per team shown on its own, for its manager(s);
and the pulse's changes after creation (edit until the first answer, pause, close a round early)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import OutboxEmail, PulseAnswer, PulseFollowUp, PulseParticipation, PulseRound, utcnow
from ambassador.services.nps import pulse_admin, pulse_followups, pulse_mail, pulses, themes
from ambassador.services.nps.pulses import PulseData, PulseError

from .test_pulses import make_pulse, participation_of

WORKLOAD = ["The workload is far too heavy", "Werkdruk is veel te hoog", "Trop de charge de travail",
            "Salary too low", "Workload: we need more people"]


@pytest.fixture
def teams_org(db, make):
    """Team Big (6 answers: 5 detractors, 3 about the workload, in en/nl/fr), team Small (2 answers, both
    detractors about the workload), team Calm (5 answers, no detractor). Big has its own manager."""
    org = make.org(enps_min_group=5)
    big, small, calm = make.team(org, "Big"), make.team(org, "Small"), make.team(org, "Calm")
    big_manager = make.member(org, role="manager", teams=[big], kind="external")  # not asked: external
    org_manager = make.member(org, role="admin", kind="external")
    people = {big: [make.member(org, teams=[big]) for _ in range(6)],
              small: [make.member(org, teams=[small]) for _ in range(2)],
              calm: [make.member(org, teams=[calm]) for _ in range(5)]}
    _, pulse = make_pulse(make, db, org=org, teams=[big, small, calm])
    rnd = pulses.open_round(pulse=pulse, org=org)
    langs = ["en", "nl", "fr", "en", "en"]
    for i, member in enumerate(people[big]):
        score, comment = (2, WORKLOAD[i]) if i < 5 else (9, "Great place")
        pulses.answer(participation=participation_of(db, member, rnd), membership=member, score=score,
                      comment=comment, language=langs[i % 5])
    for member in people[small]:
        pulses.answer(participation=participation_of(db, member, rnd), membership=member, score=1,
                      comment="The workload is crushing")
    for member in people[calm]:
        pulses.answer(participation=participation_of(db, member, rnd), membership=member, score=9,
                      comment="Workload is fine, heavy weeks are rare")
    themes.create_theme(org_id=org.id, name="Workload", keywords_text="workload, werkdruk, charge de travail")
    return org, pulse, rnd, {"big": big, "small": small, "calm": calm}, big_manager, org_manager


def test_a_closed_round_opens_one_anonymous_follow_up_per_team_with_shared_themes(db, teams_org):
    org, pulse, rnd, teams, big_manager, org_manager = teams_org
    assert pulse_followups.open_for_round(rnd=rnd, org=org) == []  # still open: nothing yet
    later = utcnow() + timedelta(days=20)
    opened = pulse_followups.open_for_round(rnd=rnd, org=org, now=later)
    assert [f.team_id for f in opened] == [teams["big"].id]  # Small: 2 answers (< 5); Calm: no detractor
    follow_up = opened[0]
    # The organization's theme, found in English, Dutch and French: 4 of Big's 5 detractors.
    assert follow_up.themes[0] == {"theme": "Workload", "detractors": 4}
    assert all(set(t) == {"theme", "detractors"} and t["detractors"] >= 2 for t in follow_up.themes)
    assert (follow_up.answers, follow_up.detractors) == (6, 5)
    # Nothing that leads to a person: no member or answer column, no comment among the themes.
    columns = set(PulseFollowUp.__table__.columns.keys())
    assert columns == {"id", "org_id", "round_id", "team_id", "themes", "answers", "detractors", "status", "note",
                       "created_at", "resolved_at"}
    answer_ids = set(db.session.scalars(sa.select(PulseAnswer.id)))
    row = db.session.execute(sa.select(PulseFollowUp.__table__)).one()._asdict()
    assert not answer_ids & {str(v) for v in row.values()}
    comments = set(db.session.scalars(sa.select(PulseAnswer.comment)))
    assert not {t["theme"] for t in follow_up.themes} & comments
    # Addressed to Big's own manager; a team without a manager of its own: the organization's managers and admins.
    mails = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.org_id == org.id,
                                                             OutboxEmail.subject.contains("Big"))).all()
    assert [m.to for m in mails] == [big_manager.user.email]
    assert "Workload: 4 detractors" in mails[0].body_text and "Great place" not in mails[0].body_text
    assert [m.id for m in pulse_followups.addressees(team=teams["small"])] == [big_manager.id, org_manager.id]


def test_closing_or_recomputing_twice_opens_nothing_twice(db, teams_org):
    org, pulse, rnd, teams, *_ = teams_org
    later = utcnow() + timedelta(days=20)
    assert pulse_followups.rounds_to_check(now=later) == [rnd.id]
    assert pulse_followups.open_for_round_id(round_id=rnd.id, now=later) == 1
    assert pulse_followups.open_for_round_id(round_id=rnd.id, now=later) == 0
    assert pulse_followups.open_for_pulse(pulse=pulse, org=org, now=later) == 0
    assert pulse_followups.rounds_to_check(now=later) == []
    # Even a second checker that missed the first one's mark finds the unique (round, team) and opens nothing.
    rnd.themes_checked_at = None
    db.session.execute(sa.update(PulseRound).where(PulseRound.id == rnd.id).values(themes_checked_at=None))
    assert pulse_followups.open_for_round(rnd=rnd, org=org, now=later) == []
    assert db.session.scalar(sa.select(sa.func.count(PulseFollowUp.id))) == 1


def test_a_team_below_the_threshold_gets_none(db, teams_org):
    org, pulse, rnd, teams, *_ = teams_org
    org.enps_min_group = 7  # Big has 6 answers now: no team is shown on its own
    assert pulse_followups.open_for_round(rnd=rnd, org=org, now=utcnow() + timedelta(days=20)) == []
    assert db.session.scalar(sa.select(sa.func.count(PulseFollowUp.id))) == 0


def test_closing_a_round_early_stops_answers_and_reminders_and_opens_the_follow_ups(db, make, teams_org):
    org, pulse, rnd, teams, *_ = teams_org
    late = make.member(org, teams=[teams["calm"]])
    participation = PulseParticipation(org_id=org.id, round_id=rnd.id, membership_id=late.id, token="t" * 43,
                                       emailed_at=utcnow() - timedelta(days=10))
    db.session.add(participation)
    db.session.flush()
    assert participation.id in pulse_mail.due_reminders(now=utcnow() + timedelta(days=1))
    pulse_admin.close_round(rnd=rnd, org=org)
    assert rnd.closed_at is not None and pulse_admin.current_round(pulse, org) is None
    assert pulse_mail.due_reminders(now=utcnow() + timedelta(days=1)) == []
    with pytest.raises(pulses.PulseClosed):
        pulses.answer(participation=participation, membership=late, score=10)
    assert db.session.scalar(sa.select(sa.func.count(PulseFollowUp.id))) == 1  # Big's, at once
    with pytest.raises(pulses.PulseClosed):
        pulse_admin.close_round(rnd=rnd, org=org)
    with pytest.raises(PulseError):
        pulse_admin.close_round(rnd=rnd, org=make.org())


def test_a_pulse_changes_until_the_first_answer_then_only_its_title(db, make):
    org = make.org()
    sales, ops = make.team(org, "Sales"), make.team(org, "Ops")
    seller, operator = make.member(org, teams=[sales]), make.member(org, teams=[ops])
    _, pulse = make_pulse(make, db, org=org, teams=[sales], recurrence="monthly")
    rnd = pulses.open_round(pulse=pulse, org=org)
    data = pulse_admin.data_of(pulse)
    data.team_ids, data.question, data.aspects = [ops.id], {"en": "Would you recommend us?"}, [{"en": "Growth"}]
    pulse_admin.update_pulse(pulse=pulse, org=org, data=data)
    asked = set(db.session.scalars(sa.select(PulseParticipation.membership_id)
                                   .where(PulseParticipation.round_id == rnd.id)))
    assert asked == {operator.id} and [t.name for t in pulse.teams] == ["Ops"]
    assert pulse.question == {"en": "Would you recommend us?"}
    assert [a.label for a in pulse.aspects] == [{"en": "Growth"}]
    with pytest.raises(PulseError) as refused:
        pulse_admin.update_pulse(pulse=pulse, org=org, data=PulseData(title="x", team_ids=[make.team(make.org()).id]))
    assert "team_ids" in refused.value.field_errors
    pulses.answer(participation=participation_of(db, operator, rnd), membership=operator, score=8)
    changed = pulse_admin.data_of(pulse)
    changed.recurrence = "quarterly"
    with pytest.raises(PulseError) as refused:
        pulse_admin.update_pulse(pulse=pulse, org=org, data=changed)
    assert "only its title" in str(refused.value.field_errors["title"])
    assert pulse.recurrence == "monthly"
    renamed = pulse_admin.data_of(pulse)
    renamed.title = "Monthly team pulse"
    pulse_admin.update_pulse(pulse=pulse, org=org, data=renamed)
    assert pulse.title == "Monthly team pulse"
    assert seller.id not in asked


def test_a_paused_pulse_opens_no_new_round_until_resumed(db, make):
    org, pulse = make_pulse(make, db, recurrence="monthly")
    pulses.open_round(pulse=pulse, org=org)
    later = utcnow() + timedelta(days=40)
    assert pulse_mail.due_pulses(now=later) == [pulse.id]
    pulse_admin.pause(pulse=pulse)
    assert pulse_mail.due_pulses(now=later) == []
    pulse_admin.resume(pulse=pulse)
    assert pulse_mail.due_pulses(now=later) == [pulse.id]
    _, once = make_pulse(make, db, org=org)
    with pytest.raises(PulseError):
        pulse_admin.pause(pulse=once)
