"""What each audit action means, in the reader's language, and the groups the page filters by."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from . import actions

# Groups are the action names' first part ("auth.sign_in" is in "auth").
GROUPS: dict[str, Any] = {
    "auth": _l("Sign-in"),
    "sso": _l("Single sign-on"),
    "member": _l("Members"),
    "org": _l("Organization settings"),
    "token": _l("API tokens"),
    "webhook": _l("Webhooks"),
    "export": _l("Exports"),
    "post": _l("Post approval"),
    "redemption": _l("Rewards"),
    "audit": _l("Audit log"),
}

LABELS: dict[str, Any] = {
    actions.SIGN_IN: _l("Signed in"),
    actions.SIGN_IN_FAILED: _l("Sign-in failed"),
    actions.SIGN_OUT: _l("Signed out"),
    actions.PASSWORD_CHANGED: _l("Password changed"),
    actions.SSO_SIGN_IN: _l("Signed in with single sign-on"),
    actions.SSO_SIGN_IN_REFUSED: _l("Single sign-on refused"),
    actions.SSO_MEMBER_PROVISIONED: _l("Member created by single sign-on"),
    actions.SSO_SETTINGS_CHANGED: _l("Single sign-on settings changed"),
    actions.MEMBER_ROLE_CHANGED: _l("Role changed"),
    actions.MEMBER_KIND_CHANGED: _l("Kind of member changed"),
    actions.MEMBER_DEACTIVATED: _l("Member deactivated"),
    actions.MEMBER_REACTIVATED: _l("Member reactivated"),
    actions.MEMBER_DATA_EXPORTED: _l("Member's data exported"),
    actions.MEMBER_ERASED: _l("Member erased"),
    actions.ORG_SETTINGS_CHANGED: _l("Organization settings changed"),
    actions.TOKEN_CREATED: _l("API token created"),
    actions.TOKEN_REVOKED: _l("API token revoked"),
    actions.WEBHOOK_CREATED: _l("Webhook endpoint added"),
    actions.WEBHOOK_CHANGED: _l("Webhook endpoint changed"),
    actions.WEBHOOK_DELETED: _l("Webhook endpoint removed"),
    actions.WEBHOOK_DISABLED: _l("Webhook endpoint turned off after failing"),
    actions.EXPORT_DOWNLOADED: _l("Export downloaded"),
    actions.POST_APPROVED: _l("Post approved"),
    actions.POST_REJECTED: _l("Post sent back"),
    actions.REDEMPTION_FULFILLED: _l("Reward handed over"),
    actions.REDEMPTION_REJECTED: _l("Reward request refused"),
    actions.AUDIT_EXPORTED: _l("Audit log exported"),
}

VIAS: dict[str, Any] = {"web": _l("web"), "api": _l("API"), "sso": _l("single sign-on"), "cli": _l("command line"),
                        "worker": _l("background job")}


def label(action: str) -> str:
    """The action's label; an action this version has no label for is shown by its name."""
    return str(LABELS.get(action, action))
