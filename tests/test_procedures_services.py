"""Procedures: the map checks (time limit, branches, responsibility, loops), approval and versions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qms.extensions import db
from qms.models.processes import ProcessStatus
from qms.services import process_map, processes
from qms.services.errors import DomainError, InvalidTransition, NotAllowed
from qms.services.history import history_of

WORDS = {
    "start": "Start",
    "end": "End",
    "yes": "Yes",
    "no": "No",
    "responsible": "Responsible",
    "flow": "Flow",
    "time": "Time",
    "days": "days",
}


def make(orgdata, *, code="QT-A-01", limit="5", actor=None):
    return processes.create_process(
        actor=actor,
        unit=orgdata.unit_a,
        code=code,
        title="Cấp giấy phép",
        kind="administrative",
        time_limit_days=limit,
        clauses="4.4 8.1",
        forms_text="BM.01 | Giấy tiếp nhận",
        records_text="Sổ theo dõi | Bộ phận Một cửa | 24 tháng | paper",
    )


def with_branch(orgdata, *, limit="5"):
    """1 receive → 2 complete? yes → 3, no → 1 → 3 process → 4 return (end)."""
    p = make(orgdata, limit=limit)
    s1 = processes.add_step(p, actor=None, text="Tiếp nhận hồ sơ", responsible="Một cửa", days="0.5")
    s2 = processes.add_step(p, actor=None, text="placeholder", responsible="Một cửa", days="0")
    s3 = processes.add_step(p, actor=None, text="Xử lý hồ sơ", responsible="Chuyên viên", days="3")
    s4 = processes.add_step(p, actor=None, text="Trả kết quả", responsible="Một cửa", days="0.5")
    processes.update_step(
        s2,
        actor=None,
        kind="decision",
        text="Hồ sơ đầy đủ?",
        responsible="Một cửa",
        days="0",
        yes_step_id=s3.id,
        no_step_id=s1.id,
    )
    return p, (s1, s2, s3, s4)


def test_main_path_follows_yes_and_fits_the_limit(orgdata):
    p, _steps = with_branch(orgdata)
    assert processes.main_path_days(p) == Decimal("4.0")
    assert processes.problems(p) == []


def test_time_over_the_legal_limit_is_a_problem_and_blocks_approval(orgdata):
    p, _steps = with_branch(orgdata, limit="3.5")
    found = processes.problems(p)
    assert [x.kind for x in found] == ["over_time_limit"]
    assert "4" in found[0].message and "3.5" in found[0].message
    with pytest.raises(InvalidTransition) as caught:
        processes.approve(p, actor=None)
    assert "3.5" in caught.value.message
    assert p.status == ProcessStatus.DRAFT


def test_halves_only_and_no_negative_days(orgdata):
    p = make(orgdata)
    with pytest.raises(DomainError) as caught:
        processes.add_step(p, actor=None, text="x", responsible="y", days="0.3")
    assert caught.value.field == "days"
    with pytest.raises(DomainError):
        processes.add_step(p, actor=None, text="x", responsible="y", days="-1")
    step = processes.add_step(p, actor=None, text="x", responsible="y", days="2,5")
    assert step.days == Decimal("2.5")


def test_step_needs_a_responsible_and_a_decision_both_branches(orgdata):
    p = make(orgdata)
    with pytest.raises(DomainError) as caught:
        processes.add_step(p, actor=None, text="Tiếp nhận", responsible=" ", days="1")
    assert caught.value.field == "responsible"
    s1 = processes.add_step(p, actor=None, text="Tiếp nhận", responsible="Một cửa", days="1")
    with pytest.raises(DomainError) as caught:
        processes.add_step(
            p, actor=None, kind="decision", text="Đủ?", responsible="A", days="0", yes_step_id=s1.id
        )
    assert caught.value.field == "no_step_id"


def test_a_branch_pointing_nowhere_after_a_delete_is_reported(orgdata):
    p, (_s1, s2, s3, _s4) = with_branch(orgdata)
    processes.delete_step(s3, actor=None)
    db.session.refresh(s2)
    kinds = [x.kind for x in processes.problems(p)]
    assert "branch_nowhere" in kinds, kinds
    assert [s.position for s in p.steps] == [1, 2, 3]
    with pytest.raises(InvalidTransition):
        processes.approve(p, actor=None)


def test_a_loop_that_never_ends_is_reported(orgdata):
    p = make(orgdata)
    s1 = processes.add_step(p, actor=None, text="A", responsible="X", days="1")
    s2 = processes.add_step(p, actor=None, text="B", responsible="X", days="1")
    processes.update_step(s2, actor=None, text="B", responsible="X", days="1", next_step_id=s1.id)
    kinds = [x.kind for x in processes.problems(p)]
    assert kinds == ["never_ends", "never_ends"], kinds


def test_unreachable_step_and_empty_procedure(orgdata):
    p = make(orgdata)
    assert [x.kind for x in processes.problems(p)] == ["no_steps"]
    processes.add_step(p, actor=None, text="A", responsible="X", days="1", next_step_id="end")
    processes.add_step(p, actor=None, text="B", responsible="X", days="1")
    assert [x.kind for x in processes.problems(p)] == ["unreachable"]


def test_approve_then_new_version_copies_and_supersedes(orgdata):
    p, _steps = with_branch(orgdata)
    processes.approve(p, actor=orgdata.user("manager_a"))
    assert p.status == ProcessStatus.APPROVED and p.effective_date is not None
    with pytest.raises(InvalidTransition):
        processes.approve(p, actor=None)
    v2 = processes.new_version(p, actor=orgdata.user("manager_a"))
    assert (v2.code, v2.version, v2.status) == (p.code, 2, ProcessStatus.DRAFT)
    assert [s.text for s in v2.steps] == [s.text for s in p.steps]
    new_ids = {s.id for s in v2.steps}
    decision = v2.steps[1]
    assert decision.yes_step_id in new_ids and decision.no_step_id in new_ids
    assert {c.number for c in v2.clauses} == {"4.4", "8.1"}
    assert v2.forms == p.forms
    with pytest.raises(InvalidTransition):
        processes.new_version(p, actor=None)  # a draft is already being written
    with pytest.raises(InvalidTransition):
        processes.update_process(p, actor=None, title="changed")  # approved: read only
    processes.update_process(v2, actor=None, title="Cấp giấy phép (sửa đổi)", time_limit_days="5")
    processes.approve(v2, actor=None)
    db.session.commit()
    assert p.status == ProcessStatus.SUPERSEDED
    assert processes.current_version(p.code) is v2
    assert [x.version for x in processes.versions_of(p.code)] == [2, 1]
    actions = {(e.record_type, e.action) for e in history_of("process", p.id)}
    assert ("process", "update") in actions and ("process_step", "insert") in actions


def test_codes_are_unique_per_chain(orgdata):
    make(orgdata)
    with pytest.raises(DomainError) as caught:
        make(orgdata)
    assert caught.value.field == "code"
    with pytest.raises(DomainError):
        make(orgdata, code="XX-01")


def test_unknown_clause_and_bad_record_lines_name_their_field(orgdata):
    with pytest.raises(DomainError) as caught:
        processes.create_process(actor=None, unit=orgdata.unit_a, code="QT-Z", title="T", clauses="4.4 99.9")
    assert caught.value.field == "clauses"
    with pytest.raises(DomainError) as caught:
        processes.create_process(
            actor=None, unit=orgdata.unit_a, code="QT-Z", title="T", records_text="a | b"
        )
    assert caught.value.field == "records_text"


def test_another_units_manager_may_not_write(orgdata):
    with pytest.raises(NotAllowed):
        make(orgdata, actor=orgdata.user("manager_b"))
    p = make(orgdata, actor=orgdata.user("manager_a"))
    with pytest.raises(NotAllowed):
        processes.add_step(p, actor=orgdata.user("member_a"), text="A", responsible="X", days="1")


def test_links_and_interaction_map(orgdata):
    a = make(orgdata, code="QT-A")
    b = make(orgdata, code="QT-B")
    processes.add_link(a, actor=None, target=b, label="Hồ sơ đã giải quyết")
    with pytest.raises(DomainError):
        processes.add_link(a, actor=None, target=a, label="x")
    outgoing, incoming = processes.links_of(b)
    assert not outgoing and incoming[0].source.code == "QT-A"
    layout = process_map.interaction_map(processes.current_processes(), processes.all_links())
    a_box = next(s for s in layout.shapes if s.ref == "QT-A")
    b_box = next(s for s in layout.shapes if s.ref == "QT-B")
    assert b_box.x > a_box.x  # the fed process stands to the right
    edge_words = " ".join(line for t in layout.texts if t.css == "edge-label" for line in t.lines)
    assert edge_words == "Hồ sơ đã giải quyết"


def test_flowchart_layout_has_a_diamond_and_labelled_branches(orgdata):
    p, _steps = with_branch(orgdata)
    layout = process_map.flowchart(p, words=WORDS)
    kinds = [s.kind for s in layout.shapes]
    assert kinds.count("diamond") == 1 and kinds.count("rect") == 3 and kinds.count("terminal") == 2
    words = [line for t in layout.texts for line in t.lines]
    assert "Yes" in words and "No" in words and "Một cửa" in words
    assert any("Hồ sơ đầy đủ?" in w for w in words)
    assert layout.width > 0 and layout.height > 0
