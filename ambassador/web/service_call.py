"""How a view runs a service: commit when it worked, roll back and show the messages when it refused.

    with service_call(form, field="email") as call:
        invitations.create_invitation(...)
    if call.ok:
        flash(...)
        return redirect(...)
    return render_template(..., form=form)

On a `ServiceError` (errors.py) the session is rolled back (nothing of the request is written),
the error is kept on `call.error` and its messages are shown: each field's messages next to that field of
`form`; a message for the whole request next to `field` when given; anything else (no form, a field the form
does not have) flashed as an error, or added to `form.form_errors` with `on_form=True` for templates that
show those. `show=False` shows nothing, for views that render `call.error` their own way.
Any other exception also rolls back and goes on up (403/404 aborts, a bug ending in the 500 page).
For a service that never refuses, `with service_call(): ...` just commits.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash

from ..errors import ServiceError
from ..extensions import db


@dataclass
class ServiceCall:
    ok: bool = False  # True once the block ran without raising and the session is committed
    error: ServiceError | None = None


@contextmanager
def service_call(form=None, *, field: str | None = None, on_form: bool = False,
                 show: bool = True) -> Iterator[ServiceCall]:
    call = ServiceCall()
    try:
        yield call
    except ServiceError as exc:
        db.session.rollback()
        call.error = exc
        if show:
            show_error(exc, form=form, field=field, on_form=on_form)
    except BaseException:
        db.session.rollback()
        raise
    else:
        try:
            db.session.commit()  # a constraint refused at commit is no ServiceError: roll back, then 500
        except BaseException:
            db.session.rollback()
            raise
        call.ok = True


def show_error(error: ServiceError, *, form=None, field: str | None = None, on_form: bool = False) -> None:
    """Put `error`'s messages on `form` (see the module docstring), flashing what has no place there."""
    placed = [(field, error.message)] if error.message is not None else []
    placed += [(name, message) for name, messages in error.field_errors.items() for message in messages]
    for name, lazy in placed:
        message = str(lazy)  # translated now, in the request's language, as the views always did
        target = getattr(form, name, None) if (form is not None and name) else None
        if target is not None and hasattr(target, "errors"):
            if isinstance(target.errors, list):
                target.errors.append(message)
            else:  # a field that was not validated has a tuple
                target.errors = [*target.errors, message]
        elif on_form and form is not None:
            form.form_errors.append(message)
        else:
            flash(message, "error")
