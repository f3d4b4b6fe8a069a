"""Schemathesis against the live API (the WSGI app, on the suite's database): requests generated from
/api/v1/openapi.json with a valid admin integration token over seeded data; 0 server errors and 0 answers
that break the document. Bounded examples per operation keep it part of the normal suite."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import bearer

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture
def api_schema(app, world):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def api_headers(world, token_for):
    _token, secret = token_for(world["admin"], integration=True)
    return bearer(secret)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_api_answers_match_the_document(case, api_headers):
    case.call_and_validate(headers=api_headers, checks=CHECKS)


@pytest.fixture
def member_headers(world, token_for, db):
    """A manager's personal token with every scope and a linked account: the routes a member acts through (sharing
    through their account, deciding redemptions) reach their services instead of the integration token's 403."""
    from tests.services.publishing.fakes import account

    account(db, world["manager"], "x")
    _token, secret = token_for(world["manager"])
    return bearer(secret)


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_api_answers_match_the_document_for_a_members_token(case, member_headers):
    case.call_and_validate(headers=member_headers, checks=CHECKS)
