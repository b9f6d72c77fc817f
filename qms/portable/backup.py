"""`qms backup`: a consistent copy of a live SQLite database (sqlite3's online backup API) and of the
stored files, in a new timestamped folder. PostgreSQL has pg_dump for this."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _

from qms.extensions import db
from qms.portable.dump import stored_files
from qms.services.errors import DomainError

DATABASE_FILE = "qms.sqlite3"


@dataclass(frozen=True)
class BackupResult:
    folder: Path
    files: int


def _sqlite_file() -> Path:
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        raise DomainError(
            _(
                "the database is PostgreSQL: back it up with pg_dump "
                "(pg_dump -Fc -f qms.dump DATABASE; restore with pg_restore), see README"
            )
        )
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise DomainError(_("only a SQLite database file can be backed up this way"))
    path = Path(url.database)
    if not path.is_file():
        raise DomainError(_("no such file: %(path)s", path=str(path)))
    return path


def _new_folder(parent: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder, number = parent / f"qms-backup-{stamp}", 1
    while folder.exists():
        number += 1
        folder = parent / f"qms-backup-{stamp}-{number}"
    return folder


def backup(parent: Path) -> BackupResult:
    """Copy the database, then the stored files (a file is stored before the record naming it is
    committed, so every file the copied database names is there), into `parent/qms-backup-<time>/`.
    The folder is filled under a hidden name and renamed when complete."""
    database = _sqlite_file()
    if parent.exists() and not parent.is_dir():
        raise DomainError(_("%(path)s is not a folder", path=str(parent)))
    parent.mkdir(parents=True, exist_ok=True)
    target = _new_folder(parent)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=parent))
    try:
        source = sqlite3.connect(database)
        copy = sqlite3.connect(staging / DATABASE_FILE)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        count = 0
        for area, relative, path in stored_files():
            destination = staging / area / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
            count += 1
        os.chmod(staging, 0o755 & ~_umask())
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BackupResult(target, count)


def _umask() -> int:
    mask = os.umask(0o077)  # reading the umask means setting it: put it straight back
    os.umask(mask)
    return mask
