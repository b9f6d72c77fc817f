"""The audit documents, register and calendar: from the CLI and from the pages, opened and read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

import docx
import icalendar
import openpyxl
import pytest

from audits.models import Audit, Finding
from audits.services import findings, planning
from cli import cli
from qms.extensions import db
from tests.audits_support import answered, nonconformity, planned_audit
from tests.conftest import Org


@dataclass
class Round:
    audit: Audit
    nc1: Finding
    nc2: Finding
    observation: Finding


@pytest.fixture
def round2018(app, orgdata: Org) -> Round:
    audit = planned_audit(orgdata, start=date(2018, 7, 17), end=date(2018, 7, 18))
    planning.add_agenda_item(
        audit,
        actor=orgdata.user("steering"),
        day=date(2018, 7, 17),
        time="08:00",
        activity="Họp khai mạc",
        auditee_contact="Trưởng phòng A",
    )
    nc1 = nonconformity(orgdata, audit)
    answered(orgdata, nc1, due=date(2018, 8, 31))
    findings.review_plan(nc1, actor=orgdata.user("auditor"), accept=True)
    nc2 = nonconformity(
        orgdata, audit, kind="major", clause="8.2.2", statement="Chưa đánh giá nội bộ năm 2017."
    )
    observation = nonconformity(
        orgdata, audit, kind="observation", clause="4.2.3", statement="Nên số hoá sổ theo dõi."
    )
    db.session.commit()
    return Round(audit, nc1, nc2, observation)


def headings(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]


def texts(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def table_after(document, header_start: str):
    return next(t for t in document.tables if t.rows[0].cells[0].text == header_start)


def test_audit_report_in_english(app, round2018, runner, tmp_path):
    out = tmp_path / "report.docx"
    result = runner.invoke(cli, args=["export", "audit-report", "DG-2018-01", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    assert "REPORT" in texts(document)  # the document type under the official header
    assert "SOCIALIST REPUBLIC OF VIET NAM" in document.tables[0].rows[0].cells[1].text
    assert headings(document) == [
        "1. Identification of the audit",
        "2. Audit team",
        "3. Scope and criteria",
        "4. Summary of findings",
        "5. Findings",
        "6. Corrective actions",
        "7. Conclusion",
    ]
    ident = dict(rows(document.tables[1]))
    assert ident["Reference"] == "DG-2018-01"
    assert ident["Dates"] == "2018-07-17 – 2018-07-18"
    assert "Phòng A (P-A)" in ident["Audited units"]
    assert rows(table_after(document, "No."))[1][1:] == ["Auditor", "Lead auditor"]
    summary = dict(rows(table_after(document, "Kind of finding"))[1:])
    assert summary == {
        "Major nonconformity": "1",
        "Minor nonconformity": "1",
        "Observation": "1",
        "Opportunity for improvement": "0",
        "Total": "3",
    }
    found = rows(table_after(document, "Ref."))
    assert found[0] == ["Ref.", "Kind", "Clause", "Unit", "Statement", "Status"]
    assert [r[0] for r in found[1:]] == ["NC-2018-001", "NC-2018-002", "OBS-2018-001"]
    assert found[1][2:6] == [
        "4.2.3 (2008)",
        "P-A",
        "Danh mục tài liệu chưa cập nhật.",
        "Plan accepted, actions under way",
    ]
    assert found[2][1] == "Major nonconformity"
    actions = dict(rows(table_after(document, "Nonconformities")))
    assert actions["Nonconformities"] == "2"
    assert actions["Waiting for the unit's plan"] == "1"
    assert actions["Actions under way"] == "1"
    lines = texts(document)  # Recipients: under the two signatures
    assert "Recipients:" in lines and "- Phòng A;" in lines and lines[-1] == "- Filed: ISO secretariat."


def test_audit_report_in_vietnamese_has_vietnamese_dates(app, round2018, runner, tmp_path):
    out = tmp_path / "report-vi.docx"
    result = runner.invoke(cli, args=["export", "audit-report", "dg-2018-01", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    values = [r[1] for r in rows(document.tables[1])]
    assert "17/07/2018 – 18/07/2018" in values
    assert "BÁO CÁO" in texts(document)
    assert "Kết quả đánh giá nội bộ DG-2018-01 tại Phòng A" in texts(document)


def test_audit_plan_has_objectives_scope_team_and_agenda(app, round2018, runner, tmp_path):
    out = tmp_path / "plan.docx"
    result = runner.invoke(cli, args=["export", "audit-plan", "DG-2018-01", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    assert "PLAN" in texts(document) and "DRAFT" in texts(document)  # not sent yet: a draft
    assert headings(document) == [
        "1. Objectives",
        "2. Scope",
        "3. Criteria",
        "4. Audit team",
        "5. Agenda",
    ]
    scope = rows(table_after(document, "Clause"))
    assert [r[0] for r in scope[1:]] == ["4.2.3", "8.2.2"]
    agenda = rows(table_after(document, "Date"))
    assert agenda[0] == ["Date", "Time", "Activity", "Auditee contact"]
    assert agenda[1] == ["2018-07-17", "08:00", "Họp khai mạc", "Trưởng phòng A"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "TCVN ISO 9001:2008" in text


def test_nc_report_has_the_plan_actions_and_signatures(app, round2018, runner, tmp_path):
    out = tmp_path / "nc.docx"
    result = runner.invoke(cli, args=["export", "nc-report", "NC-2018-001", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    header = document.sections[0].header.tables[0].rows[0].cells
    assert "NONCONFORMITY AND CORRECTIVE ACTION REQUEST" in header[1].text.upper()
    assert "Reference: NC-2018-001" in header[2].text
    assert "Code: BM.ĐGNB.03" in header[2].text and "Issue: 01" in header[2].text
    assert headings(document) == [
        "1. Nonconformity",
        "2. Correction",
        "3. Root cause",
        "4. Corrective actions",
        "5. Verification of effectiveness",
        "6. Signatures",
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Sửa ngay" in text and "Chưa phân công" in text
    actions = rows(table_after(document, "No."))
    assert actions[1][1:5] == ["Phân công đầu mối", "Trưởng phòng", "2018-08-31", ""]
    signatures = rows(document.tables[-1])
    assert signatures[0] == ["Auditor", "Head of the audited unit", "Verifier"]
    assert dict(rows(document.tables[0]))["Kind"] == "Minor nonconformity"


def test_programme_lists_every_audit(app, round2018, runner, tmp_path):
    out = tmp_path / "programme.docx"
    result = runner.invoke(cli, args=["export", "programme", "2018", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    assert "PROGRAMME" in texts(document)
    assert "Internal audit of the quality management system in 2018" in texts(document)
    audits = rows(table_after(document, "No."))
    assert audits[0][1] == "Ref."
    assert audits[1][1] == "DG-2018-01" and audits[1][-1] == "In progress"
    assert len(audits) == 2


def test_every_report_of_a_year_into_a_folder(app, round2018, orgdata, runner, tmp_path):
    planned_audit(orgdata, start=date(2018, 9, 3))
    folder = tmp_path / "reports"
    result = runner.invoke(
        cli, args=["export", "audit-report", "--year", "2018", "--all", "-o", str(folder), "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == [
        "audit-report-DG-2018-01.docx",
        "audit-report-DG-2018-02.docx",
    ]
    second = docx.Document(str(folder / "audit-report-DG-2018-02.docx"))
    assert dict(rows(second.tables[1]))["Reference"] == "DG-2018-02"


def test_findings_register_is_a_real_spreadsheet(app, round2018, runner, tmp_path):
    out = tmp_path / "findings.xlsx"
    result = runner.invoke(cli, args=["export", "findings", "--year", "2018", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["Ref.", "Audit", "Unit", "Kind", "Edition", "Clause"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}4"
    assert sheet.max_row == 4
    first = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert first["Ref."] == "NC-2018-001"
    assert isinstance(first["Raised on"], datetime) and first["Raised on"].date() == date(2018, 7, 17)
    assert sheet.cell(2, header.index("Raised on") + 1).is_date
    assert first["Due on"].date() == date(2018, 8, 31)
    assert first["Overdue"] == "Yes"  # due 31/08/2018, never done
    assert first["Clause"] == "4.2.3" and first["Edition"] == "2008"


def test_calendar_has_one_event_per_audit(app, round2018, orgdata, runner, tmp_path):
    planned_audit(orgdata, start=date(2018, 9, 3))
    out = tmp_path / "audits.ics"
    result = runner.invoke(cli, args=["export", "calendar", "--year", "2018", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    calendar = icalendar.Calendar.from_ical(out.read_bytes())
    events = calendar.walk("VEVENT")
    assert [str(e["uid"]) for e in events] == ["dg-2018-01@qms-tracker", "dg-2018-02@qms-tracker"]
    first = events[0]
    assert first.decoded("dtstart") == date(2018, 7, 17)
    assert first.decoded("dtend") == date(2018, 7, 19)  # exclusive end of a two-day audit
    assert "DG-2018-01" in str(first["summary"]) and "P-A" in str(first["summary"])
    assert "Auditor" in str(first["description"])


@pytest.mark.parametrize(
    "args",
    [
        ["audit-report", "DG-2099-01"],
        ["audit-plan", "NOPE"],
        ["nc-report", "NC-2018-999"],
        ["programme", "2030"],
    ],
)
def test_unknown_reference_is_one_line_and_no_file(app, round2018, runner, tmp_path, args):
    out = tmp_path / "x.docx"
    result = runner.invoke(cli, args=["export", *args, "-o", str(out)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("error:")
    assert "Traceback" not in result.output
    assert not out.exists()


def test_download_buttons(app, round2018, as_user):
    client = as_user("steering")
    page = client.get("/audits/DG-2018-01").get_data(as_text=True)
    assert "/audits/DG-2018-01/report.docx" in page and "/audits/DG-2018-01/plan.docx" in page
    response = client.get("/audits/DG-2018-01/report.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("audit-report-DG-2018-01.docx")
    document = docx.Document(BytesIO(response.data))
    assert "BÁO CÁO" in texts(document)  # the page's language
    response = client.get(f"/audits/findings/{round2018.nc1.id}/nc-report.docx")
    assert dict(rows(docx.Document(BytesIO(response.data)).tables[0]))["Số hiệu"] == "NC-2018-001"
    programme_page = client.get("/audits/programmes/2018").get_data(as_text=True)
    assert "/audits/programmes/2018/findings.xlsx" in programme_page
    sheet = openpyxl.load_workbook(BytesIO(client.get("/audits/programmes/2018/findings.xlsx").data)).active
    assert sheet.max_row == 4
    ics = client.get("/audits/programmes/2018/audits.ics")
    assert ics.mimetype == "text/calendar"
    assert len(icalendar.Calendar.from_ical(ics.data).walk("VEVENT")) == 1


def test_downloads_follow_access_rules(app, round2018, as_user):
    client = as_user("manager_b")  # another unit's manager
    assert client.get("/audits/DG-2018-01/report.docx").status_code == 403
    assert client.get(f"/audits/findings/{round2018.nc1.id}/nc-report.docx").status_code == 403
    assert client.get("/audits/programmes/2018/findings.xlsx").status_code == 403
    client = as_user("manager_a")
    assert client.get(f"/audits/findings/{round2018.nc1.id}/nc-report.docx").status_code == 200
