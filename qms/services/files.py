"""Uploaded files: checked for size and type (by extension and by content), stored once per content.

A file is stored under the instance folder at `files/<aa>/<sha256>`, named by the SHA-256 of its
content: the same content uploaded twice is stored once. The original file name is kept by the
record that refers to the file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
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
IMAGE_FORMATS = {"png": "PNG", "jpg": "JPEG"}
# What a browser would take for a page or a script, if it ever guessed the type from the content.
ACTIVE_CONTENT = re.compile(rb"<(?:!doctype|html|head|body|script|svg|iframe|object|embed|\?xml)\b", re.I)
SNIFFED_BYTES = 1024
ZIP_MAGIC = b"PK\x03\x04"


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


def clean_filename(name: str, default: str = "file") -> str:
    """A file name safe to keep and to send back in a download header: Unicode NFC (Vietnamese letters
    kept, unlike werkzeug's secure_filename), no folder part, no control characters, quotes or
    semicolons, at most 255 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in "\"';")
    name = " ".join(name.split()).strip(". ")
    return name[:255] or default


def _office_zip(content: bytes, main_part: str) -> bool:
    """A readable zip whose [Content_Types].xml names `main_part` and which holds it."""
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or main_part not in names:
                return False
            return f"/{main_part}".encode() in archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, NotImplementedError):
        return False


def _odt(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            return archive.read("mimetype").strip() == ODT_MIMETYPE
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, NotImplementedError):
        return False


def _image(ext: str, content: bytes) -> bool:
    """Opened and verified by Pillow (a header followed by anything else is refused); without Pillow,
    recognised by its header only."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # Pillow comes with matplotlib; a smaller install still checks the header
        guessed = filetype.guess(content)
        return guessed is not None and guessed.extension == ext and _ends_as_image(ext, content)
    try:
        with Image.open(BytesIO(content)) as image:
            if image.format != IMAGE_FORMATS[ext]:
                return False
            image.verify()
        with Image.open(BytesIO(content)) as image:
            image.load()  # verify() does not decode; a truncated or padded image fails here
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False
    return _ends_as_image(ext, content)


def _ends_as_image(ext: str, content: bytes) -> bool:
    """Nothing follows the image's last chunk (PNG) or end marker (JPEG, padding allowed)."""
    if ext == "png":
        return content.endswith(b"IEND\xaeB`\x82")
    return content.rstrip(b"\x00").endswith(b"\xff\xd9")


def _pdf(content: bytes) -> bool:
    """A PDF header, an end-of-file marker near the end, and no markup a browser could sniff at the
    start (old browsers looked for tags anywhere in the first bytes)."""
    return (
        content.startswith(b"%PDF-")
        and b"%%EOF" in content[-SNIFFED_BYTES:]
        and ACTIVE_CONTENT.search(content[:SNIFFED_BYTES]) is None
    )


def looks_active(content: bytes) -> bool:
    """Whether the file starts like HTML, SVG, XML or a script (after blanks and a byte-order mark)."""
    return ACTIVE_CONTENT.match(content[:SNIFFED_BYTES].lstrip(b" \t\r\n\x0c\xef\xbb\xbf")) is not None


def content_matches(ext: str, content: bytes) -> bool:
    """Whether the bytes really are a file of the type its extension claims (judged from the whole
    content), and nothing a browser could take for a page."""
    if looks_active(content):
        return False
    if ext in IMAGE_FORMATS:
        return _image(ext, content)
    if ext == "pdf":
        return _pdf(content)
    if ext in ("doc", "xls"):
        # filetype tells Word from Excel only for some OLE2 files; the container is what we can check.
        return content.startswith(OLE2_MAGIC)
    # A zip is read from its end: it must also start as one, or markup could come first.
    if ext in ZIP_MEMBERS:
        return content.startswith(ZIP_MAGIC) and _office_zip(content, ZIP_MEMBERS[ext])
    if ext == "odt":
        return content.startswith(ZIP_MAGIC) and _odt(content)
    return False


def check_upload(
    name: str,
    content: bytes,
    *,
    field: str = "file",
    allowed: Iterable[str] | None = None,
    limit: int | None = None,
) -> str:
    """The one check of every upload: the file's type (its extension, one of `allowed`), or a
    DomainError on `field` saying what is wrong. The size limit is QMS_MAX_UPLOAD_MB (or `limit` when
    smaller)."""
    if not clean_filename(name, default="").strip():
        raise DomainError(_("Choose a file."), field=field)
    limit = min(limit, max_upload_bytes()) if limit is not None else max_upload_bytes()
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
    ext = extension_of(clean_filename(name))
    types = [t for t in ALLOWED_TYPES if allowed is None or t in allowed]
    allowed = ", ".join(types)
    if ext not in types:
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
    return StoredFile(sha256=digest, name=clean_filename(name), size=len(content), type=ext)


def open_stored(sha256: str) -> Path:
    path = path_for(sha256)
    if not path.is_file():
        raise NotFound(_("The stored file is missing."))
    return path
