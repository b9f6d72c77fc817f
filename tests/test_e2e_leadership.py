"""The leader in the real Chromium: from the navigation to the leadership dashboard of 2018, its charts
drawn as inline SVG at laptop and phone width without a horizontal scroll, a chart's bar leading to the
records behind it, and the yearly report's section downloaded from the dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from docx import Document

from tests.e2e_support import LAPTOP, PHONE, LiveServer, sign_in, snap
from tests.test_e2e_audit_year import go

pytestmark = pytest.mark.browser

LEADER = "leader@demo.qms.vn"
CHARTS = ("#chart-objectives", "#chart-late", "#chart-actions", "#chart-programme")


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def open_dashboard_2018(page: Any, server: LiveServer) -> None:
    sign_in(page, server, LEADER)
    go(page, "Lãnh đạo")  # the menu entry (in the phone menu on a phone)
    assert page.url.startswith(server("/audits/leadership"))
    if page.locator("#year").input_value() != "2018":  # another test may have added a later year
        page.locator("#year").select_option("2018")
        page.wait_for_url("**year=2018")
    assert "year=2018" in page.url or page.locator("#year").input_value() == "2018"


@pytest.mark.parametrize(("width", "height", "name"), [(*LAPTOP, "laptop"), (*PHONE, "phone")])
def test_the_leader_reads_the_dashboard(
    live_server: LiveServer, open_page: Any, screenshots: Path, width: int, height: int, name: str
) -> None:
    page = open_page(width, height)
    open_dashboard_2018(page, live_server)
    for chart in CHARTS:
        svg = page.locator(chart)
        svg.scroll_into_view_if_needed()
        assert svg.is_visible(), chart
        box = svg.bounding_box()
        assert box is not None and 0 < box["width"] <= width, chart
    assert page.locator("#chart-late rect.bar").count() == 28  # the city and its 27 wards and communes
    assert no_horizontal_scroll(page)
    assert page.locator("#leadership-units tr[data-unit='UBND-NT'] td.late-rate").inner_text() == "1,07%"
    snap(page, screenshots, f"leadership-{name}", full_page=True)

    # A bar of the corrective actions chart leads to the unit's overdue actions of 2018.
    page.locator("#chart-actions a rect.bar-overdue").first.click()
    page.wait_for_load_state("load")
    assert "/audits/actions" in page.url and "state=overdue" in page.url and "year=2018" in page.url
    assert page.locator("#actions tbody tr").count() >= 1
    assert no_horizontal_scroll(page)


def test_the_leader_downloads_the_yearly_report(
    live_server: LiveServer, open_page: Any, tmp_path: Path
) -> None:
    page = open_page()
    open_dashboard_2018(page, live_server)
    with page.expect_download() as download_info:
        page.locator("#annual-report a", has_text="Word").click()
    download = download_info.value
    assert download.suggested_filename == "annual-report-2018.docx"
    path = tmp_path / download.suggested_filename
    download.save_as(str(path))
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert "Tổng số hồ sơ đã tiếp nhận: 58.053 hồ sơ" in text
    assert "số hồ sơ giải quyết trễ hạn là 158 hồ sơ, chiếm tỷ lệ 0,21%." in text
    # the 2018 round (other browser tests on the same server may add audits to it: its dates are not pinned)
    assert "Đoàn đánh giá của UBND thành phố Nha Trang đã tiến hành đánh giá nội bộ" in text
