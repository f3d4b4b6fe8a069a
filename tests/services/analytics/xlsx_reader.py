"""Read back the first sheet of an XLSX file (zip + XML), with each cell's type, for the export tests."""
from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_xlsx(data: bytes) -> list[list[tuple[str, str]]]:
    """Rows of (cell type, text): "s"/"inlineStr"/"str" for text, "n" for a number, "f" for a formula."""
    book = zipfile.ZipFile(io.BytesIO(data))
    shared = []
    if "xl/sharedStrings.xml" in book.namelist():
        root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root.findall("m:si", NS)]
    sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{{{NS['m']}}}row"):
        cells: list[tuple[str, str]] = []
        for cell in row.findall("m:c", NS):
            column = re.match(r"[A-Z]+", cell.get("r")).group(0)
            while len(cells) < ord(column) - ord("A"):  # a skipped (empty) cell
                cells.append(("", ""))
            if cell.find("m:f", NS) is not None:
                cells.append(("f", cell.find("m:f", NS).text or ""))
                continue
            kind = cell.get("t", "n")
            if kind == "s":
                text = shared[int(cell.find("m:v", NS).text)]
            elif kind == "inlineStr":
                text = "".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t"))
            else:
                text = cell.find("m:v", NS).text
            # OOXML writes control characters as _xHHHH_ (e.g. a carriage return as _x000D_).
            cells.append((kind, re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), text or "")))
        rows.append(cells)
    return rows
