"""Evidence files of a finding: size limit, allowed types (checked by content, not only by name), stored
once under their SHA-256 content hash in the instance folder."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from audits.models import Attachment, Finding
from qms.extensions import db
from qms.models.org import User
from qms.services import access
from qms.services.errors import DomainError, NotAllowed
from qms.services.history import act_as

MAX_BYTES = 10 * 1024 * 1024

# extension → (content type, leading bytes the file must start with)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
}


def storage_root(root: Path) -> Path:
    return root / "attachments"


def storage_path(root: Path, sha256: str) -> Path:
    return storage_root(root) / sha256[:2] / sha256


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    size: int
    sha256: str


def check_file(filename: str, data: bytes, *, max_bytes: int = MAX_BYTES) -> StoredFile:
    """Check an uploaded file (type by name and content, size) without storing it."""
    name = Path(filename or "").name.strip()
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise DomainError(
            _("Files of this type are not accepted; allowed: %(types)s.", types=", ".join(sorted(ALLOWED))),
            field="file",
        )
    if not data:
        raise DomainError(_("The file is empty."), field="file")
    if len(data) > max_bytes:
        raise DomainError(
            _("The file is larger than %(mb)s MB.", mb=max_bytes // (1024 * 1024) or 1), field="file"
        )
    content_type, signatures = ALLOWED[extension]
    if not any(data.startswith(sig) for sig in signatures):
        raise DomainError(
            _("The file's content does not match its type (.%(ext)s).", ext=extension), field="file"
        )
    return StoredFile(name[:255], content_type, len(data), hashlib.sha256(data).hexdigest())


def store_file(filename: str, data: bytes, *, root: Path, max_bytes: int = MAX_BYTES) -> StoredFile:
    """Check an uploaded file and store it once under its content hash."""
    stored = check_file(filename, data, max_bytes=max_bytes)
    target = storage_path(root, stored.sha256)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    return stored


def _may_attach(finding: Finding, user: User | None) -> bool:
    return access.can_log_findings(user, finding.audit.team_user_ids) or access.can_answer_finding(
        user, finding.unit
    )


def add_attachment(
    finding: Finding,
    *,
    actor: User | None,
    filename: str,
    data: bytes,
    root: Path,
    max_bytes: int = MAX_BYTES,
) -> Attachment:
    if actor is not None and not _may_attach(finding, actor):
        raise NotAllowed(_("Only the audit team or the unit's manager may attach evidence."))
    act_as(actor)
    stored = store_file(filename, data, root=root, max_bytes=max_bytes)
    attachment = Attachment(
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=actor.id if actor is not None else None,
    )
    finding.attachments.append(attachment)
    db.session.flush()
    return attachment
