"""A year of the audit cycle in the real Chromium, each step by the person who does it, through the pages
and in Vietnamese: steering drafts the programme, the leader approves it, the audit is planned and its
plan acknowledged by the unit, a checklist answer raises the nonconformity, the unit answers in one form,
the overdue action is escalated by `qms notify`, the auditor verifies, the lead concludes, steering
approves and numbers the report, and the downloaded report holds all of it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from cli import cli
from tests.e2e_support import PHONE, LiveServer, sign_in, sign_out, snap

pytestmark = pytest.mark.browser

STEERING = "steering@demo.qms.vn"
LEADER = "leader@demo.qms.vn"
AUDITOR = "auditor@demo.qms.vn"
MANAGER = "manager@demo.qms.vn"
YEAR = "2019"
CONCLUSION = "Hệ thống quản lý chất lượng của Phòng Tài nguyên và Môi trường phù hợp với TCVN ISO 9001:2015."


def go(page: Any, name: str) -> None:
    """Follow a link by its visible Vietnamese text, opening the phone menu and the navigation's
    drop-down that hold it when they do."""
    link = page.get_by_role("link", name=name, exact=True).first
    toggler = page.locator(".navbar-toggler")
    if not link.is_visible() and toggler.is_visible():
        toggler.click()
        page.locator(".navbar-collapse.show").wait_for(state="visible")  # opened, not still sliding
    if not link.is_visible():
        # (a hidden link has no role to find it by: its text is looked for instead)
        item = page.locator("a.dropdown-item", has_text=re.compile(f"^\\s*{re.escape(name)}\\s*$"))
        menu = page.locator(".navbar .dropdown").filter(has=item)
        if menu.count():
            menu.first.locator(".dropdown-toggle").click()
            link.wait_for(state="visible")
    link.click()
    page.wait_for_load_state("load")


def my_work(page: Any) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    page.locator("#user-menu").click()
    go(page, "Việc của tôi")


def choose(scope: Any, select: str, text: str) -> None:
    """Select the option of `select` whose label contains `text`."""
    value = scope.locator(f"{select} option", has_text=text).first.get_attribute("value")
    scope.locator(select).select_option(value)


def press(page: Any, locator: str) -> None:
    page.locator(locator).first.click()
    page.wait_for_load_state("load")


def open_programme(page: Any) -> None:
    go(page, "Đánh giá nội bộ")
    go(page, YEAR)


def open_audit(page: Any, ref: str) -> None:
    open_programme(page)
    go(page, ref)


def body(page: Any) -> str:
    return page.locator("main").inner_text()


def test_a_year_of_the_audit_cycle(live_server: LiveServer, open_page: Any, screenshots: Path) -> None:
    page = open_page()
    page.on("dialog", lambda dialog: dialog.accept())

    # 1. The steering committee drafts the programme and submits it for approval.
    sign_in(page, live_server, STEERING)
    go(page, "Đánh giá nội bộ")
    go(page, "Thêm chương trình")
    page.locator("input[name=year]").fill(YEAR)
    page.locator("select[name=edition]").select_option("2015")
    page.locator("textarea[name=objectives]").fill("Đánh giá sự phù hợp và hiệu lực của HTQLCL.")
    press(page, "main form [type=submit]")
    assert f"/programmes/{YEAR}" in page.url
    go(page, "Sửa")
    page.locator("textarea[name=scope]").fill("Các cơ quan chuyên môn thuộc UBND thành phố.")
    press(page, "main form [type=submit]")
    assert "Các cơ quan chuyên môn thuộc UBND thành phố." in body(page)  # the edit was saved
    press(page, "#submit-programme button")
    snap(page, screenshots, "year-01-programme-submitted")
    sign_out(page)

    # 2. The leader approves it with the decision's number and date.
    sign_in(page, live_server, LEADER)
    open_programme(page)
    page.locator("#programme-decision input[type=radio][value=approve]").check()
    page.locator("#programme-decision input[name=decision_number]").fill("45/QĐ-UBND")
    page.locator("#programme-decision input[name=decision_date]").fill("2019-06-20")
    press(page, "#programme-decision [type=submit]")
    assert "45/QĐ-UBND" in body(page)
    snap(page, screenshots, "year-02-programme-approved")
    sign_out(page)

    # 3. Steering plans the audit of P-TNMT, names the lead auditor and sends the plan to the unit.
    sign_in(page, live_server, STEERING)
    open_programme(page)
    go(page, "Thêm cuộc đánh giá")
    page.locator("input[name=planned_start]").fill(f"{YEAR}-07-15")
    page.locator("input[name=planned_end]").fill(f"{YEAR}-07-16")
    choose(page, "select[name=unit_ids]", "P-TNMT")
    choose(page, "select[name=clause_ids]", "7.5.3")
    press(page, "main form [type=submit]")
    ref = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert ref.startswith(f"DG-{YEAR}-")
    choose(page, "#team select[name=user_id]", "Lê Văn Cường")
    page.locator("#team select[name=role]").select_option("lead")
    press(page, "#team form[action$='/team'] [type=submit]")
    acknowledge = page.locator("#team form[action*='/acknowledge'] button")
    if acknowledge.count():  # the lead has no 2015 training record: steering, not he, acknowledges it
        press(page, "#team form[action*='/acknowledge'] button")
    press(page, "#send-plan button")
    assert "P-TNMT" in page.locator("#plan-units").inner_text()
    sign_out(page)

    # 4. The unit's manager acknowledges the plan from "My work".
    sign_in(page, live_server, MANAGER)
    my_work(page)
    assert ref in page.locator("#plans-to-acknowledge").inner_text()
    press(page, "#plans-to-acknowledge button")
    assert page.locator("#plans-to-acknowledge").count() == 0
    sign_out(page)

    # 5. Steering starts the audit.
    sign_in(page, live_server, STEERING)
    open_audit(page, ref)
    assert "đã xác nhận" in page.locator("#plan-units").inner_text()
    press(page, "#transitions button[value=start]")
    sign_out(page)

    # 6. The lead auditor fills the checklist: a nonconformity answer raises the finding.
    sign_in(page, live_server, AUDITOR)
    open_audit(page, ref)
    go(page, "Danh mục kiểm tra")
    press(page, "#generate-checklist")
    first = page.locator("#checklist-form .card").first
    first.locator("select").select_option("nonconformity")
    first.locator("textarea").nth(1).fill("Danh mục tài liệu nội bộ ngày 02/01/2019 chưa có QT-TNMT-05.")
    second_notes = page.locator("#checklist-form textarea").nth(3)
    second_notes.fill("Ghi chú câu hỏi 2 không được mất.")
    press(page, "#save-checklist")
    assert page.locator("#checklist-form textarea").nth(3).input_value().endswith("không được mất.")
    snap(page, screenshots, "year-03-checklist", full_page=True)
    press(page, "#checklist-form a[id^=raise-]")
    assert page.locator("select[name=kind]").input_value() == "minor"
    assert "QT-TNMT-05" in page.locator("textarea[name=evidence]").input_value()
    page.locator("textarea[name=statement]").fill("Tài liệu nội bộ chưa được kiểm soát đầy đủ.")
    press(page, "main form [type=submit]")
    nc_ref = page.locator("h1").inner_text().split()[0]
    assert nc_ref.startswith(f"NC-{YEAR}-")
    assert page.locator("#raised-from-checklist").count() == 1
    sign_out(page)

    # 7. The manager answers in one form: correction, root cause and an action owned by a user.
    sign_in(page, live_server, MANAGER)
    my_work(page)
    go(page, nc_ref)
    page.locator("#plan-form textarea[name=correction]").fill("Bổ sung QT-TNMT-05 vào danh mục.")
    page.locator("#plan-form textarea[name=root_cause]").fill("Chưa phân công người cập nhật danh mục.")
    row = page.locator("#action-rows tbody tr").first
    row.locator("textarea").fill("Phân công đầu mối ISO rà soát danh mục hằng tháng.")
    choose(row, "select", "Nguyễn Thị Hoa")
    row.locator("input[type=date]").fill(f"{YEAR}-08-15")
    press(page, "#submit-plan")
    assert page.locator("#finding-status [data-status=plan_submitted]").count() == 1
    snap(page, screenshots, "year-04-plan-submitted", full_page=True)
    sign_out(page)

    # 8. The action's deadline has long passed: `qms notify --dry-run` escalates it to steering.
    result = live_server.app.test_cli_runner().invoke(cli, args=["notify", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert nc_ref in result.output and STEERING in result.output

    # 9. The auditor accepts the plan; the unit marks the action done; the auditor verifies.
    sign_in(page, live_server, AUDITOR)
    my_work(page)
    go(page, nc_ref)
    page.locator("#review-form input[value=accept]").check()
    press(page, "#review-form [type=submit]")
    assert page.locator("#finding-status [data-status=plan_accepted]").count() == 1
    sign_out(page)

    sign_in(page, live_server, MANAGER)
    my_work(page)
    go(page, nc_ref)
    form = page.locator("form.done-form").first
    form.locator("input[type=date]").fill(f"{YEAR}-08-10")
    form.locator("textarea").fill("Đã giao đầu mối ISO rà soát; danh mục tháng 8 đã đủ.")
    press(page, "form.done-form button[type=submit]")
    assert page.locator("#finding-status [data-status=actions_done]").count() == 1
    sign_out(page)

    sign_in(page, live_server, AUDITOR)
    my_work(page)
    go(page, nc_ref)
    page.locator("#verify-form textarea[name=evidence]").fill("Danh mục tháng 8 đã cập nhật đủ.")
    page.locator("#verify-form input[name=effective][value=yes]").check()
    press(page, "#verify-form [type=submit]")
    assert page.locator("#finding-status [data-status=closed]").count() == 1

    # 10. The lead auditor writes the conclusion and submits the report.
    open_audit(page, ref)
    page.locator("#conclusion-form input[name=conformity][value=conforms_with_ncs]").check()
    page.locator("#conclusion-form input[name=effective][value=yes]").check()
    page.locator("#conclusion-form textarea[name=conclusion]").fill(CONCLUSION)
    page.locator("#conclusion-form textarea[name=strengths]").fill("Hồ sơ một cửa lưu đầy đủ.")
    press(page, "#conclusion-form [type=submit]")
    press(page, "#transitions button[value=submit_report]")
    sign_out(page)

    # 11. Steering approves the report, which takes its number, and downloads it.
    sign_in(page, live_server, STEERING)
    open_audit(page, ref)
    page.locator("#approve-form input[name=report_date]").fill(f"{YEAR}-07-20")
    press(page, "#approve-form [type=submit]")
    number = page.locator("#report-number").inner_text()
    assert "/BC-BCĐ" in number
    snap(page, screenshots, "year-05-report-approved", full_page=True)
    with page.expect_download() as download_info:
        page.locator("#download-report").click()
    target = screenshots / f"{ref}-report.docx"
    download_info.value.save_as(target)
    report = Document(str(target))
    text = "\n".join(p.text for p in report.paragraphs) + "\n".join(
        cell.text for table in report.tables for row in table.rows for cell in row.cells
    )
    assert CONCLUSION in text and nc_ref in text
    assert "Số: 01/BC-BCĐ" in text and "Nha Trang, ngày 20 tháng 7 năm 2019" in text

    # The finding page fits a phone without sideways scrolling.
    phone = open_page(*PHONE)
    phone.on("dialog", lambda dialog: dialog.accept())
    sign_in(phone, live_server, AUDITOR)
    open_audit(phone, ref)
    go(phone, nc_ref)
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    snap(phone, screenshots, "year-06-finding-phone", full_page=True)


def no_sideways_scroll(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [PHONE[0], 1366])
def test_audit_pages_fit_phone_and_laptop(
    live_server: LiveServer, open_page: Any, screenshots: Path, width: int
) -> None:
    """Steering's audit pages of 2018 at phone and laptop width: nothing scrolls sideways, the findings
    register shows each statement."""
    page = open_page(width, PHONE[1] if width == PHONE[0] else 800)
    sign_in(page, live_server, STEERING)
    go(page, "Đánh giá nội bộ")
    go(page, "2018")
    assert no_sideways_scroll(page)
    snap(page, screenshots, f"audit-programme-{width}", full_page=True)
    go(page, "DG-2018-03")
    assert no_sideways_scroll(page)
    snap(page, screenshots, f"audit-page-{width}", full_page=True)
    go(page, "Danh mục kiểm tra")
    assert no_sideways_scroll(page)
    snap(page, screenshots, f"audit-checklist-{width}", full_page=True)
    go(page, "Đánh giá nội bộ")
    go(page, "Sổ theo dõi phát hiện đánh giá")
    assert no_sideways_scroll(page)
    statement = page.locator("td.finding-statement").first
    assert statement.is_visible() and len(statement.inner_text()) > 20
    if width == 1366:
        assert statement.bounding_box()["width"] > 300
    snap(page, screenshots, f"audit-findings-{width}", full_page=True)
    my_work(page)
    assert no_sideways_scroll(page)
    snap(page, screenshots, f"audit-my-work-{width}", full_page=True)


def test_leaving_unsaved_work_and_deleting_ask_first(live_server: LiveServer, open_page: Any) -> None:
    """Typed text is not lost by a stray click, and nothing is deleted without a confirmation."""
    page = open_page()
    dialogs: list[tuple[str, str]] = []
    refuse = {"on": True}

    def answer(dialog: Any) -> None:
        dialogs.append((dialog.type, dialog.message))
        if refuse["on"]:
            dialog.dismiss()  # stay on the page / do not delete
        else:
            dialog.accept()

    sign_in(page, live_server, AUDITOR)
    page.on("dialog", answer)
    go(page, "Đánh giá nội bộ")
    go(page, "2018")
    go(page, "DG-2018-03")
    go(page, "Danh mục kiểm tra")
    notes = page.locator("#checklist-form .card textarea").nth(1)  # the notes of the first question
    notes.fill("Ghi chú chưa lưu.")
    page.get_by_role("link", name="DG-2018-03", exact=True).first.click()
    page.wait_for_timeout(500)
    assert any(kind == "beforeunload" for kind, _message in dialogs)
    assert "/checklist" in page.url and notes.input_value() == "Ghi chú chưa lưu."

    # a delete button asks first; refused, nothing is deleted
    refuse["on"] = False  # now leave the page, abandoning the text
    sign_out(page)
    sign_in(page, live_server, MANAGER)
    refuse["on"] = True
    dialogs.clear()
    with live_server.app.app_context():
        from sqlalchemy import select

        from qms.extensions import db
        from qms.models.org import Unit

        tnmt = db.session.scalar(select(Unit.id).where(Unit.code == "P-TNMT"))
        db.session.remove()
    page.goto(live_server(f"/units/{tnmt}/context/"))
    rows = page.locator("main tbody tr")
    before = rows.count()
    page.locator("main form[action*='/delete'] button").first.click()
    page.wait_for_timeout(300)
    assert dialogs and dialogs[0][0] == "confirm"
    assert rows.count() == before  # refused: nothing deleted
