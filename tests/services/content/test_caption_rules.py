"""The caption counting rules, against the cases the browser's counter must agree on (caption_cases.json).

tests/e2e/test_post_editor.py runs the same file against static/js/count.js in Chromium: a rule changed on
one side only fails one of the two.
"""
import json
from pathlib import Path

import pytest

from ambassador import networks
from ambassador.services.content import drafts, posts
from ambassador.services.publishing import sharing

CASES = json.loads((Path(__file__).parent / "caption_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES["counter"], ids=lambda c: f"{c['kind']}:{c['text']}")
def test_counter(case):
    assert networks.COUNTERS[case["kind"]](case["text"]) == case["length"]


@pytest.mark.parametrize("case", CASES["compose"], ids=lambda c: c["why"])
def test_compose(case):
    composed = sharing.compose(network=case["network"], caption=case["caption"],
                               hashtags=drafts.lenient_hashtags(case["hashtags"]), disclosure=case["disclosure"],
                               url=case["url"])
    assert (composed.text, composed.length) == (case["text"], case["length"])


def test_the_server_checks_captions_by_the_same_count(app):
    """A caption the cases say fits exactly at the limit passes; one more character is refused."""
    with app.test_request_context():
        used = sharing.compose(network="x", caption="Autumn 🍂\r\nsee #Autumn", hashtags="#autumn",
                               disclosure="#employee").length
        fits = "a" * (280 - used) + "Autumn 🍂\r\nsee #Autumn"
        assert not posts.check_captions(captions={"x": fits}, hashtags="#autumn", disclosure="#employee")
        assert posts.check_captions(captions={"x": fits + "a"}, hashtags="#autumn", disclosure="#employee")


def test_rules_table_is_what_the_python_counters_use(app):
    with app.test_request_context():
        rules = posts.counting_rules()
    assert rules["url_pattern"] == networks.URL_RE.pattern
    assert rules["tco_length"] == networks.TCO_LENGTH
    assert [tuple(r) for r in rules["x_light_ranges"]] == list(networks.X_LIGHT_RANGES)
    assert rules["networks"]["x"] == {"label": "X", "limit": 280, "counter": "x"}
    assert rules["networks"]["email"]["limit"] == posts.MAX_CAPTION
