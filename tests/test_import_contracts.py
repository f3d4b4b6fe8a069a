"""The custom import-linter contract (tests/import_contracts.py) finds the request however it is reached."""
from __future__ import annotations

from tests.import_contracts import find_name_imports

REQUEST = {("flask", "request"), ("flask.globals", "request")}


def test_every_way_of_taking_the_request_is_found():
    source = (
        "from flask import current_app, request\n"
        "def f():\n"
        "    from flask.globals import request as r\n"
        "    import flask\n"
        "    return flask.request.host\n"
    )
    assert find_name_imports(source, REQUEST) == [(1, "flask:request"), (3, "flask.globals:request"),
                                                  (5, "flask:request")]


def test_other_names_and_lookalikes_are_not_flagged():
    source = (
        "from flask import current_app, render_template\n"
        "from .http import request as http_request\n"
        "import requests\n"
        "requests.request('GET', 'https://example.test')\n"
        "current_app.request_class\n"
    )
    assert find_name_imports(source, REQUEST) == []
