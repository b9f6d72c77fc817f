"""`qms load`: an archive into an empty database of either engine, all or nothing.

Rows go in table by table in foreign-key order, in one transaction. A reference to a row not inserted
yet (a unit's parent further down the table, a step's next step) goes in as NULL and is set once every
row is in. Stored files are unpacked into hidden folders first and moved into place only after the
commit, so a failed or killed load leaves neither rows nor files behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from flask_babel import gettext as _
from sqlalchemy import (
    Connection,
    ForeignKeyConstraint,
    Integer,
    Table,
    and_,
    bindparam,
    delete,
    insert,
    inspect,
    select,
    text,
    update,
)

from qms.extensions import db
from qms.models.history import HistoryEntry
from qms.paths import MIGRATIONS_DIR
from qms.portable import file_areas, reference_tables
from qms.portable.archive import ALEMBIC_TABLE, CHUNK, Archive
from qms.portable.codec import decode, read_line
from qms.portable.dump import pause, revisions
from qms.services.errors import DomainError

BATCH = 1000
STAGING_PREFIX = ".restore-"
HISTORY_TABLES = ("history_entry", "history_link")


@dataclass
class LoadResult:
    tables: int = 0
    rows: int = 0
    files: int = 0
    staged: list[tuple[Path, Path]] = field(default_factory=list)  # (unpacked file, its place)


def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config)


def _complete(script: ScriptDirectory, recorded: list[str]) -> bool:
    """Whether a database recording these revisions has every migration of this version applied
    (a head that another branch depends on is recorded through its dependant)."""
    try:
        applied = {r.revision for r in script.iterate_revisions(tuple(recorded), "base")}
    except (CommandError, RevisionError):
        return False
    return bool(recorded) and applied == {r.revision for r in script.walk_revisions()}


def check_target(archive: Archive, connection: Connection) -> bool:
    """Refuse an archive of another schema revision or a database not empty; True when the database
    holds the reference data `qms init` loads (replaced by the archive's)."""
    script = _script()
    code = ", ".join(sorted(script.get_heads()))
    if not _complete(script, archive.revisions):
        raise DomainError(
            _(
                "the archive is at schema revision %(found)s, this version of QMS Tracker at %(code)s",
                found=", ".join(archive.revisions) or "?",
                code=code,
            )
        )
    if not inspect(connection).has_table(ALEMBIC_TABLE) or not _complete(script, revisions(connection)):
        raise DomainError(_("the database schema is not up to date: run `qms init` first"))
    names = {table.name for table in db.metadata.sorted_tables}
    if set(archive.tables) != names:
        odd = sorted(set(archive.tables) ^ names)
        raise DomainError(
            _("the archive's tables do not match this version's: %(tables)s", tables=", ".join(odd))
        )
    filled = [
        table.name
        for table in db.metadata.sorted_tables
        if connection.execute(select(select(table).exists())).scalar()
    ]
    shipped = reference_tables()
    if any(name not in shipped and name not in HISTORY_TABLES for name in filled) or _history_of_people(
        connection, shipped
    ):
        raise DomainError(
            _(
                "the database already holds records (table %(table)s): load into a new, empty database",
                table=next((n for n in filled if n not in shipped), filled[0]),
            )
        )
    return bool(filled)


def _history_of_people(connection: Connection, shipped: set[str]) -> bool:
    """Whether the history names anything but the reference data `qms init` loaded."""
    stray = select(HistoryEntry.id).where(
        (HistoryEntry.actor_id.is_not(None)) | (HistoryEntry.record_type.not_in(sorted(shipped)))
    )
    return connection.execute(select(stray.exists())).scalar() is True


@dataclass
class _Deferred:
    """A foreign key whose value may name a row not inserted yet: NULL first, set at the end."""

    constraint: ForeignKeyConstraint
    forward: bool  # the referred table comes later: every value waits
    seen: set[tuple[Any, ...]] = field(default_factory=set)

    @property
    def columns(self) -> list[str]:
        return [element.parent.name for element in self.constraint.elements]

    @property
    def targets(self) -> list[str]:
        return [element.column.name for element in self.constraint.elements]


def _deferrable(table: Table, position: dict[str, int]) -> list[_Deferred]:
    found = []
    for constraint in table.foreign_key_constraints:
        referred = constraint.referred_table
        if position.get(referred.name, -1) < position[table.name]:
            continue
        if not table.primary_key.columns or not all(e.parent.nullable for e in constraint.elements):
            continue  # cannot be set later; inserted as it is
        found.append(_Deferred(constraint, forward=referred is not table))
    return found


def _insert_table(
    connection: Connection, archive: Archive, table: Table, position: dict[str, int], later: list[Any]
) -> int:
    columns = {column.name: column for column in table.columns}
    deferred = _deferrable(table, position)
    keys = [column.name for column in table.primary_key.columns]
    batch: list[dict[str, Any]] = []
    count = 0
    for number, line in enumerate(archive.lines(table.name), start=1):
        try:
            raw = read_line(line)
            if set(raw) != set(columns):
                raise KeyError(sorted(set(raw) ^ set(columns)))
            row = {name: decode(column, raw[name]) for name, column in columns.items()}
        except (ValueError, KeyError, TypeError, ArithmeticError):
            raise DomainError(
                _(
                    "the archive's table %(table)s has a bad row at line %(line)s",
                    table=table.name,
                    line=number,
                )
            ) from None
        for item in deferred:
            if not item.forward:
                item.seen.add(tuple(row[name] for name in item.targets))
            value = tuple(row[name] for name in item.columns)
            if any(part is None for part in value) or (not item.forward and value in item.seen):
                continue
            later.append(
                (table, {name: row[name] for name in keys}, dict(zip(item.columns, value, strict=True)))
            )
            row.update(dict.fromkeys(item.columns))
        batch.append(row)
        count += 1
        if len(batch) >= BATCH:
            connection.execute(insert(table), batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)
    return count


def _set_deferred(connection: Connection, later: list[Any]) -> None:
    groups: dict[tuple[str, tuple[str, ...]], list[dict[str, Any]]] = {}
    tables: dict[str, Table] = {}
    for table, key, values in later:
        tables[table.name] = table
        params = {f"key__{k}": v for k, v in key.items()} | {f"new__{c}": v for c, v in values.items()}
        groups.setdefault((table.name, tuple(values)), []).append(params)
    for (name, names), params in groups.items():
        table = tables[name]
        statement = (
            update(table)
            .where(and_(*(c == bindparam(f"key__{c.name}") for c in table.primary_key.columns)))
            .values({c: bindparam(f"new__{c}") for c in names})
        )
        connection.execute(statement, params)


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL: each id sequence continues after the largest id loaded."""
    quote = connection.dialect.identifier_preparer.quote
    for table in db.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer) or table.autoincrement_column is None:
            continue
        name, column = quote(table.name), quote(keys[0].name)
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"(SELECT COALESCE(MAX({column}), 0) + 1 FROM {name}), false)"
            ),
            {"table": name, "column": keys[0].name},
        )


def load_rows(archive: Archive) -> LoadResult:
    """Insert every row of the archive through the session's transaction (flushed, not committed)."""
    connection = db.session.connection()
    initialised = check_target(archive, connection)
    tables = db.metadata.sorted_tables
    if initialised:  # only what `qms init` loaded: the archive brings its own
        for table in reversed(tables):
            connection.execute(delete(table))
    position = {table.name: index for index, table in enumerate(tables)}
    later: list[Any] = []
    result = LoadResult()
    for table in tables:
        count = _insert_table(connection, archive, table, position, later)
        if count != archive.tables[table.name]:
            raise DomainError(
                _(
                    "the archive's table %(table)s has %(count)s rows, its manifest says %(expected)s",
                    table=table.name,
                    count=count,
                    expected=archive.tables[table.name],
                )
            )
        result.tables += 1
        result.rows += count
        pause()
    _set_deferred(connection, later)
    if connection.dialect.name == "postgresql":
        _reset_sequences(connection)
    return result


def _safe_relative(relative: str) -> PurePosixPath | None:
    path = PurePosixPath(relative)
    if (
        path.is_absolute()
        or not path.parts
        or any(p in ("", ".", "..") or p.startswith(".") for p in path.parts)
    ):
        return None
    return path


def _stage_files(archive: Archive, result: LoadResult, staging: dict[str, Path]) -> None:
    areas = file_areas()
    for area, relative, member in archive.files():
        safe = _safe_relative(relative)
        if area not in areas or safe is None:
            raise DomainError(_("the archive holds a file this version cannot place: %(name)s", name=member))
        if area not in staging:
            areas[area].mkdir(parents=True, exist_ok=True)
            for stale in areas[area].glob(f"{STAGING_PREFIX}*"):  # left by a load that was stopped
                shutil.rmtree(stale, ignore_errors=True)
            staging[area] = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=areas[area]))
        unpacked = staging[area].joinpath(*safe.parts)
        unpacked.parent.mkdir(parents=True, exist_ok=True)
        with archive.zip.open(member) as source, unpacked.open("wb") as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)
        result.staged.append((unpacked, areas[area].joinpath(*safe.parts)))
        result.files += 1


@contextmanager
def restore(archive: Archive) -> Iterator[LoadResult]:
    """Load the archive: the caller commits inside the block; the files are moved into place when the
    block ends without error, and removed with the rows' transaction when it does not."""
    staging: dict[str, Path] = {}
    try:
        check_target(archive, db.session.connection())  # refuse before unpacking anything
        result = LoadResult()
        _stage_files(archive, result, staging)
        rows = load_rows(archive)
        result.tables, result.rows = rows.tables, rows.rows
        yield result
        for unpacked, target in result.staged:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(unpacked, target)
    finally:
        for folder in staging.values():
            shutil.rmtree(folder, ignore_errors=True)
