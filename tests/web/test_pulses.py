"""Employee pulse pages: a manager creates a pulse and reads results that hide small groups; a member answers
once, and a promoter may ask to be led to sharing."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ambassador.jobs import tasks
from ambassador.models import OutboxEmail, Pulse, PulseAnswer, PulseParticipation, utcnow


def _setup(make):
    org = make.org()
    team, small = make.team(org, "Ghent"), make.team(org, "Tiny")
    manager = make.member(org, role="manager")
    people = [make.member(org, teams=[team]) for _ in range(6)] + [make.member(org, teams=[small])]
    return org, team, small, manager, people


def test_a_manager_runs_a_pulse_and_sees_no_small_group(db, make, client, login):
    org, team, small, manager, people = _setup(make)
    login(manager.user)
    page = client.post("/pulses", data={"title": "Quarterly pulse", "teams": [team.id, small.id],
                                        "recurrence": "quarterly", "days_open": 14, "aspects": "Workload\nGrowth",
                                        "question_nl": "Zou je werken bij ons aanraden?"})
    assert page.status_code == 302
    pulse = db.session.scalar(sa.select(Pulse).where(Pulse.org_id == org.id))
    assert pulse.question == {"nl": "Zou je werken bij ons aanraden?"}
    assert db.session.scalar(sa.select(sa.func.count(PulseParticipation.id))) == 7
    client.post("/logout")
    for i, person in enumerate(people):
        login(person.user)
        form = client.get("/pulse").get_data(as_text=True)
        assert "What managers see, and what they never see" in form
        assert "How likely are you to recommend working here to a friend?" in form  # English: the standard one
        if i == 0:
            assert "Zou je werken bij ons aanraden?" in client.get(
                "/pulse", headers={"Accept-Language": "nl"}).get_data(as_text=True)
        answer = {"score": str(10 if i % 2 else 3), "comment": f"Comment {i} about the workload",
                  f"aspect_{pulse.aspects[0].id}": "6"}
        assert client.post("/pulse", data=answer).status_code == 302
        assert client.post("/pulse", data=answer).status_code == 200  # nothing left to answer
        client.post("/logout")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PulseAnswer)) == 7
    login(manager.user)
    html = client.get(f"/pulses/{pulse.id}").get_data(as_text=True)
    assert "Other teams (pooled)" in html and "Tiny" in html  # named as hidden, never counted
    assert "7 of 7 members asked have answered." in html
    tiny = client.get(f"/pulses/{pulse.id}?team={small.id}").get_data(as_text=True)
    assert "Nothing to show for this choice" in tiny and "Comment 6" not in tiny
    ghent = client.get(f"/pulses/{pulse.id}?round={pulse.rounds[0].id}&team={team.id}").get_data(as_text=True)
    # Tiny (1 answer) could be read off as total − Ghent, so Ghent is pooled with it and not shown alone.
    assert "Nothing to show for this choice" in ghent and "Detractor themes" not in ghent
    assert client.get(f"/pulses/{pulse.id}/beside-customers").status_code == 200


def test_another_organizations_pulse_is_a_404(db, make, client, login):
    org, team, small, manager, people = _setup(make)
    other_org, _, _, other_manager, _ = _setup(make)
    login(other_manager.user)
    client.post("/pulses", data={"title": "Theirs", "recurrence": "once", "days_open": 7})
    theirs = db.session.scalar(sa.select(Pulse).where(Pulse.org_id == other_org.id))
    client.post("/logout")
    login(manager.user)
    assert client.get(f"/pulses/{theirs.id}").status_code == 404
    assert client.post(f"/pulses/{theirs.id}/rounds").status_code == 404


def test_a_promoter_can_ask_for_the_sharing_nudge_and_others_cannot(db, make, client, login):
    org, team, small, manager, people = _setup(make)
    login(manager.user)
    client.post("/pulses", data={"title": "P", "teams": [team.id], "recurrence": "once", "days_open": 7})
    client.post("/logout")
    promoter, detractor = people[0], people[1]
    login(detractor.user)
    client.post("/pulse", data={"score": "4"})
    assert "Yes, show me where to start" not in client.get("/pulse/thanks").get_data(as_text=True)
    assert client.post("/pulse/thanks").status_code == 400
    client.post("/logout")
    login(promoter.user)
    client.post("/pulse", data={"score": "9"})
    assert "Yes, show me where to start" in client.get("/pulse/thanks").get_data(as_text=True)
    assert client.post("/pulse/thanks").headers["Location"].endswith("/feed")
    db.session.refresh(promoter)
    db.session.refresh(detractor)
    assert promoter.share_nudge_at is not None and detractor.share_nudge_at is None
    client.get("/feed")  # the flash
    assert "Hide this guide" in client.get("/feed").get_data(as_text=True)  # the guide stays until hidden
    client.post("/pulse/nudge/dismiss")
    assert "Hide this guide" not in client.get("/feed").get_data(as_text=True)


def test_the_emailed_link_opens_the_answer_with_the_score_chosen_and_send_records_it(db, make, client, login):
    org, team, small, manager, people = _setup(make)
    login(manager.user)
    client.post("/pulses", data={"title": "P", "teams": [small.id], "recurrence": "monthly", "days_open": 10})
    client.post("/logout")
    pulse = db.session.scalar(sa.select(Pulse).where(Pulse.org_id == org.id))
    assert tasks.run_employee_pulses() == {"opened": 0, "sent": 1, "reminded": 0}
    assert tasks.run_employee_pulses() == {"opened": 0, "sent": 0, "reminded": 0}  # never twice
    mail = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.org_id == org.id)).one()
    assert mail.to == people[-1].user.email and "anonymous" in mail.body_text
    participation = db.session.scalar(sa.select(PulseParticipation))
    link = f"/pulse/t/{participation.token}?score=9"
    assert link in mail.body_text.replace("http://localhost", "")
    page = client.get(link).get_data(as_text=True)
    assert 'value="9" checked' in page and not participation.answered  # opening the link answers nothing
    later = utcnow() + timedelta(days=6)
    assert tasks.run_employee_pulses(now=later)["reminded"] == 1
    assert client.post(f"/pulse/t/{participation.token}", data={"score": "9"}).status_code == 302
    db.session.refresh(participation)
    assert participation.answered
    assert tasks.run_employee_pulses(now=later)["reminded"] == 0
    assert tasks.run_employee_pulses(now=utcnow() + timedelta(days=32))["opened"] == 1  # monthly: the next round
    db.session.refresh(pulse)
    assert [r.number for r in pulse.rounds] == [1, 2]
