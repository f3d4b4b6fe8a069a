"""`flask ambassador …` commands through Flask's CLI runner."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from ambassador.demo.seed import DEFAULT_PASSWORD
from ambassador.models import Membership, Organization, PointsEntry, Share, User


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_create_admin_creates_user_and_organization(runner, db):
    result = runner.invoke(args=["ambassador", "create-admin", "--email", "Boss@Example.test", "--org", "acme-shop",
                                 "--name", "The Boss", "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.test of organization acme-shop" in result.output
    org = db.session.scalar(sa.select(Organization).where(Organization.slug == "acme-shop"))
    member = db.session.scalar(sa.select(Membership).where(Membership.org_id == org.id))
    assert member.role == "admin" and member.user.email == "boss@example.test"
    assert member.user.check_password("long enough pw")


def test_create_admin_promotes_an_existing_member(runner, db, make):
    org = make.org(slug="promo-org")
    member = make.member(org, role="ambassador", status="deactivated", email="someone@example.test")
    result = runner.invoke(args=["ambassador", "create-admin", "--email", "someone@example.test", "--org",
                                 "promo-org", "--password", "a new long password"])
    assert result.exit_code == 0, result.output
    assert "Updated admin someone@example.test" in result.output
    db.session.expire_all()
    member = db.session.get(Membership, member.id)
    assert (member.role, member.status) == ("admin", "active")
    assert member.user.check_password("a new long password")
    assert count(db, User) == 1


def test_create_admin_refuses_a_short_password(runner, db):
    result = runner.invoke(args=["ambassador", "create-admin", "--email", "x@example.test", "--org", "short-pw",
                                 "--password", "short"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert count(db, User) == 0 and count(db, Organization) == 0


def test_demo_command_is_idempotent_and_prints_logins(runner, db, client):
    first = runner.invoke(args=["ambassador", "demo"])
    assert first.exit_code == 0, first.output
    assert "admin@demo.test" in first.output and "fan1@demo.test" in first.output and "(external)" in first.output
    assert f"password: {DEFAULT_PASSWORD}" in first.output
    before = {m.__name__: count(db, m) for m in (Organization, User, Membership, Share, PointsEntry)}
    assert before["PointsEntry"] > 0

    second = runner.invoke(args=["ambassador", "demo"])
    assert second.exit_code == 0, second.output
    assert "already exists" in second.output and "ambassador8@demo.test" in second.output
    assert {m.__name__: count(db, m) for m in (Organization, User, Membership, Share, PointsEntry)} == before

    response = client.post("/login", data={"email": "curator@demo.test", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def test_demo_command_with_own_password(runner, db, client):
    result = runner.invoke(args=["ambassador", "demo", "--password", "my own demo pw"])
    assert result.exit_code == 0, result.output
    assert "password: my own demo pw" in result.output
    assert client.post("/login", data={"email": "admin@demo.test", "password": "my own demo pw"}).status_code == 302


def test_demo_command_refuses_a_short_password(runner, db):
    result = runner.invoke(args=["ambassador", "demo", "--password", "short"])
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    assert count(db, Organization) == 0


# --- a fresh checkout: the entry points refuse missing settings in one line -------------------

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REQUIRED = ("SECRET_KEY", "PUBLIC_BASE_URL", "TOKEN_KEYS")


def fresh_env(tmp_path, **settings) -> dict[str, str]:
    """The environment of a fresh checkout: no AMBASSADOR_ENV, none of the production settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in (*REQUIRED, "AMBASSADOR_ENV", "FLASK_ENV", "FLASK_APP", "SCHEDULER_IN_PROCESS")}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", **settings}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [["ambassador", "worker"], ["ambassador", "run-job", "dispatch_due_shares"],
                                     ["db", "upgrade"], ["run"]])
def test_flask_commands_refuse_missing_settings_in_one_line(tmp_path, command):
    done = run([str(BIN / "flask"), "--app", "wsgi", *command], fresh_env(tmp_path))
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert "SECRET_KEY, PUBLIC_BASE_URL, TOKEN_KEYS are not set" in line and "AMBASSADOR_ENV=development" in line
    assert "Traceback" not in done.stderr + done.stdout


def test_help_works_before_the_settings_are_in_place(tmp_path):
    done = run([str(BIN / "flask"), "--app", "wsgi", "ambassador", "--help"], fresh_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "worker" in done.stdout and "run-job" in done.stdout
    assert "PUBLIC_BASE_URL" in done.stderr and "Traceback" not in done.stderr


def test_an_invalid_public_base_url_is_refused_by_name(tmp_path):
    env = fresh_env(tmp_path, SECRET_KEY="s", TOKEN_KEYS=Fernet.generate_key().decode(), PUBLIC_BASE_URL="/")
    done = run([str(BIN / "flask"), "--app", "wsgi", "ambassador", "worker"], env)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "PUBLIC_BASE_URL must be an absolute http(s) URL" in done.stderr


def test_gunicorn_refuses_before_forking_workers(tmp_path):
    done = run([str(BIN / "gunicorn"), "--bind", "127.0.0.1:0", "--workers", "2", "wsgi:app"], fresh_env(tmp_path))
    assert done.returncode != 0
    assert "SECRET_KEY, PUBLIC_BASE_URL, TOKEN_KEYS are not set" in done.stderr
    assert "Traceback" not in done.stderr and "Booting worker" not in done.stderr


def test_development_needs_none_of_them(tmp_path):
    done = run([str(BIN / "flask"), "--app", "wsgi", "routes"], fresh_env(tmp_path, AMBASSADOR_ENV="development"))
    assert done.returncode == 0, done.stderr
    assert "/s/<code>" in done.stdout


def test_gunicorn_without_our_config_file_stops_instead_of_rebooting_workers(tmp_path):
    """The fallback when gunicorn.conf.py is not used: the worker exits with gunicorn's "failed to boot"."""
    done = run([str(BIN / "gunicorn"), "-c", "/dev/null", "--bind", "127.0.0.1:0", "--workers", "1", "wsgi:app"],
               fresh_env(tmp_path))
    assert done.returncode != 0 and "Worker failed to boot" in done.stderr  # the master halted: no reboot loop
    assert done.stderr.count("SECRET_KEY, PUBLIC_BASE_URL, TOKEN_KEYS are not set") == 1
