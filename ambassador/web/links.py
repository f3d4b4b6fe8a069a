"""The short-link redirect /s/<code>: queue the click (buffered; the worker counts it), send the visitor on."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.datastructures import Headers

from ..extensions import db
from ..infra import bots
from ..services.publishing import click_sink, clicks, tracked_links

bp = Blueprint("links", __name__)

# Every click must reach us (no-store); the destination learns only the referring site's
# origin, as with any cross-site link (strict-origin-when-cross-origin): never the full URL.
REDIRECT_HEADERS = (
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Robots-Tag", "noindex, nofollow"),
)


class ShortLinkRedirect(Response):
    """A bare 302 whose Location is already a URI (tracked_links.resolve stores its URI form): sent as set,
    without werkzeug's second IRI-to-URI pass over it on every redirect."""

    def get_wsgi_headers(self, environ) -> Headers:  # noqa: ARG002 - werkzeug's signature
        return Headers(self.headers)


@bp.route("/s/<code>", methods=["GET"])  # HEAD is answered too, and never counted
def follow(code: str):
    target = tracked_links.resolve(code)
    if target is None:
        abort(404)
    user_agent = request.headers.get("User-Agent")
    if request.method == "GET" and not bots.is_bot(user_agent):
        # The visitor is the address alone: a new user agent per request is not a new visitor.
        click = clicks.pending_click(target, salt=current_app.config["CLICK_SALT"], ip=request.remote_addr,
                                     referrer=request.headers.get("Referer"))
        if click_sink.submit(current_app, click):
            db.session.commit()  # by hand: the hottest route writes only when the click is not buffered (tests)
    # Only ever the stored destination: nothing from the request goes into the Location.
    # A bare 302 (no HTML body): this is the hottest route of the app.
    return ShortLinkRedirect(status=302, headers=[("Location", target.destination), ("Content-Length", "0"),
                                                   *REDIRECT_HEADERS])
