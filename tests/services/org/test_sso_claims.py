"""How claims map to a role and teams (services/org/sso_claims.py)."""
from __future__ import annotations

import pytest

from ambassador.services.org import sso_claims
from ambassador.services.org.sso_claims import MappingError


def test_mapping_lines_become_a_table_and_back():
    text = "# comment\namb-admins = admin\n\n  sales-emea=Sales team  \n"
    mapping = sso_claims.parse_mapping(text, field="team_map")
    assert mapping == {"amb-admins": "admin", "sales-emea": "Sales team"}
    assert sso_claims.parse_mapping(sso_claims.format_mapping(mapping), field="team_map") == mapping


@pytest.mark.parametrize("text", ["just a value", "= admin", "value ="])
def test_a_line_without_value_and_target_is_refused_with_its_number(text):
    with pytest.raises(MappingError) as refused:
        sso_claims.parse_mapping(f"ok = admin\n{text}", field="role_map")
    assert "Line 2" in str(refused.value.field_errors["role_map"][0])


def test_role_targets_must_be_roles():
    assert sso_claims.parse_role_mapping("x = Admin", field="role_map") == {"x": "admin"}
    with pytest.raises(MappingError):
        sso_claims.parse_role_mapping("x = boss", field="role_map")


def test_the_highest_mapped_role_wins_and_unmapped_values_give_none():
    mapping = {"amb-curators": "curator", "amb-admins": "admin"}
    assert sso_claims.mapped_role({"groups": ["amb-curators", "amb-admins"]}, claim="groups",
                                  mapping=mapping) == "admin"
    assert sso_claims.mapped_role({"groups": "amb-curators"}, claim="groups", mapping=mapping) == "curator"
    assert sso_claims.mapped_role({"groups": ["other"]}, claim="groups", mapping=mapping) is None
    assert sso_claims.mapped_role({"groups": {"not": "a list"}}, claim="groups", mapping=mapping) is None


def test_teams_come_from_the_table_or_from_matching_names_and_are_never_invented():
    names = ["Sales", "Marketing"]
    assert sso_claims.mapped_team_names({"groups": ["sales", "Ops"]}, claim="groups", mapping={},
                                        team_names=names) == {"Sales"}
    assert sso_claims.mapped_team_names({"groups": ["grp-1", "Sales"]}, claim="groups",
                                        mapping={"grp-1": "Marketing", "grp-2": "Nowhere"},
                                        team_names=names) == {"Marketing"}
