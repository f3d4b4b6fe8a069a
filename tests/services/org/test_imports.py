import pytest
import sqlalchemy as sa

from ambassador.models import Invitation, OutboxEmail, Team
from ambassador.services.org import imports
from ambassador.services.org.imports import CsvFileError


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


@pytest.fixture
def admin(make):
    return make.member(make.org(), role="admin")


def _invited(db, org):
    return {inv.email: inv for inv in db.session.scalars(sa.select(Invitation).where(Invitation.org_id == org.id))}


def test_good_and_bad_rows_mixed(admin, make, db):
    org = admin.organization
    make.member(org, email="member@example.test")
    sales = make.team(org, "Sales")
    data = ("email,name,kind,team\n"
            "an@example.test,An,internal,sales\n"          # 2 ok, existing team matched case-insensitively
            "not-an-email,Bad,internal,\n"                   # 3 bad email
            "bo@example.test,Bo,robot,\n"                    # 4 unknown kind
            "AN@example.test,An again,internal,\n"           # 5 duplicate in file
            "member@example.test,M,,\n"                      # 6 already a member
            "cy@example.test,Cy,customer,Store Gent|Sales\n"  # 7 ok, synonym kind, new team created
            "\n"
            "dee@example.test,,,\n")                          # 9 ok, default kind
    report = imports.import_invitations(org=org, invited_by=admin, data=data.encode(), role="ambassador",
                                           default_kind="external")
    outcome = {row.line: (row.accepted, row.message) for row in report.rows}
    assert [line for line, (ok, _) in outcome.items() if ok] == [2, 7, 9]
    assert "valid email" in outcome[3][1]
    assert "Unknown kind" in outcome[4][1]
    assert "Duplicate" in outcome[5][1]
    assert "Already a member" in outcome[6][1]
    assert report.created_teams == ["Store Gent"]

    invited = _invited(db, org)
    assert set(invited) == {"an@example.test", "cy@example.test", "dee@example.test"}
    assert invited["an@example.test"].teams == [sales] and invited["an@example.test"].kind == "internal"
    assert {t.name for t in invited["cy@example.test"].teams} == {"Store Gent", "Sales"}
    assert invited["cy@example.test"].kind == "external" and invited["dee@example.test"].kind == "external"
    assert all(inv.source == "csv" and inv.role == "ambassador" for inv in invited.values())
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id)).where(OutboxEmail.org_id == org.id)) == 3


def test_rejected_row_leaves_nothing_behind_not_even_its_new_team(admin, make, db):
    org = admin.organization
    make.member(org, email="member@example.test")
    data = b"email,team\nmember@example.test,Ghost team\n"
    report = imports.import_invitations(org=org, invited_by=admin, data=data)
    assert not report.accepted and report.created_teams == []
    assert db.session.scalar(sa.select(Team).where(Team.org_id == org.id, Team.name == "Ghost team")) is None
    assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0


def test_semicolons_bom_and_header_aliases(admin, db):
    data = "\ufeffE-mail;Naam;Kind\nzoë@example.test;Zoë Dupont;external\nyves@example.test;Yves;internal\n"
    report = imports.import_invitations(org=admin.organization, invited_by=admin, data=data.encode("utf-8"))
    assert [row.accepted for row in report.rows] == [True, True]
    invited = _invited(db, admin.organization)
    assert invited["zoë@example.test"].name == "Zoë Dupont"


def test_already_invited_is_reported(admin, db):
    imports.import_invitations(org=admin.organization, invited_by=admin, data=b"email\nx@example.test\n")
    report = imports.import_invitations(org=admin.organization, invited_by=admin, data=b"email\nx@example.test\n")
    assert not report.rows[0].accepted and "Already invited" in report.rows[0].message


def test_managers_cannot_create_teams_through_a_file(make, db):
    org = make.org()
    manager = make.member(org, role="manager")
    make.team(org, "Known")
    data = b"email,team\na@example.test,Known\nb@example.test,Unknown\n"
    report = imports.import_invitations(org=org, invited_by=manager, data=data)
    assert [row.accepted for row in report.rows] == [True, False]
    assert "Unknown team" in report.rows[1].message


@pytest.mark.parametrize("data,message", [
    (b"", "empty"),
    (b"name,kind\nAn,internal\n", "email"),
    ("email\nan@example.test\n".encode("utf-16"), "UTF-8"),
])
def test_unreadable_files_are_refused_as_a_whole(admin, data, message, db):
    with pytest.raises(CsvFileError, match=message):
        imports.import_invitations(org=admin.organization, invited_by=admin, data=data)
    assert _invited(db, admin.organization) == {}


def test_too_many_rows(admin, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    with pytest.raises(CsvFileError, match="more than 2"):
        imports.read_rows(b"email\na@x.test\nb@x.test\nc@x.test\n")


def test_quoted_fields_with_delimiters_inside():
    rows = imports.read_rows(b'email,name\nan@example.test,"Peeters, An"\n')
    assert rows == [(2, {"email": "an@example.test", "name": "Peeters, An"})]


BROKEN_FILES = [
    # A field over the csv module's 128 KiB limit (was an uncaught csv.Error: HTTP 500).
    (b"email,name\nq1@example.test,One\nq2@example.test," + b"x" * (200 * 1024) + b"\n", "longer than .* \\(row 3\\)"),
    # An unclosed quote swallowed every following row into one name, silently.
    (b'email,name\nq1@example.test,"unclosed\nq2@example.test,Two\nq3@example.test,Three\n',
     "Row 2 opens a quote .* never closed"),
    (b'email,name\nq1@example.test,"Peeters" An\n', "Row 2 is not valid CSV"),
]


@pytest.mark.parametrize("data,message", BROKEN_FILES, ids=["huge-field", "unclosed-quote", "text-after-quote"])
def test_broken_csv_is_refused_with_its_row_and_nothing_is_written(admin, db, data, message):
    with pytest.raises(CsvFileError, match=message):
        imports.import_invitations(org=admin.organization, invited_by=admin, data=data)
    assert _invited(db, admin.organization) == {}
