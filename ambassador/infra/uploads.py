"""Image uploads: checked by content (magic bytes), size and extension; stored under UPLOAD_FOLDER."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..errors import ServiceError

# Magic numbers of the image formats we accept (never trust the browser's content type).
SIGNATURES = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),  # + "WEBP" at offset 8, checked below
}
MIME = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


class UploadError(ServiceError):
    """The file is not an image we accept (type, size); the message is for the person."""

    code = "upload"


@dataclass
class StoredFile:
    path: str  # relative to UPLOAD_FOLDER
    mimetype: str


def sniff_image(head: bytes) -> str | None:
    for kind, signatures in SIGNATURES.items():
        if any(head.startswith(sig) for sig in signatures):
            if kind == "webp" and head[8:12] != b"WEBP":
                continue
            return kind
    return None


def store_image(file_storage, *, folder: str) -> StoredFile:
    """Validate and store an uploaded image; raise UploadError with a message for the person."""
    data = file_storage.read(current_app.config["MAX_IMAGE_BYTES"] + 1)
    if not data:
        raise UploadError(_l("The file is empty."))
    if len(data) > current_app.config["MAX_IMAGE_BYTES"]:
        raise UploadError(_l("The image is larger than %(mb)d MB.", mb=current_app.config["MAX_IMAGE_BYTES"] // 2**20))
    kind = sniff_image(data[:16])
    if kind is None:
        raise UploadError(_l("Upload a PNG, JPEG, GIF or WebP image."))
    relative = os.path.join(folder, f"{secrets.token_hex(16)}.{kind}")
    target = os.path.join(current_app.config["UPLOAD_FOLDER"], relative)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as handle:
        handle.write(data)
    return StoredFile(path=relative, mimetype=MIME[kind])


def absolute_path(relative: str) -> str | None:
    """The file on disk for a stored relative path, or None if it escapes the upload folder."""
    root = os.path.realpath(current_app.config["UPLOAD_FOLDER"])
    full = os.path.realpath(os.path.join(root, relative))
    if not full.startswith(root + os.sep) or not os.path.isfile(full):
        return None
    return full


def mimetype_for(relative: str) -> str:
    return MIME.get(relative.rsplit(".", 1)[-1], "application/octet-stream")


def delete_file(relative: str | None) -> None:
    """Remove a stored upload (after the change that dropped it is committed); a failure is only logged."""
    if relative and (path := absolute_path(relative)):
        try:
            os.remove(path)
        except OSError:
            current_app.logger.warning("could not delete %s", path)
