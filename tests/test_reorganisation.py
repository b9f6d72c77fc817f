"""Reorganisations through the services: each kind of move with the records of every kind before and
after, the refusals, applying twice, undoing, and codes reused over time (the Nha Trang wards)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from audits.models import Finding
from audits.models.review import ManagementReview, ReviewDecision
from qms.extensions import db
from qms.models.base import Base
from qms.models.documents import ControlledDocument
from qms.models.history import HistoryEntry
from qms.models.objectives import CaseStatistics, Measurement, Objective, QualityPolicy, SatisfactionIndex
from qms.models.org import Membership, Unit
from qms.models.processes import Process
from qms.models.reorganisation import ReorganisationChange
from qms.models.risks import ContextIssue, InterestedParty, Risk
from qms.services import org
from qms.services import reorganisation as reorg_service
from qms.services.errors import DomainError, NotFound
from qms.services.history import act_as
from qms.services.reorganisation.kinds import KINDS, OWN_KINDS, present, table_of
from tests.audits_support import answered, nonconformity, planned_audit
from tests.conftest import Org

EFFECTIVE = date(2025, 7, 1)
LAST_DAY = date(2025, 6, 30)


# --- building a unit's records ----------------------------------------------------------------------


def populate(unit: Unit, tag: str) -> None:
    """Records of every qms kind in a unit: for each kind one that moves and one that stays."""
    past = Objective(
        unit_id=unit.id, year=2018, statement="s", indicator=f"{tag} late 2018", direction="<=", target=3
    )
    current = Objective(
        unit_id=unit.id, year=2025, statement="s", indicator=f"{tag} late 2025", direction="<=", target=3
    )
    past.measurements = [
        Measurement(period="2018-Q1", value=Decimal(1)),
        Measurement(period="2018-Q2", value=Decimal(2)),
    ]
    current.measurements = [Measurement(period="2025-Q1", value=Decimal(1))]
    db.session.add_all([past, current])
    db.session.add_all(
        [
            QualityPolicy(unit_id=unit.id, year=2018, text="policy"),
            CaseStatistics(unit_id=unit.id, period="2018", received=10, resolved=8, on_time=7, late=1),
            SatisfactionIndex(unit_id=unit.id, period="2018", index_percent=Decimal(80)),
            Process(code=f"QT-{tag}-1", title="draft", unit_id=unit.id, status="draft"),
            Process(
                code=f"QT-{tag}-2",
                title="old",
                unit_id=unit.id,
                status="superseded",
                effective_date=date(2018, 1, 1),
            ),
            ControlledDocument(
                unit_id=unit.id, code=f"TL-{tag}", title="in force", kind="form", status="in_force"
            ),
            ControlledDocument(
                unit_id=unit.id, code=f"TL-{tag}-OLD", title="old", kind="form", status="superseded"
            ),
            ContextIssue(unit_id=unit.id, kind="internal", description="context"),
            InterestedParty(unit_id=unit.id, name="citizens"),
            Risk(unit_id=unit.id, title="risk", likelihood=2, impact=3),
        ]
    )
    review = ManagementReview(
        unit_id=unit.id,
        held_on=date(2025, 12, 1),
        chair="Chủ tịch",
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
    )
    db.session.add(review)
    db.session.flush()
    db.session.add_all(
        [
            ReviewDecision(
                review_id=review.id,
                kind="improvement",
                what="open",
                owner_unit_id=unit.id,
                due_on=date(2025, 9, 1),
            ),
            ReviewDecision(
                review_id=review.id,
                kind="improvement",
                what="done",
                owner_unit_id=unit.id,
                due_on=date(2025, 3, 1),
                done_on=date(2025, 3, 1),
                done_note="ok",
            ),
        ]
    )
    db.session.flush()


def with_findings(orgdata: Org) -> None:
    """An audit of unit A in progress with an open nonconformity (answered: with its corrective action)
    and a noted observation."""
    audit = planned_audit(orgdata)
    finding = nonconformity(orgdata, audit)
    answered(orgdata, finding)
    nonconformity(orgdata, audit, kind="observation", statement="Lưu ý")


def census() -> dict[str, dict[int, int]]:
    """For each record kind, the records per unit (what 'nothing lost' adds up)."""
    result: dict[str, dict[int, int]] = {}
    for kind in present():
        if kind.key == "sub_unit":  # units, not records: a reorganisation creates some
            continue
        t = table_of(kind)
        if kind.follows:
            own = next(k for k in KINDS if k.key == kind.follows)
            owner = table_of(own)
            col = owner.c[own.unit_column]
            stmt = select(col, func.count()).select_from(
                t.join(owner, t.c[kind.via] == owner.c[own.key_column])
            )
        else:
            col = t.c[kind.unit_column]
            stmt = select(col, func.count()).select_from(t)
        result[kind.key] = {u: n for u, n in db.session.execute(stmt.where(col.is_not(None)).group_by(col))}
    return result


def totals(snapshot: dict[str, dict[int, int]]) -> dict[str, int]:
    return {k: sum(v.values()) for k, v in snapshot.items()}


def unit_columns() -> dict[tuple[str, str], list[tuple[Any, ...]]]:
    """Every row's unit column, per table: what an undo must restore exactly."""
    rows: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for kind in present(OWN_KINDS):
        t = table_of(kind)
        stmt = select(t.c[kind.key_column], t.c[kind.unit_column]).order_by(t.c[kind.key_column])
        rows[(kind.table, kind.unit_column)] = [tuple(r) for r in db.session.execute(stmt)]
    rows[("membership", "role")] = [
        tuple(r) for r in db.session.execute(select(Membership.id, Membership.role).order_by(Membership.id))
    ]
    rows[("unit", "validity")] = [
        tuple(r)
        for r in db.session.execute(
            select(
                Unit.id, Unit.code, Unit.valid_from, Unit.valid_until, Unit.active, Unit.parent_id
            ).order_by(Unit.id)
        )
    ]
    return rows


