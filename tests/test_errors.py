"""One error contract: every refusal a service gives is a ServiceError with the same shape."""
from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import ambassador.infra
import ambassador.services
from ambassador.errors import ServiceError
from ambassador.infra import crypto, safe_http, urls
from ambassador.services.nps.surveys import SurveyClosed
from ambassador.services.org.members import MemberError
from ambassador.services.org.password_policy import PasswordError

# Failures that are not the person's to fix (configuration, keys): a 500 page or a job's log, never a form;
# and the outgoing-HTTP guard's refusals, which its callers (link previews, adapters) turn into their own outcome.
INFRASTRUCTURE = {crypto.SecretError, urls.BaseUrlMissing, safe_http.UnsafeURL, safe_http.UnsafeAddress}


def _exceptions_defined_in_services():
    for package in (ambassador.services, ambassador.infra):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == module.__name__ and issubclass(cls, BaseException):
                    yield cls


def test_every_service_exception_is_a_service_error_except_infrastructure():
    found = set(_exceptions_defined_in_services())
    assert len(found - INFRASTRUCTURE) > 20  # the walk really found the services' errors
    not_service_errors = {cls.__qualname__ for cls in found - INFRASTRUCTURE if not issubclass(cls, ServiceError)}
    assert not_service_errors == set()
    assert INFRASTRUCTURE <= found  # the exceptions listed above still exist
    assert not any(issubclass(cls, ServiceError) for cls in INFRASTRUCTURE)


def test_each_service_error_class_has_its_own_stable_code():
    classes = [cls for cls in _exceptions_defined_in_services()
               if issubclass(cls, ServiceError) and cls is not ServiceError]
    codes = [cls.code for cls in classes]
    assert "invalid" not in codes  # every area names its kind
    assert len(set(codes)) == len(codes)


def test_one_message_for_the_whole_request():
    error = MemberError("Not allowed.")
    assert (error.message, error.field_errors, error.field) == ("Not allowed.", {}, None)
    assert str(error) == "Not allowed."
    assert (error.code, error.status) == ("member", 422)


def test_field_puts_the_message_next_to_that_field():
    error = MemberError("Taken.", field="email")
    assert error.message is None
    assert error.field_errors == {"email": ["Taken."]}
    assert error.field == "email"
    assert str(error) == "Taken."


def test_field_errors_take_a_message_or_a_list_per_field():
    error = ServiceError(field_errors={"title": "Required.", "body": ["Too long.", "No links."]})
    assert error.field_errors == {"title": ["Required."], "body": ["Too long.", "No links."]}
    assert error.messages == ["Required.", "Too long.", "No links."]
    assert not isinstance(error, ValueError)  # a refusal is not a programming error: `except ValueError` skips it


def test_a_mapping_as_first_argument_is_field_errors():
    error = ServiceError({"options": "Give two options."})
    assert error.message is None and error.field_errors == {"options": ["Give two options."]}
    assert str(error) == "Give two options."


def test_default_field_of_a_class():
    assert PasswordError("Too short.").field_errors == {"password": ["Too short."]}


def test_code_and_status_for_the_api():
    assert (SurveyClosed("Closed.").code, SurveyClosed("Closed.").status) == ("survey_closed", 409)
    custom = ServiceError("Gone.", code="gone", status=410)
    assert (custom.code, custom.status) == ("gone", 410)
    assert ServiceError.status == 422  # the class is untouched


def test_a_refusal_is_not_caught_as_a_programming_error():
    # `except ValueError` (a bad argument, a programming error) must not swallow a refusal meant for the person.
    with pytest.raises(ServiceError):
        try:
            raise MemberError("Refused.")
        except ValueError:  # pragma: no cover - the point of the test is that this does not run
            pytest.fail("a ServiceError was caught as a ValueError")
