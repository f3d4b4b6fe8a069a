"""Where a request comes from, for the audit log: read here, in the web layer, and handed down to services."""
from __future__ import annotations

from flask import request

from ..services.audit.log import Origin


def request_origin() -> Origin:
    """The client's address (ProxyFix has put the proxy's forwarded address in remote_addr where configured)."""
    return Origin(ip=request.remote_addr, via="web")
