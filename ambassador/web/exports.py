"""Send an export table (services/analytics/exports.py) as a streamed CSV or XLSX download."""
from __future__ import annotations

from flask import Response, stream_with_context

from ..services.analytics import exports


def send_table(table: exports.Table, fmt: str) -> Response:
    """A download streamed as it is written: the rows are read while the response goes out (the request
    context, and so the database session, stays open until the last chunk)."""
    return Response(stream_with_context(exports.chunks(table, fmt)), mimetype=exports.MIMETYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{exports.filename(table, fmt)}"',
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
