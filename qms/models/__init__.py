"""All models, imported so that the metadata knows every table."""

from qms.models.base import Base
from qms.models.clauses import Clause, ClauseMapping, Confidence, Edition
from qms.models.history import HistoryEntry, HistoryLink
from qms.models.org import MemberRole, Membership, OrgRole, Unit, UnitKind, User, UserRole

__all__ = [
    "Base",
    "Clause",
    "ClauseMapping",
    "Confidence",
    "Edition",
    "HistoryEntry",
    "HistoryLink",
    "MemberRole",
    "Membership",
    "OrgRole",
    "Unit",
    "UnitKind",
    "User",
    "UserRole",
]