@pytest.fixture
def tree(orgdata: Org) -> Org:
    """CITY → P-A (its manager and member, an audit in progress), P-B; records of every kind in A and B."""
    act_as(None)
    populate(orgdata.unit_a, "A")
    populate(orgdata.unit_b, "B")
    db.session.commit()
    with_findings(orgdata)
    return orgdata


def draft(orgdata: Org, basis: str = "Nghị quyết 1667/NQ-UBTVQH15", on: date = EFFECTIVE) -> Any:
    return reorg_service.create(actor=orgdata.user("admin"), legal_basis=basis, effective_on=on)


# --- the table of record kinds -----------------------------------------------------------------------


def test_every_table_that_belongs_to_a_unit_is_a_record_kind(app):
    listed = {(k.table, k.unit_column) for k in KINDS if not k.follows}
    own = {"reorganisation_move"}
    for table in Base.metadata.tables.values():
        if table.name in own:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "unit":
                assert (table.name, fk.parent.name) in listed, f"{table.name}.{fk.parent.name} has no rule"


# --- each kind of move ---------------------------------------------------------------------------------


def test_merge_moves_open_records_to_the_successor_and_loses_nothing(tree):
    admin = tree.user("admin")
    a, b = tree.unit_a, tree.unit_b
    before = census()
    reorg = draft(tree)
    reorg_service.add_move(reorg, actor=admin, kind="merge", source=a, target=b)
    preview = reorg_service.preview(reorg)
    assert preview.problems == []
    expected = {
        "objective": 1,
        "measurement": 1,
        "quality_policy": 0,
        "case_statistics": 0,
        "satisfaction": 0,
        "procedure": 1,
        "document": 1,
        "context": 1,
        "interested_party": 1,
        "risk": 1,
        "audit": 1,
        "finding": 1,
        "corrective_action": 1,
        "management_review": 1,
        "review_decision": 1,
        "membership": 2,
    }
    for key, moving in expected.items():
        flow = preview.flow(a.id, key)
        assert flow.moving == moving, key
        assert flow.to == (f"P-B — {b.name}" if moving else None)
    result = reorg_service.apply(reorg, actor=admin)
    db.session.commit()
    assert result.changed and result.ended == 1 and result.created == 0

    after = census()
    assert totals(after) == totals(before)  # nothing lost
    for key, moving in expected.items():
        assert after[key].get(a.id, 0) == before[key].get(a.id, 0) - moving, key
        assert after[key].get(b.id, 0) == before[key].get(b.id, 0) + moving, key
        assert preview.flow(a.id, key).staying == after[key].get(a.id, 0), key
    # the old unit is historical and stays readable with its past
    a = db.session.get(Unit, a.id)
    assert (a.valid_until, a.active, a.is_historical(), a.valid_on(LAST_DAY)) == (LAST_DAY, False, True, True)
    assert db.session.scalar(select(func.count(Objective.id)).where(Objective.unit_id == a.id)) == 1
    # the manager of A is a member of B now
    roles = {
        m.user.email: m.role for m in db.session.scalars(select(Membership).where(Membership.unit_id == b.id))
    }
    assert roles["manager.a@example.vn"] == "member" and roles["manager.b@example.vn"] == "manager"
    # the moved records' history names the reorganisation
    finding = db.session.scalar(select(Finding).where(Finding.unit_id == b.id))
    entry = db.session.scalar(
        select(HistoryEntry)
        .where(HistoryEntry.record_type == "finding", HistoryEntry.record_id == str(finding.id))
        .order_by(HistoryEntry.id.desc())
    )
    assert entry.context == f"reorganisation:{reorg.id}"
    assert entry.changes["unit_id"] == [a.id, b.id]
    assert [u.code for u in reorg_service.successors(a)] == ["P-B"]
    assert {u.code for u in reorg_service.predecessors(db.session.get(Unit, b.id), LAST_DAY)} == {
        "P-A",
        "P-B",
    }


