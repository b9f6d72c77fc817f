"""The transition's documents, opened with python-docx: a unit's gap assessment report with its remapped
references, the city-wide status report with its summary rows, the transition plan with its steps and
deadline; from the CLI (errors on stderr, exit 1) and from the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import docx
import pytest

from cli import cli
from qms.exports import transition as exports
from qms.extensions import db
from qms.services import remapping, risks
from qms.services import transition as service
from qms.services.transition import catalogue

TARGET = date.today() + timedelta(days=200)


def text_of(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def table_with(document, first_header: str, second_header: str):
    for table in document.tables:
        header = [c.text for c in table.rows[0].cells]
        if len(header) > 1 and header[0] == first_header and header[1] == second_header:
            return table
    raise AssertionError(f"no table headed {first_header}, {second_header}")


@pytest.fixture
def transition(app, orgdata, monkeypatch):
    monkeypatch.setattr(remapping, "references_left", lambda unit_ids=None: {orgdata.unit_a.id: 5})
    monkeypatch.setattr(
        remapping,
        "accepted_for_unit",
        lambda unit_id: (
            [
                remapping.AcceptedReference(
                    "Procedure",
                    "QT-01",
                    "4.2.3",
                    ("7.5.2", "7.5.3"),
                    "Manager.A",
                    datetime(2020, 3, 2, 3, tzinfo=UTC),
                    "",
                )
            ]
            if unit_id == orgdata.unit_a.id
            else []
        ),
    )
    result = service.open_transition(
        actor=None, target_date=TARGET, units=[orgdata.unit_a, orgdata.unit_b], title="Chuyển đổi sang 2015"
    )
    risks.save_risk(orgdata.unit_a, actor=None, kind="risk", title="Trễ hạn", likelihood=2, impact=3)
    item = next(i for i in service.items_of(result.transition, orgdata.unit_a) if i.key == "risks")
    service.attach_register(item, actor=None, kind="risks")
    service.update_item(item, actor=None, status="done", owner_id=orgdata.member_a.id, due=None, notes="")
    service.set_unit_owner(result.transition, orgdata.unit_a, actor=None, owner_id=orgdata.manager_a.id)
    db.session.commit()
    return result.transition


def test_unit_report_lists_every_item_and_the_remapped_references(runner, orgdata, transition, tmp_path):
    out = tmp_path / "unit.docx"
    result = runner.invoke(cli, ["export", "transition", "--unit", "P-A", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    items = table_with(document, "No.", "Clause")
    rows = [[c.text for c in row.cells] for row in items.rows[1:]]
    assert len(rows) == len(catalogue.items())
    risk_row = next(r for r in rows if r[1] == "6.1")
    assert risk_row[3] == "Done" and "1 risks and opportunities recorded" in risk_row[4]
    assert (risk_row[5], risk_row[6]) == ("Member.A", "")
    context_row = next(r for r in rows if r[1] == "4.1")
    assert context_row[3] == "Not started" and context_row[6] == TARGET.isoformat()
    remapped = table_with(document, "Record", "ISO 9001:2008")
    assert [c.text for c in remapped.rows[1].cells][:3] == ["Procedure QT-01", "4.2.3", "7.5.2, 7.5.3"]
    assert "Manager.A" in text_of(document)

    vi = tmp_path / "unit-vi.docx"
    assert runner.invoke(cli, ["export", "transition", "--unit", "P-A", "-o", str(vi)]).exit_code == 0
    vi_text = text_of(docx.Document(str(vi)))
    assert "BÁO CÁO" in vi_text and "Chưa bắt đầu" in vi_text and TARGET.strftime("%d/%m/%Y") in vi_text


def test_the_progress_bar_is_drawn_on_a_terminal_only(runner, orgdata, transition, tmp_path, monkeypatch):
    import cli as command_line

    out = tmp_path / "all.docx"
    monkeypatch.setattr(command_line, "on_terminal", lambda: True)
    result = runner.invoke(cli, ["export", "transition", "--all", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Đơn vị" in result.stderr or "Units" in result.stderr


def test_city_report_has_a_summary_row_per_unit_and_a_section_each(runner, orgdata, transition, tmp_path):
    out = tmp_path / "all.docx"
    result = runner.invoke(cli, ["export", "transition", "--all", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # quiet when stderr is not a terminal
    document = docx.Document(str(out))
    summary = table_with(document, "No.", "Unit")
    rows = [[c.text for c in row.cells] for row in summary.rows[1:]]
    assert [r[1].split(" — ")[0] for r in rows] == ["P-A", "P-B"]
    applicable = len(catalogue.items())
    assert rows[0][2:8] == ["1", str(applicable), f"{100 / applicable:.2f}%", "0", "5", "Manager.A"]
    assert rows[1][2:7] == ["0", str(applicable), "0.00%", "0", "0"]
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading 1")]
    assert any(h.startswith("2. P-A") for h in headings) and any(h.startswith("3. P-B") for h in headings)
    item_tables = [t for t in document.tables if t.rows[0].cells[1].text == "Clause"]
    assert len(item_tables) == 2

    ticks = []
    exports.city_report(transition, "en", tick=lambda: ticks.append(1))
    assert len(ticks) == 2


def test_transition_plan_has_its_steps_scope_and_deadline(runner, orgdata, transition, tmp_path):
    out = tmp_path / "plan.docx"
    assert runner.invoke(cli, ["export", "transition-plan", "-o", str(out)]).exit_code == 0
    document = docx.Document(str(out))
    content = text_of(document)
    assert "KẾ HOẠCH" in content
    assert "Chuyển đổi hệ thống quản lý chất lượng từ TCVN ISO 9001:2008 sang TCVN ISO 9001:2015" in content
    steps = table_with(document, "STT", "Nội dung")
    rows = [[c.text for c in row.cells] for row in steps.rows[1:]]
    assert len(rows) == len(catalogue.steps())
    assert rows[-1][3] == TARGET.strftime("%d/%m/%Y") and "Sở Khoa học và Công nghệ" in rows[-1][1]
    assert f"hoàn thành trước ngày {TARGET.strftime('%d/%m/%Y')}" in content
    scope = table_with(document, "STT", "Mã")
    assert [r.cells[1].text for r in scope.rows[1:]] == ["P-A", "P-B"]
    assert "BAN CHỈ ĐẠO ISO" in content.upper() and "KH-" in content

    en = tmp_path / "plan-en.docx"
    assert runner.invoke(cli, ["export", "transition-plan", "-o", str(en), "--lang", "en"]).exit_code == 0
    assert f"completed by {TARGET.isoformat()}" in text_of(docx.Document(str(en)))


def test_cli_errors_are_one_line_on_stderr(runner, orgdata, tmp_path, app):
    none_open = runner.invoke(cli, ["export", "transition", "--all", "-o", str(tmp_path / "x.docx")])
    assert none_open.exit_code == 1 and "No transition to ISO 9001:2015 is open" in none_open.stderr
    plan = runner.invoke(cli, ["export", "transition-plan", "-o", str(tmp_path / "p.docx")])
    assert plan.exit_code == 1 and "No transition" in plan.stderr
    service.open_transition(actor=None, target_date=TARGET, units=[orgdata.unit_a])
    db.session.commit()
    neither = runner.invoke(cli, ["export", "transition"])
    assert neither.exit_code == 1 and "--unit CODE or --all" in neither.stderr
    both = runner.invoke(cli, ["export", "transition", "--unit", "P-A", "--all"])
    assert both.exit_code == 1 and "--unit CODE or --all" in both.stderr
    outside = runner.invoke(cli, ["export", "transition", "--unit", "P-B", "-o", str(tmp_path / "b.docx")])
    assert outside.exit_code == 1 and "P-B is not in the transition's scope" in outside.stderr
    assert not Path(tmp_path / "b.docx").exists() and "Traceback" not in outside.output


def test_pages_download_the_documents(orgdata, transition, as_user):
    manager = as_user("manager_a")
    report = manager.get("/transition/units/P-A/report.docx")
    assert report.status_code == 200
    assert (
        len(table_with(docx.Document(BytesIO(report.data)), "STT", "Điều khoản").rows)
        == len(catalogue.items()) + 1
    )
    assert manager.get("/transition/report.docx").status_code == 403
    assert as_user("manager_b").get("/transition/units/P-A/report.docx").status_code == 403
    steering = as_user("steering")
    city = steering.get("/transition/report.docx")
    assert city.status_code == 200 and "P-B" in text_of(docx.Document(BytesIO(city.data)))
    plan = steering.get("/transition/plan.docx")
    assert plan.status_code == 200 and "KẾ HOẠCH" in text_of(docx.Document(BytesIO(plan.data)))
