"""The member's own linked social accounts (a personal token): what `POST /api/v1/shares` shares through."""
from __future__ import annotations

import marshmallow as ma
from flask import abort
from flask.views import MethodView
from flask_babel import gettext as _

from ..models import AccountStatus
from ..services.publishing import social_accounts
from . import auth
from .blueprint import resource
from .fields import UtcDateTime

blp = resource("accounts", "Your linked social accounts, to share through.")


class AccountSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    network = ma.fields.String(attribute="provider", required=True)
    label = ma.fields.String(required=True)
    handle = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(tuple(AccountStatus)), metadata={
        "description": "active: usable; needs_reconnect: reconnect it in the product before sharing through it"})
    followers = ma.fields.Integer(attribute="followers_count", required=True, allow_none=True,
                                  metadata={"description": "When last read; null: unknown"})
    created_at = UtcDateTime(required=True)


class AccountList(ma.Schema):
    data = ma.fields.List(ma.fields.Nested(AccountSchema), required=True)


@blp.route("/accounts")
class Accounts(MethodView):
    @auth.requires("shares:read")
    @blp.response(200, AccountList)
    def get(self):
        """Your linked accounts (not the disconnected ones)"""
        member = auth.membership()
        if member is None:
            abort(403, description=_("Accounts belong to a member: use a personal token."))
        return {"data": social_accounts.accounts_for(member)}
