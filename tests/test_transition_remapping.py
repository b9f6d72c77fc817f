"""The transition and the remapping together: the progress page counts the 2008 references each unit still
holds, a manager's decision lowers the count, and the unit's gap assessment report lists what was remapped
and who accepted it."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import docx
from flask import Flask

from qms.extensions import db
from qms.services import remapping
from qms.services import transition as service
from tests.conftest import Org, login
from tests.test_remapping import legacy_procedure


def test_a_remapped_procedure_lowers_the_count_and_joins_the_report(app: Flask, orgdata: Org) -> None:
    legacy_procedure(orgdata.unit_a, "QT-01", ("4.2.3",))
    legacy_procedure(orgdata.unit_b, "QT-02", ("8.5.3",))
    transition = service.open_transition(
        actor=orgdata.user("steering"), target_date=date.today() + timedelta(days=100)
    ).transition
    db.session.commit()

    figures = service.progress(transition)
    left = {row.unit.code: row.left for row in figures.rows}
    assert (left["P-A"], left["P-B"], figures.left) == (1, 1, 2)

    manager = orgdata.user("manager_a")
    (pending,) = remapping.pending_references(actor=manager, unit=orgdata.unit_a)
    target = next(m.clause_2015_id for m in pending.proposals if m.clause_2015.number == "7.5.3")
    remapping.accept(pending.key, actor=manager, clause_ids=[target], comment="Kiểm soát tài liệu theo 7.5.3")
    db.session.commit()

    figures = service.progress(service.current_transition())
    left = {row.unit.code: row.left for row in figures.rows}
    assert (left["P-A"], left["P-B"], figures.left) == (0, 1, 1)

    client = app.test_client()
    login(client, orgdata.steering)
    page = client.get("/transition/").get_data(as_text=True)
    assert "/transition/references/units/P-B" in page

    response = client.get("/transition/units/P-A/report.docx")
    assert response.status_code == 200
    document = docx.Document(BytesIO(response.data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "4.2.3" in cells and any("7.5.3" in c for c in cells)
    assert any(orgdata.manager_a.full_name in c for c in cells)


def test_the_unit_page_leads_to_its_transition_and_its_2008_references(app: Flask, orgdata: Org) -> None:
    legacy_procedure(orgdata.unit_a, "QT-01", ("4.2.3", "8.5.3"))
    service.open_transition(actor=orgdata.user("steering"), target_date=date.today() + timedelta(days=100))
    db.session.commit()
    client = app.test_client()
    login(client, orgdata.manager_a)
    page = client.get(f"/units/{orgdata.unit_a.id}").get_data(as_text=True)
    section = page.split('id="unit-transition"')[1].split("</p>")[0]
    assert "/transition/units/P-A" in section and "/transition/references/units/P-A" in section
    assert "Còn 2 viện dẫn ISO 9001:2008" in section
