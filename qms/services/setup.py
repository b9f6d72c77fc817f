"""Bringing a database to the current schema and reference data."""

from __future__ import annotations

import logging

from flask_migrate import upgrade

from qms.paths import MIGRATIONS_DIR
from qms.services.reference import LoadResult, load_reference_data


def initialise() -> LoadResult:
    """Upgrade the schema to head and load the reference data; safe to run again."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # "heads": each area (quality system, audits) may carry its own branch of migrations.
    upgrade(directory=str(MIGRATIONS_DIR), revision="heads")
    return load_reference_data()
