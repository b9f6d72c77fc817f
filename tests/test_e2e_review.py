"""A management review in the real Chromium, through the pages and in Vietnamese: steering records the
review with its notes and a decision for a unit, holds it (the figures freeze) and issues the notice of
its conclusions; the unit's manager finds the decision on "My work" and marks it done; the downloaded
pack and notice hold what was decided."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from docx import Document

from tests.e2e_support import LiveServer, sign_in, sign_out, snap
from tests.test_e2e_audit_year import body, choose, go, my_work, press

pytestmark = pytest.mark.browser

STEERING = "steering@demo.qms.vn"
MANAGER = "manager@demo.qms.vn"
DECISION = "Số hoá việc theo dõi hồ sơ đất đai trên phần mềm một cửa."


def text_of(path: Path) -> str:
    document = Document(str(path))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_management_review_from_draft_to_its_notice(
    live_server: LiveServer, open_page: Any, screenshots: Path
) -> None:
    page = open_page()
    page.on("dialog", lambda dialog: dialog.accept())

    # 1. Steering records the review, its notes and conclusions, and a decision for P-TNMT.
    sign_in(page, live_server, STEERING)
    go(page, "Xem xét của lãnh đạo")
    press(page, "#review-new")
    page.locator("input[name=held_on]").fill("2026-11-20")
    page.locator("input[name=chair]").fill("Phạm Minh Đức")
    page.locator("textarea[name=attendees]").fill("Lãnh đạo UBND; Ban chỉ đạo ISO; trưởng các phòng.")
    page.locator("input[name=period_start]").fill("2026-01-01")
    page.locator("input[name=period_end]").fill("2026-11-15")
    press(page, "main form [type=submit]")
    assert "20/11/2026" in body(page)
    page.locator("textarea[name=notes_resources]").fill("Bộ phận Một cửa cần thêm máy quét.")
    page.locator("textarea[name=conclusions]").fill("Hệ thống quản lý chất lượng được duy trì và cải tiến.")
    press(page, "#notes-save")
    # saved: the page comes back with what was typed
    assert (
        page.locator("textarea[name=notes_resources]").input_value() == "Bộ phận Một cửa cần thêm máy quét."
    )

    press(page, "#decision-form [type=submit]")  # nothing filled in: refused at the fields
    assert page.locator("#decision-form .invalid-feedback").count() >= 1
    page.locator("#decision-form textarea[name=decision-what]").fill(DECISION)
    choose(page, "#decision-form select[name=decision-owner_unit_id]", "P-TNMT")
    choose(page, "#decision-form select[name=decision-owner_id]", "Nguyễn Thị Hoa")
    page.locator("#decision-form input[name=decision-due_on]").fill("2026-12-31")
    press(page, "#decision-form [type=submit]")
    assert DECISION in page.locator("#decision-list").inner_text()

    # 2. ... holds it and issues the notice of its conclusions.
    press(page, "#review-hold")
    assert page.locator("#review-status").get_attribute("data-status") == "held"
    page.locator("#notice-form input[name=issued_on]").fill("2026-11-25")
    press(page, "#notice-form [type=submit]")
    assert "/TB-" in page.locator("#notice-number").inner_text()
    snap(page, screenshots, "review-01-held")
    with page.expect_download() as info:
        page.locator("#notice-docx").click()
    notice = text_of(Path(info.value.path()))
    assert "THÔNG BÁO" in notice and DECISION in notice and "31/12/2026" in notice
    with page.expect_download() as info:
        page.locator("#pack-docx").click()
    assert "Bộ phận Một cửa cần thêm máy quét." in text_of(Path(info.value.path()))
    sign_out(page)

    # 3. The unit's manager finds the decision on "My work" and marks it done.
    sign_in(page, live_server, MANAGER)
    my_work(page)
    row = page.locator("#review-decisions tr", has_text="Số hoá việc theo dõi hồ sơ đất đai")
    assert row.count() == 1
    row.locator("a[href$='/done']").click()
    page.wait_for_load_state("load")
    page.locator("textarea[name=done_note]").fill("Đã đưa sổ theo dõi lên phần mềm một cửa.")
    press(page, "main form [type=submit]")
    my_work(page)
    assert page.locator("#review-decisions tr", has_text="Số hoá việc theo dõi hồ sơ đất đai").count() == 0
    snap(page, screenshots, "review-02-done")
    sign_out(page)