def test_split_gives_each_kind_of_record_to_its_chosen_successor(tree):
    admin = tree.user("admin")
    a, b, city = tree.unit_a, tree.unit_b, tree.city
    before = census()
    reorg = draft(tree)
    to_b = ["objective", "procedure", "document", "membership"]
    to_c = [k.key for k in OWN_KINDS if k.key not in to_b]
    reorg_service.add_move(reorg, actor=admin, kind="split", source=a, target=b, record_kinds=to_b)
    reorg_service.add_move(
        reorg,
        actor=admin,
        kind="split",
        source=a,
        new_code="P-C",
        new_name="Phòng C",
        new_kind="department",
        new_parent=city,
        record_kinds=to_c,
    )
    reorg_service.apply(reorg, actor=admin)
    db.session.commit()
    c = org.unit_by_code("P-C")
    assert (c.valid_from, c.parent_id) == (EFFECTIVE, city.id)
    after = census()
    assert totals(after) == totals(before)
    assert after["objective"][b.id] == before["objective"][b.id] + 1
    assert after["measurement"][b.id] == before["measurement"][b.id] + 1
    assert after["finding"][c.id] == 1 and after["corrective_action"][c.id] == 1
    assert after["risk"][c.id] == 1 and after["document"][b.id] == before["document"][b.id] + 1
    assert after["membership"].get(c.id, 0) == 0
    assert {u.code for u in reorg_service.successors(db.session.get(Unit, a.id))} == {"P-B", "P-C"}


def test_rename_keeps_the_old_unit_for_the_past_and_starts_a_new_one(tree):
    admin = tree.user("admin")
    a = tree.unit_a
    before = census()
    reorg = draft(tree)
    reorg_service.add_move(
        reorg, actor=admin, kind="rename", source=a, new_code="P-A2", new_name="Phòng A mới"
    )
    reorg_service.apply(reorg, actor=admin)
    db.session.commit()
    new = org.unit_by_code("P-A2")
    assert (new.name, new.parent_id, new.valid_from) == ("Phòng A mới", tree.city.id, EFFECTIVE)
    assert org.unit_by_code("P-A", on=date(2018, 6, 30)).id == a.id  # the 2018 report names the 2018 unit
    with pytest.raises(NotFound):
        org.unit_by_code("P-A")
    after = census()
    assert totals(after) == totals(before)
    assert after["objective"][a.id] == 1 and after["objective"][new.id] == 1
    # a rename keeps the managers
    assert (
        db.session.scalar(
            select(Membership.role).where(
                Membership.unit_id == new.id, Membership.user_id == tree.manager_a.id
            )
        )
        == "manager"
    )


def test_rename_keeping_the_code_reuses_it_from_the_effective_date(tree):
    admin = tree.user("admin")
    reorg = draft(tree)
    reorg_service.add_move(
        reorg, actor=admin, kind="rename", source=tree.unit_a, new_name="Phòng A (tên mới)"
    )
    reorg_service.apply(reorg, actor=admin)
    db.session.commit()
    assert org.unit_by_code("P-A").name == "Phòng A (tên mới)"
    assert org.unit_by_code("P-A", on=LAST_DAY).name == "Phòng A"


