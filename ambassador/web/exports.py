"""Send an export table (services/analytics/exports.py) as a streamed CSV or XLSX download."""
from __future__ import annotations

from flask import Response, g, stream_with_context

from ..services.analytics import exports
from ..services.audit import actions
from ..services.audit.log import record
from .origin import request_origin
from .service_call import service_call


def send_table(table: exports.Table, fmt: str, *, action: str = actions.EXPORT_DOWNLOADED,
               details: dict | None = None) -> Response:
    """A download streamed as it is written: the rows are read while the response goes out (the request
    context, and so the database session, stays open until the last chunk). The audit log records who
    downloaded what (committed before the first byte goes out)."""
    with service_call():
        record(action, org_id=g.org.id, actor=g.membership.user, origin=request_origin(), target_type="export",
               target_id=table.name, target_label=exports.filename(table, fmt),
               details={"format": fmt, **(details or {})})
    return Response(stream_with_context(exports.chunks(table, fmt)), mimetype=exports.MIMETYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{exports.filename(table, fmt)}"',
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
