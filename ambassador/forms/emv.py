"""The earned media value coefficients form: a currency and three amounts per network.

Amounts are text fields checked by the service (services/analytics/emv.py), which gives one clear message per
field (an amount, from 0 to 100,000, at most 4 decimals) and writes nothing unless all of them are right.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from ..services.analytics.emv import CURRENCIES, EMV_NETWORKS, METRICS, Coefficients, field_name

METRIC_LABELS = {
    "per_thousand_impressions": _l("Value per 1,000 potential impressions"),
    "per_click": _l("Value per counted click"),
    "per_engagement": _l("Value per engagement"),
}


class EmvForm(FlaskForm):
    currency = SelectField(_l("Currency"), choices=[(code, code) for code in CURRENCIES],
                           description=_l("Every value below is in this currency (ISO 4217 code)."))

    def network_fields(self, network: str) -> list:
        return [self[field_name(network, metric)] for metric in METRICS]

    def rates(self) -> dict[str, dict[str, str | None]]:
        return {network: {metric: self[field_name(network, metric)].data for metric in METRICS}
                for network in EMV_NETWORKS}

    def fill(self, current: Coefficients) -> None:
        """Show the coefficients in use (on a GET: a POST keeps what was typed)."""
        self.currency.data = current.currency
        for network in EMV_NETWORKS:
            for metric in METRICS:
                self[field_name(network, metric)].data = f"{current.rates[network].get(metric).normalize():f}"


for _network in EMV_NETWORKS:
    for _metric in METRICS:
        setattr(EmvForm, field_name(_network, _metric),
                StringField(METRIC_LABELS[_metric], render_kw={"inputmode": "decimal", "autocomplete": "off"}))