def test_move_changes_the_parent_only(tree):
    admin = tree.user("admin")
    before = census()
    reorg = draft(tree)
    reorg_service.add_move(reorg, actor=admin, kind="move", source=tree.unit_a, new_parent=tree.unit_b)
    reorg_service.apply(reorg, actor=admin)
    db.session.commit()
    a = db.session.get(Unit, tree.unit_a.id)
    assert (a.parent_id, a.valid_until, a.active) == (tree.unit_b.id, None, True)
    assert census() == before


def test_end_and_create(tree):
    admin = tree.user("admin")
    empty = org.create_unit(actor=None, code="P-E", name="Phòng E", kind="department", parent=tree.city)
    db.session.commit()
    before = census()
    reorg = draft(tree)
    reorg_service.add_move(reorg, actor=admin, kind="end", source=empty)
    reorg_service.add_move(
        reorg,
        actor=admin,
        kind="create",
        new_code="P-N",
        new_name="Phòng N",
        new_kind="department",
        new_parent=tree.city,
    )
    result = reorg_service.apply(reorg, actor=admin)
    db.session.commit()
    assert (result.ended, result.created, result.moved) == (1, 1, 0)
    assert db.session.get(Unit, empty.id).valid_until == LAST_DAY
    assert org.unit_by_code("P-N").valid_from == EFFECTIVE
    assert census() == before
    assert reorg_service.successors(db.session.get(Unit, empty.id)) == []


# --- refusals: nothing written -------------------------------------------------------------------------


def refused(reorg: Any, admin: Any, *fragments: str) -> None:
    before = (census(), unit_columns())
    with pytest.raises(DomainError) as exc:
        reorg_service.apply(reorg, actor=admin)
    for fragment in fragments:
        assert fragment in exc.value.message
    db.session.rollback()
    assert (census(), unit_columns()) == before
    assert reorg.status == "draft"
    assert not db.session.scalar(
        select(func.count(ReorganisationChange.id)).where(ReorganisationChange.reorganisation_id == reorg.id)
    )


def test_open_records_with_no_successor_are_refused(tree):
    admin = tree.user("admin")
    reorg = draft(tree)
    reorg_service.add_move(reorg, actor=admin, kind="end", source=tree.unit_a)
    refused(reorg, admin, "P-A — Phòng A", "2025-06-30", "no successor")


def test_a_split_that_leaves_a_kind_without_successor_is_refused(tree):
    admin = tree.user("admin")
    reorg = draft(tree)
    reorg_service.add_move(
        reorg, actor=admin, kind="split", source=tree.unit_a, target=tree.unit_b, record_kinds=["objective"]
    )
    refused(reorg, admin, "P-A", "no successor")


def test_a_move_from_a_unit_already_historical_is_refused(tree):
    admin = tree.user("admin")
    first = draft(tree, on=date(2024, 11, 1))
    reorg_service.add_move(first, actor=admin, kind="merge", source=tree.unit_a, target=tree.unit_b)
    reorg_service.apply(first, actor=admin)
    db.session.commit()
    second = draft(tree)
    reorg_service.add_move(
        second, actor=admin, kind="merge", source=db.session.get(Unit, tree.unit_a.id), target=tree.unit_b
    )
    refused(second, admin, "ended on 2024-10-31", "2025-07-01")


def test_a_successor_that_does_not_exist_on_the_date_is_refused(tree):
    admin = tree.user("admin")
    later = org.create_unit(
        actor=None, code="P-L", name="Phòng L", kind="department", valid_from=date(2026, 1, 1)
    )
    db.session.commit()
    reorg = draft(tree)
    reorg_service.add_move(reorg, actor=admin, kind="merge", source=tree.unit_a, target=later)
    refused(reorg, admin, "P-L — Phòng L", "does not exist on 2025-07-01")


def test_a_cycle_in_the_new_tree_is_refused(tree):
    admin = tree.user("admin")
    reorg = draft(tree)
    reorg_service.add_move(reorg, actor=admin, kind="move", source=tree.city, new_parent=tree.unit_a)
    refused(reorg, admin, "below itself")


def test_two_moves_of_one_unit_on_one_date_are_refused(tree):
    admin = tree.user("admin")
    reorg = draft(tree)
    reorg_service.add_move(reorg, actor=admin, kind="merge", source=tree.unit_a, target=tree.unit_b)
    reorg_service.add_move(reorg, actor=admin, kind="move", source=tree.unit_a, new_parent=tree.unit_b)
    refused(reorg, admin, "P-A — Phòng A is moved more than once on 2025-07-01")


