"""Image uploads: checked by content (magic bytes), size and extension; stored under UPLOAD_FOLDER."""
from __future__ import annotations

import os
import secrets
import shutil
import time
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer

from ..errors import ServiceError

# Magic numbers of the image formats we accept (never trust the browser's content type).
SIGNATURES = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),  # + "WEBP" at offset 8, checked below
}
MIME = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
# An image chosen on a form that did not save yet is held here, one folder per (organization, person),
# until the form is saved or PENDING_MAX_AGE has passed (the purge_pending_uploads job).
PENDING_FOLDER = "pending"
PENDING_MAX_AGE = 24 * 60 * 60


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


@dataclass
class PendingImage:
    token: str  # signed (path, organization, person): goes back in the form's hidden field
    path: str  # relative to UPLOAD_FOLDER
    mimetype: str


def _pending_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="pending-upload")


def _pending_folder(org_id: int, user_id: int) -> str:
    return os.path.join(PENDING_FOLDER, f"org-{org_id}", f"user-{user_id}")


def hold_image(file_storage, *, org_id: int, user_id: int) -> PendingImage:
    """Check and store an image chosen on a form that may not save this time (UploadError if refused)."""
    stored = store_image(file_storage, folder=_pending_folder(org_id, user_id))
    token = _pending_signer().dumps({"path": stored.path, "org": org_id, "user": user_id})
    return PendingImage(token=token, path=stored.path, mimetype=stored.mimetype)


def pending_image(token: str, *, org_id: int, user_id: int) -> PendingImage | None:
    """The held image a token names, only for the organization and person it was held for, while it lasts."""
    try:
        data = _pending_signer().loads(token, max_age=PENDING_MAX_AGE)
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("org") != org_id or data.get("user") != user_id:
        return None
    path = data.get("path")
    if not isinstance(path, str) or os.path.dirname(path) != _pending_folder(org_id, user_id) \
            or absolute_path(path) is None:
        return None
    return PendingImage(token=token, path=path, mimetype=mimetype_for(path))


def keep_pending(pending: PendingImage, *, folder: str) -> StoredFile:
    """Copy a held image to its final folder; the held copy stays until the saving change is committed
    (then delete_file), so a save that fails after this still has it for the re-rendered form."""
    source = absolute_path(pending.path)
    if source is None:
        raise UploadError(_l("The image you chose earlier is no longer available; choose it again."))
    relative = os.path.join(folder, os.path.basename(pending.path))
    target = os.path.join(current_app.config["UPLOAD_FOLDER"], relative)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(source, target)
    return StoredFile(path=relative, mimetype=pending.mimetype)


def purge_pending(*, now: float | None = None, max_age: int = PENDING_MAX_AGE) -> int:
    """Delete held images older than max_age (forms abandoned after an error); returns how many."""
    root = os.path.join(current_app.config["UPLOAD_FOLDER"], PENDING_FOLDER)
    cutoff = (time.time() if now is None else now) - max_age
    removed = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            try:
                if os.path.getmtime(path) < cutoff:
                    os.remove(path)
                    removed += 1
            except OSError:  # deleted meanwhile by a save or another worker
                continue
    return removed
