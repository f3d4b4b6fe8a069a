"""The OpenAPI 3.1 document and its documentation page."""
from __future__ import annotations

import re


def test_the_document_is_openapi_3_1_and_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint.startswith("api_"):
            path = re.sub(r"<(?:[^<>]*:)?(\w+)>", r"{\1}", rule.rule)  # <int(max=…):member_id> → {member_id}
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented, (path, method)
    error = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(error) == ["application/problem+json"]


def test_the_docs_page_is_served_here_without_scripts_or_a_sign_in(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "GET /api/v1/members" in html and "/api/v1/openapi.json" in html
    assert not re.search(r'src="https?://', html)  # nothing from another origin


def test_a_demoted_members_token_loses_what_the_role_gave(client, make, token_for, db):
    from .conftest import bearer

    org = make.org()
    manager = make.member(org, role="manager")
    _token, secret = token_for(manager)
    assert client.get("/api/v1/members", headers=bearer(secret)).status_code == 200
    manager.role = "ambassador"
    db.session.flush()
    assert client.get("/api/v1/members", headers=bearer(secret)).status_code == 403


def test_the_token_forms_need_their_csrf_token(app, make, login, monkeypatch):
    member = make.member(make.org())
    client = login(member.user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    refused = client.post("/settings/tokens", data={"name": "x", "scopes": ["shares:read"], "expires_in_days": "30"})
    assert refused.status_code == 400


def test_the_docs_page_example_calls_the_public_address_not_the_requests_host(client):
    html = client.get("/api/v1/docs", base_url="http://internal-host:8000").get_data(as_text=True)
    assert "http://localhost/api/v1/teams" in html and "internal-host" not in html


def test_the_docs_page_says_types_as_json_schema_does_not_as_python(client):
    """A nullable parameter is "string | null" with its allowed values, never a Python list or None."""
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "[&#39;" not in html and ", None<" not in html
    assert "string | null: draft, active, archived<" in html  # the campaigns' status filter
    assert "array of Member" in html  # MemberPage.data


def test_schema_type_reads_each_form_of_type():
    from ambassador.api.docs import schema_type

    assert schema_type({"type": ["integer", "null"]}) == "integer | null"
    assert schema_type({"type": "string", "enum": ["7", "30"]}) == "string: 7, 30"
    assert schema_type({"type": "array", "items": {"$ref": "#/components/schemas/Team"}}) == "array of Team"
    assert schema_type({"readOnly": True}) == "any"
    assert schema_type(None) == "any"