def test_a_second_reorganisation_of_the_same_unit_on_the_same_date_is_refused(tree):
    admin = tree.user("admin")
    first = draft(tree)
    reorg_service.add_move(first, actor=admin, kind="move", source=tree.unit_a, new_parent=tree.unit_b)
    reorg_service.apply(first, actor=admin)
    db.session.commit()
    second = draft(tree, basis="Quyết định 2/QĐ-UBND")
    reorg_service.add_move(second, actor=admin, kind="end", source=tree.unit_b)
    reorg_service.add_move(second, actor=admin, kind="move", source=tree.unit_a, new_parent=tree.city)
    with pytest.raises(DomainError) as exc:
        reorg_service.validate(second)
    assert "already moved on 2025-07-01 by Nghị quyết 1667/NQ-UBTVQH15" in exc.value.message


def test_an_effective_date_before_the_unit_started_is_refused(tree):
    admin = tree.user("admin")
    young = org.create_unit(
        actor=None, code="P-Y", name="Phòng Y", kind="department", valid_from=date(2025, 7, 1)
    )
    db.session.commit()
    reorg = draft(tree)
    reorg_service.add_move(reorg, actor=admin, kind="merge", source=young, target=tree.unit_b)
    refused(reorg, admin, "not after the day P-Y — Phòng Y started (2025-07-01)")


def test_a_reorganisation_is_applied_from_its_effective_date(tree):
    admin = tree.user("admin")
    reorg = draft(tree)
    reorg_service.add_move(reorg, actor=admin, kind="merge", source=tree.unit_a, target=tree.unit_b)
    with pytest.raises(DomainError) as exc:
        reorg_service.apply(reorg, actor=admin, today=date(2025, 6, 1))
    assert "takes effect on 2025-07-01" in exc.value.message


def test_only_an_administrator_or_the_steering_committee_reorganises(tree):
    for name in ("manager_a", "auditor", "leader"):
        with pytest.raises(DomainError):
            reorg_service.create(actor=tree.user(name), legal_basis="x", effective_on=EFFECTIVE)
    reorg = reorg_service.create(actor=tree.user("steering"), legal_basis="x", effective_on=EFFECTIVE)
    assert reorg.created_by_id == tree.steering.id


# --- apply twice, undo ---------------------------------------------------------------------------------


def test_applying_twice_changes_nothing_the_second_time(tree):
    admin = tree.user("admin")
    reorg = draft(tree)
    reorg_service.add_move(reorg, actor=admin, kind="merge", source=tree.unit_a, target=tree.unit_b)
    reorg_service.apply(reorg, actor=admin)
    db.session.commit()
    before = (census(), unit_columns(), db.session.scalar(select(func.count(HistoryEntry.id))))
    again = reorg_service.apply(reorg, actor=admin)
    db.session.commit()
    assert not again.changed and "already applied" in again.message
    assert (census(), unit_columns(), db.session.scalar(select(func.count(HistoryEntry.id)))) == before


def test_undo_restores_everything_exactly(tree):
    admin = tree.user("admin")
    before = unit_columns()
    reorg = draft(tree)
    reorg_service.add_move(
        reorg,
        actor=admin,
        kind="merge",
        source=tree.unit_a,
        new_code="P-AB",
        new_name="Phòng AB",
        new_kind="department",
        new_parent=tree.city,
    )
    reorg_service.add_move(
        reorg,
        actor=admin,
        kind="merge",
        source=tree.unit_b,
        new_code="P-AB",
        new_name="Phòng AB",
        new_kind="department",
        new_parent=tree.city,
    )
    reorg_service.apply(reorg, actor=admin)
    db.session.commit()
    assert unit_columns() != before
    assert org.unit_by_code("P-AB")
    reorg_service.undo(reorg, actor=admin)
    db.session.commit()
    assert unit_columns() == before
    assert reorg.status == "undone" and org.find_unit("P-AB") is None
    with pytest.raises(DomainError):
        reorg_service.apply(reorg, actor=admin)


