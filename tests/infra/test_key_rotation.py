"""`flask ambassador rotate-keys` and infra/key_rotation.py: every *_enc column, newest key first."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from ambassador.infra import crypto, key_rotation
from ambassador.models import OAuthClient, SocialAccount

OLD, NEW, LOST = (Fernet.generate_key().decode() for _ in range(3))


@pytest.fixture
def keys(app, monkeypatch):
    def use(*names: str) -> None:
        monkeypatch.setitem(app.config, "TOKEN_KEYS", ",".join(names))

    return use


def raw(db, table: str, column: str, row_id: int) -> str:
    return db.session.execute(sa.text(f"SELECT {column} FROM {table} WHERE id = :id"), {"id": row_id}).scalar_one()


def add_secrets(db, make, n: int = 3) -> tuple[list[SocialAccount], OAuthClient]:
    member = make.member(make.org())
    accounts = []
    for i in range(n):
        account = SocialAccount(org_id=member.org_id, membership_id=member.id, provider="x", external_id=f"u{i}",
                                access_token_enc=crypto.encrypt(f"access-{i}"),
                                refresh_token_enc=crypto.encrypt(f"refresh-{i}") if i else None, extra={})
        db.session.add(account)
        accounts.append(account)
    client = OAuthClient(provider="mastodon", service_url=f"https://toot{member.org_id}.example", client_id="cid",
                         client_secret_enc=crypto.encrypt("client-secret"), redirect_uri="https://amb.example/cb")
    db.session.add(client)
    db.session.flush()
    return accounts, client


def test_every_secret_column_is_found():
    found = {model.__tablename__: columns for model, columns in key_rotation.encrypted_columns().items()}
    assert found["social_account"] == ["access_token_enc", "refresh_token_enc"]
    assert found["oauth_client"] == ["client_secret_enc"]


def test_rotate_keys_command_re_encrypts_with_the_first_key(runner, db, make, keys):
    keys(OLD)
    accounts, client = add_secrets(db, make)
    db.session.commit()
    keys(NEW, OLD)  # the new key first, the old one still listed
    result = runner.invoke(args=["ambassador", "rotate-keys", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "social_account.access_token_enc: 3 re-encrypted" in result.output
    assert "social_account.refresh_token_enc: 2 re-encrypted" in result.output
    assert "oauth_client.client_secret_enc: 1 re-encrypted" in result.output
    assert "Done: 6 secrets re-encrypted, 0 not decryptable." in result.output

    keys(NEW)  # the old key is removed: everything still decrypts
    db.session.expire_all()
    for i, account in enumerate(accounts):
        assert crypto.decrypt(raw(db, "social_account", "access_token_enc", account.id)) == f"access-{i}"
        assert Fernet(NEW.encode()).decrypt(raw(db, "social_account", "access_token_enc", account.id).encode())
    assert raw(db, "social_account", "refresh_token_enc", accounts[0].id) is None
    assert crypto.decrypt(raw(db, "social_account", "refresh_token_enc", accounts[2].id)) == "refresh-2"
    assert crypto.decrypt(raw(db, "oauth_client", "client_secret_enc", client.id)) == "client-secret"


def test_without_rotation_removing_the_old_key_would_break_decryption(db, make, keys):
    keys(OLD)
    accounts, _ = add_secrets(db, make, n=1)
    keys(NEW)
    with pytest.raises(crypto.SecretError):
        crypto.decrypt(accounts[0].access_token_enc)


def test_an_undecryptable_value_is_reported_and_left_alone(runner, db, make, keys):
    keys(LOST)
    (lost,), _ = add_secrets(db, make, n=1)
    keys(OLD)
    (good,), _client = add_secrets(db, make, n=1)
    before = raw(db, "social_account", "access_token_enc", lost.id)
    db.session.commit()
    keys(NEW, OLD)
    result = runner.invoke(args=["ambassador", "rotate-keys"])
    assert result.exit_code == 1
    assert f"social_account id={lost.id} column=access_token_enc" in result.output
    assert "not decryptable" in result.output
    db.session.expire_all()
    assert raw(db, "social_account", "access_token_enc", lost.id) == before
    keys(NEW)
    assert crypto.decrypt(raw(db, "social_account", "access_token_enc", good.id)) == "access-0"


def test_rotate_all_commits_per_batch(db, make, keys):
    keys(OLD)
    add_secrets(db, make, n=5)
    keys(NEW, OLD)
    batches = []
    report = key_rotation.rotate_all(batch_size=2, after_batch=lambda: batches.append(1))
    # social_account: 5 rows in batches of 2 → 3 batches; oauth_client: 1 row → 1 batch.
    assert len(batches) == 3 + 1
    assert report.total == 5 + 4 + 1 and report.failures == []
