"""web/service_call.py: commit when the service worked, roll back and show the messages when it refused."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField

from ambassador.errors import ServiceError
from ambassador.models import Team
from ambassador.services.org.teams import TeamError
from ambassador.web.service_call import service_call


class NameForm(FlaskForm):
    name = StringField()
    email = StringField()


@pytest.fixture
def form(app):
    with app.test_request_context("/", method="POST", data={"name": "x", "email": "y"}):
        form = NameForm(meta={"csrf": False})
        assert form.validate()
        yield form


def _team_names(db) -> list[str]:
    return list(db.session.scalars(sa.select(Team.name).order_by(Team.name)))


def _add_team(make, org, name: str) -> None:
    make.team(org, name)
    assert name in _team_names(make.db)  # written in this transaction


def test_success_commits(db, make, form):
    org = make.org()
    with service_call(form) as call:
        _add_team(make, org, "Sales")
    assert call.ok and call.error is None
    db.session.rollback()  # only what is not committed would go
    assert _team_names(db) == ["Sales"]
    assert get_flashed_messages() == []


def test_a_service_error_rolls_back_and_is_kept(db, make, form):
    org = make.org()
    db.session.commit()
    with service_call(form) as call:
        _add_team(make, org, "Sales")
        raise TeamError("Taken.", field="name")
    assert not call.ok and isinstance(call.error, TeamError)
    assert _team_names(db) == []  # nothing written


def test_field_errors_go_next_to_their_fields(form):
    with service_call(form):
        raise ServiceError(field_errors={"name": ["Too long.", "Taken."], "email": "Not an address."})
    assert form.name.errors == ["Too long.", "Taken."]
    assert form.email.errors == ["Not an address."]
    assert get_flashed_messages() == []


def test_a_message_for_the_request_goes_to_the_named_field(form):
    with service_call(form, field="email"):
        raise ServiceError("Already invited.")
    assert form.email.errors == ["Already invited."]
    assert form.name.errors == []


def test_unknown_field_and_no_field_are_flashed(form):
    with service_call(form):
        raise ServiceError("Voting is closed.", field_errors={"teams": "Choose teams of this organization."})
    assert get_flashed_messages(with_categories=True) == [
        ("error", "Voting is closed."), ("error", "Choose teams of this organization.")]
    assert form.name.errors == [] and form.form_errors == []


def test_on_form_puts_unknown_fields_on_the_form(form):
    with service_call(form, on_form=True):
        raise ServiceError(field_errors={"teams": "Choose teams of this organization."})
    assert form.form_errors == ["Choose teams of this organization."]
    assert get_flashed_messages() == []


def test_without_a_form_every_message_is_flashed(app):
    with app.test_request_context("/"):
        with service_call() as call:
            raise ServiceError(field_errors={"options": "Give two options."})
        assert get_flashed_messages(with_categories=True) == [("error", "Give two options.")]
        assert not call.ok


def test_show_false_leaves_the_display_to_the_view(form):
    with service_call(form, show=False) as call:
        raise ServiceError(field_errors={"name": "Taken."})
    assert form.name.errors == [] and get_flashed_messages() == []
    assert call.error.field_errors == {"name": ["Taken."]}


def test_other_exceptions_roll_back_and_go_on(db, make, form):
    org = make.org()
    db.session.commit()
    with pytest.raises(PermissionError):
        with service_call(form):
            _add_team(make, org, "Sales")
            raise PermissionError
    assert _team_names(db) == []


def test_a_commit_the_database_refuses_rolls_back_and_goes_on(db, make, form, monkeypatch):
    org = make.org()
    rolled_back = []
    monkeypatch.setattr(db.session, "commit", lambda: (_ for _ in ()).throw(sa.exc.IntegrityError("x", {}, None)))
    real_rollback = db.session.rollback
    monkeypatch.setattr(db.session, "rollback", lambda: (rolled_back.append(True), real_rollback())[1])
    with pytest.raises(sa.exc.IntegrityError):
        with service_call(form):
            _add_team(make, org, "Refused at commit")
    assert rolled_back and "Refused at commit" not in _team_names(db)
