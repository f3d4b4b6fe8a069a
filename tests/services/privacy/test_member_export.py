"""Download my data: the member's own data in a ZIP of JSON files, and nothing of anyone else's."""
from __future__ import annotations

import json
import zipfile

import sqlalchemy as sa

from ambassador.models import AuditEvent
from ambassador.services.audit import actions
from ambassador.services.privacy import member_export

from .member_privacy_data import rich_member


def _world(make, act):
    org = make.org(name="Acme Export")
    post = make.post(make.campaign(org))
    zelda = rich_member(act, org, tag="Zelda", post=post)
    other = rich_member(act, org, tag="Otto", post=post)  # a colleague in the same organization
    org_b = make.org(name="Bravo Elsewhere")
    post_b = make.post(make.campaign(org_b))
    stranger = rich_member(act, org_b, tag="Bea", post=post_b)
    # Zelda in the other organization too: that organization's data about her is downloaded there.
    zelda_b = rich_member(act, org_b, tag="Zeldab", post=post_b, user=zelda.member.user)
    return org, zelda, other, stranger, zelda_b


def _unzip(archive) -> dict[str, str]:
    with zipfile.ZipFile(archive) as z:
        return {name: z.read(name).decode() for name in z.namelist()}


def test_the_zip_holds_the_members_data_and_nothing_of_anyone_else(db, make, act):
    org, zelda, other, stranger, zelda_b = _world(make, act)
    files = _unzip(member_export.export_member(membership=zelda.member, actor=zelda.member.user))
    expected = {"README.txt", "profile.json"} | {name for name, _text, _read in member_export.FILES}
    assert set(files) == expected
    data = {name: json.loads(text) for name, text in files.items() if name.endswith(".json")}

    assert data["profile.json"]["account"]["email"] == zelda.email
    assert data["profile.json"]["organization"]["name"] == "Acme Export"
    assert [m["id"] for m in data["memberships.json"]] == [zelda.member.id]
    assert [s["caption"] for s in data["shares.json"]] == ["Zelda caption"]
    assert data["shares.json"][0]["tracked_link"].startswith("http") and "/s/" in data["shares.json"][0]["tracked_link"]
    assert [c["clicks"] for c in data["clicks.json"]] == [2]  # two clicks the same UTC day: one row, counted
    assert [(p["points"], p["reason"]) for p in data["points.json"]] == [(7, "share"), (1, "adjustment")]
    assert [b["badge"] for b in data["badges.json"]] == ["first_share"]
    assert [r["reward"] for r in data["redemptions.json"]] == ["Zelda mug"]
    assert [c["challenge"] for c in data["challenges.json"]] == ["Zelda challenge"]
    assert [i["title"] for i in data["ideas.json"]] == ["Zelda idea"]
    assert [c["body"] for c in data["idea_comments.json"]] == ["Zelda comment"]
    assert [v["idea"] for v in data["idea_votes.json"]] == ["Zelda idea"]
    assert data["poll_ballots.json"] == [{"poll": "Zelda poll?", "choices": ["Zelda option"],
                                          "voted_at": data["poll_ballots.json"][0]["voted_at"]}]
    assert [m["body"] for m in data["discussion_messages.json"]] == ["Zelda message"]
    answers = data["survey_answers.json"]
    assert answers[0]["comment"] == "Zelda signed-in comment"
    assert answers[1]["respondent"]["email"] == zelda.email
    assert [r["comment"] for r in answers[1]["responses"]] == ["Zelda respondent comment"]
    assert data["pulse_participation.json"] == [{"pulse": "Zelda pulse", "answered": True,
                                                 **{k: data["pulse_participation.json"][0][k] for k in
                                                    ("round_opened_at", "emailed_at", "reminded_at")}}]
    assert [a["handle"] for a in data["social_accounts.json"]] == ["@Zeldahandle"]
    assert {s["browser"] for s in data["sessions.json"]} == {"Zelda browser", "Zeldab browser"}  # her account's
    assert "anonymous" in files["README.txt"] and "pulse_participation.json" in files["README.txt"]

    everything = "\n".join(files.values())
    for secret in ("Zelda-secret-token", zelda.visitor, "pbkdf2", "scrypt"):
        assert secret not in everything
    for person in (other, stranger):
        for text in (person.email, person.name, f"{person.tag} caption", f"{person.tag} idea", person.visitor,
                     f"{person.tag} comment", f"{person.tag} message", f"@{person.tag}handle"):
            assert text not in everything, text
    assert "Bravo Elsewhere" not in everything
    for text in ("Zeldab caption", "Zeldab idea", "Zeldab mug", "Zeldab pulse", "@Zeldabhandle"):
        assert text not in everything, text  # her own data at the other organization


def test_the_export_is_recorded_in_the_audit_log(db, make, act):
    org, zelda, *_ = _world(make, act)
    member_export.export_member(membership=zelda.member, actor=zelda.member.user).close()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == actions.MEMBER_DATA_EXPORTED))
    assert (event.org_id, event.target_id, event.actor_user_id) == (org.id, str(zelda.member.id),
                                                                     zelda.member.user_id)


def test_an_empty_member_gets_empty_lists(db, make, act):
    org = make.org()
    member = make.member(org)
    files = _unzip(member_export.export_member(membership=member, actor=member.user))
    assert json.loads(files["shares.json"]) == [] and json.loads(files["ideas.json"]) == []
