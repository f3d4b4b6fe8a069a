"""Colour contrast (WCAG 2.1 AA) computed from the stylesheets themselves.

axe checks contrast in the browser, but not where it cannot tell the background: symbols
(badge icons), very short text (My shares' counts), overlapped boxes (a multiple select), and
not at all for borders and focus rings (non-text contrast, 1.4.11). These pairs are read from
the CSS files here, so changing a colour there re-runs the sum: text needs 4.5:1, symbols,
field borders and the focus ring 3:1 against what is next to them.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from ambassador.services.org import branding

CSS = Path(__file__).resolve().parents[1] / "ambassador" / "static" / "css"
COLOUR = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|var\(--[\w-]+\)")
TEXT, GRAPHIC = 4.5, 3.0


@cache
def rules(name: str) -> list[tuple[list[str], dict[str, str]]]:
    """(selectors, declarations) of every rule of a stylesheet, those inside @media included."""
    text = re.sub(r"/\*.*?\*/", "", (CSS / name).read_text(), flags=re.S)
    found = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        declarations = dict(
            (prop.strip(), value.strip()) for prop, _, value in
            (d.partition(":") for d in body.split(";") if ":" in d))
        found.append(([" ".join(s.split()) for s in selectors.split(",")], declarations))
    return found


def declared(name: str, selector: str, prop: str) -> str:
    """The value of `prop` in the first rule of stylesheet `name` whose selector list holds `selector`."""
    for selectors, declarations in rules(name):
        if selector in selectors and prop in declarations:
            return declarations[prop]
    raise LookupError(f"{name}: no {prop} for {selector}")


def colour(name: str, selector: str, prop: str, theme: dict[str, str] | None = None) -> str:
    """The colour in a declaration (also inside a shorthand: border, outline), custom properties resolved
    (from `theme`, an organization's theme.css custom properties, before app.css's :root)."""
    value = declared(name, selector, prop)
    match = COLOUR.search(value)
    if match is None:
        raise LookupError(f"{name}: {selector} {{ {prop}: {value} }} has no colour")
    token = match.group()
    if token.startswith("var("):
        if theme and token[4:-1] in theme:
            return theme[token[4:-1]]
        return colour("app.css", ":root", token[4:-1])
    return token if len(token) == 7 else "#" + "".join(c * 2 for c in token[1:])


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


# The product's own WCAG formula (it themes organizations' colours); test_ratio_matches_known_values anchors it.
ratio = branding.contrast


def faded(fg: str, bg: str, opacity: float) -> str:
    """What `opacity` makes of a colour over its background."""
    return "#" + "".join(f"{round(opacity * f + (1 - opacity) * b):02x}" for f, b in zip(rgb(fg), rgb(bg), strict=True))


def test_ratio_matches_known_values():
    assert ratio("#000000", "#ffffff") == pytest.approx(21)
    assert ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic lightest AA grey on white
    assert faded("#000000", "#ffffff", 0.5) == "#808080"


PAGE = ("app.css", ":root", "background")
CARD = ("app.css", ".card", "background")
FIELD = ("app.css", ".input", "background")
# (what, foreground, background, the ratio it needs)
PAIRS = [
    ("muted text on a card", ("app.css", ".muted", "color"), CARD, TEXT),
    ("muted text on the page", ("app.css", ".muted", "color"), PAGE, TEXT),
    ("help under a field", ("app.css", ".field__help", "color"), CARD, TEXT),
    ("text in a field", ("app.css", ".input", "color"), FIELD, TEXT),
    ("a button", ("app.css", ".button", "color"), ("app.css", ".button", "background"), TEXT),
    ("a badge", ("app.css", ".badge", "color"), ("app.css", ".badge", "background"), TEXT),
    ("leaderboard: a member's badge symbols", ("app.css", ".badge--brand", "color"),
     ("app.css", ".badge--brand", "background"), TEXT),
    ("leaderboard: rank up", ("leaderboard.css", ".lb-up", "color"), CARD, TEXT),
    ("leaderboard: rank down", ("leaderboard.css", ".lb-down", "color"), CARD, TEXT),
    ("rewards: a badge not earned yet", ("rewards.css", ".rw-badge", "color"), CARD, TEXT),
    ("rewards: its symbol", ("rewards.css", ".rw-badge", "color"), ("rewards.css", ".rw-badge__icon", "background"),
     GRAPHIC),
    ("rewards: an earned badge", ("rewards.css", ".rw-badge--earned", "color"),
     ("rewards.css", ".rw-badge--earned", "background"), TEXT),
    ("rewards: when it was earned", ("rewards.css", ".rw-badge__when", "color"),
     ("rewards.css", ".rw-badge--earned", "background"), TEXT),
    ("rewards: an earned badge's symbol", ("rewards.css", ".rw-badge--earned .rw-badge__icon", "color"),
     ("rewards.css", ".rw-badge--earned .rw-badge__icon", "background"), GRAPHIC),
    ("survey: a chosen 7 or 8", ("surveys.css", ".sp-score.is-chosen", "color"),
     ("surveys.css", ".sp-score--mid.is-chosen", "background"), TEXT),
    ("a text field's border", ("app.css", ".input", "border"), FIELD, GRAPHIC),
    ("a text field's border on a grey field", ("members.css", ".copy-field .input", "border"),
     ("members.css", ".copy-field .input", "background"), GRAPHIC),
    ("the focus ring on a card", ("app.css", ":focus-visible", "outline"), CARD, GRAPHIC),
    ("the focus ring on the page", ("app.css", ":focus-visible", "outline"), PAGE, GRAPHIC),
    ("the focus ring on a highlighted row", ("app.css", ":focus-visible", "outline"),
     ("leaderboard.css", ".lb-mine", "background"), GRAPHIC),
    ("a survey answer's focus ring", ("surveys.css", ".sp-radio input:focus-visible + span", "outline"), CARD, GRAPHIC),
]


@pytest.mark.parametrize(("what", "fg", "bg", "needed"), PAIRS, ids=[p[0] for p in PAIRS])
def test_colour_pair_meets_wcag_aa(what, fg, bg, needed):
    fg_colour, bg_colour = colour(*fg), colour(*bg)
    assert ratio(fg_colour, bg_colour) >= needed, (
        f"{what}: {fg_colour} on {bg_colour} is {ratio(fg_colour, bg_colour):.2f}:1, needs {needed}:1")


def test_my_shares_counts_are_readable_in_the_state_tabs():
    """The count in each tab of My shares (.share-count, short text axe cannot judge) in the tab's own colours,
    as faded by any opacity the count is given."""
    count_opacity = float(next((d["opacity"] for s, d in rules("feed.css") if ".share-count" in s
                                and "opacity" in d), "1"))
    for tab, tab_bg in ((".tabs a", ".tabs a"), ('.tabs a[aria-current="page"]', '.tabs a[aria-current="page"]')):
        bg = colour("app.css", tab_bg, "background")
        fg = faded(colour("app.css", tab, "color"), bg, count_opacity)
        assert ratio(fg, bg) >= TEXT, f"{tab}: the count {fg} on {bg} is {ratio(fg, bg):.2f}:1"


# What an organization's colour changes (theme.css overrides app.css's --brand* custom properties).
BRAND_PAIRS = [
    ("a button", ("app.css", ".button", "color"), ("app.css", ".button", "background")),
    ("a hovered button", ("app.css", ".button:hover", "color"), ("app.css", ".button:hover", "background")),
    ("a link on a card", ("app.css", "a", "color"), CARD),
    ("a link on the page", ("app.css", "a", "color"), PAGE),
    ("a hovered link", ("app.css", "a:hover", "color"), CARD),
    ("a ghost button", ("app.css", ".button--ghost", "color"), ("app.css", ".button--ghost", "background")),
    ("the current menu entry", ("app.css", '.mainnav a[aria-current="page"]', "color"),
     ("app.css", '.mainnav a[aria-current="page"]', "background")),
    ("the current tab", ("app.css", '.tabs a[aria-current="page"]', "color"),
     ("app.css", '.tabs a[aria-current="page"]', "background")),
    ("a brand badge", ("app.css", ".badge--brand", "color"), ("app.css", ".badge--brand", "background")),
    ("a flash message's link", ("app.css", "a", "color"), ("app.css", ".flash", "background")),
]
BRAND_COLOURS = ["#ffcc00", "#ffffff", "#00ff00", "#38bdf8", "#a4441f", "#4338ca", "#000000", "#ff0000", "#777777"]


def theme_properties(brand: str) -> dict[str, str]:
    """The custom properties an organization with this colour gets, read from its served stylesheet text."""
    org = type("Org", (), {"brand_color": brand, "slug": "test"})()
    return dict(re.findall(r"(--[\w-]+): (#[0-9a-f]{6});", branding.theme_css(org)))


@pytest.mark.parametrize("brand", BRAND_COLOURS)
@pytest.mark.parametrize(("what", "fg", "bg"), BRAND_PAIRS, ids=[p[0] for p in BRAND_PAIRS])
def test_an_organizations_colour_keeps_every_brand_pair_readable(brand, what, fg, bg):
    theme = theme_properties(brand)
    assert set(theme) == {"--brand", "--brand-dark", "--brand-soft", "--brand-fill", "--on-brand-fill"}
    fg_colour, bg_colour = colour(*fg, theme=theme), colour(*bg, theme=theme)
    assert ratio(fg_colour, bg_colour) >= TEXT, (
        f"{brand}, {what}: {fg_colour} on {bg_colour} is {ratio(fg_colour, bg_colour):.2f}:1")
