"""Validators shared by the forms."""
from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from ..services.org.accounts import is_valid_email


class EmailAddress:
    def __init__(self, message=None):
        self.message = message or _l("Enter a valid email address.")

    def __call__(self, form, field):
        if field.data and not is_valid_email(field.data.strip()):
            raise ValidationError(self.message)


class TimeZone:
    def __call__(self, form, field):
        if field.data not in available_timezones():
            raise ValidationError(_l("Unknown time zone; use a name such as Europe/Brussels."))
