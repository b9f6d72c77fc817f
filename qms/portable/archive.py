"""The archive: one zip file holding `manifest.json`, `tables/<table>.jsonl` (one row per line, rows in
primary-key order) and `files/<area>/<path>` (the stored files as they are on disk).

Members carry a fixed date, so two dumps of the same data differ only in the manifest's `created_at`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from flask_babel import gettext as _

from qms.services.errors import DomainError

FORMAT = "qms-tracker-dump"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES = "tables/"
FILES = "files/"
ALEMBIC_TABLE = "alembic_version"
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
CHUNK = 1024 * 1024


def table_member(table: str) -> str:
    return f"{TABLES}{table}.jsonl"


def file_member(area: str, relative: str) -> str:
    return f"{FILES}{area}/{relative}"


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


class HashingWriter:
    """Writes one member and keeps its SHA-256."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.stream.write(data)


@dataclass
class ArchiveWriter:
    zip: zipfile.ZipFile
    checksums: dict[str, str] = field(default_factory=dict)

    @contextmanager
    def member(self, name: str) -> Iterator[HashingWriter]:
        with self.zip.open(_info(name), "w", force_zip64=True) as stream:
            writer = HashingWriter(stream)
            yield writer
        self.checksums[name] = writer.digest.hexdigest()

    def add_file(self, name: str, path: Path) -> None:
        with self.member(name) as out, path.open("rb") as source:
            while chunk := source.read(CHUNK):
                out.write(chunk)

    def finish(self, manifest: dict[str, Any]) -> None:
        text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        self.zip.writestr(_info(MANIFEST), text.encode())


@contextmanager
def written_atomically(path: Path) -> Iterator[ArchiveWriter]:
    """An archive written to a hidden temporary file beside `path` and renamed to it at the end: a dump
    that fails or is killed leaves nothing at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        mask = os.umask(0o077)  # reading the umask means setting it: put it straight back
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", allowZip64=True) as archive:
                yield ArchiveWriter(archive)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class Archive:
    """An archive opened for reading, its manifest read and every member's checksum verified."""

    path: Path
    zip: zipfile.ZipFile
    manifest: dict[str, Any]

    @property
    def revisions(self) -> list[str]:
        return list(self.manifest.get("alembic_revisions") or [])

    @property
    def tables(self) -> dict[str, int]:
        return dict(self.manifest.get("tables") or {})

    def files(self) -> Iterator[tuple[str, str, str]]:
        """(area, relative path, member name) of every stored file."""
        for name in sorted(self.manifest["files"]):
            if name.startswith(FILES):
                area, _sep, relative = name.removeprefix(FILES).partition("/")
                yield area, relative, name

    def lines(self, table: str) -> Iterator[bytes]:
        with self.zip.open(table_member(table)) as stream:
            yield from stream

    def close(self) -> None:
        self.zip.close()


def _not_an_archive(path: Path) -> DomainError:
    return DomainError(_("%(path)s is not a QMS Tracker archive", path=str(path)))


def open_archive(path: Path) -> Archive:
    """Open and verify an archive: the manifest is ours, every member is listed and matches its SHA-256."""
    if not path.is_file():
        raise DomainError(_("no such file: %(path)s", path=str(path)))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise _not_an_archive(path) from None
    try:
        manifest = json.loads(archive.read(MANIFEST))
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise _not_an_archive(path)
        if manifest.get("format_version") != FORMAT_VERSION:
            raise DomainError(
                _(
                    "%(path)s has archive format %(found)s; this version reads format %(known)s",
                    path=str(path),
                    found=manifest.get("format_version"),
                    known=FORMAT_VERSION,
                )
            )
        checksums = manifest.get("files")
        if not isinstance(checksums, dict) or not isinstance(manifest.get("tables"), dict):
            raise _not_an_archive(path)
        _verify(path, archive, checksums)
    except DomainError:
        archive.close()
        raise
    except (KeyError, ValueError, zipfile.BadZipFile, OSError):
        archive.close()
        raise _not_an_archive(path) from None
    return Archive(path, archive, manifest)


def _verify(path: Path, archive: zipfile.ZipFile, checksums: dict[str, str]) -> None:
    members = {name for name in archive.namelist() if not name.endswith("/")} - {MANIFEST}
    missing = sorted(set(checksums) - members)
    if missing:
        raise DomainError(_("%(path)s lacks %(member)s", path=str(path), member=missing[0]))
    unlisted = sorted(members - set(checksums))
    if unlisted:
        raise DomainError(
            _(
                "%(path)s holds %(member)s, which its manifest does not list",
                path=str(path),
                member=unlisted[0],
            )
        )
    for name in sorted(checksums):
        digest = hashlib.sha256()
        try:
            with archive.open(name) as stream:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError):
            digest = hashlib.sha256(b"damaged")
        if digest.hexdigest() != checksums[name]:
            raise DomainError(
                _("checksum mismatch in %(path)s: %(member)s is damaged", path=str(path), member=name)
            )
