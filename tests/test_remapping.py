"""Remapping stored ISO 9001:2008 clause references to 2015: decisions, undo, counts, rules of who decides."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, select

from audits.models import Audit, AuditClause, ChecklistItem, Finding
from audits.services import planning
from qms.extensions import db
from qms.models.clauses import Clause, ClauseMapping
from qms.models.documents import ControlledDocument, DocumentClause
from qms.models.history import HistoryEntry
from qms.models.org import Unit
from qms.models.processes import Process, ProcessClause
from qms.models.remapping import ClauseRemap
from qms.services import documents, processes, remapping
from qms.services.errors import DomainError, NotAllowed
from tests.audits_support import nonconformity, planned_audit, report_audit
from tests.conftest import Org


def clause(edition: str, number: str) -> Clause:
    found = db.session.scalar(select(Clause).where(Clause.edition == edition, Clause.number == number))
    assert found is not None
    return found


def legacy_procedure(unit: Unit, code: str, old: tuple[str, ...], new: tuple[str, ...] = ("8.1",)) -> Process:
    """A procedure written under 2008: its 2015 references plus legacy 2008 ones (as the demo has)."""
    process = processes.create_process(
        actor=None, unit=unit, code=code, title=f"Quy trình {code}", clauses=" ".join(new)
    )
    for number in old:
        db.session.add(ProcessClause(process_id=process.id, clause_id=clause("2008", number).id))
    db.session.commit()
    return process


def legacy_document(unit: Unit, code: str, old: tuple[str, ...]) -> ControlledDocument:
    document = documents.create_document(unit, actor=None, code=code, title="Sổ tay", kind="manual")
    for number in old:
        db.session.add(DocumentClause(document_id=document.id, clause_id=clause("2008", number).id))
    db.session.commit()
    return document


def numbers_of(process: Process) -> dict[str, str | None]:
    db.session.expire_all()
    links = db.session.scalars(select(ProcessClause).where(ProcessClause.process_id == process.id))
    return {
        f"{link.clause.edition} {link.clause.number}": (
            link.remapped_from.number if link.remapped_from else None
        )
        for link in links
    }


def key(kind: str, record_id: int, edition_number: str) -> str:
    return remapping.reference_key(kind, record_id, clause("2008", edition_number).id)


def bulk_number() -> str:
    """A 2008 clause whose correspondence is equal or one-to-one (accepted in bulk)."""
    for number in ("5.6.1", "6.3", "6.4", "8.2.3"):
        if remapping.accepts_in_bulk(remapping.proposals(clause("2008", number).id)):
            return number
    raise AssertionError("no one-to-one clause in the correspondence")


def test_one_to_many_needs_a_choice_and_a_comment(orgdata: Org) -> None:
    manager = orgdata.user("manager_a")
    process = legacy_procedure(orgdata.unit_a, "QT-01", ("4.2.3",))
    ref = key("procedure", process.id, "4.2.3")
    pending = remapping.pending_reference(ref, actor=manager)
    assert {"7.5.2", "7.5.3"} <= {m.clause_2015.number for m in pending.proposals}
    assert not pending.in_bulk

    with pytest.raises(DomainError) as no_choice:
        remapping.accept(ref, actor=manager)
    assert no_choice.value.field == "clauses"
    targets = [clause("2015", "7.5.2").id, clause("2015", "7.5.3").id]
    with pytest.raises(DomainError) as no_comment:
        remapping.accept(ref, actor=manager, clause_ids=targets)
    assert no_comment.value.field == "comment"
    with pytest.raises(DomainError) as not_2015:
        remapping.accept(ref, actor=manager, clause_ids=[clause("2008", "7.5.1").id], comment="x")
    assert not_2015.value.field == "clauses"
    db.session.rollback()
    assert numbers_of(process) == {"2015 8.1": None, "2008 4.2.3": None}  # nothing changed
    assert db.session.scalar(select(ClauseRemap.id)) is None

    decision = remapping.accept(ref, actor=manager, clause_ids=targets, comment="Kiểm soát tài liệu và hồ sơ")
    db.session.commit()
    assert numbers_of(process) == {"2015 8.1": None, "2015 7.5.2": "4.2.3", "2015 7.5.3": "4.2.3"}
    link = db.session.get(ProcessClause, {"process_id": process.id, "clause_id": targets[0]})
    assert remapping.clause_ref(link) == "ISO 9001:2015 7.5.2 (was 2008 4.2.3)"
    assert decision.decided_by_id == manager.id and decision.mode == "replace"
    entries = db.session.scalars(select(HistoryEntry).where(HistoryEntry.record_type == "clause_remap"))
    assert [e.action for e in entries] == ["insert"]
    accepted = remapping.accepted_for_unit(orgdata.unit_a.id)
    assert [(a.record_label, a.clause_2008, a.clauses_2015, a.comment) for a in accepted] == [
        ("QT-01 Quy trình QT-01 (v1)", "4.2.3", ("7.5.2", "7.5.3"), "Kiểm soát tài liệu và hồ sơ")
    ]


def test_a_disputed_or_many_counterparts_clause_takes_one_choice_with_a_comment(orgdata: Org) -> None:
    steering = orgdata.user("steering")
    process = legacy_procedure(orgdata.unit_a, "QT-02", ("6.2",))
    ref = key("procedure", process.id, "6.2")
    disputed = [m for m in remapping.proposals(clause("2008", "6.2").id) if m.clause_2015.number == "7.1.2"]
    assert [m.status for m in disputed] == ["disputed"]
    with pytest.raises(DomainError):
        remapping.accept_all([ref], actor=steering)
    remapping.accept(
        ref, actor=steering, clause_ids=[clause("2015", "7.1.2").id], comment="Nguồn lực con người"
    )
    db.session.commit()
    assert numbers_of(process) == {"2015 8.1": None, "2015 7.1.2": "6.2"}


def test_a_clause_without_counterpart_takes_any_2015_clause(orgdata: Org) -> None:
    old = clause("2008", "7.2.1")
    db.session.execute(delete(ClauseMapping).where(ClauseMapping.clause_2008_id == old.id))
    db.session.commit()
    process = legacy_procedure(orgdata.unit_a, "QT-03", ("7.2.1",))
    ref = key("procedure", process.id, "7.2.1")
    assert remapping.pending_reference(ref, actor=orgdata.user("manager_a")).proposals == []
    with pytest.raises(DomainError) as refused:
        remapping.accept(ref, actor=orgdata.user("manager_a"))
    assert refused.value.field == "clauses"
    remapping.accept(
        ref, actor=orgdata.user("manager_a"), clause_ids=[clause("2015", "8.2.2").id], comment="Tự chọn"
    )
    db.session.commit()
    assert numbers_of(process)["2015 8.2.2"] == "7.2.1"


def test_bulk_accept_is_all_or_nothing(orgdata: Org) -> None:
    steering = orgdata.user("steering")
    number = bulk_number()
    good = legacy_procedure(orgdata.unit_a, "QT-04", (number,))
    bad = legacy_procedure(orgdata.unit_a, "QT-05", ("4.2.3",))
    keys = [key("procedure", good.id, number), key("procedure", bad.id, "4.2.3")]
    with pytest.raises(DomainError) as refused:
        remapping.accept_all(keys, actor=steering)
    assert "4.2.3" in refused.value.message
    db.session.rollback()
    assert numbers_of(good) == {"2015 8.1": None, f"2008 {number}": None}
    assert db.session.scalar(select(ClauseRemap.id)) is None

    decisions = remapping.accept_all(keys[:1], actor=steering)
    db.session.commit()
    (target,) = decisions[0].clauses_2015
    assert numbers_of(good) == {"2015 8.1": None, f"2015 {target.number}": number}
    assert decisions[0].comment == ""


def test_undo_restores_the_2008_reference_and_remapping_twice_changes_nothing(orgdata: Org) -> None:
    manager = orgdata.user("manager_a")
    process = legacy_procedure(orgdata.unit_a, "QT-06", ("4.2.3",), new=("7.5.2",))
    ref = key("procedure", process.id, "4.2.3")
    targets = [clause("2015", "7.5.2").id, clause("2015", "7.5.3").id]
    decision = remapping.accept(ref, actor=manager, clause_ids=targets, comment="Tài liệu")
    db.session.commit()
    # 7.5.2 was cited already: only 7.5.3 is the decision's
    assert numbers_of(process) == {"2015 7.5.2": None, "2015 7.5.3": "4.2.3"}

    with pytest.raises(DomainError) as twice:
        remapping.accept(ref, actor=orgdata.user("steering"), clause_ids=targets, comment="again")
    assert "Already remapped by Manager.A" in twice.value.message
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(ClauseRemap.id))) == 1

    remapping.undo(decision, actor=manager)
    db.session.commit()
    assert numbers_of(process) == {"2015 7.5.2": None, "2008 4.2.3": None}
    assert decision.undone_by_id == manager.id
    assert remapping.accepted_for_unit(orgdata.unit_a.id) == []
    with pytest.raises(DomainError):
        remapping.undo(decision, actor=manager)
    db.session.rollback()
    # after an undo, the reference can be decided again
    remapping.accept(ref, actor=manager, clause_ids=targets[1:], comment="Chỉ hồ sơ")
    db.session.commit()
    assert numbers_of(process) == {"2015 7.5.2": None, "2015 7.5.3": "4.2.3"}


def test_who_decides(orgdata: Org) -> None:
    process = legacy_procedure(orgdata.unit_a, "QT-07", ("4.2.3",))
    document = legacy_document(orgdata.unit_a, "STCL", ("4.2.4",))
    ref = key("procedure", process.id, "4.2.3")
    for name in ("manager_b", "member_a", "auditor", "leader"):
        with pytest.raises(NotAllowed):
            remapping.accept(
                ref, actor=orgdata.user(name), clause_ids=[clause("2015", "7.5.3").id], comment="x"
            )
    audit = planned_audit(orgdata)
    scope = key("audit_scope", audit.id, "4.2.3")
    with pytest.raises(NotAllowed):  # an audit's scope is the steering committee's alone
        remapping.accept(
            scope, actor=orgdata.user("manager_a"), clause_ids=[clause("2015", "7.5.3").id], comment="x"
        )
    remapping.accept(
        key("document", document.id, "4.2.4"),
        actor=orgdata.user("manager_a"),
        clause_ids=[clause("2015", "7.5.3").id],
        comment="Hồ sơ",
    )
    remapping.accept(
        scope, actor=orgdata.user("steering"), clause_ids=[clause("2015", "7.5.3").id], comment="x"
    )
    db.session.commit()
    db.session.expire_all()
    assert [a.kind_label for a in remapping.accepted_for_unit(orgdata.unit_a.id)] == [
        "Controlled document",
        "Audit scope",
    ]
    assert remapping.accepted_for_unit(orgdata.unit_b.id) == []
    assert [c.number for c in db.session.get(ControlledDocument, document.id).clauses] == ["7.5.3"]
    assert {c.label for c in db.session.get(Audit, audit.id).clauses} == {
        "ISO 9001:2015 7.5.3",
        "ISO 9001:2008 8.2.2",
    }


def test_an_open_audits_finding_is_remapped_in_place(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    finding = nonconformity(orgdata, audit, clause="8.5.3")
    ref = key("finding", finding.id, "8.5.3")
    with pytest.raises(DomainError) as one:  # a finding cites exactly one clause
        remapping.accept(
            ref,
            actor=orgdata.user("manager_a"),
            clause_ids=[clause("2015", "6.1").id, clause("2015", "10.3").id],
            comment="x",
        )
    assert one.value.field == "clauses"
    db.session.rollback()
    decision = remapping.accept(
        ref, actor=orgdata.user("manager_a"), clause_ids=[clause("2015", "6.1").id], comment="Phòng ngừa"
    )
    db.session.commit()
    db.session.expire_all()
    finding = db.session.get(Finding, finding.id)
    assert finding.clause.label == "ISO 9001:2015 6.1"
    assert remapping.clause_ref(finding) == "ISO 9001:2015 6.1 (was 2008 8.5.3)"
    remapping.undo(decision, actor=orgdata.user("steering"))
    db.session.commit()
    db.session.expire_all()
    finding = db.session.get(Finding, finding.id)
    assert finding.clause.label == "ISO 9001:2008 8.5.3" and finding.remapped_from_id is None


def test_a_closed_audit_keeps_what_was_written_and_gains_the_equivalent(orgdata: Org) -> None:
    steering = orgdata.user("steering")
    audit = planned_audit(orgdata)
    finding = nonconformity(orgdata, audit, kind="observation", clause="8.5.3")
    item = ChecklistItem(
        audit_id=audit.id, position=1, clause_id=clause("2008", "8.2.2").id, question="Có kế hoạch?"
    )
    db.session.add(item)
    report_audit(audit)
    planning.transition_audit(audit, "close", actor=steering)
    db.session.commit()

    remapping.accept(
        key("finding", finding.id, "8.5.3"),
        actor=steering,
        clause_ids=[clause("2015", "6.1").id],
        comment="Hành động phòng ngừa nay là rủi ro",
    )
    remapping.accept_all([key("checklist_item", item.id, "8.2.2")], actor=steering)
    db.session.commit()
    db.session.expire_all()
    finding = db.session.get(Finding, finding.id)
    assert finding.clause.label == "ISO 9001:2008 8.5.3"  # what the auditor wrote
    assert remapping.clause_ref(finding, "finding", finding.id) == "ISO 9001:2008 8.5.3 (2015: 6.1)"
    item = db.session.get(ChecklistItem, item.id)
    assert item.clause.number == "8.2.2" and item.remapped_from_id is None
    assert remapping.clause_ref(item, "checklist_item", item.id) == "ISO 9001:2008 8.2.2 (2015: 9.2)"
    # decided: no longer pending, and accepting again is refused
    assert not [r for r in remapping.pending_references(actor=steering) if r.kind == "finding"]
    with pytest.raises(DomainError, match="Already remapped"):
        remapping.accept(
            key("finding", finding.id, "8.5.3"),
            actor=steering,
            clause_ids=[clause("2015", "6.1").id],
            comment="x",
        )


def test_references_left_per_unit_and_in_total(orgdata: Org) -> None:
    """A multi-unit audit's scope counts on each audited unit's row; the total counts it once."""
    steering = orgdata.user("steering")
    legacy_procedure(orgdata.unit_a, "QT-08", ("4.2.3", "8.5.3"))
    legacy_document(orgdata.unit_b, "STCL", ("4.2.4",))
    programme = planned_audit(orgdata).programme  # its scope: 4.2.3 and 8.2.2 of unit A
    audit = planning.create_audit(
        actor=steering,
        programme=programme,
        planned_start=date(2018, 9, 10),
        planned_end=date(2018, 9, 10),
        units=[orgdata.unit_a, orgdata.unit_b],
        clause_ids=[clause("2008", "5.6.1").id],
    )
    db.session.commit()
    a, b = orgdata.unit_a.id, orgdata.unit_b.id
    assert remapping.references_left() == {a: 5, b: 2}
    assert remapping.references_left_total() == 6
    assert remapping.references_left([b]) == {b: 2}

    remapping.accept_all([key("audit_scope", audit.id, "5.6.1")], actor=steering)
    db.session.commit()
    assert remapping.references_left() == {a: 4, b: 1}
    assert remapping.references_left_total() == 5


def test_a_reference_already_decided_elsewhere_is_refused_with_who_and_when(app: Flask, orgdata: Org) -> None:
    """Another session decided first (committed): this one is told, nothing of its own is written."""
    process = legacy_procedure(orgdata.unit_a, "QT-09", ("4.2.3",))
    ref = key("procedure", process.id, "4.2.3")
    targets = [clause("2015", "7.5.3").id]
    with app.app_context():  # a second session, as a second request would have
        remapping.accept(ref, actor=orgdata.user("steering"), clause_ids=targets, comment="first")
        db.session.commit()
    decided = r"Already remapped by Steering on (\d\d/\d\d/\d{4}|\d{4}-\d\d-\d\d)\."
    with pytest.raises(DomainError, match=decided):
        remapping.accept(ref, actor=orgdata.user("manager_a"), clause_ids=targets, comment="second")


def test_two_people_accepting_at_once_one_wins(app: Flask, orgdata: Org) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("two writers at once need PostgreSQL")
    process = legacy_procedure(orgdata.unit_a, "QT-10", ("4.2.3",))
    ref = key("procedure", process.id, "4.2.3")
    targets = [clause("2015", "7.5.3").id]
    users = [orgdata.steering.id, orgdata.manager_a.id]
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def decide(user_id: int) -> None:
        with app.app_context():
            from qms.models.org import User

            user = db.session.get(User, user_id)
            remapping.pending_reference(ref, actor=user)  # both read it as pending
            barrier.wait()
            try:
                remapping.accept(ref, actor=user, clause_ids=targets, comment="at once")
                db.session.commit()
                outcomes.append("won")
            except DomainError as exc:
                db.session.rollback()
                outcomes.append(exc.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(uid,)) for uid in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes, key=lambda o: o != "won")[0] == "won"
    assert len(outcomes) == 2 and outcomes.count("won") == 1
    loser = next(o for o in outcomes if o != "won")
    assert loser.startswith("Already remapped by") or loser == "The record no longer cites this clause."
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(ClauseRemap.id))) == 1
    assert numbers_of(process) == {"2015 8.1": None, "2015 7.5.3": "4.2.3"}


def test_audit_scope_of_an_open_audit_is_remapped_in_place(orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    decision = remapping.accept(
        key("audit_scope", audit.id, "4.2.3"),
        actor=orgdata.user("steering"),
        clause_ids=[clause("2015", "7.5.2").id, clause("2015", "7.5.3").id],
        comment="x",
    )
    db.session.commit()
    rows = db.session.scalars(select(AuditClause).where(AuditClause.audit_id == audit.id)).all()
    assert sorted(remapping.clause_ref(r) for r in rows) == [
        "ISO 9001:2008 8.2.2",
        "ISO 9001:2015 7.5.2 (was 2008 4.2.3)",
        "ISO 9001:2015 7.5.3 (was 2008 4.2.3)",
    ]
    remapping.undo(decision, actor=orgdata.user("steering"))
    db.session.commit()
    db.session.expire_all()
    assert sorted(c.label for c in db.session.get(Audit, audit.id).clauses) == [
        "ISO 9001:2008 4.2.3",
        "ISO 9001:2008 8.2.2",
    ]


def test_the_demo_has_legacy_2008_references_to_remap(app: Flask) -> None:
    from qms.services import demo

    demo.load_demo()
    db.session.commit()
    units = {u.code: u.id for u in db.session.scalars(select(Unit))}
    left = remapping.references_left()
    assert left[units["P-TP"]] >= 5 and left[units["VP-HDND-UBND"]] >= 2
    total = remapping.references_left_total()
    demo.load_demo()  # a second run adds nothing
    db.session.commit()
    assert remapping.references_left_total() == total
    land = processes.current_version("QT-TNMT-01")
    assert {c.number for c in land.clauses if c.edition == "2008"} == {"7.5.1", "7.2.1"}
    assert {c.number for c in land.clauses if c.edition == "2015"}  # its 2015 references stay beside them
