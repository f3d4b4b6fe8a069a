"""Every API route, asked with another organization's token (an admin integration token with every scope):
404 (or 403), never a row of the organization that owns the ids. Routes are read from app.url_map, so a new
route without an entry in IDS fails here until it is added."""
from __future__ import annotations

import json

import pytest

from .conftest import bearer

PUBLIC = {"/api/v1/openapi.json", "/api/v1/docs"}  # the document and its page: no organization's data
IDS = {  # path parameter → the victim's object in `world`
    "member_id": lambda w: w["ambassador"].id,
    "team_id": lambda w: w["team"].id,
    "campaign_id": lambda w: w["campaign"].id,
    "post_id": lambda w: w["post"].id,
    "share_id": lambda w: w["shares"][1].id,
    "link_id": lambda w: w["links"][1],
    "survey_id": lambda w: w["survey"].id,
    "follow_up_id": lambda w: w["follow_up"].id,
    "idea_id": lambda w: w["idea"].id,
    "redemption_id": lambda w: w["redemption"].id,
}
FILTERS = ("team_id={team_id}&campaign_id={campaign_id}&post_id={post_id}&member_id={member_id}"
           "&survey_id={survey_id}&assignee_id={member_id}")


def api_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules()
                   if rule.rule.startswith("/api/v1") and rule.rule not in PUBLIC), key=lambda r: r.rule)


@pytest.fixture
def intruder(make, token_for):
    other = make.org()
    admin = make.member(other, role="admin")
    make.team(other, "Intruders")
    _token, secret = token_for(admin, integration=True)
    return secret


def _secrets_of(world) -> list[str]:
    return [m.user.email for m in (world["admin"], world["manager"], world["ambassador"])] + [
        world["team"].name, world["campaign"].title, world["post"].title, "Read this", "Victim"]


def test_the_matrix_covers_every_api_route(app):
    rules = api_rules(app)
    assert len(rules) >= 11
    for rule in rules:
        assert set(rule.arguments) <= set(IDS), f"add {rule.arguments - set(IDS)} of {rule.rule} to IDS"


def test_another_organizations_token_never_gets_data(app, client, world, intruder):
    leaked = _secrets_of(world)
    ids = {name: get(world) for name, get in IDS.items()}
    for rule in api_rules(app):
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int(max=2147483647):{name}>", str(ids[name]))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                urls = [path] if rule.arguments else [path, f"{path}?{FILTERS.format(**ids)}"]
                for url in urls:
                    response = client.get(url, headers=bearer(intruder))
                    text = response.get_data(as_text=True)
                    assert not any(secret in text for secret in leaked), (url, text)
                    if rule.arguments or "team_id" in url and "leaderboard" in url:
                        assert response.status_code in (403, 404), (url, response.status_code)
                    else:
                        assert response.status_code in (200, 403, 404), (url, response.status_code)
            else:
                body = {"name": "X", "title": "X", "team_ids": [ids["team_id"]]}  # the victim's team
                response = client.open(path, method=method, data=json.dumps(body),
                                       content_type="application/json", headers=bearer(intruder))
                text = response.get_data(as_text=True)
                assert not any(secret in text for secret in leaked), (path, method, text)
                if rule.arguments:
                    assert response.status_code in (403, 404), (path, method, response.status_code)
                else:  # a create in the intruder's own organization, never touching the victim's
                    assert response.status_code in (201, 403, 422), (path, method, text)
