"""Reorganisations: units merge, split, are renamed or recoded, move, end or are created on the date a
legal act sets; their open records follow them (kinds.py says which), and the ledger makes an undo exact.

Plain functions taking the acting user; they validate and flush, the caller commits.
"""

from qms.services.reorganisation.applying import ApplyResult, apply, undo
from qms.services.reorganisation.drafts import (
    add_move,
    all_reorganisations,
    create,
    get,
    move_counts,
    remove_move,
    update,
    validate,
)
from qms.services.reorganisation.kinds import KINDS, RecordKind
from qms.services.reorganisation.lineage import merged_into, now_part_of, predecessors, successors
from qms.services.reorganisation.planning import ReorganisationRefused
from qms.services.reorganisation.preview import KindFlow, Preview, UnitFlow, preview

__all__ = [
    "KINDS",
    "ApplyResult",
    "KindFlow",
    "Preview",
    "RecordKind",
    "ReorganisationRefused",
    "UnitFlow",
    "add_move",
    "all_reorganisations",
    "apply",
    "create",
    "get",
    "merged_into",
    "move_counts",
    "now_part_of",
    "predecessors",
    "preview",
    "remove_move",
    "successors",
    "undo",
    "update",
    "validate",
]
