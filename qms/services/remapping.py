"""Remapping stored ISO 9001:2008 clause references to ISO 9001:2015, one person's decision at a time.

What the transition's pages and documents read from here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AcceptedReference:
    """A stored 2008 reference a person remapped, as the transition report lists it."""

    kind_label: str  # what holds the reference: "Procedure", "Finding", … (translated)
    record_label: str  # "QT-01 Tiếp nhận hồ sơ", "NC-2018-007"
    clause_2008: str  # "4.2.3"
    clauses_2015: tuple[str, ...]  # ("7.5.2", "7.5.3")
    decided_by: str
    decided_at: datetime
    comment: str


def references_left(unit_ids: Collection[int] | None = None) -> dict[int, int]:
    """Stored 2008 clause references nobody has decided on yet, per unit id (all units when None)."""
    return {}


def accepted_for_unit(unit_id: int) -> list[AcceptedReference]:
    """The unit's remapped references in force (undone ones left out), oldest decision first."""
    return []


def remap_url(unit_code: str | None = None) -> str | None:
    """The page listing a unit's (or, with None, the whole organisation's) 2008 references."""
    return None
