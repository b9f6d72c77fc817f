"""Bringing a database to the current schema and reference data."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, current_app
from flask_migrate import upgrade

from qms.paths import MIGRATIONS_DIR
from qms.services.reference import LoadResult, load_reference_data

# Other areas (audits) add their own shipped data to `qms init` by appending a loader to this list
# of the app's extensions: qms never imports them. A loader is idempotent and never commits.
REFERENCE_LOADERS = "qms.reference_loaders"


def add_reference_loader(app: Flask, loader: Callable[[], object]) -> None:
    loaders = app.extensions.setdefault(REFERENCE_LOADERS, [])
    if loader not in loaders:
        loaders.append(loader)


def initialise() -> LoadResult:
    """Upgrade the schema to head and load the reference data; safe to run again."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # "heads": each area (quality system, audits) may carry its own branch of migrations.
    upgrade(directory=str(MIGRATIONS_DIR), revision="heads")
    return load_all_reference_data()


def load_all_reference_data() -> LoadResult:
    """The clause catalogues and correspondence, then what each area ships (the audit question bank)."""
    result = load_reference_data()
    for loader in current_app.extensions.get(REFERENCE_LOADERS, []):
        loader()
    return result
