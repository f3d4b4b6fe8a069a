"""Statuses, roles, kinds, audiences and share methods are StrEnums, and the database refuses other values."""
from __future__ import annotations

import enum

import pytest
import sqlalchemy as sa

from ambassador import models
from ambassador.extensions import db

ENUM_COLUMNS = {
    ("social_account", "status"): models.AccountStatus,
    ("campaign", "status"): models.CampaignStatus,
    ("post", "status"): models.PostStatus,
    ("post", "audience"): models.Audience,
    ("share", "status"): models.ShareStatus,
    ("share", "method"): models.ShareMethod,
    ("membership", "role"): models.Role,
    ("membership", "kind"): models.MemberKind,
    ("membership", "status"): models.MemberStatus,
    ("invitation", "role"): models.Role,
    ("invitation", "kind"): models.MemberKind,
    ("follow_up", "status"): models.FollowUpStatus,
    ("redemption", "status"): models.RedemptionStatus,
    ("survey", "status"): models.SurveyStatus,
    ("idea", "status"): models.IdeaStatus,
    ("reward", "eligibility"): models.Eligibility,
    ("poll", "results"): models.PollResults,
    ("message_report", "state"): models.ReportState,
    ("nps_response_tag", "source"): models.TagSource,
}


def _checks() -> dict[str, str]:
    return {c.name: str(c.sqltext) for t in db.metadata.tables.values() for c in t.constraints
            if isinstance(c, sa.CheckConstraint)}


def test_every_status_column_has_a_check_listing_its_enum():
    checks = _checks()
    for (table, column), values in ENUM_COLUMNS.items():
        assert issubclass(values, enum.StrEnum)
        allowed = ", ".join(f"'{v.value}'" for v in values)
        assert checks[f"ck_{table}_{column}_valid"] == f"{column} IN ({allowed})"
    for table in db.metadata.tables.values():
        if "status" in table.columns:
            assert f"ck_{table.name}_status_valid" in checks, table.name


def test_the_old_tuples_are_the_enums():
    assert models.MEMBER_STATUSES == tuple(models.MemberStatus)
    assert models.ROLES == ("admin", "manager", "curator", "ambassador")
    assert models.MemberStatus.ACTIVE == "active" and f"{models.MemberStatus.ACTIVE}" == "active"


@pytest.mark.parametrize(("model", "column"), [(models.Membership, "status"), (models.Membership, "role"),
                                               (models.Membership, "kind"), (models.Post, "status"),
                                               (models.Post, "audience"), (models.Campaign, "status")])
def test_the_database_refuses_a_value_outside_the_enum(make, db, model, column):
    org = make.org()
    member = make.member(org)
    post = make.post(make.campaign(org))
    row = {models.Membership: member, models.Post: post, models.Campaign: post.campaign}[model]
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(model).where(model.id == row.id).values({column: "superuser"}))
