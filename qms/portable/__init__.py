"""Moving the whole data set between databases: `qms dump` writes one portable archive, `qms load` reads
it into an empty database of either engine, `qms backup` copies a live SQLite database.

Other areas name what they add without qms importing them: the folders of stored files
(`add_file_area`) and the tables of shipped reference data that `qms init` fills (`add_reference_tables`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app

from qms.services.files import storage_root

FILE_AREAS = "qms.portable.file_areas"
REFERENCE_TABLES = "qms.portable.reference_tables"

# The shipped reference data of the quality system (loaded by `qms init`).
QMS_REFERENCE_TABLES = ("clause", "clause_mapping")


def add_file_area(app: Flask, name: str, folder: Callable[[], Path]) -> None:
    """A folder of stored files kept in the archive under `files/<name>/`; `folder` is called in the app."""
    app.extensions.setdefault(FILE_AREAS, {})[name] = folder


def add_reference_tables(app: Flask, *names: str) -> None:
    """Tables whose rows are shipped reference data: a database holding only those still counts as empty."""
    tables = app.extensions.setdefault(REFERENCE_TABLES, set())
    tables.update(names)


def file_areas() -> dict[str, Path]:
    """Every folder of stored files by its name in the archive, the quality system's documents first."""
    areas = {"files": storage_root()}
    for name, folder in sorted(current_app.extensions.get(FILE_AREAS, {}).items()):
        areas[name] = folder()
    return areas


def reference_tables() -> set[str]:
    return set(QMS_REFERENCE_TABLES) | current_app.extensions.get(REFERENCE_TABLES, set())
