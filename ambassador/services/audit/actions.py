"""The audit log's action names: dotted, stable (filters, exports and integrations rely on them)."""
from __future__ import annotations

# Sign-in and identity
SIGN_IN = "auth.sign_in"
SIGN_IN_FAILED = "auth.sign_in_failed"
SIGN_OUT = "auth.sign_out"
PASSWORD_CHANGED = "auth.password_changed"
SSO_SIGN_IN = "sso.sign_in"
SSO_SIGN_IN_REFUSED = "sso.sign_in_refused"
SSO_MEMBER_PROVISIONED = "sso.member_provisioned"
SSO_SETTINGS_CHANGED = "sso.settings_changed"
# Members
MEMBER_ROLE_CHANGED = "member.role_changed"
MEMBER_KIND_CHANGED = "member.kind_changed"
MEMBER_DEACTIVATED = "member.deactivated"
MEMBER_REACTIVATED = "member.reactivated"
MEMBER_DATA_EXPORTED = "member.data_exported"
MEMBER_ERASED = "member.erased"
# Organization
ORG_SETTINGS_CHANGED = "org.settings_changed"
# API tokens and webhooks
TOKEN_CREATED = "token.created"
TOKEN_REVOKED = "token.revoked"
WEBHOOK_CREATED = "webhook.created"
WEBHOOK_CHANGED = "webhook.changed"
WEBHOOK_DELETED = "webhook.deleted"
WEBHOOK_DISABLED = "webhook.disabled"
# Exports, approvals, rewards
EXPORT_DOWNLOADED = "export.downloaded"
POST_APPROVED = "post.approved"
POST_REJECTED = "post.rejected"
REDEMPTION_FULFILLED = "redemption.fulfilled"
REDEMPTION_REJECTED = "redemption.rejected"
AUDIT_EXPORTED = "audit.exported"
