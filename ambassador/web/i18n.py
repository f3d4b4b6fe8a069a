"""Language choice: the member's own, then the browser's, then the organization's default."""
from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands", "fr": "Français"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands, jobs: the default unless force_locale says otherwise
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    best = request.accept_languages.best_match(languages)
    if best:
        return best
    org = getattr(g, "org", None)
    if org is not None and org.default_locale in languages:
        return org.default_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def money(amount: Decimal, currency: str, exact: bool = False) -> str:
    """An amount in the request's language, e.g. "€1,234.50" or "€ 1.234,50" (template filter `money`);
    `exact` keeps every decimal (a coefficient of 0.0125 is not shown as 0.01)."""
    return format_currency(amount, currency, locale=get_locale(), decimal_quantization=not exact)
