"""What the dashboard shows a user."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from qms.extensions import db
from qms.models.clauses import Clause, ClauseMapping
from qms.models.org import Membership, Unit, User
from qms.services import access, objectives


@dataclass
class DashboardSummary:
    my_units: list[Membership] = field(default_factory=list)
    units_by_kind: dict[str, int] = field(default_factory=dict)
    users_active: int = 0
    clauses_by_edition: dict[str, int] = field(default_factory=dict)
    objectives_year: int | None = None
    objectives_by_unit: list[objectives.UnitAttainment] = field(default_factory=list)


def summary_for(user: User) -> DashboardSummary:
    summary = DashboardSummary(my_units=sorted(user.memberships, key=lambda m: m.unit.code))
    if access.reads_everything(user):
        summary.units_by_kind = dict(
            db.session.execute(
                select(Unit.kind, func.count(Unit.id)).where(Unit.active).group_by(Unit.kind)
            ).all()
        )
        summary.users_active = db.session.scalar(select(func.count(User.id)).where(User.active)) or 0
    summary.clauses_by_edition = dict(
        db.session.execute(select(Clause.edition, func.count(Clause.id)).group_by(Clause.edition)).all()
    )
    summary.objectives_year, summary.objectives_by_unit = objectives.attainment_by_unit(user)
    return summary


@dataclass
class CorrespondenceStatistics:
    """How the 2008 ↔ 2015 correspondence was checked: for the administrator who keeps the
    reference data, not for the dashboards."""

    by_status: dict[str, int]
    total: int
    mappings: list[ClauseMapping]


def correspondence_statistics() -> CorrespondenceStatistics:
    by_status = dict(
        db.session.execute(
            select(ClauseMapping.status, func.count(ClauseMapping.id)).group_by(ClauseMapping.status)
        ).all()
    )
    mappings = list(db.session.scalars(select(ClauseMapping).order_by(ClauseMapping.id)))
    mappings.sort(
        key=lambda m: (
            (m.clause_2015.sort_key if m.clause_2015 else ""),
            (m.clause_2008.sort_key if m.clause_2008 else ""),
        )
    )
    return CorrespondenceStatistics(by_status=by_status, total=sum(by_status.values()), mappings=mappings)
