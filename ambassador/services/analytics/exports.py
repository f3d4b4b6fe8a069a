"""Exports of the tables managers see, as CSV or XLSX, streamed row by row.

A `Table` is a file name, a header and an *iterable* of rows: give it a generator (e.g. `query_rows` over a
select, which reads the database in batches through a server-side cursor on PostgreSQL) and no export holds
more than one batch of rows in memory, whatever its length:

* CSV (`csv_chunks`): UTF-8 with a BOM (spreadsheet programs then read accents right), one chunk per row.
* XLSX (`xlsx_chunks`): XlsxWriter in `constant_memory` mode writes each row to disk as it comes, into a
  temporary file, which is then sent in chunks and removed.

Spreadsheet formula injection is neutralised in both: a text cell starting with = + - @, a tab or a carriage
return gets a leading apostrophe in CSV (`safe_cell`), and XLSX cells are written as text, never as formulas.
Any table of the product (leaderboard, overview, post, campaign, engagement) is exported the same way.
"""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import xlsxwriter

from ...extensions import db

FORMATS = ("csv", "xlsx")
MIMETYPES = {"csv": "text/csv",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1000  # rows fetched from the database at a time
CHUNK = 64 * 1024  # bytes of the XLSX file sent at a time
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Table:
    name: str  # the file name without extension; made safe by `filename`
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]  # read once, lazily


def safe_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet program runs as a formula: text starting with = + - @, a tab or a
    carriage return gets a leading apostrophe (numbers are left as they are, a negative number is no formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def filename(table: Table, fmt: str) -> str:
    """An ASCII file name for Content-Disposition: letters, digits, dot, dash and underscore only."""
    stem = _UNSAFE_NAME.sub("-", table.name).strip(".-") or "export"
    return f"{stem[:100]}.{fmt}"


def query_rows(query: sa.Select, convert: Callable[[Any], Any] = tuple) -> Iterator[Any]:
    """The rows of `query`, fetched `BATCH` at a time (a server-side cursor on PostgreSQL), each `convert`ed."""
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        yield convert(row)


def _text(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def csv_chunks(table: Table) -> Iterator[str]:
    """The table as CSV text, one row at a time."""
    out = io.StringIO()
    writer = csv.writer(out)

    def line(values: Iterable[Any]) -> str:
        writer.writerow([safe_cell(_text(value)) for value in values])
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    yield "\ufeff" + line(table.header)
    for row in table.rows:
        yield line(row)


def _write_xlsx(table: Table, path: str) -> None:
    # Text stays text: no formulas, URLs or numbers guessed from strings (formula injection), and rows go to
    # disk as they are written (constant_memory), so a long export does not grow in memory.
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_urls": False, "strings_to_numbers": False,
                                          "tmpdir": tempfile.gettempdir()})
    try:
        sheet = workbook.add_worksheet(table.name[:31] or "export")
        bold = workbook.add_format({"bold": True})
        for col, title in enumerate(table.header):
            sheet.write_string(0, col, str(title), bold)
        for number, row in enumerate(table.rows, start=1):
            for col, value in enumerate(row):
                value = _text(value)
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, int | float):
                    sheet.write_string(number, col, str(value))
                else:
                    sheet.write_number(number, col, value)
    finally:
        workbook.close()


def xlsx_chunks(table: Table) -> Iterator[bytes]:
    """The table as an XLSX file: written to a temporary file row by row, then read back in chunks."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        _write_xlsx(table, path)
        with open(path, "rb") as written:
            while chunk := written.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def chunks(table: Table, fmt: str) -> Iterator[str] | Iterator[bytes]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    return csv_chunks(table) if fmt == "csv" else xlsx_chunks(table)
