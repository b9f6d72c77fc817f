"""The demo city's wards and communes through Nghị quyết 1196/NQ-UBTVQH15 (in force 1/11/2024: 27 → 22),
from the file the project ships (qms/data/reorganisation_nhatrang_2024.csv): Phương Sơn into Phương Sài;
Xương Huân and Vạn Thắng into Vạn Thạnh; Tân Lập, Phước Tiến and Phước Tân into the new Tân Tiến."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cli import cli
from qms.extensions import db
from qms.models.org import Unit, UnitKind
from qms.services import demo, org
from qms.services import reorganisation as reorganisations

DATA = Path(__file__).resolve().parent.parent / "qms" / "data" / "reorganisation_nhatrang_2024.csv"


def wards_on(day: date) -> list[str]:
    stmt = select(Unit.code).where(Unit.kind == UnitKind.COMMUNE, Unit.valid_on(day)).order_by(Unit.code)
    return list(db.session.scalars(stmt))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_2024_reorganisation_of_the_demo_city_takes_27_wards_and_communes_to_22(app, runner) -> None:
    demo.load_demo()
    db.session.commit()
    assert len(wards_on(date(2024, 10, 31))) == 27

    dry = runner.invoke(cli, args=["reorganise", "--dry-run", str(DATA)])
    assert dry.exit_code == 0, dry.output
    assert "PH-TANTIEN — UBND phường Tân Tiến" in dry.output
    assert len(wards_on(date(2024, 11, 1))) == 27  # nothing written

    applied = runner.invoke(cli, args=["reorganise", str(DATA)])
    assert applied.exit_code == 0, applied.output
    db.session.expire_all()
    now = wards_on(date(2024, 11, 1))
    assert len(now) == 22
    assert {
        "PH-PHUONGSON",
        "PH-XUONGHUAN",
        "PH-VANTHANG",
        "PH-TANLAP",
        "PH-PHUOCTIEN",
        "PH-PHUOCTAN",
    }.isdisjoint(now)
    assert "PH-TANTIEN" in now and "PH-VANTHANH" in now and "PH-PHUONGSAI" in now
    # each 2018 ward reaches its 2024 successor, as the reference list says
    for code, successor in [("PH-PHUOCTIEN", "PH-TANTIEN"), ("PH-XUONGHUAN", "PH-VANTHANH"),
                            ("PH-PHUONGSON", "PH-PHUONGSAI"), ("PH-LOCTHO", "PH-LOCTHO")]:  # fmt: skip
        old = org.unit_by_code(code, on=date(2018, 6, 30))
        assert [u.code for u in reorganisations.successors(old, date(2024, 11, 1))] == [successor]
    tan_tien = org.unit_by_code("PH-TANTIEN")
    assert {u.code for u in reorganisations.predecessors(tan_tien, date(2018, 6, 30))} == {
        "PH-TANLAP", "PH-PHUOCTIEN", "PH-PHUOCTAN",
    }  # fmt: skip
    assert db.session.scalar(select(func.count(Unit.id)).where(Unit.code == "PH-TANTIEN")) == 1
