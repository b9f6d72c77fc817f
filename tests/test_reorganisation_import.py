"""Reorganisations from a file: `qms reorganise --dry-run` prints what would move and writes nothing,
`qms import reorganisation` records and applies them all or nothing, a bad row is named by row and
column, and a code reused by a new unit on the day its old unit ends is told apart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask_babel import refresh
from openpyxl import Workbook
from sqlalchemy import func, select

from audits.models import Finding
from cli import cli
from qms.extensions import db
from qms.models.org import Unit
from qms.models.reorganisation import Reorganisation
from qms.services import org
from tests.audits_support import answered, nonconformity, planned_audit
from tests.conftest import Org

HEADER = "old_code,old_valid_until,new_code,new_name,new_kind,new_parent_code,move,effective_on,legal_basis"
# P-A and P-B merge into a new unit P-AB on 01/11/2024; on 01/07/2025 P-AB takes the code P-A again,
# which by then names no unit (the Nha Trang codes were reused the same way).
FILE = f"""{HEADER}
P-A,31/10/2024,P-AB,Phòng A và B,department,CITY,merge,01/11/2024,Nghị quyết 1/NQ
P-B,,P-AB,Phòng A và B,department,CITY,merge,01/11/2024,Nghị quyết 1/NQ
P-AB,,P-A,Phòng A mới,,,rename,2025-07-01,Quyết định 2/QĐ
"""


def write(tmp_path: Path, text: str, name: str = "reorg.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def units() -> list[tuple[str, date | None, date | None]]:
    return [
        (u.code, u.valid_from, u.valid_until)
        for u in db.session.scalars(select(Unit).where(Unit.code.like("P-%")).order_by(Unit.id))
    ]


@pytest.fixture
def with_open_finding(orgdata: Org) -> Finding:
    audit = planned_audit(orgdata)
    finding = nonconformity(orgdata, audit)
    answered(orgdata, finding)
    db.session.commit()
    return finding


def test_a_dry_run_prints_what_would_move_and_writes_nothing(
    app, runner, orgdata: Org, with_open_finding: Finding, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "CLI_LANGUAGE", "vi")
    refresh()
    before = units()
    result = runner.invoke(cli, args=["reorganise", "--dry-run", str(write(tmp_path, FILE))])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Nghị quyết 1/NQ · 01/11/2024" in out and "Quyết định 2/QĐ · 01/07/2025" in out
    assert "P-A — Phòng A (ngày cuối 31/10/2024)" in out
    assert "P-AB — Phòng A và B" in out  # where the open finding goes, and the new unit
    assert "Phát hiện đánh giá: 1 sang P-AB — Phòng A và B" in out
    assert "chạy thử: không ghi gì" in out
    db.session.expire_all()
    assert units() == before
    assert db.session.scalar(select(func.count(Reorganisation.id))) == 0


def test_the_import_applies_every_reorganisation_and_a_reused_code_names_a_new_unit(
    runner, orgdata: Org, with_open_finding: Finding, tmp_path: Path
) -> None:
    result = runner.invoke(cli, args=["import", "reorganisation", str(write(tmp_path, FILE))])
    assert result.exit_code == 0, result.output
    assert "Nghị quyết 1/NQ applied" in result.output and "Quyết định 2/QĐ applied" in result.output
    db.session.expire_all()
    assert units() == [
        ("P-A", None, date(2024, 10, 31)),
        ("P-B", None, date(2024, 10, 31)),
        ("P-AB", date(2024, 11, 1), date(2025, 6, 30)),
        ("P-A", date(2025, 7, 1), None),
    ]
    finding = db.session.get(Finding, with_open_finding.id)
    assert finding.unit.code == "P-A" and finding.unit.valid_from == date(2025, 7, 1)
    assert org.unit_by_code("P-A", on=date(2018, 1, 1)).name == "Phòng A"
    assert org.unit_by_code("P-A").name == "Phòng A mới"
    # applied twice: the same file now finds no P-A of 31/10/2024 to merge... it is refused, nothing added
    again = runner.invoke(cli, args=["import", "reorganisation", str(write(tmp_path, FILE))])
    assert again.exit_code == 1
    assert db.session.scalar(select(func.count(Reorganisation.id))) == 2


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("P-A,,P-AB,Phòng AB,department,CITY,fuse,01/11/2024,NQ 1", "row 2, column 'move'"),
        ("P-A,,P-AB,Phòng AB,department,CITY,merge,31/02/2024,NQ 1", "row 2, column 'effective_on'"),
        ("P-X,,P-AB,Phòng AB,department,CITY,merge,01/11/2024,NQ 1", "row 2, column 'old_code'"),
        (
            "P-A,01/11/2024,P-AB,Phòng AB,department,CITY,merge,01/11/2024,NQ 1",
            "row 2, column 'old_valid_until'",
        ),
        ("P-A,,P-AB,Phòng AB,bureau,CITY,merge,01/11/2024,NQ 1", "row 2, column 'new_kind'"),
        ("P-A,,P-AB,,,CITY,merge,01/11/2024,NQ 1", "row 2, column 'new_code'"),
        ("P-A,,P-AB,Phòng AB,department,NOWHERE,merge,01/11/2024,NQ 1", "row 2, column 'new_parent_code'"),
        ("P-A,,P-AB,Phòng AB,department,CITY,merge,01/11/2024,", "row 2, column 'legal_basis'"),
    ],
)
def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_written(
    runner, orgdata: Org, tmp_path: Path, row: str, where: str
) -> None:
    before = units()
    result = runner.invoke(cli, args=["import", "reorganisation", str(write(tmp_path, f"{HEADER}\n{row}\n"))])
    assert result.exit_code == 1
    assert where in result.output and "Traceback" not in result.output
    db.session.expire_all()
    assert units() == before
    assert db.session.scalar(select(func.count(Reorganisation.id))) == 0


def test_a_refused_reorganisation_in_the_file_leaves_the_earlier_ones_unwritten(
    runner, orgdata: Org, with_open_finding: Finding, tmp_path: Path
) -> None:
    # the second step ends P-AB, which has an open finding, with no successor
    text = FILE.replace("P-AB,,P-A,Phòng A mới,,,rename,2025-07-01", "P-AB,,,,,,end,2025-07-01")
    result = runner.invoke(cli, args=["import", "reorganisation", str(write(tmp_path, text))])
    assert result.exit_code == 1
    assert "rows 4–4 (Quyết định 2/QĐ)" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Reorganisation.id))) == 0
    assert db.session.get(Finding, with_open_finding.id).unit.code == "P-A"


def test_an_xlsx_file_with_dates_as_cells_is_read_too(runner, orgdata: Org, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["P-B", None, "P-A", None, None, None, "merge", date(2024, 11, 1), "Nghị quyết 1/NQ"])
    path = tmp_path / "reorg.xlsx"
    book.save(path)
    result = runner.invoke(cli, args=["import", "reorganisation", str(path)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert ("P-B", None, date(2024, 10, 31)) in units()
