"""The procedure document: .docx from the CLI and the web, opened with python-docx."""

from __future__ import annotations

from io import BytesIO

import docx
from sqlalchemy import select

from cli import cli
from qms.extensions import db
from qms.models.org import Unit
from qms.services import demo, processes
from qms.services.process_demo import LAND, load_procedure_demo

HEADINGS_VI = [
    "1. Mục đích",
    "2. Phạm vi",
    "3. Tài liệu viện dẫn",
    "4. Định nghĩa/viết tắt",
    "5. Nội dung quy trình",
    "6. Biểu mẫu",
    "7. Hồ sơ cần lưu",
]


def load(app):
    demo.load_demo()
    db.session.commit()


def headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]


def step_table(document):
    return next(t for t in document.tables if t.rows[0].cells[0].text in ("Bước", "Step"))


def test_demo_procedures_are_approved_fit_their_limit_and_reload_idempotently(app):
    load(app)
    land = processes.current_version("QT-TNMT-01")
    assert land.status == "approved" and land.unit.code == "P-TNMT"
    assert processes.problems(land) == []
    assert processes.main_path_days(land) <= land.time_limit_days
    assert any(s.is_decision for s in land.steps)
    assert processes.current_version("QT-KSTL").status == "approved"
    outgoing, incoming = processes.links_of(land)
    assert outgoing and incoming
    count = len(processes.current_processes())
    load_procedure_demo()
    db.session.commit()
    assert len(processes.current_processes()) == count


def test_cli_export_in_vietnamese(app, runner, tmp_path):
    load(app)
    out = tmp_path / "qt.docx"
    result = runner.invoke(cli, args=["export", "procedure", "QT-TNMT-01", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    found = headings(document)
    assert [h for h in found if h[0].isdigit()] == HEADINGS_VI
    table = step_table(document)
    assert [c.text for c in table.rows[0].cells] == [
        "Bước",
        "Nội dung công việc",
        "Trách nhiệm",
        "Thời gian",
        "Biểu mẫu/Kết quả",
    ]
    assert len(table.rows) == 1 + len(LAND["steps"]) + 1
    assert table.rows[1].cells[1].text.startswith("Tiếp nhận hồ sơ")
    assert "Có → bước 4" in table.rows[2].cells[1].text
    assert [c.text for c in table.rows[-1].cells][1:4] == ["Tổng thời gian", "", "10 ngày"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Thời hạn giải quyết theo quy định: 10 ngày làm việc." in text
    assert len(document.inline_shapes) == 1  # the process map
    signoff = next(t for t in document.tables if t.rows[0].cells[0].text == "Người soạn thảo")
    assert [c.text for c in signoff.rows[0].cells] == ["Người soạn thảo", "Người kiểm tra", "Người phê duyệt"]
    header = document.sections[0].header.tables[0]
    body, title, facts = header.rows[0].cells
    assert body.text == "PHÒNG TÀI NGUYÊN VÀ MÔI TRƯỜNG" and "QUY TRÌNH" in title.text
    assert "Mã hiệu: QT-TNMT-01" in facts.text and "Ngày hiệu lực: 01/03/2018" in facts.text
    assert "Lần ban hành: 01" in facts.text and "NUMPAGES" in facts._tc.xml  # Trang x/y on every page
    revisions = next(t for t in document.tables if t.rows[0].cells[0].text == "Lần ban hành")
    assert [c.text for c in revisions.rows[1].cells] == ["01", "01/03/2018", "Ban hành lần đầu."]
    records = next(t for t in document.tables if t.rows[0].cells[1].text == "Tên hồ sơ")
    assert records.rows[1].cells[4].text == "Bản giấy và điện tử"


def test_cli_export_in_english_and_unknown_code(app, runner, tmp_path):
    load(app)
    out = tmp_path / "qt-en.docx"
    result = runner.invoke(cli, args=["export", "procedure", "qt-kstl", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    assert "1. Purpose" in headings(document) and "7. Records to keep" in headings(document)
    header = document.sections[0].header.tables[0]
    assert "Effective date: 2018-01-02" in header.rows[0].cells[2].text
    result = runner.invoke(cli, args=["export", "procedure", "QT-NONE", "-o", str(tmp_path / "x.docx")])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not (tmp_path / "x.docx").exists()


def header_text(document) -> str:
    return "\n".join(c.text for t in document.sections[0].header.tables for row in t.rows for c in row.cells)


def test_export_picks_the_approved_version_then_the_draft(app, runner, tmp_path):
    load(app)
    land = processes.current_version("QT-TNMT-01")
    v2 = processes.new_version(land, actor=None)
    processes.update_process(v2, actor=None, title="Bản sửa đổi", time_limit_days="10")
    db.session.commit()
    out = tmp_path / "a.docx"
    runner.invoke(cli, args=["export", "procedure", "QT-TNMT-01", "-o", str(out)])
    exported = header_text(docx.Document(str(out)))
    assert "Bản sửa đổi" not in exported and "Lần ban hành: 01" in exported
    unit = db.session.scalar(select(Unit).where(Unit.code == "P-TNMT"))
    only_draft = processes.create_process(actor=None, unit=unit, code="QT-NEW", title="Nháp")
    processes.add_step(only_draft, actor=None, text="Bước một", responsible="A", days="1")
    db.session.commit()
    result = runner.invoke(cli, args=["export", "procedure", "QT-NEW", "-o", str(tmp_path / "n.docx")])
    assert result.exit_code == 0
    draft = docx.Document(str(tmp_path / "n.docx"))
    assert "Nháp" in header_text(draft) and draft.paragraphs[0].text == "DỰ THẢO"


def test_export_button(app, client, orgdata):
    from tests.conftest import login

    p = processes.create_process(actor=None, unit=orgdata.unit_a, code="QT-A", title="Quy trình A")
    processes.add_step(p, actor=None, text="Tiếp nhận", responsible="Một cửa", days="0.5")
    db.session.commit()
    login(client, orgdata.member_a)
    response = client.get(f"/procedures/{p.id}/export.docx?lang=vi")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("QT-A-v1.docx")
    document = docx.Document(BytesIO(response.data))
    assert [h for h in headings(document) if h[0].isdigit()] == HEADINGS_VI
    assert step_table(document).rows[1].cells[3].text == "0,5 ngày"
    assert len(document.inline_shapes) == 1
    client.post("/logout")
    login(client, orgdata.manager_b)
    assert client.get(f"/procedures/{p.id}/export.docx").status_code == 403
