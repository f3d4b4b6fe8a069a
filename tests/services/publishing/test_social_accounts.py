"""services/publishing/social_accounts.py: saving connections, usable tokens refreshed ahead of expiry,
reconnect state."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from ambassador.infra import crypto
from ambassador.models import OutboxEmail, SocialAccount, utcnow
from ambassador.providers.base import ErrorKind, Profile, ProviderError, TokenSet
from ambassador.services.publishing import social_accounts
from tests.services.publishing.oauth_fakes import calls


@pytest.fixture
def member(make):
    return make.member(make.org())


def save(member, provider="x", profiles=None, **token_kw):
    token_kw.setdefault("access_token", "a1")
    return social_accounts.save_connection(membership=member, provider=provider,
                                           profiles=profiles or [Profile(external_id="u1", handle="@me")],
                                           tokens=TokenSet(**token_kw))


def outbox(db) -> list[OutboxEmail]:
    return list(db.session.scalars(sa.select(OutboxEmail)))


def test_save_connection_creates_then_reconnects_the_same_row(member):
    (first,) = save(member, refresh_token="r1", scopes=("post", "read"))
    first.status, first.last_error, first.expiry_warned_days = "needs_reconnect", "revoked", 3
    (again,) = save(member, access_token="a2", refresh_token="r2")
    assert again.id == first.id
    assert (again.status, again.last_error, again.expiry_warned_days) == ("active", None, None)
    assert crypto.decrypt(again.access_token_enc) == "a2" and crypto.decrypt(again.refresh_token_enc) == "r2"
    assert again.scopes == "post read"  # no scopes in the new token set: the old ones stay


def test_save_connection_keeps_the_refresh_token_when_the_new_set_has_none(member):
    (account,) = save(member, refresh_token="r1")
    save(member, access_token="a2", refresh_token=None)
    assert crypto.decrypt(account.refresh_token_enc) == "r1"


def test_each_profile_becomes_an_account_with_its_own_tokens(member):
    pages = [Profile(external_id="page-1", display_name="Bakery", tokens=TokenSet(access_token="page-token-1")),
             Profile(external_id="page-2", display_name="Deli", tokens=TokenSet(access_token="page-token-2"))]
    saved = save(member, provider="facebook", profiles=pages, access_token="user-token")
    assert [crypto.decrypt(a.access_token_enc) for a in saved] == ["page-token-1", "page-token-2"]
    assert {a.org_id for a in saved} == {member.org_id}


def test_save_connection_merges_extra(member):
    (account,) = save(member, profiles=[Profile(external_id="u1", extra={"did": "did:plc:1"})])
    save(member, profiles=[Profile(external_id="u1", extra={"pds": "https://pds.example"})])
    assert account.extra == {"did": "did:plc:1", "pds": "https://pds.example"}


def test_accounts_for_lists_own_accounts_without_disconnected(make, member):
    (active,) = save(member, profiles=[Profile(external_id="a")])
    (broken,) = save(member, profiles=[Profile(external_id="b")])
    (gone,) = save(member, profiles=[Profile(external_id="c")])
    broken.status = "needs_reconnect"
    social_accounts.disconnect(gone)
    save(make.member(make.org()), profiles=[Profile(external_id="other")])
    assert [a.id for a in social_accounts.accounts_for(member)] == [active.id, broken.id]
    assert [a.id for a in social_accounts.accounts_for(member, usable_only=True)] == [active.id]


def test_disconnect_forgets_the_tokens(member):
    (account,) = save(member, refresh_token="r", expires_at=utcnow())
    social_accounts.disconnect(account)
    assert (account.status, account.access_token_enc, account.refresh_token_enc, account.token_expires_at) == \
        ("disconnected", None, None, None)


def test_mark_needs_reconnect_tells_the_owner_once(fake_providers, member, db):  # noqa: F811
    (account,) = save(member)
    social_accounts.mark_needs_reconnect(account, reason="invalid_grant")
    social_accounts.mark_needs_reconnect(account, reason="invalid_grant again")
    (mail,) = outbox(db)
    assert mail.to == member.user.email and "Chirp" in mail.subject
    assert "http://localhost/me/accounts" in mail.body_text and "invalid_grant" in mail.body_text
    assert (account.status, account.last_error) == ("needs_reconnect", "invalid_grant again")


def test_access_context_refreshes_a_token_about_to_expire(fake_providers, member):  # noqa: F811
    (account,) = save(member, refresh_token="good", expires_at=utcnow() + timedelta(minutes=2))
    context = social_accounts.access_context(account)
    assert context.access_token == "fresh-access" and calls("refresh") == [{"refresh_token": "good"}]
    assert crypto.decrypt(account.refresh_token_enc) == "fresh-refresh"
    assert account.token_expires_at > utcnow() + timedelta(hours=1)


def test_access_context_does_not_refresh_a_fresh_token(fake_providers, member):  # noqa: F811
    (account,) = save(member, refresh_token="good", expires_at=utcnow() + timedelta(hours=1))
    assert social_accounts.access_context(account).access_token == "a1" and calls("refresh") == []


def test_a_refresh_without_a_new_refresh_token_keeps_the_old_one(fake_providers, member):  # noqa: F811
    (account,) = save(member, refresh_token="keep", expires_at=utcnow())
    social_accounts.refresh_now(account)
    assert crypto.decrypt(account.refresh_token_enc) == "keep"
    assert crypto.decrypt(account.access_token_enc) == "fresh-access"


def test_a_revoked_grant_marks_the_account_and_raises(fake_providers, member, db):  # noqa: F811
    (account,) = save(member, refresh_token="revoked", expires_at=utcnow())
    with pytest.raises(ProviderError) as caught:
        social_accounts.access_context(account)
    assert caught.value.kind is ErrorKind.REAUTH
    assert account.status == "needs_reconnect" and len(outbox(db)) == 1


def test_a_transient_refresh_failure_leaves_the_account_active(fake_providers, member, db):  # noqa: F811
    (account,) = save(member, refresh_token="flaky", expires_at=utcnow())
    with pytest.raises(ProviderError) as caught:
        social_accounts.refresh_now(account)
    assert caught.value.kind is ErrorKind.RETRY
    assert account.status == "active" and outbox(db) == []


def test_an_expired_token_that_cannot_be_refreshed_needs_reconnecting(fake_providers, member, db):  # noqa: F811
    (account,) = save(member, provider="linkedin", expires_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(ProviderError):
        social_accounts.access_context(account)
    assert account.status == "needs_reconnect" and calls("refresh") == []


def test_a_non_refreshable_token_still_valid_is_used_as_is(fake_providers, member):  # noqa: F811
    (account,) = save(member, provider="linkedin", expires_at=utcnow() + timedelta(minutes=3))
    assert social_accounts.access_context(account).access_token == "a1"


def test_an_account_needing_reconnect_gives_no_credentials(fake_providers, member):  # noqa: F811
    (account,) = save(member)
    account.status = "needs_reconnect"
    with pytest.raises(ProviderError) as caught:
        social_accounts.access_context(account)
    assert caught.value.kind is ErrorKind.REAUTH


def test_tokens_are_encrypted_in_the_database(member, db):
    (account,) = save(member, access_token="plain-access-token", refresh_token="plain-refresh-token")
    row = db.session.execute(sa.select(SocialAccount.__table__.c.access_token_enc,
                                       SocialAccount.__table__.c.refresh_token_enc)
                             .where(SocialAccount.__table__.c.id == account.id)).one()
    assert "plain-access-token" not in row[0] and "plain-refresh-token" not in row[1]
