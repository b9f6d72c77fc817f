"""`qms import findings FILE`: paper and spreadsheet records come in, all or nothing."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from audits.models import Audit, Finding
from audits.services import importing, planning
from cli import cli
from qms.extensions import db

HEADER = ",".join(importing.COLUMNS)
GOOD = [
    "DG-2017-04,P-A,2017-10-02,2017-10-03,minor,2008,4.2.3,Danh mục tài liệu cũ,Sổ năm 2016,"
    "2017-10-02,2017-11-30,2017-12-15",
    "DG-2017-04,P-B,2017-10-02,2017-10-03,major,2008,8.2.2,Chưa đánh giá nội bộ,,2017-10-03,2017-12-31,",
    "DG-2017-04,P-A,2017-10-02,2017-10-03,observation,2008,7.5.1,Nên niêm yết quy trình,,2017-10-02,,",
    "DG-2019-02,P-A,2019-05-06,2019-05-06,minor,2015,7.5.3,Hồ sơ chưa lưu đúng nơi,,2019-05-06,,2019-06-20",
]


def write_csv(tmp_path, lines, name="findings.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_creates_audits_numbers_ncs_and_keeps_editions(app, orgdata, runner, tmp_path):
    result = runner.invoke(cli, args=["import", "findings", str(write_csv(tmp_path, GOOD))])
    assert result.exit_code == 0, result.output
    assert "4 imported (3 nonconformities)" in result.output and "DG-2017-04, DG-2019-02" in result.output

    first = db.session.scalar(select(Audit).where(Audit.ref == "DG-2017-04"))
    assert first.status == "reported"  # NC of P-B is still open
    assert (first.planned_start, first.planned_end, first.edition) == (
        date(2017, 10, 2),
        date(2017, 10, 3),
        "2008",
    )
    assert {u.code for u in first.units} == {"P-A", "P-B"}
    second = db.session.scalar(select(Audit).where(Audit.ref == "DG-2019-02"))
    assert second.status == "closed" and second.edition == "2015"

    ncs = {f.ref: f for f in db.session.scalars(select(Finding).where(Finding.ref.is_not(None)))}
    assert set(ncs) == {"NC-2017-001", "NC-2017-002", "NC-2019-001"}
    closed = ncs["NC-2017-001"]
    assert closed.status == "closed" and closed.closed_on == date(2017, 12, 15)
    assert closed.clause.edition == "2008" and closed.clause.number == "4.2.3"
    assert closed.checks[0].effective and closed.checks[0].checked_on == date(2017, 12, 15)
    assert closed.actions[0].due_on == date(2017, 11, 30) and closed.actions[0].done_on == date(2017, 12, 15)
    still_open = ncs["NC-2017-002"]
    assert still_open.status == "plan_accepted" and still_open.kind == "major"
    assert still_open.actions[0].due_on == date(2017, 12, 31) and still_open.actions[0].done_on is None
    assert ncs["NC-2019-001"].clause.edition == "2015"
    observation = db.session.scalar(select(Finding).where(Finding.kind == "observation"))
    assert observation.ref is None and observation.status == "noted"

    # the audit numbers of the file are reserved: the next audit of 2017 is number 5
    later = planning.create_audit(
        actor=None,
        programme=planning.programme_for_year(2017),
        planned_start=date(2017, 11, 1),
        planned_end=date(2017, 11, 1),
        units=[orgdata.unit_a],
    )
    assert later.ref == "DG-2017-05"


def test_importing_twice_adds_nothing(app, orgdata, runner, tmp_path):
    path = write_csv(tmp_path, GOOD)
    assert runner.invoke(cli, args=["import", "findings", str(path)]).exit_code == 0
    result = runner.invoke(cli, args=["import", "findings", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 imported" in result.output and "4 already present" in result.output
    assert count(Finding) == 4 and count(Audit) == 2


def test_xlsx_with_real_dates(app, orgdata, runner, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(
        [
            "DG-2018-07",
            "P-A",
            date(2018, 7, 17),
            date(2018, 7, 17),
            "minor",
            2008,
            "8.2.3",
            "Chưa đo lường",
            "",
            date(2018, 7, 17),
            date(2018, 9, 30),
            None,
        ]
    )
    path = tmp_path / "findings.xlsx"
    workbook.save(path)
    result = runner.invoke(cli, args=["import", "findings", str(path)])
    assert result.exit_code == 0, result.output
    finding = db.session.scalar(select(Finding))
    assert finding.ref == "NC-2018-001" and finding.clause.number == "8.2.3"
    assert finding.audit.ref == "DG-2018-07" and finding.audit.status == "reported"


def test_findings_join_an_existing_audit(app, orgdata, runner, tmp_path):
    from tests.audits_support import planned_audit

    audit = planned_audit(orgdata)  # DG-2018-01 of unit A
    line = "DG-2018-01,P-A,2018-07-17,2018-07-17,minor,2008,4.2.3,Thiếu chữ ký,,2018-07-17,2018-08-30,"
    assert runner.invoke(cli, args=["import", "findings", str(write_csv(tmp_path, [line]))]).exit_code == 0
    assert [f.ref for f in db.session.scalars(select(Finding).where(Finding.audit_id == audit.id))] == [
        "NC-2018-001"
    ]
    wrong_unit = line.replace(",P-A,", ",P-B,")
    result = runner.invoke(cli, args=["import", "findings", str(write_csv(tmp_path, [wrong_unit]))])
    assert result.exit_code == 1 and "row 2, column 'unit_code'" in result.output


@pytest.mark.parametrize(
    ("line", "where", "why"),
    [
        ("DG-2017-04,P-X,2017-10-02,2017-10-03,minor,2008,4.2.3,S,,,,", "column 'unit_code'", "P-X"),
        (
            "DG-2017-04,P-A,2017-10-02,2017-10-01,minor,2008,4.2.3,S,,,,",
            "column 'audit_end'",
            "before it starts",
        ),
        ("DG-2017-04,P-A,2017-10-02,2017-10-03,severe,2008,4.2.3,S,,,,", "column 'kind'", "severe"),
        ("DG-2017-04,P-A,2017-10-02,2017-10-03,minor,2012,4.2.3,S,,,,", "column 'edition'", "2012"),
        ("DG-2017-04,P-A,2017-10-02,2017-10-03,minor,2015,4.2.3,S,,,,", "column 'clause'", "4.2.3"),
        ("DG-2017-04,P-A,2017-10-02,2017-10-03,minor,2008,4.2.3,,,,,", "column 'statement'", "required"),
        ("DG-2017-04,P-A,31/02/2017,2017-10-03,minor,2008,4.2.3,S,,,,", "column 'audit_start'", "31/02/2017"),
        (
            "DG-2017-04,P-A,2017-10-02,2017-10-03,minor,2008,4.2.3,S,,2017-10-02,2017-09-01,",
            "column 'due_on'",
            "before",
        ),
        (
            "DG-2017-04,P-A,2017-10-02,2017-10-03,ofi,2008,4.2.3,S,,,2017-11-01,",
            "column 'due_on'",
            "nonconformity",
        ),
        ("DG-2017-04,P-A,2017-10-02,2017-10-04,minor,2008,4.2.3,S,,,,", "column 'audit_end'", "other dates"),
    ],
)
def test_a_bad_row_names_row_column_and_reason_and_writes_nothing(
    app, orgdata, runner, tmp_path, line, where, why
):
    path = write_csv(tmp_path, [GOOD[0], GOOD[3], line])
    result = runner.invoke(cli, args=["import", "findings", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: row 4, {where}: ")
    assert why in result.stderr and result.stderr.count("\n") == 1
    assert count(Finding) == 0 and count(Audit) == 0


def test_missing_columns_are_named(app, orgdata, runner, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("audit_ref,unit_code\nDG-2017-04,P-A\n", encoding="utf-8")
    result = runner.invoke(cli, args=["import", "findings", str(path)])
    assert result.exit_code == 1 and "audit_start" in result.stderr and "closed_on" in result.stderr
