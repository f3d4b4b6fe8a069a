"""Employee pulse pages: a manager creates a pulse and reads results that hide small groups; a member answers
once, and a promoter may ask to be led to sharing."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ambassador.jobs import tasks
from ambassador.models import OutboxEmail, Pulse, PulseAnswer, PulseFollowUp, PulseParticipation, utcnow


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
    assert tasks.run_employee_pulses() == {"opened": 0, "sent": 1, "reminded": 0, "follow_ups": 0}
    assert tasks.run_employee_pulses() == {"opened": 0, "sent": 0, "reminded": 0, "follow_ups": 0}  # never twice
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


def _pulse_with_answers(db, make, client, login, n_detractors=6):
    """A manager's pulse for team Ghent (6 people, all answer) and Tiny (1, silent); Ghent's detractors all mention
    the workload."""
    org, team, small, manager, people = _setup(make)
    login(manager.user)
    client.post("/pulses", data={"title": "P", "teams": [team.id, small.id], "recurrence": "monthly",
                                 "days_open": 10})
    pulse = db.session.scalar(sa.select(Pulse).where(Pulse.org_id == org.id))
    client.post("/logout")
    for i, person in enumerate(people[:6]):
        login(person.user)
        score = "2" if i < n_detractors else "10"
        client.post("/pulse", data={"score": score, "comment": f"The workload is too heavy ({i})"})
        client.post("/logout")
    login(manager.user)
    return org, pulse, team, small, manager


def test_the_edit_page_changes_a_pulse_until_the_first_answer(db, make, client, login):
    org, team, small, manager, people = _setup(make)
    login(manager.user)
    client.post("/pulses", data={"title": "P", "teams": [team.id], "recurrence": "monthly", "days_open": 10})
    pulse = db.session.scalar(sa.select(Pulse).where(Pulse.org_id == org.id))
    page = client.get(f"/pulses/{pulse.id}/edit").get_data(as_text=True)
    assert "data-team-picker" in page and "Pause the pulse" in page and "Close this round now" in page
    saved = client.post(f"/pulses/{pulse.id}/edit", data={"title": "Ghent and Tiny", "teams": [team.id, small.id],
                                                         "recurrence": "quarterly", "days_open": 12,
                                                         "question_fr": "Recommanderiez-vous notre maison ?"})
    assert saved.status_code == 302
    db.session.refresh(pulse)
    assert (pulse.title, pulse.recurrence, pulse.days_open) == ("Ghent and Tiny", "quarterly", 12)
    assert pulse.question == {"fr": "Recommanderiez-vous notre maison ?"} and len(pulse.teams) == 2
    assert db.session.scalar(sa.select(sa.func.count(PulseParticipation.id))) == 7  # Tiny's member asked too
    bad = client.post(f"/pulses/{pulse.id}/edit", data={"title": "", "recurrence": "weekly", "days_open": 12})
    assert bad.status_code == 200 and "field--error" in bad.get_data(as_text=True)
    client.post("/logout")
    login(people[0].user)
    client.post("/pulse", data={"score": "8"})
    client.post("/logout")
    login(manager.user)
    locked = client.get(f"/pulses/{pulse.id}/edit").get_data(as_text=True)
    assert "only its title can change" in locked and "data-team-picker" not in locked
    assert client.post(f"/pulses/{pulse.id}/edit", data={"title": "Renamed"}).status_code == 302
    db.session.refresh(pulse)
    assert pulse.title == "Renamed" and pulse.recurrence == "quarterly" and len(pulse.teams) == 2


def test_pause_resume_and_close_a_round_early(db, make, client, login):
    org, pulse, team, small, manager = _pulse_with_answers(db, make, client, login)
    assert client.post(f"/pulses/{pulse.id}/pause").status_code == 302
    db.session.refresh(pulse)
    assert pulse.paused_at is not None and "Resume the pulse" in client.get(f"/pulses/{pulse.id}/edit").get_data(
        as_text=True)
    client.post(f"/pulses/{pulse.id}/resume")
    db.session.refresh(pulse)
    assert pulse.paused_at is None
    rnd = pulse.rounds[0]
    assert client.post(f"/pulses/{pulse.id}/rounds/{rnd.id}/close").status_code == 302
    db.session.refresh(rnd)
    assert rnd.closed_at is not None
    again = client.post(f"/pulses/{pulse.id}/rounds/{rnd.id}/close", follow_redirects=True).get_data(as_text=True)
    assert "This round is already closed." in again
    results = client.get(f"/pulses/{pulse.id}").get_data(as_text=True)
    assert "Close this round now" not in results and "Customer NPS, same period" in results
    assert "Team follow-ups" in results and "workload" in results  # Ghent's, opened when the round closed


def test_team_follow_ups_are_listed_and_updated_by_managers_of_the_organization(db, make, client, login):
    org, pulse, team, small, manager = _pulse_with_answers(db, make, client, login)
    client.post(f"/pulses/{pulse.id}/rounds/{pulse.rounds[0].id}/close")
    items = db.session.scalars(sa.select(PulseFollowUp).where(PulseFollowUp.org_id == org.id)).all()
    assert [i.team_id for i in items] == [team.id] and {"theme": "workload", "detractors": 6} in items[0].themes
    listing = client.get("/pulses/follow-ups").get_data(as_text=True)
    assert "Ghent" in listing and "workload (6)" in listing
    detail = client.get(f"/pulses/follow-ups/{items[0].id}").get_data(as_text=True)
    assert "The workload is too heavy" not in detail and manager.user.display_name in detail
    done = {"status": "resolved", "note": "Extra staff on Saturdays"}
    assert client.post(f"/pulses/follow-ups/{items[0].id}", data=done).status_code == 302
    db.session.refresh(items[0])
    assert items[0].status == "resolved" and items[0].resolved_at and items[0].note == "Extra staff on Saturdays"
    assert client.post(f"/pulses/follow-ups/{items[0].id}", data={"status": "lost"}).status_code == 200
    client.post("/logout")
    other = make.member(make.org(), role="manager")
    login(other.user)
    assert client.get(f"/pulses/follow-ups/{items[0].id}").status_code == 404
    assert client.post(f"/pulses/{pulse.id}/pause").status_code == 404
    assert client.post(f"/pulses/{pulse.id}/rounds/{pulse.rounds[0].id}/close").status_code == 404
    assert client.get(f"/pulses/{pulse.id}/edit").status_code == 404
    assert "Ghent" not in client.get("/pulses/follow-ups").get_data(as_text=True)


def test_the_pulse_forms_need_their_csrf_token(app, db, make, client, login, monkeypatch):
    org, pulse, team, small, manager = _pulse_with_answers(db, make, client, login)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    rnd = pulse.rounds[0]
    for path in (f"/pulses/{pulse.id}/edit", f"/pulses/{pulse.id}/pause", f"/pulses/{pulse.id}/resume",
                 f"/pulses/{pulse.id}/rounds/{rnd.id}/close", f"/pulses/{pulse.id}/beside-customers"):
        assert client.post(path, data={"title": "Hacked"}).status_code == 400, path
    for path in (f"/pulses/{pulse.id}", f"/pulses/{pulse.id}/edit", f"/pulses/{pulse.id}/beside-customers"):
        page = client.get(path).get_data(as_text=True)
        assert page.count('name="csrf_token"') >= page.count('method="post"'), path
    db.session.refresh(pulse)
    assert pulse.title == "P" and pulse.paused_at is None and rnd.closed_at is None


def test_the_comparison_page_pairs_teams_with_customer_places(db, make, client, login):
    from ambassador.models import Survey, SurveyResponse

    org, pulse, team, small, manager = _pulse_with_answers(db, make, client, login)
    survey = Survey(org_id=org.id, title="Visit", public_token="tok" * 8, question={}, follow_up_question={},
                    thank_you={}, aspects=[])
    db.session.add(survey)
    db.session.flush()
    db.session.add(SurveyResponse(org_id=org.id, survey_id=survey.id, score=10, group="promoter", store="Korenmarkt"))
    db.session.commit()
    page = client.get(f"/pulses/{pulse.id}/beside-customers").get_data(as_text=True)
    assert f'name="place_{team.id}"' in page and "<option value=\"Korenmarkt\"" in page
    client.post(f"/pulses/{pulse.id}/beside-customers", data={f"place_{team.id}": "Korenmarkt"})
    db.session.refresh(team)
    assert team.customer_place == "Korenmarkt"
    page = client.get(f"/pulses/{pulse.id}/beside-customers").get_data(as_text=True)
    assert "↳ Ghent" in page and "Korenmarkt" in page  # Ghent (6 answers) beside the Korenmarkt's customers
    refused = client.post(f"/pulses/{pulse.id}/beside-customers", data={f"place_{team.id}": "Nowhere"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Choose a segment or store that your customer answers carry." in refused
    db.session.refresh(team)
    assert team.customer_place == "Korenmarkt"