def test_undo_is_refused_once_a_moved_record_has_changed(tree):
    admin = tree.user("admin")
    reorg = draft(tree)
    reorg_service.add_move(reorg, actor=admin, kind="merge", source=tree.unit_a, target=tree.unit_b)
    reorg_service.apply(reorg, actor=admin)
    db.session.commit()
    moved = db.session.scalar(
        select(Objective).where(
            Objective.unit_id == tree.unit_b.id, Objective.year == 2025, Objective.indicator == "A late 2025"
        )
    )
    act_as(tree.user("manager_b"))
    moved.statement = "changed after the merge"
    db.session.commit()
    with pytest.raises(DomainError) as exc:
        reorg_service.undo(reorg, actor=admin)
    assert "has changed since" in exc.value.message and "A late 2025" in exc.value.message
    db.session.rollback()
    assert reorg.status == "applied"


# --- codes reused over time: the Nha Trang wards ---------------------------------------------------


def test_codes_are_reused_over_time(app, orgdata):
    admin = orgdata.user("admin")
    city = orgdata.city
    wards = {
        code: org.create_unit(actor=None, code=code, name=name, kind="commune", parent=city)
        for code, name in [
            ("22360", "Phường Phước Tân"),
            ("22363", "Phường Lộc Thọ"),
            ("22366", "Phường Phước Tiến"),
            ("22369", "Phường Tân Lập"),
        ]
    }
    db.session.commit()
    with pytest.raises(DomainError):  # a code is held by one unit at a time
        org.create_unit(actor=None, code="22366", name="Phường Nha Trang", kind="commune")

    first = draft(orgdata, basis="Nghị quyết 1196/NQ-UBTVQH15", on=date(2024, 11, 1))
    for code in ("22360", "22366", "22369"):
        reorg_service.add_move(
            first,
            actor=admin,
            kind="merge",
            source=wards[code],
            new_code="22366",
            new_name="Phường Tân Tiến",
            new_kind="commune",
            new_parent=city,
        )
    reorg_service.apply(first, actor=admin)
    db.session.commit()
    second = draft(orgdata, basis="Nghị quyết 1667/NQ-UBTVQH15", on=date(2025, 7, 1))
    for source in (org.unit_by_code("22366"), wards["22363"]):
        reorg_service.add_move(
            second,
            actor=admin,
            kind="merge",
            source=source,
            new_code="22366",
            new_name="Phường Nha Trang",
            new_kind="commune",
            new_parent=city,
        )
    reorg_service.apply(second, actor=admin)
    db.session.commit()

    assert db.session.scalar(select(func.count(Unit.id)).where(Unit.code == "22366")) == 3
    assert org.unit_by_code("22366", on=date(2018, 6, 30)).name == "Phường Phước Tiến"
    assert org.unit_by_code("22366", on=date(2025, 1, 1)).name == "Phường Tân Tiến"
    assert org.unit_by_code("22366").name == "Phường Nha Trang"
    with pytest.raises(NotFound):
        org.unit_by_code("22360")
    nha_trang = org.unit_by_code("22366")
    assert {u.name for u in reorg_service.predecessors(nha_trang, date(2018, 6, 30))} == {
        "Phường Phước Tân",
        "Phường Lộc Thọ",
        "Phường Phước Tiến",
        "Phường Tân Lập",
    }
    assert [u.code for u in reorg_service.predecessors(nha_trang, date(2025, 1, 1))] == ["22363", "22366"]
    phuoc_tien = db.session.get(Unit, wards["22366"].id)
    assert [u.name for u in reorg_service.successors(phuoc_tien, date(2025, 1, 1))] == ["Phường Tân Tiến"]
    assert [u.name for u in reorg_service.successors(phuoc_tien)] == ["Phường Nha Trang"]


def test_a_historical_unit_stays_inactive_and_its_code_is_not_imported_again(tree, tmp_path):
    admin = tree.user("admin")
    reorg = draft(tree)
    reorg_service.add_move(reorg, actor=admin, kind="merge", source=tree.unit_a, target=tree.unit_b)
    reorg_service.apply(reorg, actor=admin)
    db.session.commit()
    old = db.session.get(Unit, tree.unit_a.id)
    with pytest.raises(DomainError) as exc:
        org.update_unit(
            old, actor=admin, code="P-A", name="Phòng A", kind="department", parent=tree.city, active=True
        )
    assert exc.value.field == "active"
    db.session.rollback()
    path = tmp_path / "units.csv"
    path.write_text("code,name,kind,parent_code\nP-A,Phòng A,department,CITY\n", encoding="utf-8")
    with pytest.raises(DomainError) as exc:
        org.import_units(path, actor=admin)
    assert "P-A is the code of a unit that has ended" in exc.value.message


