"""Publishing from the worker, with production's settings: every link that reaches a network is absolute.

The app is built from the production configuration (not TestConfig), outside any request, with only
what an operator must set (SECRET_KEY, TOKEN_KEYS, PUBLIC_BASE_URL), and publishes through the real
adapters to the contract fakes of the five networks, which refuse relative URIs as the networks do.
"""
from __future__ import annotations

from contextlib import ExitStack

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from ambassador.extensions import db as ext_db
from ambassador.infra import crypto
from ambassador.models import Share, SocialAccount
from tests.conftest import app_with_own_schema
from tests.factories import Factory
from tests.providers.fakes.bluesky import FakePDS
from tests.providers.fakes.facebook import APP_ID, APP_SECRET, FakeFacebook
from tests.providers.fakes.linkedin import FakeLinkedIn
from tests.providers.fakes.mastodon import FakeMastodon
from tests.providers.fakes.x import FakeX
from tests.services.publishing.fakes import due_share

BASE = "https://ambassador.example.org"


@pytest.fixture
def fakes():
    running = {"linkedin": FakeLinkedIn(), "x": FakeX(), "mastodon": FakeMastodon(), "bluesky": FakePDS(),
               "facebook": FakeFacebook()}
    with ExitStack() as stack:
        for fake in running.values():
            stack.enter_context(fake.running())
        yield running


@pytest.fixture
def production_app(own_database_url, tmp_path, fakes):
    """Production's configuration plus what an operator sets, on a throwaway database."""
    operator = {"SECRET_KEY": "operator-secret", "TOKEN_KEYS": Fernet.generate_key().decode(),
                "PUBLIC_BASE_URL": BASE}
    networks = {"LINKEDIN_CLIENT_ID": "li-client", "LINKEDIN_CLIENT_SECRET": "li-secret",
                "LINKEDIN_API_VERSION": "202510", "LINKEDIN_API_URL": fakes["linkedin"].base_url,
                "X_CLIENT_ID": "x-client", "X_API_URL": fakes["x"].base_url,
                "FACEBOOK_APP_ID": APP_ID, "FACEBOOK_APP_SECRET": APP_SECRET,
                "FACEBOOK_GRAPH_URL": fakes["facebook"].base_url, "FACEBOOK_GRAPH_VERSION": "v23.0",
                "PROVIDERS_ALLOW_HTTP": True}  # the fakes listen on http://127.0.0.1 only
    with app_with_own_schema("production", own_database_url, UPLOAD_FOLDER=str(tmp_path / "uploads"),
                             PUBLISH_THREADS=2, **operator, **networks) as app:
        assert app.config["ENV_NAME"] == "production" and not app.config.get("TESTING")
        yield app


def linked_accounts(member, fakes) -> dict[str, SocialAccount]:
    tokens = {
        "linkedin": ("urn:li:person:yfUG2QzCkZ", fakes["linkedin"].account()["access_token"], None, {}),
        "x": ("2244994945", fakes["x"].account()["access_token"], None, {}),
        "mastodon": ("1", fakes["mastodon"].add_token(), fakes["mastodon"].base_url, {}),
        "bluesky": ("did:plc:alice123", fakes["bluesky"].session()["accessJwt"], fakes["bluesky"].base_url,
                    {"handle": "alice.test"}),
        "facebook": ("101", fakes["facebook"].page_token("101"), None, {}),
    }
    rows = {}
    for provider, (external_id, token, service_url, extra) in tokens.items():
        rows[provider] = SocialAccount(org_id=member.org_id, membership_id=member.id, provider=provider,
                                       external_id=external_id, handle=f"@{provider}", extra=extra,
                                       service_url=service_url, access_token_enc=crypto.encrypt(token))
        ext_db.session.add(rows[provider])
    ext_db.session.flush()
    return rows


def test_the_worker_sends_only_absolute_links_to_every_network(production_app, fakes):
    with production_app.app_context():
        make = Factory(ext_db)
        org = make.org(disclosure="#employee", default_locale="nl")
        member = make.member(org, locale="fr")
        post = make.post(make.campaign(org), hashtags="#launch", preview_title="Launch",
                         preview_description="What we launched", lang="fr")
        shares = {provider: due_share(member, post, acct, caption="Have a look")
                  for provider, acct in linked_accounts(member, fakes).items()}
        links = {provider: f"{BASE}/s/{share.tracked_link.code}" for provider, share in shares.items()}
        # A share queued before PUBLIC_BASE_URL was required kept a relative link in its stored text.
        shares["x"].caption = f"Have a look #launch #employee /s/{shares['x'].tracked_link.code}"
        ext_db.session.commit()

    with production_app.app_context():  # the suite holds the test app's context open: make the command see ours
        result = production_app.test_cli_runner().invoke(args=["ambassador", "run-job", "dispatch_due_shares"])
    assert result.exit_code == 0, result.output

    with production_app.app_context():
        statuses = dict(ext_db.session.execute(sa.select(Share.network, Share.status)).all())
    assert statuses == dict.fromkeys(links, "published"), result.output
    [article_post] = fakes["linkedin"].posts
    assert article_post["content"]["article"]["source"] == links["linkedin"]
    assert article_post["commentary"].endswith(links["linkedin"].replace("_", "\\_"))
    [record] = [stored["value"] for stored in fakes["bluesky"].records.values()]
    assert record["embed"]["external"]["uri"] == links["bluesky"]
    assert [f["uri"] for facet in record["facets"] for f in facet["features"] if f["$type"].endswith("#link")] \
        == [links["bluesky"]]
    assert record["langs"] == ["fr"]  # the post's French words, the member's language, not the organization's
    [page_post] = fakes["facebook"].posts
    assert page_post["link"] == links["facebook"]
    [tweet] = fakes["x"].tweets
    assert tweet["text"] == f"Have a look #launch #employee {links['x']}"
    [status] = fakes["mastodon"].statuses
    assert status["text"] == f"Have a look #launch #employee {links['mastodon']}"
