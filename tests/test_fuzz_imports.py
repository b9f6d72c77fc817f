"""Every import parser, fed arbitrary bytes, CSV and XLSX rows: it either imports or refuses with the
project's domain error (row, column, reason), never another exception, and a refused file writes
nothing. A few service entry points get arbitrary text the same way."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from audits.models import Audit, Finding
from audits.services import importing
from qms.extensions import db
from qms.models.history import HistoryEntry
from qms.models.objectives import CaseStatistics, Objective, SatisfactionIndex
from qms.models.org import Unit
from qms.services import case_stats, objectives, org
from qms.services.errors import DomainError
from qms.services.periods import parse_period
from tests.conftest import build_app

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
COUNTED = (Unit, CaseStatistics, SatisfactionIndex, Objective, Audit, Finding, HistoryEntry)

IMPORTS: dict[str, tuple[Callable[..., Any], list[str]]] = {
    "units": (org.import_units, ["code", "name", "kind", "parent_code"]),
    "case-stats": (case_stats.import_case_statistics, list(case_stats.CASE_COLUMNS)),
    "satisfaction": (case_stats.import_satisfaction, list(case_stats.SATISFACTION_COLUMNS)),
    "objectives": (
        objectives.import_objectives,
        [*objectives.OBJECTIVE_COLUMNS, "owner_email", "process_code"],
    ),
    "findings": (importing.import_findings, list(importing.COLUMNS)),
}


@pytest.fixture(scope="module")
def fuzz_app(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One database for the module: a city with two departments, as the import files name them."""
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(sqlite_template, folder / "qms.sqlite3")
    app = build_app(f"sqlite:///{folder / 'qms.sqlite3'}", folder / "instance")
    with app.app_context():
        city = org.create_unit(actor=None, code="CITY", name="UBND thành phố", kind="city")
        for code in ("P-A", "P-B"):
            org.create_unit(actor=None, code=code, name=f"Phòng {code}", kind="department", parent=city)
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def counts() -> tuple[int, ...]:
    return tuple(int(db.session.scalar(select(func.count()).select_from(m)) or 0) for m in COUNTED)


def run_import(name: str, path: Path) -> None:
    """The import as the CLI runs it: commit on success; on a domain error roll back, and nothing of the
    file is left. Any other exception fails the test."""
    function = IMPORTS[name][0]
    before = counts()
    try:
        function(path, actor=None)
    except DomainError:
        db.session.rollback()
        assert counts() == before
    else:
        db.session.commit()


# Values that look like what the files hold (codes, periods, numbers, dates, kinds) mixed with any text.
PLAUSIBLE = st.sampled_from(
    ["CITY", "P-A", "p-b", "P-Z", "2018", "2018-Q3", "2018-13", "2018-7", "58053", "-1", "0", "1e9", "97,95",
     "78.5", "2017-10-02", "02/10/2017", "2099-01-01", "minor", "major", "observation", "2008", "2015",
     "4.2.3", "7.5.3", "DG-2017-04", "DG-2017-99", "department", "ward", "<=", ">=", "%", "manual",
     "late_rate", "x@example.vn", "QT-01", "yes", ""]
)  # fmt: skip
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
CELL = st.one_of(PLAUSIBLE, ANY_TEXT)


def header_strategy(columns: list[str]) -> st.SearchStrategy[list[str]]:
    """The expected header, often complete and in order, sometimes shuffled, short or with extras."""
    return st.one_of(
        st.just(columns),
        st.permutations(columns),
        st.lists(st.sampled_from([*columns, "extra", "", "CODE "]), max_size=len(columns) + 2),
    )


@st.composite
def table(draw: st.DrawFn, columns: list[str]) -> list[list[str]]:
    header = draw(header_strategy(columns))
    width = max(len(header), 1)
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=width + 1), max_size=6))
    return [header, *rows]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


XLSX_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
XLSX_CELL = st.one_of(
    PLAUSIBLE,
    XLSX_TEXT,
    st.none(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=False),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
)


@st.composite
def xlsx_table(draw: st.DrawFn, columns: list[str]) -> list[list[object]]:
    header = draw(header_strategy(columns))
    rows = draw(st.lists(st.lists(XLSX_CELL, max_size=len(header) + 1), max_size=6))
    return [list(header), *rows]


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_csv_rows_import_or_fail_cleanly(fuzz_app: Flask, tmp_path: Path, name: str) -> None:
    columns = IMPORTS[name][1]

    @SETTINGS
    @given(rows=table(columns))
    def check(rows: list[list[str]]) -> None:
        run_import(name, write_csv(tmp_path / f"{name}.csv", rows))

    check()


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_xlsx_rows_import_or_fail_cleanly(fuzz_app: Flask, tmp_path: Path, name: str) -> None:
    columns = IMPORTS[name][1]

    @settings(SETTINGS, max_examples=12)
    @given(rows=xlsx_table(columns))
    def check(rows: list[list[object]]) -> None:
        run_import(name, write_xlsx(tmp_path / f"{name}.xlsx", rows))

    check()


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_arbitrary_bytes_are_refused_cleanly(fuzz_app: Flask, tmp_path: Path, name: str) -> None:
    @settings(SETTINGS, max_examples=10)
    @given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".xlsx", ".txt", ""]))
    def check(data: bytes, suffix: str) -> None:
        path = tmp_path / f"file{suffix}"
        path.write_bytes(data)
        run_import(name, path)

    check()


@SETTINGS
@given(code=st.one_of(PLAUSIBLE, ANY_TEXT), name=ANY_TEXT, kind=st.one_of(PLAUSIBLE, ANY_TEXT))
def test_creating_a_unit_from_any_text_succeeds_or_is_refused(
    fuzz_app: Flask, code: str, name: str, kind: str
) -> None:
    before = counts()
    try:
        org.create_unit(actor=None, code=code, name=name, kind=kind)
    except DomainError:
        db.session.rollback()
        assert counts() == before
    else:
        db.session.rollback()


@SETTINGS
@given(text=st.one_of(PLAUSIBLE, ANY_TEXT, st.none()))
def test_any_period_text_is_a_period_or_a_domain_error(fuzz_app: Flask, text: str | None) -> None:
    try:
        period = parse_period(text)
    except DomainError as exc:
        assert exc.field == "period"
    else:
        assert str(period)[:4].isdigit()
