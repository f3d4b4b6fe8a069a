"""A brand colour gives colours that meet WCAG AA wherever the stylesheet uses them."""
from __future__ import annotations

import re

import pytest

from ambassador.services.org import branding
from ambassador.services.org.settings import SettingsError

# Light, dark, saturated and grey colours, and the corners of the cube.
COLOURS = ["#ffcc00", "#ffff00", "#00ff00", "#00ffff", "#ff0000", "#0000ff", "#ff00ff", "#ffffff", "#000000",
           "#777777", "#a4441f", "#0f766e", "#4338ca", "#e0e0e0", "#f97316", "#38bdf8", "#84cc16", "#123456"]


def test_contrast_matches_the_wcag_reference_values():
    assert branding.contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert branding.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert branding.contrast("#4338ca", "#ffffff") == pytest.approx(7.9, abs=0.05)


@pytest.mark.parametrize("colour", COLOURS)
def test_every_text_pair_of_a_theme_meets_aa(colour):
    theme = branding.theme_for(colour)
    assert branding.contrast(theme.chosen, theme.on_chosen) >= 4.5  # button text on the chosen colour
    for background in ("#ffffff", branding.PAGE_BACKGROUND, theme.soft):  # links and brand text
        assert branding.contrast(theme.text, background) >= 4.5, (colour, background)
        assert branding.contrast(theme.dark, background) >= 4.5, (colour, background)
    assert branding.contrast(theme.dark, "#ffffff") >= 4.5  # hover: white text on --brand-dark
    assert branding.luminance(theme.dark) < branding.luminance(theme.text) or theme.text == "#000000"


def test_a_light_colour_is_darkened_for_text_and_the_admin_is_told():
    yellow = branding.theme_for("#ffcc00")
    assert yellow.adjusted and yellow.text != "#ffcc00" and yellow.on_chosen == "#000000"
    teal = branding.theme_for("#0f766e")
    assert not teal.adjusted and teal.text == "#0f766e" and teal.on_chosen == "#ffffff"


@pytest.mark.parametrize("value,expected", [("#0A7D55", "#0a7d55"), ("0a7d55", "#0a7d55"), ("#abc", "#aabbcc"),
                                            ("  ", None), (None, None)])
def test_colours_are_normalized(value, expected):
    assert branding.normalize_hex(value) == expected


@pytest.mark.parametrize("value", ["red", "#12345", "#1234567", "#ggg000", "rgb(0,0,0)", "#00000;}body{x:1"])
def test_anything_but_a_hex_colour_is_refused(value):
    with pytest.raises(SettingsError) as refused:
        branding.normalize_hex(value)
    assert list(refused.value.field_errors) == ["brand_color"]


def test_theme_css_sets_the_custom_properties_and_its_version_follows_the_colour(make):
    org = make.org(slug="bakery")
    assert branding.theme_css(org) == ""
    org.brand_color = "#ffcc00"
    css = branding.theme_css(org)
    values = dict(re.findall(r"(--[\w-]+): (#[0-9a-f]{6});", css))
    theme = branding.theme_for("#ffcc00")
    assert values == {"--brand": theme.text, "--brand-dark": theme.dark, "--brand-soft": theme.soft,
                      "--brand-fill": "#ffcc00", "--on-brand-fill": "#000000"}
    version = branding.theme_version(org)
    org.brand_color = "#0f766e"
    assert branding.theme_version(org) != version
