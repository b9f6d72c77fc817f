"""Evidence files of a finding: checked like every upload (qms.services.files: size limit, type by
content, clean name), stored once under their SHA-256 content hash in the instance folder."""

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
from qms.services import access, files
from qms.services.errors import NotAllowed
from qms.services.history import act_as

# The types a finding's evidence may have; each is checked by qms.services.files like every upload.
ALLOWED: dict[str, str] = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
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


def check_file(filename: str, data: bytes, *, max_bytes: int | None = None) -> StoredFile:
    """Check an uploaded file without storing it: the app's one upload check (type by name and by the
    whole content, size within QMS_MAX_UPLOAD_MB or `max_bytes` when smaller, a clean name)."""
    extension = files.check_upload(filename or "", data, field="file", allowed=ALLOWED, limit=max_bytes)
    name = files.clean_filename(filename)
    return StoredFile(name, ALLOWED[extension], len(data), hashlib.sha256(data).hexdigest())


def store_file(filename: str, data: bytes, *, root: Path, max_bytes: int | None = None) -> StoredFile:
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
    max_bytes: int | None = None,
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
