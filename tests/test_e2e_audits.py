"""An internal audit as people live it, in the real Chromium: the steering committee plans an audit, the
auditor logs a nonconformity, the unit's manager answers it, the auditor accepts the plan and verifies
the actions, and the finding is closed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from docx import Document
from sqlalchemy import select

from audits.models import Finding
from qms.extensions import db
from qms.models.clauses import Clause
from qms.models.org import Unit, User
from tests.e2e_support import LiveServer, sign_in, sign_out, snap

pytestmark = pytest.mark.browser

STEERING = "steering@demo.qms.vn"
AUDITOR = "auditor@demo.qms.vn"
MANAGER = "manager@demo.qms.vn"


def _ids(server: LiveServer) -> dict[str, int]:
    with server.app.app_context():
        found = {
            "unit": db.session.scalar(select(Unit.id).where(Unit.code == "P-TNMT")),
            "clause": db.session.scalar(
                select(Clause.id).where(Clause.edition == "2008", Clause.number == "4.2.3")
            ),
            "auditor": db.session.scalar(select(User.id).where(User.email == AUDITOR)),
        }
        db.session.remove()
    return found


def submit(page: Any, form: str) -> None:
    page.locator(f"{form} [type=submit]").first.click()
    page.wait_for_load_state("load")


def test_plan_audit_log_nonconformity_answer_verify_close(
    live_server: LiveServer, open_page: Any, screenshots: Path
) -> None:
    ids = _ids(live_server)
    page = open_page()

    # the steering committee plans the audit and its team, and starts it
    sign_in(page, live_server, STEERING)
    page.goto(live_server("/audits/programmes/2018"))
    page.goto(live_server("/audits/programmes/2018/audits/new"))
    page.locator("select[name=kind]").select_option("unannounced")
    page.locator("input[name=planned_start]").fill("2018-12-03")
    page.locator("input[name=planned_end]").fill("2018-12-04")
    page.locator("select[name=unit_ids]").select_option(str(ids["unit"]))
    page.locator("select[name=clause_ids]").select_option(str(ids["clause"]))
    submit(page, "main form")
    audit_url = page.url
    ref = audit_url.rsplit("/", 1)[-1]
    assert ref.startswith("DG-2018-")
    page.locator("#team select[name=user_id]").select_option(str(ids["auditor"]))
    page.locator("#team select[name=role]").select_option("lead")
    submit(page, "#team form[action$='/team']")
    assert page.locator("#team").inner_text().count("Lê Văn Cường") == 1
    page.locator("#transitions button[value=start]").click()
    page.wait_for_load_state("load")
    assert page.locator("h1 [data-status=in_progress]").count() == 1
    snap(page, screenshots, "audit-planned")
    sign_out(page)

    # the auditor logs a nonconformity
    sign_in(page, live_server, AUDITOR)
    page.goto(audit_url)
    page.locator("#new-finding").click()
    page.locator("select[name=kind]").select_option("minor")
    page.locator("input[name=clause]").fill("4.2.3")
    page.locator("textarea[name=evidence]").fill("Danh mục tài liệu ngày 02/01/2018 chưa có QT-TNMT-05.")
    page.locator("textarea[name=statement]").fill("Tài liệu nội bộ chưa được kiểm soát đầy đủ.")
    submit(page, "main form")
    finding_url = page.url
    nc_ref = page.locator("h1").inner_text().split()[0]
    assert nc_ref.startswith("NC-2018-")
    sign_out(page)

    # the unit's manager answers with correction, cause and an action, and submits the plan
    sign_in(page, live_server, MANAGER)
    page.goto(finding_url)
    page.locator("#plan-form textarea[name=correction]").fill("Bổ sung QT-TNMT-05 vào danh mục.")
    page.locator("#plan-form textarea[name=root_cause]").fill("Chưa phân công người cập nhật danh mục.")
    page.locator("#plan-form textarea[name='actions-0-what']").fill(
        "Phân công đầu mối ISO rà soát danh mục hằng tháng."
    )
    page.locator("#plan-form input[name='actions-0-owner_name']").fill("Nguyễn Thị Hoa")
    page.locator("#plan-form input[name='actions-0-due_on']").fill("2018-12-28")
    page.locator("#submit-plan").click()
    page.wait_for_load_state("load")
    assert page.locator("#finding-status [data-status=plan_submitted]").count() == 1
    sign_out(page)

    # the auditor accepts the plan
    sign_in(page, live_server, AUDITOR)
    page.goto(finding_url)
    page.locator("#review-form input[value=accept]").check()
    submit(page, "#review-form")
    assert page.locator("#finding-status [data-status=plan_accepted]").count() == 1
    sign_out(page)

    # the unit marks the action done
    sign_in(page, live_server, MANAGER)
    page.goto(finding_url)
    page.locator("form[action$='/done'] textarea[name=note]").fill("Đã cập nhật danh mục tài liệu.")
    submit(page, "form[action$='/done']")
    assert page.locator("#finding-status [data-status=actions_done]").count() == 1
    assert page.locator("#verify-form").count() == 0  # the manager cannot verify
    sign_out(page)

    # the auditor verifies effectiveness: the finding is closed
    sign_in(page, live_server, AUDITOR)
    page.goto(finding_url)
    page.locator("#verify-form textarea[name=evidence]").fill("Danh mục tháng 12 đã cập nhật đủ.")
    page.locator("#verify-form input[name=effective][value=yes]").check()
    submit(page, "#verify-form")
    assert page.locator("#finding-status [data-status=closed]").count() == 1
    snap(page, screenshots, "finding-closed")

    with live_server.app.app_context():
        finding = db.session.scalar(select(Finding).where(Finding.ref == nc_ref))
        assert finding.status == "closed" and finding.checks[-1].effective
        db.session.remove()

    # leadership's report downloads from the audit page and names the closed nonconformity
    page.goto(audit_url)
    with page.expect_download() as download_info:
        page.locator("#download-report").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".docx")
    target = screenshots / f"{ref}-report.docx"
    download.save_as(target)
    report = Document(str(target))
    text = "\n".join(p.text for p in report.paragraphs) + "\n".join(
        cell.text for table in report.tables for row in table.rows for cell in row.cells
    )
    assert ref in text and nc_ref in text
