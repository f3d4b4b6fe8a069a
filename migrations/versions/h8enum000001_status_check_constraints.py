"""CHECK constraints on every status-like column (statuses, roles, kinds, audiences, share methods …)

Revision ID: h8enum000001
Revises: h7sess000001
Create Date: 2026-12-05 01:10:00

The allowed values are written out here, not imported from the models' enums: a migration
describes the schema as it was at this revision, whatever the enums become later.

On SQLite each batch block rebuilds its table (copy, DROP, rename); migrations/env.py turns
foreign keys off for the run, so dropping a parent table does not cascade to its children.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'h8enum000001'
down_revision = 'h7sess000001'
branch_labels = None
depends_on = None

ROLES = ("admin", "manager", "curator", "ambassador")
KINDS = ("internal", "external")

# table -> ((column, allowed values), ...)
CHECKS = {
    "social_account": (("status", ("active", "needs_reconnect", "disconnected")),),
    "campaign": (("status", ("draft", "active", "archived")),),
    "post": (("audience", ("everyone", "internal")),
             ("status", ("draft", "pending_approval", "changes_requested", "approved", "archived"))),
    "share": (("method", ("intent", "api")),
              ("status", ("shared", "scheduled", "publishing", "published", "failed", "unconfirmed", "canceled"))),
    "membership": (("role", ROLES), ("kind", KINDS), ("status", ("active", "pending", "deactivated"))),
    "invitation": (("role", ROLES), ("kind", KINDS)),
    "follow_up": (("status", ("open", "contacted", "resolved")),),
    "redemption": (("status", ("requested", "approved", "fulfilled", "refused", "canceled")),),
    "survey": (("status", ("draft", "open", "closed")),),
    "idea": (("status", ("new", "under_review", "planned", "done", "declined")),),
    "poll": (("results", ("after_vote", "after_close")),),
    "message_report": (("state", ("open", "hidden", "dismissed")),),
    "nps_response_tag": (("source", ("auto", "manual")),),
    # reward keeps its two CHECKs (cost, stock) through the SQLite rebuild: they are reflected.
    "reward": (("eligibility", ("all", "internal", "external")),),
}


def _name(table, column):
    return op.f(f"ck_{table}_{column}_valid")


def upgrade():
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in checks:
                allowed = ", ".join(f"'{value}'" for value in values)
                batch_op.create_check_constraint(_name(table, column), f"{column} IN ({allowed})")


def downgrade():
    for table, checks in reversed(CHECKS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, _values in checks:
                batch_op.drop_constraint(_name(table, column), type_="check")
