"""`qms import case-stats | satisfaction | objectives`: CSV and XLSX, all or nothing, errors by row/column."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from cli import cli
from qms.extensions import db
from qms.models.objectives import CaseStatistics, Objective, SatisfactionIndex
from qms.services import objectives
from qms.services.history import history_of
from qms.services.objectives import Attainment

CASE_HEADER = "unit_code,period,received,resolved,on_time,late,online_eligible,online"
CITY_ROW = "CITY,2018,58053,56863,56252,611,6664,2996"


def write_csv(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_xlsx(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def count(model) -> int:
    return db.session.query(model).count()


def test_case_stats_csv_then_reimport_replaces(app, orgdata, runner, tmp_path):
    good = write_csv(
        tmp_path,
        "cases.csv",
        CASE_HEADER,
        CITY_ROW,
        "P-A,2018-Q3,100,90,88,2,10,4",
        "p-a,2018-7,10,10,10,0,0,0",
    )
    result = runner.invoke(cli, args=["import", "case-stats", str(good)])
    assert result.exit_code == 0, result.output
    assert "3 added, 0 replaced" in result.output
    periods = {r.period for r in db.session.query(CaseStatistics).filter_by(unit_id=orgdata.unit_a.id)}
    assert periods == {"2018-Q3", "2018-07"}

    again = write_csv(tmp_path, "again.csv", CASE_HEADER, "CITY,2018,58053,56863,56262,601,6664,2996")
    result = runner.invoke(cli, args=["import", "case-stats", str(again)])
    assert result.exit_code == 0 and "0 added, 1 replaced" in result.output
    row = db.session.query(CaseStatistics).filter_by(unit_id=orgdata.city.id, period="2018").one()
    assert row.late == 601 and count(CaseStatistics) == 3
    entries = [h for h in history_of("unit", orgdata.city.id) if h.record_type == "case_statistics"]
    assert [h.action for h in entries] == ["update", "insert"]
    assert entries[0].changes["late"] == [611, 601]


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("CITY,2018,58053,56863,56252,612,6664,2996", "row 3, column 'on_time'"),  # on time + late ≠ resolved
        ("CITY,2018,100,120,100,20,0,0", "row 3, column 'resolved'"),
        ("CITY,2018,-5,0,0,0,0,0", "row 3, column 'received'"),
        ("CITY,2018,10.5,0,0,0,0,0", "row 3, column 'received'"),
        ("CITY,2018,10,10,10,0,5,6", "row 3, column 'online'"),
        ("NOPE,2018,10,10,10,0,0,0", "row 3, column 'unit_code'"),
        ("CITY,2018-Q5,10,10,10,0,0,0", "row 3, column 'period'"),
        ("P-A,2018-Q3,1,1,1,0,0,0", "row 3, column 'period'"),  # the same unit and period twice
    ],
)
def test_case_stats_bad_rows_write_nothing(app, orgdata, runner, tmp_path, row, where):
    path = write_csv(tmp_path, "bad.csv", CASE_HEADER, "P-A,2018-Q3,100,90,88,2,10,4", row)
    result = runner.invoke(cli, args=["import", "case-stats", str(path)])
    assert result.exit_code == 1
    assert where in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert count(CaseStatistics) == 0


def test_case_stats_xlsx_with_numbers_and_a_missing_column(app, orgdata, runner, tmp_path):
    header = CASE_HEADER.split(",")
    path = write_xlsx(
        tmp_path, "cases.xlsx", [header, ["CITY", "2018", 58053, 56863, 56252, 611, 6664, 2996]]
    )
    result = runner.invoke(cli, args=["import", "case-stats", str(path)])
    assert result.exit_code == 0, result.output
    objectives.create_objective(
        orgdata.city,
        objectives.ObjectiveFields(
            year=2018, statement="Trễ hạn dưới 3%", indicator="Tỷ lệ trễ hạn", direction="<=",
            target=Decimal(3), source="late_rate",
        ),
        actor=None,
    )  # fmt: skip
    db.session.commit()
    evaluation = objectives.overview(orgdata.city, 2018).evaluations[0]
    assert evaluation.value == Decimal("1.07") and evaluation.attainment == Attainment.MET

    bad = write_xlsx(tmp_path, "bad.xlsx", [header[:-1], ["P-A", "2018", 1, 1, 1, 0, 0]])
    result = runner.invoke(cli, args=["import", "case-stats", str(bad)])
    assert result.exit_code == 1 and "online" in result.stderr and "row 1" in result.stderr


def test_satisfaction_csv_and_xlsx(app, orgdata, runner, tmp_path):
    good = write_csv(
        tmp_path,
        "s.csv",
        "unit_code,period,index_percent,respondents",
        "CITY,2018,81.99,",
        'P-A,2018,"78,18",120',
    )
    result = runner.invoke(cli, args=["import", "satisfaction", str(good)])
    assert result.exit_code == 0, result.output
    rows = {r.unit_id: r for r in db.session.query(SatisfactionIndex)}
    assert (
        rows[orgdata.city.id].index_percent == Decimal("81.99") and rows[orgdata.city.id].respondents is None
    )
    assert (
        rows[orgdata.unit_a.id].index_percent == Decimal("78.18")
        and rows[orgdata.unit_a.id].respondents == 120
    )

    bad = write_xlsx(
        tmp_path,
        "s.xlsx",
        [
            ["unit_code", "period", "index_percent", "respondents"],
            ["P-B", "2018", 50, 3],
            ["P-B", "2018-Q1", 120, 3],
        ],
    )
    result = runner.invoke(cli, args=["import", "satisfaction", str(bad)])
    assert result.exit_code == 1 and "row 3, column 'index_percent'" in result.stderr
    assert count(SatisfactionIndex) == 2


OBJ_HEADER = "unit_code,year,statement,indicator,direction,target,unit_of_measure,source"


def test_objectives_import_creates_then_updates(app, orgdata, runner, tmp_path):
    path = write_csv(
        tmp_path,
        "o.csv",
        OBJ_HEADER,
        "CITY,2018,Tỷ lệ hồ sơ trễ hạn dưới 3%,Tỷ lệ trễ hạn,<=,3,%,late_rate",
        "P-A,2018,Hồ sơ trực tuyến từ 30%,Tỷ lệ trực tuyến,>=,30,,online_rate",
        "P-A,2018,Thời gian trả lời kiến nghị,Số ngày,≤,10,ngày,manual",
    )
    result = runner.invoke(cli, args=["import", "objectives", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 created, 0 updated" in result.output
    online = db.session.query(Objective).filter_by(source="online_rate").one()
    assert online.unit_of_measure == "%" and online.target == Decimal(30)
    manual = db.session.query(Objective).filter_by(source="manual").one()
    assert manual.direction == "<=" and manual.unit_of_measure == "ngày"

    changed = write_csv(
        tmp_path,
        "o2.csv",
        OBJ_HEADER,
        "CITY,2018,tỷ lệ hồ sơ trễ hạn dưới 3%,Tỷ lệ trễ hạn,<=,2.5,%,late_rate",
    )
    result = runner.invoke(cli, args=["import", "objectives", str(changed)])
    assert result.exit_code == 0 and "0 created, 1 updated" in result.output
    assert db.session.query(Objective).filter_by(unit_id=orgdata.city.id).one().target == Decimal("2.5")


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("P-A,2018,Mục tiêu,Chỉ số,<=,,%,late_rate", "row 3, column 'target'"),
        ("P-A,2018,Mục tiêu,Chỉ số,<,3,%,late_rate", "row 3, column 'direction'"),
        ("P-A,2018,Mục tiêu,Chỉ số,<=,3,%,guesswork", "row 3, column 'source'"),
        ("P-A,hai nghìn,Mục tiêu,Chỉ số,<=,3,%,late_rate", "row 3, column 'year'"),
        ("P-A,2018,,Chỉ số,<=,3,%,late_rate", "row 3, column 'statement'"),
        ("P-Z,2018,Mục tiêu,Chỉ số,<=,3,%,late_rate", "row 3, column 'unit_code'"),
        ("P-A,2018,Mục tiêu,Chỉ số,>=,130,%,online_rate", "row 3, column 'target'"),
    ],
)
def test_objectives_import_bad_rows_write_nothing(app, orgdata, runner, tmp_path, row, where):
    path = write_csv(
        tmp_path, "o.csv", OBJ_HEADER, "CITY,2018,Trễ hạn dưới 3%,Tỷ lệ trễ hạn,<=,3,%,late_rate", row
    )
    result = runner.invoke(cli, args=["import", "objectives", str(path)])
    assert result.exit_code == 1
    assert where in result.stderr
    assert count(Objective) == 0


def test_objectives_import_xlsx(app, orgdata, runner, tmp_path):
    path = write_xlsx(
        tmp_path,
        "o.xlsx",
        [
            OBJ_HEADER.split(","),
            ["P-B", 2018, "Hài lòng từ 78%", "Chỉ số hài lòng", ">=", 78, "%", "satisfaction"],
        ],
    )
    result = runner.invoke(cli, args=["import", "objectives", str(path)])
    assert result.exit_code == 0, result.output
    objective = db.session.query(Objective).one()
    assert (objective.unit_id, objective.year, objective.source) == (orgdata.unit_b.id, 2018, "satisfaction")
