"""The earned media value settings page and the EMV on the manager overview."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.models import EmvChange, EmvSettings, utcnow
from ambassador.services.analytics import emv

from ..services.analytics.test_emv import rates

PATH = "/settings/earned-media-value"


def form_data(currency="EUR", **overrides) -> dict:
    data = {"currency": currency}
    for network, values in rates(**overrides).items():
        for metric, value in values.items():
            data[emv.field_name(network, metric)] = value
    return data


def body(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [("ambassador", 403), ("curator", 403), ("manager", 200),
                                              ("admin", 200)])
def test_managers_and_admins_only(client, make, login, role, status):
    login(make.member(make.org(), role=role).user)
    assert client.get(PATH).status_code == status
    assert client.post(PATH, data=form_data()).status_code in ((403,) if status == 403 else (302,))


def test_page_shows_the_placeholders_with_labels_and_a_warning(client, make, login):
    login(make.member(make.org(), role="manager").user)
    html = body(client.get(PATH))
    assert "These values are placeholders" in html
    assert '<label class="field__label" for="linkedin_per_click">Value per counted click</label>' in html
    assert 'id="linkedin_per_click" inputmode="decimal" name="linkedin_per_click" type="text" value="1.5"' in html
    assert "<legend>Bluesky</legend>" in html and "No changes yet" in html


def test_saving_records_the_change_and_shows_it(client, make, login, db):
    manager = make.member(make.org(), role="manager", name="Mia Manager")
    login(manager.user)
    response = client.post(PATH, data=form_data("GBP", x={"per_click": "0.75"}))
    assert response.status_code == 302
    html = body(client.get(PATH))
    assert "Earned media value coefficients saved." in html
    assert "Version 1, saved" in html and "These values are placeholders" not in html
    assert re.search(r"<td>Mia Manager</td><td class=\"num\">1</td>\s*<td>X: per counted click</td>\s*"
                     r"<td class=\"num\">0.50</td><td class=\"num\">0.75</td>", html)
    assert db.session.get(EmvSettings, manager.org_id).currency == "GBP"


def test_bad_input_is_shown_next_to_its_field_and_nothing_is_written(client, make, login, db):
    login(make.member(make.org(), role="admin").user)
    html = body(client.post(PATH, data=form_data(facebook={"per_engagement": "-2"}, x={"per_click": "1,5"})))
    assert 'aria-describedby="facebook_per_engagement-help" aria-invalid="true"' in html
    assert re.search(r'id="facebook_per_engagement-help".*?Use an amount from 0 to 100,000', html, re.S)
    assert re.search(r'id="x_per_click-help".*?Give an amount, e.g. 0.50', html, re.S)
    assert 'value="1,5"' in html  # what was typed stays in the field
    assert db.session.scalar(sa.select(sa.func.count(EmvChange.id))) == 0


def test_saving_needs_the_csrf_token(app, client, make, login, monkeypatch, db):
    login(make.member(make.org(), role="admin").user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(PATH, data=form_data("USD")).status_code == 400
    assert 'name="csrf_token"' in body(client.get(PATH))
    assert db.session.scalar(sa.select(sa.func.count(EmvChange.id))) == 0


def test_history_is_per_organization(client, make, login):
    one, other = make.org(), make.org()
    emv.update(org_id=one.id, actor=make.member(one, role="admin", name="Only In One"), currency="EUR",
               rates=rates(x={"per_click": "9"}))
    login(make.member(other, role="admin").user)
    assert "Only In One" not in body(client.get(PATH))


def test_overview_shows_emv_with_formula_and_unknown_figures(client, make, login, act):
    org = make.org()
    manager = make.member(org, role="manager")
    member = make.member(org)
    post = make.post(make.campaign(org))
    now = utcnow() - timedelta(minutes=5)
    act.share(member, post, now, network="x")
    for _ in range(4):
        act.click(member, post, now, network="x")
    login(manager.user)
    html = body(client.get("/overview"))
    assert "Placeholder coefficients" in html
    assert "X 4 clicks × 0.50" in html and "unknown, adds nothing: impressions on every network" in html
    assert re.search(r'data-emv-value>€2.00<', html)
    emv.update(org_id=org.id, actor=manager, currency="USD", rates=rates(x={"per_click": "1.25"}))
    html = body(client.get("/overview"))
    assert re.search(r'data-emv-value>\$5.00<', html) and "coefficients version 1" in html
    assert "Coefficients version 1, saved" in html
    assert html.count(">unknown<") == 2 * len(emv.EMV_NETWORKS)  # impressions and engagements per network
