"""Uploaded files: checked for size and type (by extension and by content), stored once per content.

A file is stored under the instance folder at `files/<aa>/<sha256>`, named by the SHA-256 of its
content: the same content uploaded twice is stored once. The original file name is kept by the
record that refers to the file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

import filetype
from flask import current_app
from flask_babel import gettext as _

from qms.services.errors import DomainError, NotFound

DEFAULT_MAX_UPLOAD_MB = 10
ALLOWED_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "odt": "application/vnd.oasis.opendocument.text",
    "png": "image/png",
    "jpg": "image/jpeg",
}
EXTENSION_ALIASES = {"jpeg": "jpg"}
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # Word 97-2003 and Excel 97-2003 files
ZIP_MEMBERS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    name: str
    size: int
    type: str  # the extension, lower case: one of ALLOWED_TYPES

    @property
    def mimetype(self) -> str:
        return ALLOWED_TYPES.get(self.type, "application/octet-stream")


def max_upload_bytes() -> int:
    megabytes = current_app.config.get("QMS_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB)
    return int(float(megabytes) * 1024 * 1024)


def storage_root() -> Path:
    return Path(current_app.instance_path) / "files"


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise NotFound(_("No such file."))
    return storage_root() / sha256[:2] / sha256


def extension_of(name: str) -> str:
    ext = Path(name).suffix.lower().lstrip(".")
    return EXTENSION_ALIASES.get(ext, ext)


def _zip_has(content: bytes, member: str) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            return member in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _odt(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            return archive.read("mimetype").strip() == ODT_MIMETYPE
    except (zipfile.BadZipFile, KeyError):
        return False


def content_matches(ext: str, content: bytes) -> bool:
    """Whether the bytes really are a file of the type its extension claims."""
    guessed = filetype.guess(content)
    found = guessed.extension if guessed is not None else None
    if ext in ("pdf", "png", "jpg"):
        return found == ext
    if ext in ("doc", "xls"):
        # filetype tells Word from Excel only for some OLE2 files; the container is what we can check.
        return found == ext or (found is None and content.startswith(OLE2_MAGIC))
    if ext in ZIP_MEMBERS:
        return found == ext or (found == "zip" and _zip_has(content, ZIP_MEMBERS[ext]))
    if ext == "odt":
        return found == "odt" or (found == "zip" and _odt(content))
    return False


def check_upload(name: str, content: bytes, *, field: str = "file") -> str:
    """The file's type (its extension), or a DomainError on `field` saying what is wrong."""
    if not name.strip():
        raise DomainError(_("Choose a file."), field=field)
    limit = max_upload_bytes()
    if len(content) > limit:
        raise DomainError(
            _(
                "The file is too large (%(size)s MB); the limit is %(limit)s MB.",
                size=f"{len(content) / 1024 / 1024:.1f}",
                limit=f"{limit / 1024 / 1024:g}",
            ),
            field=field,
        )
    if not content:
        raise DomainError(_("The file is empty."), field=field)
    ext = extension_of(name)
    allowed = ", ".join(ALLOWED_TYPES)
    if ext not in ALLOWED_TYPES:
        raise DomainError(
            _(
                "Files of type '%(ext)s' are not accepted; allowed: %(allowed)s.",
                ext=ext or "?",
                allowed=allowed,
            ),
            field=field,
        )
    if not content_matches(ext, content):
        raise DomainError(
            _(
                "The content of this file is not a %(ext)s file; allowed: %(allowed)s.",
                ext=ext,
                allowed=allowed,
            ),
            field=field,
        )
    return ext


def read_limited(stream: BinaryIO) -> bytes:
    """Read at most one byte more than the limit, so a huge upload is refused without reading it all."""
    return stream.read(max_upload_bytes() + 1)


def store(name: str, content: bytes, *, field: str = "file") -> StoredFile:
    """Check and store a file; the same content is written only once."""
    ext = check_upload(name, content, field=field)
    digest = hashlib.sha256(content).hexdigest()
    target = path_for(digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".upload.", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return StoredFile(
        sha256=digest, name=Path(name.replace("\\", "/")).name[:255], size=len(content), type=ext
    )


def open_stored(sha256: str) -> Path:
    path = path_for(sha256)
    if not path.is_file():
        raise NotFound(_("The stored file is missing."))
    return path
