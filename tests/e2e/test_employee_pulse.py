"""An employee pulse in a real browser: a manager creates it with the filterable team picker, an internal member
answers 10 in the app and asks for the sharing guide from the thank-you page, and the manager's results show
eNPS beside customer NPS with the small teams hidden.

Ghent (6 people) and Antwerp (5) and Tiny (1) are asked. Tiny's one answer cannot be shown, and since it could
be read off as "total minus the other teams", Antwerp (the smallest shown team) is pooled with it: the page
shows Ghent on its own and names Antwerp and Tiny as not shown on their own — never with a count.
"""
from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from ambassador.infra.tokens import new_token
from ambassador.models import Membership, Pulse, PulseParticipation, SurveyResponse, Team
from ambassador.services.nps import pulses, surveys
from ambassador.services.org import accounts
from ambassador.services.org.organizations import create_organization

from .conftest import log_in

PASSWORD = "employee pulse password"
TEAMS = {"Ghent": 6, "Antwerp": 5, "Tiny": 1, **{f"Store {n:02d}": 0 for n in range(1, 13)}}


def _seed(live_server) -> dict:
    """An organization with 15 teams (the picker's filter box matters), internal members in three of them and
    customer answers from this week."""
    with live_server.session() as session:
        owner = accounts.create_user(email="owner@pulse.test", password=PASSWORD, name="Olga Owner", verified=True)
        org = create_organization(name="Pulse Bistro", owner=owner)
        people: dict[str, list[int]] = {}
        for name, size in TEAMS.items():
            team = Team(org_id=org.id, name=name, join_token=new_token())
            session.add(team)
            people[name] = []
            for i in range(size):
                user = accounts.create_user(email=f"{name.lower()}{i}@pulse.test", password=PASSWORD,
                                            name=f"{name} {i}", verified=True)
                member = Membership(org_id=org.id, user_id=user.id, role="ambassador", kind="internal",
                                    source="invite", teams=[team])
                session.add(member)
                session.flush()
                people[name].append(member.id)
        survey = surveys.create_survey(org=org, created_by=owner, data=surveys.SurveyData(title="Visit",
                                                                                           status="open"))
        for score in (10, 10, 9, 9, 8, 3):
            session.add(SurveyResponse(org_id=org.id, survey_id=survey.id, score=score,
                                       group="promoter" if score >= 9 else "passive" if score >= 7 else "detractor"))
        return {"org": org.id, "people": people}


def _others_answer(live_server, ids: dict) -> None:
    """Everyone asked but the member who answers in the browser: through the service, as the app does."""
    with live_server.session() as session:
        pulse = session.scalar(sa.select(Pulse).where(Pulse.org_id == ids["org"]))
        for name in ("Ghent", "Antwerp", "Tiny"):
            for i, membership_id in enumerate(ids["people"][name]):
                if name == "Ghent" and i == 0:
                    continue
                member = session.get(Membership, membership_id)
                participation = session.scalar(sa.select(PulseParticipation).where(
                    PulseParticipation.membership_id == membership_id,
                    PulseParticipation.round_id == pulse.rounds[0].id))
                pulses.answer(participation=participation, membership=member, score=(3 + 2 * i) % 11,
                              comment="Workload is heavy" if i % 2 else "")


def test_a_manager_runs_a_pulse_a_promoter_opts_in_and_results_sit_beside_customer_nps(new_context, live_server):
    ids = _seed(live_server)

    # The manager creates the pulse, finding the three teams with the picker's filter box.
    manager = new_context().new_page()
    log_in(manager, "owner@pulse.test", PASSWORD)
    manager.goto("/pulses")
    manager.get_by_label("Title", exact=True).fill("Autumn pulse")
    finder = manager.get_by_label("Find a team")
    expect(finder).to_be_visible()  # editor.js shows the filter box
    for name in ("Ghent", "Antwerp", "Tiny"):
        finder.fill(name)
        expect(manager.get_by_label("Store 01")).to_be_hidden()
        manager.get_by_label(name, exact=True).check()
    finder.fill("")
    expect(manager.get_by_text("Teams shown: 15 of 15. Ticked: 3.")).to_be_visible()
    manager.get_by_label("How often").select_option("once")
    manager.get_by_role("button", name="Create and send the first round").click()
    expect(manager).to_have_url(re.compile(r"/pulses/\d+$"))
    expect(manager.get_by_text("The pulse is open")).to_be_visible()

    # An internal member of Ghent answers 10 in the app and asks for the sharing guide.
    member = new_context().new_page()
    log_in(member, "ghent0@pulse.test", PASSWORD)
    member.goto("/pulse")
    member.get_by_label("10 out of 10").check()
    member.get_by_label("What is the main reason for your score? (optional)").fill("Proud of our kitchen")
    member.get_by_role("button", name="Send my answer").click()
    expect(member.get_by_role("heading", name="Thank you for your answer!")).to_be_visible()
    member.get_by_role("button", name="Yes, show me where to start").click()
    expect(member).to_have_url(re.compile(r"/feed$"))
    expect(member.get_by_role("heading", name="Start here")).to_be_visible()
    member.goto("/pulse")
    expect(member.get_by_text("There is no pulse waiting for your answer")).to_be_visible()  # once per round

    # The others answer; the manager's results: eNPS beside customer NPS, the small teams hidden.
    _others_answer(live_server, ids)
    manager.reload()
    expect(manager.get_by_text("12 of 12 members asked have answered.")).to_be_visible()
    expect(manager.locator(".stat").filter(has_text="Employee NPS (eNPS)")).to_be_visible()
    customer = manager.locator(".stat").filter(has_text="Customer NPS, same period")
    expect(customer).to_contain_text("+50")  # 4 promoters, 1 detractor of 6
    by_team = manager.get_by_role("region", name="By team")
    expect(by_team.get_by_role("row", name=re.compile("^Ghent"))).to_be_visible()
    expect(by_team.get_by_role("row", name=re.compile("Other teams \\(pooled\\)"))).to_be_visible()
    expect(by_team.get_by_role("row", name=re.compile("^(Antwerp|Tiny)"))).to_have_count(0)
    expect(by_team).to_contain_text("Not shown on their own (too few answers, pooled in “Other teams”): Antwerp, Tiny")
    manager.get_by_label("Team", exact=True).select_option(label="Tiny")
    manager.get_by_role("button", name="Show").click()
    expect(manager.get_by_text("Nothing to show for this choice")).to_be_visible()
    with live_server.session() as session:  # the member's answer is there, with nothing that points at them
        assert session.scalar(sa.select(Membership.share_nudge_at).where(
            Membership.id == ids["people"]["Ghent"][0])) is not None
