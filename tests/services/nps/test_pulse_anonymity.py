"""The anonymity threshold: every filter combination on a small team, and every difference of two views."""
from __future__ import annotations

import itertools

import pytest

from ambassador.services.nps import pulses
from ambassador.services.nps.pulse_results import pulse_results

from .test_pulses import make_pulse, participation_of

COMMENTS = ["Workload is heavy", "Great colleagues", "Salary too low", "Love our products", "Workload again"]


def answered_round(db, pulse, org, team_members, answers_by_team):
    """Open a round and let `n` members of each team answer (the others stay silent)."""
    rnd = pulses.open_round(pulse=pulse, org=org)
    for team, n in answers_by_team.items():
        for i, member in enumerate(team_members[team.id][:n]):
            pulses.answer(participation=participation_of(db, member, rnd), membership=member, score=(i * 3) % 11,
                          comment=COMMENTS[i % len(COMMENTS)], aspect_scores={pulse.aspects[0].id: i % 11})
    return rnd


@pytest.fixture
def small_org(db, make):
    """Teams A (8 people), B (6), C (3), D (4): round 1 A7 B5 C2, round 2 A6 B4 C3 D1, round 3 A3 only."""
    org = make.org()
    teams = {name: make.team(org, name) for name in "ABCD"}
    sizes = {"A": 8, "B": 6, "C": 3, "D": 4}
    team_members = {}
    for name, team in teams.items():
        team_members[team.id] = [make.member(org, teams=[team]) for _ in range(sizes[name])]
    _, pulse = make_pulse(make, db, org=org, teams=list(teams.values()), aspects=["Workload"])
    a, b, c, d = (teams[n] for n in "ABCD")
    rounds = [answered_round(db, pulse, org, team_members, {a: 7, b: 5, c: 2}),
              answered_round(db, pulse, org, team_members, {a: 6, b: 4, c: 3, d: 1}),
              answered_round(db, pulse, org, team_members, {a: 3})]
    return org, pulse, teams, rounds


def n(score):
    return 0 if score is None else score.responses


@pytest.mark.parametrize("k", [3, 5, 6])
def test_no_filter_combination_shows_a_group_below_the_threshold(db, make, small_org, k):
    org, pulse, teams, rounds = small_org
    org.enps_min_group = k
    foreign_team = make.team(make.org())
    round_choices = [None, *[r.id for r in rounds], 999999]
    team_choices = [None, *[t.id for t in teams.values()], foreign_team.id]
    views = {}
    for round_id, team_id in itertools.product(round_choices, team_choices):
        view = pulse_results(pulse=pulse, org=org, round_id=round_id, team_id=team_id)
        views[round_id, team_id] = view
        shown = [view.overall, *[row.score for row in view.teams], *[p.score for p in view.trend]]
        assert all(s is None or s.responses >= k for s in shown), (round_id, team_id)
        if view.overall is None:
            assert not (view.teams or view.comments or view.keywords or view.drivers), (round_id, team_id)
        else:
            assert len(view.comments) <= view.overall.responses
            assert all(kw.responses <= view.overall.responses for kw in view.keywords)
            if team_id is None:
                assert sum(row.score.responses for row in view.teams) == view.overall.responses
        assert (round_id, team_id) not in {(999999, None)} or view.overall is None
        assert team_id != foreign_team.id or view.overall is None
    # Subtracting any view from one that contains it leaves nobody alone: 0 or at least k answers.
    contains = []
    for (r1, t1), (r2, t2) in itertools.permutations(views, 2):
        if r1 in (None, r2) and t1 in (None, t2):
            contains.append(((r1, t1), (r2, t2)))
    for outer, inner in contains:
        diff = n(views[outer].overall) - n(views[inner].overall)
        assert diff == 0 or diff >= k, (outer, inner, diff)
    # A team over all rounds is the sum of its shown rounds: no hidden round can be read off.
    for team in teams.values():
        per_round = sum(n(views[r.id, team.id].overall) for r in rounds)
        assert n(views[None, team.id].overall) == per_round
    # Every team row of the all-teams view agrees with that team's own view.
    for (round_id, team_id), view in views.items():
        if team_id is None:
            for row in view.teams:
                if row.team_id is not None:
                    assert row.score == views[round_id, row.team_id].overall


def test_what_is_hidden_at_five(db, small_org):
    org, pulse, teams, rounds = small_org
    first, second, third = rounds
    view = pulse_results(pulse=pulse, org=org, round_id=first.id)
    # C (2 answers) alone would be readable as total − A − B, so B (5, the smallest) is pooled with it.
    assert [(row.name, row.score.responses) for row in view.teams] == [("A", 7), ("other", 7)]
    assert view.hidden_teams == ["B", "C", "D"]
    assert view.overall.responses == 14 and view.comments and view.keywords
    assert pulse_results(pulse=pulse, org=org, round_id=third.id).overall is None  # 3 answers in all
    assert pulse_results(pulse=pulse, org=org, team_id=teams["C"].id).overall is None
    everything = pulse_results(pulse=pulse, org=org)
    assert everything.overall.responses == 14 + 14  # round 3 (3 answers) is not counted at all
    assert [p.score is None for p in everything.trend] == [False, False, True]


def test_detractor_themes_only_for_a_team_shown_on_its_own_and_shared_by_two(db, small_org):
    from ambassador.services.nps.pulse_followups import team_detractor_themes

    org, pulse, teams, rounds = small_org
    org.enps_min_group = 3
    first = rounds[0]
    themes = team_detractor_themes(pulse=pulse, org=org, round_id=first.id, team_id=teams["A"].id)
    # A: 7 answers; its 5 detractors wrote "Workload is heavy" ×2, "Workload again", "Great colleagues", "Salary
    # too low": workload (3) and heavy (2) are shared; salary and colleagues (one each) are nobody's theme but theirs.
    assert [(t["theme"].lower(), t["detractors"]) for t in themes] == [("workload", 3), ("heavy", 2)]
    assert team_detractor_themes(pulse=pulse, org=org, round_id=first.id, team_id=teams["C"].id) is None  # 2 answers
    assert team_detractor_themes(pulse=pulse, org=org, round_id=first.id, team_id=teams["B"].id) is None  # pooled
    org.enps_min_group = 8  # A has 7 answers: not shown on its own any more
    assert team_detractor_themes(pulse=pulse, org=org, round_id=first.id, team_id=teams["A"].id) is None