def test_a_unit_that_has_ended_is_read_only(tree):
    from qms.services import access

    admin = tree.user("admin")
    reorg = draft(tree)
    reorg_service.add_move(reorg, actor=admin, kind="merge", source=tree.unit_a, target=tree.unit_b)
    reorg_service.apply(reorg, actor=admin)
    db.session.commit()
    a = db.session.get(Unit, tree.unit_a.id)
    steering = tree.user("steering")
    org.add_membership(steering, a, "manager", actor=None)  # even a manager of the old unit
    db.session.commit()
    steering = tree.user("steering")
    assert not access.can_edit_unit_records(steering, a)
    assert not access.can_record_measurements(steering, a)
    with pytest.raises(DomainError, match="has ended"):
        access.require_edit_unit_records(steering, a)
    assert access.can_read_unit(steering, a)  # its records stay readable


def test_a_successors_figures_before_the_change_add_up_its_predecessors(app, orgdata, as_user):
    """Phường Nha Trang's 2018 late rate is that of the wards it took in, added up, and says so."""
    from qms.models.objectives import CaseStatistics

    admin = orgdata.user("admin")
    wards = [
        org.create_unit(actor=None, code=code, name=name, kind="commune", parent=orgdata.city)
        for code, name in [("22363", "Phường Lộc Thọ"), ("22366", "Phường Phước Tiến")]
    ]
    db.session.add_all(
        [
            CaseStatistics(
                unit_id=wards[0].id, period="2018", received=100, resolved=100, on_time=98, late=2
            ),
            CaseStatistics(unit_id=wards[1].id, period="2018", received=50, resolved=50, on_time=49, late=1),
        ]
    )
    db.session.commit()
    reorg = draft(orgdata, basis="Nghị quyết 1667/NQ-UBTVQH15", on=date(2025, 7, 1))
    for ward in wards:
        reorg_service.add_move(
            reorg, actor=admin, kind="merge", source=ward, new_code="22366", new_name="Phường Nha Trang",
            new_kind="commune", new_parent=orgdata.city,
        )  # fmt: skip
    reorg_service.apply(reorg, actor=admin)
    new = org.unit_by_code("22366")
    db.session.add(
        CaseStatistics(unit_id=new.id, period="2025-Q3", received=10, resolved=10, on_time=10, late=0)
    )
    db.session.commit()

    from qms.services import case_stats

    lines = {line.period: line for line in case_stats.unit_statistics(new)}
    assert lines["2018"].own_figures is None
    assert lines["2018"].predecessors == ["22363", "22366"]
    assert lines["2018"].from_predecessors.late == 3 and lines["2018"].from_predecessors.resolved == 150
    assert lines["2025-Q3"].from_predecessors is None  # after the change: its own figures
    page = as_user("steering").get(f"/units/{new.id}/statistics").get_data(as_text=True)
    row = page[page.index('data-scope="predecessors"') :]
    assert "22363, 22366" in row[:600] and "2,00" in row[:1200]  # 3 late of 150 resolved


def test_the_unit_tree_as_it_stood_on_a_date(tree, as_user):
    admin = tree.user("admin")
    reorg = draft(tree)
    for unit in (tree.unit_a, tree.unit_b):
        reorg_service.add_move(
            reorg, actor=admin, kind="merge", source=unit, new_code="P-AB", new_name="Phòng A và B",
            new_kind="department", new_parent=tree.city,
        )  # fmt: skip
    reorg_service.apply(reorg, actor=admin)
    db.session.commit()
    client = as_user("steering")

    def codes(query: str) -> list[str]:
        page = client.get(f"/units/{query}").get_data(as_text=True)
        body = page[page.index("<tbody>") : page.index("</tbody>")]
        return re.findall(r'tree-depth-\d text-nowrap"><a href="/units/\d+">([^<]+)</a>', body)

    assert codes("?on=2018-12-31") == ["CITY", "P-A", "P-B"]
    then = client.get("/units/?on=31/12/2018").get_data(as_text=True)
    assert "31/12/2018" in then and then.count("P-AB") >= 2  # P-A and P-B: now part of P-AB
    assert codes("?on=2025-07-01") == ["CITY", "P-AB"]
    assert codes("") == ["CITY", "P-A", "P-AB", "P-B"]  # every unit, the historical ones marked
    wrong = client.get("/units/?on=31/02/2018").get_data(as_text=True)
    assert "is-invalid" in wrong and "31/02/2018" in wrong and codes("?on=31/02/2018") == codes("")
