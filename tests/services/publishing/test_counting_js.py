"""The live counters (static/js/count.js) and the server (networks.COUNTERS) count a caption by one
rule: both run on the same cases here."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ambassador import networks
from ambassador.services.content.posts import MAX_CAPTION

COUNT_JS = Path(networks.__file__).parent / "static" / "js" / "count.js"
TEXTS = [
    "Plain words, nothing else",
    "",
    "Caf\u00e9 and cafe\u0301",  # precomposed and combining accent
    "日本語のテキスト",
    "नमस्ते दुनिया",  # clusters of several code points
    "Family 👨\u200d👩\u200d👧\u200d👦, skin 👍🏽, flag 🇧🇪, keycap 1\ufe0f\u20e3, heart ❤\ufe0f",
    "Read https://example.com/a/very/long/path?with=query&and=more#fragment now",
    "Ends with a link https://example.com/page.",
    "Two (https://a.example/x) and https://b.example/y!",
    "Hi @anna@mastodon.social and @bob, mail bob@example.com",
    "Hi @नमस्ते@mastodon.social x",  # not a Mastodon username (ASCII only): counted as written
    "#launch #ad https://amb.example.com/s/xxxxxxxxxx",
]


IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.mark.skipif(shutil.which("node") is None and not IN_CI, reason="needs Node.js to run the browser's counter")
@pytest.mark.parametrize("kind", sorted(networks.COUNTERS))
def test_the_browser_counts_like_the_server(kind):
    # The page hands count.js the server's rules table (base.html's #counting-rules); here configure() does.
    rules = networks.counting_rules(max_caption=MAX_CAPTION)
    script = (f"const api = require({json.dumps(str(COUNT_JS))});"
              "const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "api.configure(input.rules);"
              f"process.stdout.write(JSON.stringify(input.texts.map(t => api.count({json.dumps(kind)}, t))));")
    result = subprocess.run(["node", "-e", script], input=json.dumps({"rules": rules, "texts": TEXTS}),
                            capture_output=True, text=True, check=True, timeout=60)
    browser = json.loads(result.stdout)
    server = [networks.COUNTERS[kind](text) for text in TEXTS]
    assert dict(zip(TEXTS, browser, strict=True)) == dict(zip(TEXTS, server, strict=True))
