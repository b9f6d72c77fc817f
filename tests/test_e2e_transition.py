"""The move to ISO 9001:2015 in the real Chromium, each step by the person who does it, through the pages
and in Vietnamese: steering opens the transition, the unit's manager attaches evidence from the unit's
own records, closes an item and remaps the procedures' 2008 references (in bulk, and one by one with a
choice and a comment), and steering sees the unit's percentage rise and downloads the city-wide report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from docx import Document

from tests.e2e_support import PHONE, LiveServer, sign_in, sign_out, snap
from tests.test_e2e_audit_year import body, go, press

pytestmark = pytest.mark.browser

STEERING = "steering@demo.qms.vn"
MANAGER = "manager@demo.qms.vn"
UNIT = "P-TNMT"


def unit_row(page: Any) -> Any:
    return page.locator("#progress-table tr", has_text=UNIT).first


def test_a_unit_moves_to_iso_9001_2015(live_server: LiveServer, open_page: Any, screenshots: Path) -> None:
    page = open_page()
    page.on("dialog", lambda dialog: dialog.accept())

    # 1. Steering opens the transition for every active unit.
    sign_in(page, live_server, STEERING)
    go(page, "Chuyển đổi 2015")
    press(page, "#open-transition")
    page.locator("input[name=target_date]").fill("2027-06-30")
    press(page, "main form [type=submit]")
    assert "30/06/2027" in body(page)
    before = unit_row(page).locator(".figure.done").inner_text()
    assert before.startswith("0")
    snap(page, screenshots, "transition-01-opened")
    sign_out(page)

    # 2. The unit's manager attaches the unit's risk register to 6.1 and marks it done.
    sign_in(page, live_server, MANAGER)
    go(page, "Chuyển đổi 2015")
    if UNIT not in page.url:
        go(page, UNIT)
    page.locator("a", has_text="giải quyết rủi ro và cơ hội").first.click()
    page.wait_for_load_state("load")
    register = page.locator("#proposals li[data-kind=risks]")
    assert "rủi ro" in register.inner_text().lower()
    press(page, "#proposals li[data-kind=risks] button")
    assert page.locator("#evidence-list li[data-kind=risks]").count() == 1
    page.locator("#edit-item select[name=status]").select_option("done")
    page.locator("#edit-item textarea[name=notes]").fill(
        "Sổ đăng ký rủi ro của phòng đã lập và được lãnh đạo phòng duyệt."
    )
    press(page, "#edit-item form [type=submit]")
    assert "Hoàn thành" in page.locator("h1 + p").inner_text()
    assert "Sổ đăng ký rủi ro của phòng đã lập" in body(page)
    snap(page, screenshots, "transition-02-item-done")

    # 3. ... and remaps the procedures' ISO 9001:2008 references: the one-to-one ones together,
    # the one-to-many one with a choice and a comment.
    go(page, UNIT)
    page.locator("a", has_text="viện dẫn ISO 9001:2008").first.click()
    page.wait_for_load_state("load")
    left_before = int(page.locator("#left").inner_text().split(":")[-1].strip().replace(".", ""))
    assert left_before >= 2
    page.locator("#pending input[data-check-all]").check()
    assert page.locator("#pending input[name=refs]:checked").count() >= 1
    press(page, "#bulk-accept [type=submit]")
    row = page.locator("#pending tr", has_text="7.5.1").first
    row.locator("a.btn").click()
    page.wait_for_load_state("load")
    press(page, "main form [type=submit]")  # no choice, no comment: refused, nothing written
    assert page.locator(".invalid-feedback").count() >= 1
    page.locator("input[name=clauses][type=checkbox]").first.check()
    page.locator("textarea[name=comment]").fill("Quy trình kiểm soát việc cung cấp dịch vụ theo điều 8.5.1.")
    press(page, "main form [type=submit]")
    left_after = int(page.locator("#left").inner_text().split(":")[-1].strip().replace(".", ""))
    assert left_after < left_before
    assert "Quy trình kiểm soát việc cung cấp dịch vụ" in page.locator("#decisions").inner_text()
    snap(page, screenshots, "transition-03-remapped")
    # The procedure shows its new reference beside the 2008 original.
    page.locator("#decisions a", has_text="QT-TNMT-01").first.click()
    page.wait_for_load_state("load")
    assert "(trước là 2008" in body(page)
    sign_out(page)

    # 4. Steering sees the unit's percentage rise and downloads the city-wide report.
    sign_in(page, live_server, STEERING)
    go(page, "Chuyển đổi 2015")
    after = unit_row(page).locator(".figure.done").inner_text()
    assert not after.startswith("0")
    assert page.locator("svg rect.bar").count() > 1
    snap(page, screenshots, "transition-04-progress")
    with page.expect_download() as info:
        page.locator("#export-report").click()
    path = Path(info.value.path())
    document = Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert UNIT in text
    assert "Sổ đăng ký rủi ro" in text or "rủi ro" in text.lower()
    sign_out(page)


def test_the_transition_pages_at_phone_width(
    live_server: LiveServer, open_page: Any, screenshots: Path
) -> None:
    page = open_page(*PHONE)
    sign_in(page, live_server, MANAGER)
    go(page, "Chuyển đổi 2015")
    if UNIT not in page.url:
        go(page, UNIT)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    snap(page, screenshots, "transition-05-phone-unit", full_page=True)
    sign_out(page)
