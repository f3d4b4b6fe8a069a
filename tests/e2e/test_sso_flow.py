"""Single sign-on in a real browser against the real provider (tests/oidc/provider.mjs): the company-account
form leaves our page for the provider's despite CSP form-action 'self', and the member comes back signed in."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from ambassador.models import Membership, Organization, User
from ambassador.services.audit.log import Origin
from ambassador.services.org import organizations, sso_settings
from ambassador.services.org.accounts import create_user
from tests.oidc import local_provider


@pytest.fixture
def provider(live_server, tmp_path):
    oidc = local_provider.start(tmp_path, [local_provider.client_for(live_server.url, "sso-e2e")])
    yield oidc
    oidc.stop()


def test_sign_in_with_the_company_account_provisions_and_signs_in(page, live_server, provider, monkeypatch):
    monkeypatch.setitem(live_server.app.config, "SSO_ALLOW_LOOPBACK_ISSUERS", True)  # as its operator would
    client = local_provider.client_for(live_server.url, "sso-e2e")
    with live_server.session():
        owner = create_user(email="owner@sso-e2e.test", password="maple-quartz-harbour-91", verified=True)
        org = organizations.create_organization(name="SSO Works", owner=owner, slug="sso-e2e")
        sso_settings.save_settings(org=org, actor=owner, origin=Origin(), values=sso_settings.SsoSettings(
            issuer=provider.issuer, client_id=client["client_id"], client_secret=client["client_secret"],
            allowed_domains="sso-e2e.test", role_map="amb-curators = curator"))
    provider.accounts(**{"kim@sso-e2e.test": {"name": "Kim Lee", "groups": ["amb-curators"]}})

    page.goto("/login")
    page.get_by_label("Work email").fill("kim@sso-e2e.test")
    page.get_by_role("button", name="Continue with single sign-on").click()
    expect(page).to_have_url(re.compile(r"/feed$"))
    expect(page.get_by_role("banner")).to_contain_text("SSO Works")
    with live_server.session() as session:
        member = session.scalar(sa.select(Membership).join(User).join(Organization).where(
            User.email == "kim@sso-e2e.test", Organization.slug == "sso-e2e"))
        assert (member.role, member.source) == ("curator", "sso")
