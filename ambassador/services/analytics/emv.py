"""Earned media value (EMV): what the organization would have paid for the same attention.

EMV = Σ per network ( potential impressions / 1,000 × value per 1,000 impressions
                      + counted clicks × value per click
                      + engagements × value per engagement )

* Each organization sets its coefficients per network and a currency (ISO 4217, from CURRENCIES); until it
  does, DEFAULT_RATES apply: placeholders (version 0) the page says to replace with the organization's own.
* A figure that is unknown (None: the network does not report it, or it was not fetched) adds nothing and is
  listed in `EmvResult.unknown`; it is never counted as 0. A known 0 is a real 0.
* Every saved change bumps the version and is recorded per value (who, when, old → new) in `EmvChange`;
  every result says which version (and the time it was saved) it used.
* Money is `Decimal` throughout; the value is rounded to cents only for display (`EmvResult.rounded`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import networks
from ...errors import ServiceError
from ...extensions import db
from ...models import EmvChange, EmvRate, EmvSettings, Membership, utcnow
from ...models.emv import COEFFICIENT_PLACES

EMV_NETWORKS = ("linkedin", "x", "mastodon", "bluesky", "facebook")
METRICS = ("per_thousand_impressions", "per_click", "per_engagement")
# The currencies an organization may value in (ISO 4217 codes).
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "CAD", "AUD", "JPY")
DEFAULT_CURRENCY = "EUR"
MAX_COEFFICIENT = Decimal("100000")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Rate:
    per_thousand_impressions: Decimal
    per_click: Decimal
    per_engagement: Decimal

    def get(self, metric: str) -> Decimal:
        return getattr(self, metric)


# Placeholders, not market prices: round figures of the order of paid social (CPM of a few euros, a click
# worth tens of cents, an engagement worth a few cents). Every organization should set its own.
DEFAULT_RATES: dict[str, Rate] = {
    "linkedin": Rate(Decimal("8.00"), Decimal("1.50"), Decimal("0.30")),
    "x": Rate(Decimal("4.00"), Decimal("0.50"), Decimal("0.10")),
    "mastodon": Rate(Decimal("2.00"), Decimal("0.30"), Decimal("0.05")),
    "bluesky": Rate(Decimal("2.00"), Decimal("0.30"), Decimal("0.05")),
    "facebook": Rate(Decimal("6.00"), Decimal("0.70"), Decimal("0.10")),
}


class EmvError(ServiceError):
    code = "emv"


@dataclass(frozen=True)
class Coefficients:
    """The coefficients an organization values with, and which version of them this is."""

    currency: str
    rates: dict[str, Rate]
    version: int = 0  # 0: the placeholder defaults, never saved
    saved_at: datetime | None = None

    @property
    def is_default(self) -> bool:
        return self.version == 0


@dataclass(frozen=True)
class Figures:
    """What one network brought; None = unknown (adds nothing, and the result says so)."""

    impressions: int | None = None  # potential impressions
    clicks: int | None = None  # counted clicks
    engagements: int | None = None


@dataclass(frozen=True)
class Part:
    network: str
    metric: str  # one of METRICS
    quantity: int | None  # None: unknown
    coefficient: Decimal
    value: Decimal | None  # None when the quantity is unknown

    @property
    def known(self) -> bool:
        return self.quantity is not None


@dataclass
class EmvResult:
    value: Decimal
    currency: str
    version: int
    saved_at: datetime | None
    is_default: bool
    parts: list[Part] = field(default_factory=list)
    unvalued_clicks: int = 0  # counted clicks on channels without coefficients (WhatsApp, email, copied links…)

    @property
    def rounded(self) -> Decimal:
        return self.value.quantize(_CENT, rounding=ROUND_HALF_UP)

    @property
    def unknown(self) -> list[tuple[str, str]]:
        """(network, metric) of every figure that was unknown and so added nothing."""
        return [(p.network, p.metric) for p in self.parts if not p.known]

    def parts_of(self, network: str) -> list[Part]:
        return [p for p in self.parts if p.network == network]

    @property
    def formula(self) -> str:
        """The sum written out with the coefficients used (in the request's language), e.g.
        "LinkedIn 12 clicks × 1.50 + X 3 clicks × 0.50 = 19.50 EUR; unknown, adds nothing: impressions and
        engagements on every network (coefficients version 3)"."""
        terms = []
        for p in self.parts:
            label = networks.get(p.network).label
            if not p.known:
                continue
            if p.metric == "per_thousand_impressions":
                terms.append(_("%(network)s %(quantity)s impressions / 1,000 × %(coefficient)s",
                               network=label, quantity=p.quantity, coefficient=_money(p.coefficient)))
            else:
                terms.append(_("%(network)s %(quantity)s %(metric)s × %(coefficient)s", network=label,
                               quantity=p.quantity, metric=METRIC_NAMES[p.metric], coefficient=_money(p.coefficient)))
        text = f"{' + '.join(terms) or '0'} = {self.rounded} {self.currency}"
        unknown = self._unknown_text()
        if unknown:
            text += "; " + _("unknown, adds nothing: %(figures)s", figures=unknown)
        version = (_("placeholder coefficients") if self.is_default
                   else _("coefficients version %(version)s", version=self.version))
        return f"{text} ({version})"

    def _unknown_text(self) -> str:
        """The unknown figures, a metric unknown on every network said once."""
        items = []
        for metric in METRICS:
            missing = [p.network for p in self.parts if p.metric == metric and not p.known]
            if missing and len(missing) == len(EMV_NETWORKS):
                items.append(_("%(metric)s on every network", metric=METRIC_NAMES[metric]))
            else:
                items += [_("%(network)s %(metric)s", network=networks.get(n).label, metric=METRIC_NAMES[metric])
                          for n in missing]
        return ", ".join(items)


METRIC_NAMES = {"per_thousand_impressions": _l("impressions"), "per_click": _l("clicks"),
                "per_engagement": _l("engagements")}
QUANTITY = {"per_thousand_impressions": "impressions", "per_click": "clicks", "per_engagement": "engagements"}


def _money(amount: Decimal) -> str:
    """A coefficient as written: at least two decimals, up to four when it has them."""
    text = f"{amount.normalize():f}"
    whole, _dot, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def coefficients(*, org_id: int) -> Coefficients:
    """The organization's saved coefficients, or the placeholder defaults (version 0) while it has none."""
    settings = db.session.get(EmvSettings, org_id)
    if settings is None:
        return Coefficients(currency=DEFAULT_CURRENCY, rates=dict(DEFAULT_RATES))
    saved = {r.network: Rate(r.per_thousand_impressions, r.per_click, r.per_engagement)
             for r in db.session.scalars(sa.select(EmvRate).where(EmvRate.org_id == org_id))}
    rates = {network: saved.get(network, DEFAULT_RATES[network]) for network in EMV_NETWORKS}
    return Coefficients(currency=settings.currency, rates=rates, version=settings.version,
                        saved_at=settings.updated_at)


def compute(*, coefficients: Coefficients, figures: Mapping[str, Figures], unvalued_clicks: int = 0) -> EmvResult:
    """EMV of `figures` (per network; a network left out has all its figures unknown) with `coefficients`."""
    parts: list[Part] = []
    total = Decimal(0)
    for network in EMV_NETWORKS:
        known = figures.get(network, Figures())
        rate = coefficients.rates[network]
        for metric in METRICS:
            quantity = getattr(known, QUANTITY[metric])
            coefficient = rate.get(metric)
            value = None
            if quantity is not None:
                units = Decimal(quantity) / 1000 if metric == "per_thousand_impressions" else Decimal(quantity)
                value = units * coefficient
                total += value
            parts.append(Part(network=network, metric=metric, quantity=quantity, coefficient=coefficient,
                              value=value))
    return EmvResult(value=total, currency=coefficients.currency, version=coefficients.version,
                     saved_at=coefficients.saved_at, is_default=coefficients.is_default, parts=parts,
                     unvalued_clicks=unvalued_clicks)


def emv(*, org_id: int, figures: Mapping[str, Figures], unvalued_clicks: int = 0) -> EmvResult:
    return compute(coefficients=coefficients(org_id=org_id), figures=figures, unvalued_clicks=unvalued_clicks)


def of_counts(*, org_id: int, clicks: Mapping[str, int], impressions: Mapping[str, int | None],
              engagements: Mapping[str, int | None]) -> EmvResult:
    """EMV from per-network counts: counted clicks (a network missing has 0; channels without coefficients —
    WhatsApp, email, copied links — are counted as not valued), potential impressions and engagements (a network
    missing or None is unknown). What the overview and the post and campaign pages all value."""
    figures = {network: Figures(impressions=impressions.get(network), clicks=clicks.get(network, 0),
                                engagements=engagements.get(network))
               for network in EMV_NETWORKS}
    unvalued = sum(n for network, n in clicks.items() if network not in EMV_NETWORKS)
    return emv(org_id=org_id, figures=figures, unvalued_clicks=unvalued)


def _clean_amount(raw, *, field_name: str) -> Decimal:
    try:
        amount = Decimal(str(raw).strip()) if raw is not None else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise EmvError(_l("Give an amount, e.g. 0.50."), field=field_name)
    if amount < 0 or amount > MAX_COEFFICIENT:
        raise EmvError(_l("Use an amount from 0 to 100,000."), field=field_name)
    if amount != amount.quantize(Decimal(1).scaleb(-COEFFICIENT_PLACES), rounding=ROUND_HALF_UP):
        raise EmvError(_l("Use at most 4 decimals."), field=field_name)
    return amount


def field_name(network: str, metric: str) -> str:
    """The form field of one coefficient (the service's errors name it)."""
    return f"{network}_{metric}"


def update(*, org_id: int, actor: Membership, currency: str,
           rates: Mapping[str, Mapping[str, Decimal | str | None]]) -> int:
    """Save the currency and every network's coefficients at once, or nothing (EmvError, by field).

    Each changed value is recorded (who, when, old → new); the version goes up by one when anything changed.
    Returns the number of changed values (0: nothing saved, the version stays).
    """
    if currency not in CURRENCIES:
        raise EmvError(_l("Choose a currency from the list."), field="currency")
    errors: dict[str, list] = {}
    new: dict[str, Rate] = {}
    for network in EMV_NETWORKS:
        values = {}
        for metric in METRICS:
            name = field_name(network, metric)
            try:
                values[metric] = _clean_amount((rates.get(network) or {}).get(metric), field_name=name)
            except EmvError as exc:
                errors.update(exc.field_errors)
        if len(values) == len(METRICS):
            new[network] = Rate(**values)
    if errors:
        raise EmvError(field_errors=errors)

    current = coefficients(org_id=org_id)
    changes: list[tuple[str | None, str, str, str]] = []
    if currency != current.currency:
        changes.append((None, "currency", current.currency, currency))
    for network in EMV_NETWORKS:
        for metric in METRICS:
            old, value = current.rates[network].get(metric), new[network].get(metric)
            if old != value:
                changes.append((network, metric, _money(old), _money(value)))
    if not changes:
        return 0

    now = utcnow()
    settings = db.session.get(EmvSettings, org_id)
    if settings is None:
        settings = EmvSettings(org_id=org_id, currency=currency, version=1)
        db.session.add(settings)
    else:
        settings.version += 1
    settings.currency, settings.updated_at, settings.updated_by_id = currency, now, actor.user_id
    stored = {r.network: r for r in db.session.scalars(sa.select(EmvRate).where(EmvRate.org_id == org_id))}
    for network, rate in new.items():
        row = stored.get(network) or EmvRate(org_id=org_id, network=network)
        row.per_thousand_impressions, row.per_click, row.per_engagement = (
            rate.per_thousand_impressions, rate.per_click, rate.per_engagement)
        db.session.add(row)
    who = actor.user.display_name
    for changed_network, setting, old_value, new_value in changes:
        db.session.add(EmvChange(org_id=org_id, version=settings.version, changed_at=now,
                                 changed_by_id=actor.user_id, changed_by_name=who, network=changed_network,
                                 setting=setting, old_value=old_value, new_value=new_value))
    db.session.flush()
    return len(changes)


def history(*, org_id: int, limit: int = 100) -> list[EmvChange]:
    """The latest changes first."""
    return list(db.session.scalars(sa.select(EmvChange).where(EmvChange.org_id == org_id)
                                   .order_by(EmvChange.changed_at.desc(), EmvChange.id.desc()).limit(limit)))
