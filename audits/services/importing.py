"""`qms import findings FILE`: audit findings kept on paper or in spreadsheets come in.

Columns: audit_ref, unit_code, audit_start, audit_end, kind, edition, clause, statement, evidence,
raised_on, due_on, closed_on (kind: major, minor, observation, ofi; edition: 2008, 2015; dates
yyyy-mm-dd). All or nothing: the first wrong row stops the import, naming row, column and reason.

- An audit that does not exist is created with the file's reference (its year and number are taken
  from `DG-<year>-<nn>` when the reference has that form, so later audits are never given the same
  number), for the units of its rows, in status *reported*, or *closed* when all its findings are.
- Each nonconformity gets its `NC-<year>-<nnn>` reference from the usual counter (by the year it was
  raised); its clause stays in the edition it was written in.
- `due_on` becomes the nonconformity's corrective action (actions under way); `closed_on` records it
  done and verified effective on that date, so that a closed finding always has its verification.
- A row identical to a finding already stored (same audit, unit, clause and statement) is skipped, so
  importing a file twice adds nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select, update

from audits.models import (
    NC_KINDS,
    ActionItem,
    Audit,
    AuditKind,
    AuditStatus,
    AuditUnit,
    EffectivenessCheck,
    Finding,
    FindingKind,
    FindingStatus,
    RefCounter,
)
from audits.services import findings as finding_service
from audits.services import planning
from audits.services.numbering import increment_and_get
from qms.extensions import db
from qms.models.clauses import Clause, Edition
from qms.models.org import Unit, User
from qms.services import org
from qms.services.history import act_as
from qms.services.tabular import Row, read_table
from qms.text import limit_of

COLUMNS = (
    "audit_ref",
    "unit_code",
    "audit_start",
    "audit_end",
    "kind",
    "edition",
    "clause",
    "statement",
    "evidence",
    "raised_on",
    "due_on",
    "closed_on",
)
AUDIT_REF_RE = re.compile(r"^DG-(\d{4})-(\d{1,4})$")
REF_RE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,19}$")


@dataclass
class ImportResult:
    audits_created: list[str] = field(default_factory=list)
    findings: int = 0
    nonconformities: list[str] = field(default_factory=list)
    skipped: int = 0


@dataclass
class _Line:
    row: Row
    audit_ref: str
    unit: Unit
    start: date
    end: date
    kind: str
    edition: str
    clause: Clause
    statement: str
    evidence: str
    raised_on: date
    due_on: date | None
    closed_on: date | None


def _parse(row: Row, units: dict[str, Unit], clauses: dict[tuple[str, str], Clause]) -> _Line:
    ref = row.get("audit_ref").upper()
    if not ref:
        raise row.fail("audit_ref", _("an audit reference is required"))
    if not REF_RE.match(ref):
        raise row.fail("audit_ref", _("'%(value)s' is not an audit reference such as DG-2018-03", value=ref))
    code = row.get("unit_code").upper()
    unit = units.get(code)
    if unit is None:
        raise row.fail("unit_code", _("no unit has the code '%(code)s'", code=code))
    start = row.date("audit_start", required=True)
    end = row.date("audit_end", required=True)
    assert start is not None and end is not None
    if end < start:
        raise row.fail("audit_end", _("the audit ends before it starts"))
    kind = row.get("kind").lower()
    if kind not in set(FindingKind):
        raise row.fail("kind", _("'%(value)s' is not one of major, minor, observation, ofi", value=kind))
    edition = row.get("edition")
    if edition not in set(Edition):
        raise row.fail("edition", _("'%(value)s' is not 2008 or 2015", value=edition))
    number = row.get("clause").rstrip(".")
    clause = clauses.get((edition, number))
    if clause is None:
        raise row.fail(
            "clause", _("ISO 9001:%(edition)s has no clause '%(number)s'", edition=edition, number=number)
        )
    statement = row.get("statement")
    if not statement:
        raise row.fail("statement", _("the statement of the finding is required"))
    raised_on = row.date("raised_on", required=False) or start
    if raised_on < start:
        raise row.fail("raised_on", _("the finding is dated before its audit starts"))
    if raised_on > end:
        raise row.fail("raised_on", _("the finding is dated after its audit ends"))
    if raised_on > date.today():
        raise row.fail("raised_on", _("the finding is dated in the future"))
    due_on = row.date("due_on", required=False)
    closed_on = row.date("closed_on", required=False)
    if kind not in NC_KINDS and (due_on or closed_on):
        column = "due_on" if due_on else "closed_on"
        raise row.fail(column, _("only a nonconformity (major or minor) has corrective actions"))
    if due_on is not None and due_on < raised_on:
        raise row.fail("due_on", _("the due date is before the finding was raised"))
    if closed_on is not None and closed_on < raised_on:
        raise row.fail("closed_on", _("the finding is closed before it was raised"))
    return _Line(
        row,
        ref,
        unit,
        start,
        end,
        kind,
        edition,
        clause,
        statement,
        row.get("evidence"),
        raised_on,
        due_on,
        closed_on,
    )


def _reserve_audit_number(year: int, seq: int) -> None:
    """Move the audit counter of `year` past `seq`, so a later audit never gets this number."""
    current = increment_and_get(f"DG-{year}") - 1  # creates the counter row when missing
    db.session.execute(
        update(RefCounter)
        .where(RefCounter.scope == f"DG-{year}")
        .values(value=max(current, seq))
        .execution_options(synchronize_session=False)
    )


def _new_audit(ref: str, lines: list[_Line], actor: User | None) -> Audit:
    first = lines[0]
    for line in lines[1:]:
        if (line.start, line.end) != (first.start, first.end):
            column = "audit_start" if line.start != first.start else "audit_end"
            raise line.row.fail(
                column, _("audit %(ref)s has other dates on row %(row)s", ref=ref, row=first.row.number)
            )
    match = AUDIT_REF_RE.match(ref)
    year = int(match.group(1)) if match else first.start.year
    if match:
        seq = int(match.group(2))
        taken = db.session.scalar(select(Audit.ref).where(Audit.year == year, Audit.seq == seq))
        if taken is not None:
            raise first.row.fail(
                "audit_ref", _("number %(seq)s of %(year)s is already %(ref)s", seq=seq, year=year, ref=taken)
            )
        _reserve_audit_number(year, seq)
    else:
        seq = increment_and_get(f"DG-{year}")
    editions = [line.edition for line in lines]
    edition = max(set(editions), key=editions.count)
    programme = planning.programme_for_year(year) or planning.create_programme(
        actor=actor, year=year, edition=edition, objectives=_("Audits imported from earlier records.")
    )
    all_closed = all(line.kind not in NC_KINDS or line.closed_on for line in lines)
    audit = Audit(
        programme_id=programme.id,
        ref=ref,
        year=year,
        seq=seq,
        edition=edition,
        kind=AuditKind.PLANNED,
        status=AuditStatus.CLOSED if all_closed else AuditStatus.REPORTED,
        planned_start=first.start,
        planned_end=first.end,
    )
    db.session.add(audit)
    for unit_id in dict.fromkeys(line.unit.id for line in lines):
        audit.unit_links.append(AuditUnit(unit_id=unit_id))
    db.session.flush()
    return audit


def _add_finding(audit: Audit, line: _Line, actor: User | None) -> Finding:
    finding = finding_service.create_finding(
        audit,
        actor=None,
        kind=line.kind,
        edition=line.edition,
        clause=line.clause.number,
        unit=line.unit,
        statement=line.statement,
        evidence=line.evidence,
        raised_on=line.raised_on,
    )
    if line.kind in NC_KINDS and (line.due_on or line.closed_on):
        finding.actions.append(
            ActionItem(
                round=1,
                what=_("Corrective action recorded before the register was kept in QMS Tracker"),
                owner_name=line.unit.name,
                due_on=line.due_on or line.closed_on,
                done_on=line.closed_on,
            )
        )
        finding.status = FindingStatus.PLAN_ACCEPTED
    if line.closed_on is not None:
        finding.checks.append(
            EffectivenessCheck(
                round=1,
                checked_on=line.closed_on,
                evidence=_("Closed on the paper record (imported)."),
                effective=True,
                verifier_id=actor.id if actor is not None else None,
            )
        )
        finding.status = FindingStatus.CLOSED
        finding.closed_on = line.closed_on
    db.session.flush()
    return finding


def import_findings(path: str | Path, *, actor: User | None) -> ImportResult:
    limits = {
        "audit_ref": limit_of(Audit.ref),
        "unit_code": limit_of(Unit.code),
        "statement": limit_of(Finding.statement),
        "evidence": limit_of(Finding.evidence),
    }
    rows = read_table(path, COLUMNS, limits=limits)
    act_as(actor)
    units = org.units_by_code()
    clauses = {(c.edition, c.number): c for c in db.session.scalars(select(Clause))}
    lines = [_parse(row, units, clauses) for row in rows]
    grouped: dict[str, list[_Line]] = {}
    for line in lines:
        grouped.setdefault(line.audit_ref, []).append(line)
    result = ImportResult()
    for ref, group in grouped.items():
        audit = db.session.scalar(select(Audit).where(Audit.ref == ref))
        if audit is None:
            audit = _new_audit(ref, group, actor)
            result.audits_created.append(ref)
            existing: set[tuple[int, int, str]] = set()
        else:
            for line in group:
                if line.unit.id not in audit.unit_ids:
                    raise line.row.fail(
                        "unit_code",
                        _("%(code)s is not an audited unit of %(ref)s", code=line.unit.code, ref=ref),
                    )
            stored = select(Finding.unit_id, Finding.clause_id, Finding.statement).where(
                Finding.audit_id == audit.id
            )
            existing = {tuple(r) for r in db.session.execute(stored)}
        for line in group:
            key = (line.unit.id, line.clause.id, line.statement)
            if key in existing:
                result.skipped += 1
                continue
            existing.add(key)
            finding = _add_finding(audit, line, actor)
            result.findings += 1
            if finding.ref:
                result.nonconformities.append(finding.ref)
    return result
