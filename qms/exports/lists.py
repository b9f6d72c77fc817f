"""Each list page as a spreadsheet: the same rows the page shows with its filters, as real types (dates
as dates, counts and rates as numbers). A view hands over the records it rendered; nothing is queried
again here, so the file always holds what the reader saw."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from qms import labels
from qms.exports.workbook import Percent
from qms.models.documents import ControlledDocument
from qms.models.org import Unit, User
from qms.models.processes import Process
from qms.models.risks import Risk
from qms.services.case_stats import StatisticsLine
from qms.services.documents import KIND_LABELS, STATUS_LABELS
from qms.services.objectives import ATTAINMENT_LABELS, DIRECTION_SIGNS, QualityOverview
from qms.services.risks import LEVEL_LABELS, RISK_KIND_LABELS


@dataclass(frozen=True)
class Sheet:
    name: str  # the file name, without extension
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]


def _label(table: dict, value: str) -> str:  # type: ignore[type-arg]
    word = table.get(value)
    return str(word) if word is not None else value


def procedures(items: Sequence[Process], unit: Unit | None) -> Sheet:
    header = [_("Code"), _("Title"), _("Unit"), _("Kind"), _("Version"), _("Status"), _("Effective date"),
              _("Legal time limit")]  # fmt: skip
    rows = [
        (p.code, p.title, p.unit.code, labels.value("process", "kind", p.kind), p.version,
         labels.value("process", "status", p.status), p.effective_date,
         float(p.time_limit_days) if p.time_limit_days is not None else None)
        for p in items
    ]  # fmt: skip
    return Sheet(f"procedures-{unit.code}" if unit else "procedures", _("Procedures"), header, rows)


def documents(items: Sequence[ControlledDocument], unit: Unit | None) -> Sheet:
    header = [_("Code"), _("Title"), _("Unit"), _("Kind"), _("Revision"), _("Issue date"), _("Approver"),
              _("Status"), _("Review due")]  # fmt: skip
    rows = [
        (d.code, d.title, d.unit.code, _label(KIND_LABELS, d.kind), d.revision, d.issue_date, d.approver,
         _label(STATUS_LABELS, d.status), d.review_due)
        for d in items
    ]  # fmt: skip
    return Sheet(f"documents-{unit.code}" if unit else "documents", _("Controlled documents"), header, rows)


def risks(items: Sequence[Risk], unit: Unit) -> Sheet:
    header = [_("Kind"), _("Risk or opportunity"), _("Description"), _("Likelihood"), _("Impact"), _("Score"),
              _("Level"), _("Owner"), _("Review date")]  # fmt: skip
    rows = [
        (_label(RISK_KIND_LABELS, r.kind), r.title, r.description, r.likelihood, r.impact, r.score,
         _label(LEVEL_LABELS, r.level), r.owner, r.review_date)
        for r in items
    ]  # fmt: skip
    return Sheet(f"risks-{unit.code}", _("Risks and opportunities"), header, rows)


def objectives(overview: QualityOverview, unit: Unit, year: int) -> Sheet:
    header = [_("Objective"), _("Indicator"), _("Direction"), _("Target"), _("Unit of measure"),
              _("Measured"), _("Period"), _("Attainment"), _("Owner")]  # fmt: skip
    rows = [
        (e.objective.statement, e.objective.indicator, DIRECTION_SIGNS[e.objective.direction],
         float(e.objective.target), e.objective.unit_of_measure,
         float(e.value) if e.value is not None else None, e.period,
         _label(ATTAINMENT_LABELS, e.attainment), e.objective.owner.full_name if e.objective.owner else "")
        for e in overview.evaluations
    ]  # fmt: skip
    return Sheet(f"objectives-{unit.code}-{year}", _("Quality objectives"), header, rows)


def case_statistics(lines: Sequence[StatisticsLine], unit: Unit) -> Sheet:
    header = [_("Period"), _("Figures of"), _("Received"), _("Resolved"), _("On time"), _("Late"),
              _("Online-eligible"), _("Online"), _("Resolution rate"), _("On-time rate"), _("Late rate"),
              _("Online rate")]  # fmt: skip
    rows = []
    for line in lines:
        merged = _("with the units then merged into it: %(codes)s", codes=", ".join(line.predecessors))
        scopes = ((_("this unit"), line.own_figures), (_("with sub-units"), line.with_sub_units),
                  (merged, line.from_predecessors))  # fmt: skip
        for scope, f in scopes:
            if f is None:
                continue
            rows.append(
                (line.period, scope, f.received, f.resolved, f.on_time, f.late, f.online_eligible, f.online,
                 Percent(f.resolution_rate), Percent(f.on_time_rate), Percent(f.late_rate),
                 Percent(f.online_rate))
            )  # fmt: skip
    return Sheet(f"case-statistics-{unit.code}", _("Case statistics"), header, rows)


def users(items: Sequence[User]) -> Sheet:
    header = [_("Full name"), _("E-mail"), _("Organisation-wide roles"), _("Units"), _("Active")]
    rows = [
        (u.full_name, u.email, ", ".join(labels.value("user_role", "role", r) for r in sorted(u.roles)),
         ", ".join(f"{m.unit.code} ({labels.value('membership', 'role', m.role)})" for m in u.memberships),
         labels.value(None, "active", u.active))
        for u in items
    ]  # fmt: skip
    return Sheet("users", _("Users"), header, rows)


def units(tree: Sequence[tuple[Unit, int]]) -> Sheet:
    header = [_("Code"), _("Name"), _("Kind"), _("Parent unit"), _("Level"), _("Active")]
    by_id = {u.id: u for u, _depth in tree}
    rows = [
        (u.code, u.name, labels.value("unit", "kind", u.kind),
         by_id[u.parent_id].code if u.parent_id in by_id else "", depth + 1,
         labels.value(None, "active", u.active))
        for u, depth in tree
    ]  # fmt: skip
    return Sheet("units", _("Units"), header, rows)
