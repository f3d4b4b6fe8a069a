"""Bulk invitations from a CSV file, with a report line for every row.

The file has a header row with the columns ``email`` (required), ``name``, ``kind`` and
``team`` (any order, any case), separated by commas or semicolons (Excel in Dutch, Belgian
and French locales writes semicolons), encoded as UTF-8 with or without a byte-order mark.

Every row runs in its own savepoint: a rejected row leaves nothing behind and never stops
the good rows. Choices, on purpose:

* ``kind`` may be empty (the form's default kind is used), ``internal``/``external`` or a
  synonym (employee, staff → internal; customer, partner, fan → external); anything else
  rejects the row.
* ``team`` may name several teams separated by ``|``. A team name the organization does not
  have yet is **created**, and the report says so: importing a customer list per store or
  region should not need a round trip through the teams page first. Only admins manage
  teams, so for a manager an unknown team name rejects the row instead.
* The role is chosen once for the whole file on the upload form.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from ...errors import ServiceError
from ...extensions import db
from ...models import MemberKind, Membership, Organization, Role, Team
from .accounts import normalize_email
from .email_verification import require_verified
from .invitations import InvitationError, create_invitation
from .teams import TeamError, find_or_create_team, find_team

MAX_ROWS = 2000
HEADER_ALIASES = {
    "email": "email", "e-mail": "email", "mail": "email", "email address": "email",
    "name": "name", "naam": "name", "nom": "name", "full name": "name",
    "kind": "kind", "type": "kind",
    "team": "team", "teams": "team", "équipe": "team", "equipe": "team",
}
KIND_SYNONYMS = {
    "internal": "internal", "employee": "internal", "staff": "internal", "intern": "internal",
    "interne": "internal", "medewerker": "internal",
    "external": "external", "customer": "external", "partner": "external", "fan": "external",
    "extern": "external", "externe": "external", "klant": "external", "client": "external",
}


class CsvFileError(ServiceError):
    """The file as a whole cannot be read (encoding, no header, no email column, too long, a field over
    the csv module's 128 KiB limit, a quote never closed); nothing of it is written."""

    code = "csv_file"


@dataclass
class RowResult:
    line: int
    email: str
    accepted: bool
    message: str = ""
    created_teams: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)

    @property
    def accepted(self) -> list[RowResult]:
        return [row for row in self.rows if row.accepted]

    @property
    def rejected(self) -> list[RowResult]:
        return [row for row in self.rows if not row.accepted]

    @property
    def created_teams(self) -> list[str]:
        return sorted({name for row in self.rows for name in row.created_teams})


def read_rows(data: bytes, *, aliases: dict[str, str] | None = None,
              max_rows: int | None = None) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) per non-empty data row, or CsvFileError.

    UTF-8 with or without BOM, comma or semicolon (whichever the header uses more); header
    names are mapped through `aliases` (default: the member import's), an "email" column is required.
    """
    aliases = HEADER_ALIASES if aliases is None else aliases
    max_rows = MAX_ROWS if max_rows is None else max_rows
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFileError(_l("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")) from exc
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    if not header_line:
        raise CsvFileError(_l("The file is empty."))
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    while True:
        start = reader.line_num + 1  # the file's line where this record begins
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _unreadable(exc, line=start) from exc
        if not any(value.strip() for value in values):
            continue
        if header is None:
            header = [aliases.get(value.strip().lower(), "") for value in values]
            if "email" not in header:
                raise CsvFileError(_l("The first row must name the columns, with at least an “email” column."))
            continue
        row = {key: value.strip() for key, value in zip(header, values, strict=False) if key}
        rows.append((reader.line_num, row))
        if len(rows) > max_rows:
            raise CsvFileError(lazy_ngettext("The file has more than %(num)d row; split it up.",
                                             "The file has more than %(num)d rows; split it up.", max_rows))
    return rows


def _unreadable(exc: csv.Error, *, line: int) -> CsvFileError:
    """A clear message for what the csv module refuses: a field over its size limit, a quote that is
    never closed (strict mode: otherwise it would silently swallow every following row), stray text."""
    reason = str(exc)
    if "field larger than field limit" in reason:
        return CsvFileError(lazy_ngettext(
            "A field is longer than %(num)d character (row %(row)d). Check the file's columns and quotes.",
            "A field is longer than %(num)d characters (row %(row)d). Check the file's columns and quotes.",
            csv.field_size_limit(), row=line))
    if "unexpected end of data" in reason:
        return CsvFileError(_l("Row %(row)d opens a quote (\") that is never closed, so the rows after it cannot "
                               "be read. Close the quote or remove it, then upload again.", row=line))
    if "expected after" in reason:
        return CsvFileError(_l("Row %(row)d is not valid CSV: text follows a closing quote (\"). Remove the "
                               "quotes around that value or close them after it.", row=line))
    return CsvFileError(_l("Row %(row)d cannot be read as CSV. Save the file as “CSV UTF-8” and try again.",
                           row=line))


def _kind(value: str, default: str) -> str:
    if not value:
        return default
    kind = KIND_SYNONYMS.get(value.lower())
    if kind is None:
        raise InvitationError(_l("Unknown kind “%(kind)s”: use internal or external.", kind=value))
    return kind


def _teams(*, org: Organization, value: str, may_create: bool) -> tuple[list[Team], list[str]]:
    teams, created = [], []
    for name in (part.strip() for part in value.split("|")):
        if not name:
            continue
        if not may_create:
            team = find_team(org=org, name=name)
            if team is None:
                raise InvitationError(_l("Unknown team “%(team)s”.", team=name))
        else:
            try:
                team, was_created = find_or_create_team(org=org, name=name)
            except TeamError as exc:
                raise InvitationError(str(exc)) from exc
            if was_created:
                created.append(team.name)
        if team not in teams:
            teams.append(team)
    return teams, created


def import_invitations(*, org: Organization, invited_by: Membership, data: bytes, role: str = Role.AMBASSADOR,
                       default_kind: str = MemberKind.INTERNAL) -> ImportReport:
    """Invite every acceptable row of the file; the report says what happened to each row."""
    require_verified(invited_by.user, CsvFileError)  # one clear refusal, not one per row
    report = ImportReport()
    seen: set[str] = set()
    may_create_teams = invited_by.has_role(Role.ADMIN)
    for line, row in read_rows(data):
        email = normalize_email(row.get("email", ""))
        result = RowResult(line=line, email=email or row.get("email", ""), accepted=False)
        report.rows.append(result)
        if email and email in seen:
            result.message = str(_l("Duplicate: this address appears earlier in the file."))
            continue
        seen.add(email)
        savepoint = db.session.begin_nested()
        try:
            kind = _kind(row.get("kind", ""), default_kind)
            teams, created = _teams(org=org, value=row.get("team", ""), may_create=may_create_teams)
            create_invitation(org=org, invited_by=invited_by, email=email, name=row.get("name", ""), role=role,
                              kind=kind, teams=teams, source="csv")
        except InvitationError as exc:
            savepoint.rollback()
            result.message = str(exc)
        else:
            savepoint.commit()
            result.accepted, result.created_teams = True, created
            result.message = str(_l("Invited."))
    return report
