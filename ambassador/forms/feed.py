"""Forms of the ambassador feed: the campaign filter, a share, sharing through linked accounts."""
from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from .. import networks
from ..services.publishing.sharing import MAX_CAPTION_CHARS
from .content import TIME_FORMAT, to_utc


class ShareForm(FlaskForm):
    # Absent for networks that take no text (Facebook): the service then uses nothing of it.
    caption = TextAreaField(_l("Your caption"), validators=[Optional(strip_whitespace=False),
                                                             Length(max=MAX_CAPTION_CHARS)])


class FeedFilterForm(FlaskForm):
    """GET filter, no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    campaign = SelectField(_l("Campaign"), coerce=int, validators=[Optional()])
    order = SelectField(_l("Order"), choices=[("newest", _l("Newest first")), ("unshared", _l("Not shared yet first"))],
                        validators=[Optional()])

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign.choices = [(0, _l("All campaigns"))] + [(c.id, c.title) for c in campaigns]


class _Errors:
    def error_map(self, extra: dict[str, list] | None = None) -> dict[str, list]:
        """Field errors and a service's (ServiceError.field_errors) in one place, keyed as the template shows them."""
        found: dict[str, list] = {}
        for name, field in self._fields.items():
            if field.errors:
                found.setdefault(name, []).extend(field.errors)
        for key, messages in (extra or {}).items():
            found.setdefault(key, []).extend(messages)
        return found


class AccountShareForm(_Errors, FlaskForm):
    """Share a post through one or more of the member's linked accounts: now, at a time, or queued.

    Rendered by hand on each feed card (several on a page, each with its own element ids);
    caption_<network> holds the caption for that network's accounts.
    """

    accounts = SelectMultipleField(_l("Share through"), coerce=int, validate_choice=False)
    when = DateTimeLocalField(_l("When"), format=TIME_FORMAT, validators=[Optional()])
    share_now = SubmitField(_l("Share now"))
    schedule = SubmitField(_l("Schedule"))
    queue = SubmitField(_l("Add to my queue"))

    @property
    def mode(self) -> str | None:
        for mode, button in (("now", self.share_now), ("schedule", self.schedule), ("queue", self.queue)):
            if button.data:
                return mode
        return None

    def captions(self) -> dict[str, str]:
        return {key: getattr(self, f"caption_{key}").data or "" for key in networks.NETWORKS}

    def at(self, tz: str) -> datetime | None:
        return to_utc(self.when.data, tz) if self.mode == "schedule" else None


for _key in networks.NETWORKS:
    setattr(AccountShareForm, f"caption_{_key}", TextAreaField(
        _l("Your caption for %(network)s", network=networks.get(_key).label),
        validators=[Optional(strip_whitespace=False), Length(max=MAX_CAPTION_CHARS)]))


class EditScheduledForm(_Errors, FlaskForm):
    caption = TextAreaField(_l("Your caption"), validators=[Optional(strip_whitespace=False),
                                                             Length(max=MAX_CAPTION_CHARS)])
    when = DateTimeLocalField(_l("When"), format=TIME_FORMAT, validators=[Optional()])

    def to_utc(self, tz: str) -> datetime | None:
        return to_utc(self.when.data, tz)


class ConfirmPostedForm(FlaskForm):
    url = StringField(_l("Address of the post (optional)"),
                      validators=[Optional(), Length(max=2048),
                                  Regexp(r"^https?://[^\s/?#]+\.[^\s]*$", flags=re.IGNORECASE,
                                         message=_l("Enter the post's web address, starting with https://."))])


class AutoShareForm(FlaskForm):
    accounts = SelectMultipleField(_l("Auto-share through"), coerce=int, validate_choice=False)
