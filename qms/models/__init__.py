"""All models, imported so that the metadata knows every table."""

from qms.models.base import Base
from qms.models.clauses import Clause, ClauseMapping, Edition, MappingStatus, Relation
from qms.models.documents import ControlledDocument, DocumentClause, DocumentKind, DocumentStatus
from qms.models.history import HistoryEntry, HistoryLink
from qms.models.issuing import DocType, IssuedDocument, OrgSetting
from qms.models.jobs import BackgroundJob, JobStatus, SchedulerRun
from qms.models.legal import LegalStatus, LegalText
from qms.models.legal_refs import ProcessLegalRef
from qms.models.objectives import CaseStatistics, Measurement, Objective, QualityPolicy, SatisfactionIndex
from qms.models.org import MemberRole, Membership, OrgRole, Unit, UnitKind, User, UserRole
from qms.models.processes import (
    Process,
    ProcessClause,
    ProcessKind,
    ProcessLink,
    ProcessStatus,
    Step,
    StepKind,
)
from qms.models.remapping import ClauseRemap, ClauseRemapTarget, RemapKind, RemapMode
from qms.models.reorganisation import (
    ChangeAction,
    MoveKind,
    Reorganisation,
    ReorganisationChange,
    ReorganisationMove,
    ReorganisationStatus,
)
from qms.models.risks import ContextIssue, InterestedParty, Risk, RiskAction
from qms.models.sessions import UserSession
from qms.models.tokens import ApiToken
from qms.models.transition import (
    ItemStatus,
    Transition,
    TransitionEvidence,
    TransitionItem,
    TransitionStatus,
    TransitionStep,
    TransitionUnit,
)

__all__ = [
    "ApiToken",
    "BackgroundJob",
    "Base",
    "CaseStatistics",
    "ChangeAction",
    "Clause",
    "ClauseMapping",
    "ClauseRemap",
    "ClauseRemapTarget",
    "ContextIssue",
    "ControlledDocument",
    "DocType",
    "DocumentClause",
    "DocumentKind",
    "DocumentStatus",
    "Edition",
    "HistoryEntry",
    "HistoryLink",
    "InterestedParty",
    "IssuedDocument",
    "ItemStatus",
    "JobStatus",
    "LegalStatus",
    "LegalText",
    "MappingStatus",
    "Measurement",
    "MemberRole",
    "Membership",
    "MoveKind",
    "Objective",
    "OrgRole",
    "OrgSetting",
    "Process",
    "ProcessClause",
    "ProcessKind",
    "ProcessLegalRef",
    "ProcessLink",
    "ProcessStatus",
    "QualityPolicy",
    "Relation",
    "RemapKind",
    "RemapMode",
    "Reorganisation",
    "ReorganisationChange",
    "ReorganisationMove",
    "ReorganisationStatus",
    "Risk",
    "RiskAction",
    "SatisfactionIndex",
    "SchedulerRun",
    "Step",
    "StepKind",
    "Transition",
    "TransitionEvidence",
    "TransitionItem",
    "TransitionStatus",
    "TransitionStep",
    "TransitionUnit",
    "Unit",
    "UnitKind",
    "User",
    "UserRole",
    "UserSession",
]
