"""Earned media value: the sum, unknown figures, exact money, versions and the history of changes."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ambassador.models import EmvChange, EmvRate, EmvSettings, utcnow
from ambassador.services.analytics import emv, overview, periods
from ambassador.services.analytics.emv import Figures


def rates(**overrides) -> dict:
    """Every network's coefficients as the form sends them, with `overrides` {network: {metric: value}}."""
    base = {network: {"per_thousand_impressions": "10", "per_click": "0.5", "per_engagement": "0.1"}
            for network in emv.EMV_NETWORKS}
    for network, values in overrides.items():
        base[network] = {**base[network], **values}
    return base


def test_defaults_are_placeholders_until_saved(make):
    org = make.org()
    current = emv.coefficients(org_id=org.id)
    assert current.is_default and current.version == 0 and current.currency == "EUR"
    assert set(current.rates) == set(emv.EMV_NETWORKS)


def test_the_sum_uses_every_known_figure_and_lists_the_unknown_ones(make):
    org = make.org()
    actor = make.member(org, role="manager", name="Mia")
    emv.update(org_id=org.id, actor=actor, currency="EUR",
               rates=rates(linkedin={"per_thousand_impressions": "8", "per_click": "1.25", "per_engagement": "0.3"}))
    result = emv.emv(org_id=org.id, figures={
        "linkedin": Figures(impressions=2500, clicks=10, engagements=None),
        "x": Figures(clicks=0),
    })
    # 2.5 × 8 + 10 × 1.25 (+ LinkedIn engagements unknown) + X: 0 clicks (known zero)
    assert result.value == Decimal("32.50")
    assert ("linkedin", "per_engagement") in result.unknown
    assert ("x", "per_click") not in result.unknown and ("x", "per_engagement") in result.unknown
    assert all(network in {n for n, _m in result.unknown} for network in ("mastodon", "bluesky", "facebook"))
    assert result.version == 1 and not result.is_default
    assert "2500 impressions / 1,000 × 8.00" in result.formula and "10 clicks × 1.25" in result.formula
    assert result.formula.startswith("LinkedIn 2500 impressions / 1,000 × 8.00 + LinkedIn 10 clicks × 1.25 + "
                                     "X 0 clicks × 0.50 = 32.50 EUR; unknown, adds nothing: ")
    assert ("X impressions, Mastodon impressions, Bluesky impressions, Facebook impressions, Mastodon clicks, "
            "Bluesky clicks, Facebook clicks, engagements on every network") in result.formula
    assert result.formula.endswith("(coefficients version 1)")


def test_a_figure_unknown_everywhere_is_said_once(make):
    result = emv.emv(org_id=make.org().id, figures={n: Figures(clicks=1) for n in emv.EMV_NETWORKS})
    assert result.formula.endswith("; unknown, adds nothing: impressions on every network, engagements on every "
                                   "network (placeholder coefficients)")
    assert emv.emv(org_id=make.org().id, figures={}).formula.startswith("0 = 0.00 EUR; ")


def test_money_stays_exact(make):
    org = make.org()
    actor = make.member(org, role="admin")
    emv.update(org_id=org.id, actor=actor, currency="USD", rates=rates(x={"per_click": "0.0001"}))
    assert emv.coefficients(org_id=org.id).rates["x"].per_click == Decimal("0.0001")
    result = emv.emv(org_id=org.id, figures={"x": Figures(clicks=3)})
    assert result.value == Decimal("0.0003") and isinstance(result.value, Decimal)
    assert result.rounded == Decimal("0.00") and result.currency == "USD"


@pytest.mark.parametrize(("value", "message"), [
    ("", "Give an amount"), ("abc", "Give an amount"), ("-1", "from 0 to 100,000"), ("100001", "from 0 to 100,000"),
    ("0.00001", "at most 4 decimals"), ("NaN", "Give an amount"), ("Infinity", "Give an amount"),
])
def test_bad_amounts_are_refused_by_field_and_nothing_is_written(make, db, value, message):
    org = make.org()
    actor = make.member(org, role="admin")
    with pytest.raises(emv.EmvError) as refused:
        emv.update(org_id=org.id, actor=actor, currency="EUR", rates=rates(bluesky={"per_click": value}))
    assert message in str(refused.value.field_errors["bluesky_per_click"][0])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EmvRate)) == 0
    assert db.session.get(EmvSettings, org.id) is None


def test_unknown_currency_is_refused(make):
    org = make.org()
    with pytest.raises(emv.EmvError) as refused:
        emv.update(org_id=org.id, actor=make.member(org, role="admin"), currency="BTC", rates=rates())
    assert refused.value.field == "currency"


def test_every_change_is_recorded_with_who_old_and_new(make, db):
    org = make.org()
    actor = make.member(org, role="manager", name="Mia Manager")
    first = emv.update(org_id=org.id, actor=actor, currency="EUR", rates=rates())
    assert first > 0
    assert emv.update(org_id=org.id, actor=actor, currency="EUR", rates=rates()) == 0  # nothing changed
    assert emv.coefficients(org_id=org.id).version == 1
    assert emv.update(org_id=org.id, actor=actor, currency="GBP", rates=rates(x={"per_click": "0.75"})) == 2
    latest = emv.history(org_id=org.id)[:2]
    assert {(c.network, c.setting, c.old_value, c.new_value) for c in latest} == {
        (None, "currency", "EUR", "GBP"), ("x", "per_click", "0.50", "0.75")}
    assert all(c.version == 2 and c.changed_by_name == "Mia Manager" and c.changed_by_id == actor.user_id
               for c in latest)
    assert emv.coefficients(org_id=org.id).version == 2
    # The first save recorded each value that differs from the placeholders it replaced.
    assert db.session.scalar(sa.select(sa.func.count(EmvChange.id)).where(EmvChange.version == 1)) == first


def test_coefficients_and_history_are_per_organization(make):
    one, other = make.org(), make.org()
    emv.update(org_id=one.id, actor=make.member(one, role="admin"), currency="CHF", rates=rates())
    assert emv.coefficients(org_id=other.id).is_default
    assert emv.history(org_id=other.id) == []


def test_overview_values_counted_clicks_per_network(make, act):
    org = make.org()
    member = make.member(org)
    post = make.post(make.campaign(org))
    now = utcnow() - timedelta(minutes=5)
    for network, n in (("linkedin", 3), ("x", 2), ("whatsapp", 4)):
        act.share(member, post, now, network=network)
        for _ in range(n):
            act.click(member, post, now, network=network)
    emv.update(org_id=org.id, actor=make.member(org, role="admin"), currency="EUR", rates=rates(
        linkedin={"per_click": "2"}, x={"per_click": "1"}))
    window = periods.named_window(org, "30", allowed=("30",), default="30")
    result = overview.earned_media_value(org_id=org.id, window=window)
    assert result.value == Decimal("8")  # 3 × 2 + 2 × 1; WhatsApp clicks are not valued
    assert result.unvalued_clicks == 4
    assert ("linkedin", "per_thousand_impressions") in result.unknown and ("x", "per_engagement") in result.unknown
    # Impressions and engagements, once another part of the product has them, go into the same sum.
    richer = overview.earned_media_value(org_id=org.id, window=window, impressions={"linkedin": 1000},
                                         engagements={"x": 10})
    assert richer.value == Decimal("8") + Decimal("10") + Decimal("1")
