"""An organization's brand colour: checked, and turned into accessible colours for its stylesheet.

The admin picks one colour. Buttons are filled with it, with white or black text (whichever reads
better: WCAG 2.1 AA needs 4.5:1). Links and other text in the brand colour sit on white, on the page
background and on the light brand tint: when the colour is too light for that, it is darkened until it
reaches 4.5:1 on all three, and the admin is told. The stylesheet is served per organization
(web/org.py theme), never inline: the CSP forbids inline styles.
"""
from __future__ import annotations

import colorsys
import hashlib
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import Organization
from .settings import SettingsError

HEX_RE = re.compile(r"^#?(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
TEXT_CONTRAST = 4.5  # WCAG 2.1 AA, normal text
WHITE, BLACK = "#ffffff", "#000000"
PAGE_BACKGROUND = "#f7f7fb"  # app.css --bg
TINT = 0.9  # the light brand tint (--brand-soft) is the colour mixed with this much white
HOVER_SHADE = 0.75  # hover colour: the text colour's lightness times this


def normalize_hex(value: str | None) -> str | None:
    """'#ABC', 'abc' or '#aabbcc' → '#aabbcc'; empty → None (the product's own colours); else SettingsError."""
    value = (value or "").strip()
    if not value:
        return None
    if not HEX_RE.match(value):
        raise SettingsError(_l("Enter a colour as # and six hexadecimal digits, e.g. #0a7d55."), field="brand_color")
    digits = value.lstrip("#").lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    return int(hex_colour[1:3], 16) / 255, int(hex_colour[3:5], 16) / 255, int(hex_colour[5:7], 16) / 255


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2.1)."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """Contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def mix(colour: str, other: str, share_of_other: float) -> str:
    (r, g, b), (r2, g2, b2) = _rgb(colour), _rgb(other)
    return _hex((r + (r2 - r) * share_of_other, g + (g2 - g) * share_of_other, b + (b2 - b) * share_of_other))


def shade(colour: str, factor: float) -> str:
    """The colour with its lightness multiplied by `factor` (hue and saturation kept)."""
    h, lightness, s = colorsys.rgb_to_hls(*_rgb(colour))
    return _hex(colorsys.hls_to_rgb(h, lightness * factor, s))


def darken_until(colour: str, backgrounds: tuple[str, ...], ratio: float = TEXT_CONTRAST) -> str:
    """The colour, with its lightness lowered step by step (hue kept) until it reads on every background."""
    h, lightness, s = colorsys.rgb_to_hls(*_rgb(colour))
    candidate = colour
    while min(contrast(candidate, bg) for bg in backgrounds) < ratio and lightness > 0:
        lightness = max(0.0, lightness - 0.01)
        candidate = _hex(colorsys.hls_to_rgb(h, lightness, s))
    return candidate


@dataclass(frozen=True)
class Theme:
    """The colours a brand colour gives; every text pair here meets WCAG AA."""

    chosen: str  # the admin's colour: fills buttons and the header's accent
    on_chosen: str  # text on it: white or black
    text: str  # links and brand-coloured text on white, the page background and `soft`
    dark: str  # hover, and text on `soft` (darker still)
    soft: str  # a light tint for highlighted backgrounds

    @property
    def adjusted(self) -> bool:
        """The chosen colour was too light for text and links: they use a darker shade."""
        return self.text != self.chosen


def theme_for(colour: str) -> Theme:
    soft = mix(colour, WHITE, TINT)
    on_chosen = WHITE if contrast(colour, WHITE) >= contrast(colour, BLACK) else BLACK
    backgrounds = (WHITE, PAGE_BACKGROUND, soft)
    text = darken_until(colour, backgrounds)
    dark = shade(text, HOVER_SHADE)  # visibly darker than the link, so it reads even better
    return Theme(chosen=colour, on_chosen=on_chosen, text=text, dark=dark, soft=soft)


def theme_css(org: Organization) -> str:
    """The organization's stylesheet: custom properties over app.css's defaults (empty without a colour)."""
    if not org.brand_color:
        return ""
    theme = theme_for(org.brand_color)
    return (f"/* {org.slug}: brand colour {theme.chosen} */\n"
            f":root {{ --brand: {theme.text}; --brand-dark: {theme.dark}; --brand-soft: {theme.soft}; "
            f"--brand-fill: {theme.chosen}; --on-brand-fill: {theme.on_chosen}; }}\n")


def theme_version(org: Organization) -> str:
    """Changes whenever the stylesheet does: its address carries it, so it can be cached for long."""
    return hashlib.sha256(theme_css(org).encode()).hexdigest()[:12]


def set_brand_color(*, org: Organization, value: str | None) -> Theme | None:
    """Store the colour (normalized; empty clears it); returns its theme to tell the admin about adjustments."""
    colour = normalize_hex(value)
    org.brand_color = colour
    db.session.flush()
    return theme_for(colour) if colour else None


def organization_by_slug(slug: str) -> Organization | None:
    return db.session.scalar(sa.select(Organization).where(Organization.slug == slug))
