"""Whole numbers typed by people (URLs, forms, imports) read safely."""

from __future__ import annotations

# Identifiers and counts are stored as signed 64-bit integers at most (PostgreSQL BIGINT, SQLite INTEGER);
# a larger number names no record and would make the database driver fail.
DB_INT_MAX = 2**63 - 1


def whole_number(value: object) -> int | None:
    """`value` as a non-negative whole number of ASCII digits the database can hold, else None
    (str.isdigit() alone lets through '²' or '١', which int() refuses)."""
    text = str(value if value is not None else "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if number <= DB_INT_MAX else None
