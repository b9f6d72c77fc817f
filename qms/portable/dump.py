"""`qms dump`: every table of the schema and every stored file into one archive, read from one snapshot."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, String, Table, select, text

from qms import __version__, sqlite
from qms.extensions import db
from qms.portable import file_areas
from qms.portable.archive import (
    ALEMBIC_TABLE,
    FORMAT,
    FORMAT_VERSION,
    ArchiveWriter,
    file_member,
    table_member,
    written_atomically,
)
from qms.portable.codec import dump_line, encode

BATCH = 1000
PAUSE_SETTING = "QMS_PORTABLE_PAUSE"  # seconds to wait after each table; lets tests stop a run midway


@dataclass(frozen=True)
class DumpResult:
    path: Path
    tables: int
    rows: int
    files: int


def pause() -> None:
    seconds = float(os.environ.get(PAUSE_SETTING) or 0)
    if seconds > 0:
        time.sleep(seconds)


@contextmanager
def snapshot() -> Iterator[Connection]:
    """A connection that sees the whole database as of one moment, whatever is written meanwhile."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            connection.execute(text("SELECT 1"))
        elif connection.dialect.name == "sqlite":
            # The snapshot starts with the transaction's first read of the database.
            with sqlite.reading():
                connection.execute(text("SELECT count(*) FROM sqlite_master"))
        try:
            yield connection
        finally:
            connection.rollback()


def ordered_rows(connection: Connection, table: Table) -> Iterator[Any]:
    """The table's rows in primary-key order, strings compared byte by byte on every engine."""
    keys = list(table.primary_key.columns) or list(table.columns)
    order = []
    for column in keys:
        if connection.dialect.name == "postgresql" and isinstance(column.type, String):
            order.append(column.collate("C"))
        else:
            order.append(column)
    result = connection.execution_options(yield_per=BATCH).execute(select(table).order_by(*order))
    yield from result


def revisions(connection: Connection) -> list[str]:
    return sorted(connection.execute(text(f"SELECT version_num FROM {ALEMBIC_TABLE}")).scalars())


def _write_table(out: ArchiveWriter, connection: Connection, table: Table) -> int:
    count = 0
    with out.member(table_member(table.name)) as member:
        for row in ordered_rows(connection, table):
            values = row._mapping
            member.write(dump_line({c.name: encode(c, values[c]) for c in table.columns}))
            count += 1
    return count


def stored_files() -> Iterator[tuple[str, str, Path]]:
    """(area, relative path, path) of every stored file, in name order; hidden (temporary) files left out."""
    for area, folder in file_areas().items():
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                yield area, relative.as_posix(), path


def dump(path: Path) -> DumpResult:
    """Write the archive to `path` (through a temporary file renamed at the end)."""
    counts: dict[str, int] = {}
    files = 0
    with written_atomically(path) as out, snapshot() as connection:
        found_revisions = revisions(connection)
        with out.member(table_member(ALEMBIC_TABLE)) as member:
            for revision in found_revisions:
                member.write(dump_line({"version_num": revision}))
        for table in db.metadata.sorted_tables:
            counts[table.name] = _write_table(out, connection, table)
            pause()
        # Files after the rows: a file is stored before the record naming it is committed.
        for area, relative, file_path in stored_files():
            out.add_file(file_member(area, relative), file_path)
            files += 1
        out.finish(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "app_version": __version__,
                "database": connection.dialect.name,
                "alembic_revisions": found_revisions,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "tables": counts,
                "files": out.checksums,
            }
        )
    return DumpResult(path, len(counts), sum(counts.values()), files)
