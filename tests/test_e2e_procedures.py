"""In the browser: a manager builds a procedure with a branch through the forms and sees its map."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qms.extensions import db
from qms.models.org import Unit
from tests.e2e_support import sign_in, snap

pytestmark = pytest.mark.browser

MANAGER = "manager@demo.qms.vn"  # manager of P-TNMT in the demo city


def unit_id(live_server, code: str) -> int:
    with live_server.app.app_context():
        return db.session.scalar(select(Unit.id).where(Unit.code == code))


def add_step(page, text: str, responsible: str, days: str, output: str = "") -> None:
    page.locator("#add-step").click()
    page.locator("textarea[name=text]").fill(text)
    page.locator("input[name=responsible]").fill(responsible)
    page.locator("input[name=days]").fill(days)
    page.locator("input[name=output]").fill(output)
    page.locator("#step-form [type=submit]").click()
    page.wait_for_selector("#process-map")


def test_build_a_procedure_with_a_branch_and_see_its_map(live_server, open_page, screenshots):
    page = open_page()
    sign_in(page, live_server, MANAGER)
    tnmt = unit_id(live_server, "P-TNMT")
    page.goto(live_server(f"/units/{tnmt}"))
    page.locator("#unit-procedures a").first.click()
    page.wait_for_url(f"**/procedures/unit/{tnmt}")
    assert page.locator("text=QT-TNMT-01").count() >= 1  # the demo procedure is listed
    page.goto(live_server(f"/procedures/unit/{tnmt}/new"))
    page.locator("input[name=code]").fill("QT-E2E-01")
    page.locator("input[name=title]").fill("Cấp bản sao trích lục bản đồ địa chính")
    page.locator("input[name=time_limit_days]").fill("3")
    page.locator("#process-form [type=submit]").click()
    page.wait_for_selector("#add-step")

    add_step(page, "Tiếp nhận hồ sơ", "Bộ phận Một cửa", "0.5", "BM.01")
    add_step(page, "Trích lục bản đồ, trình ký", "Chuyên viên Phòng TN&MT", "2", "Bản trích lục")
    add_step(page, "Trả kết quả", "Bộ phận Một cửa", "0.5")
    # The decision: inserted as step 4, then moved up to step 2.
    page.locator("#add-step").click()
    page.locator("select[name=kind]").select_option("decision")
    page.locator("textarea[name=text]").fill("Hồ sơ đầy đủ?")
    page.locator("input[name=responsible]").fill("Bộ phận Một cửa")
    page.locator("input[name=days]").fill("0")
    page.locator("select[name=yes_step_id]").select_option(index=2)  # step 2: trích lục
    page.locator("select[name=no_step_id]").select_option(index=1)  # step 1: back to receiving
    page.locator("#step-form [type=submit]").click()
    page.wait_for_selector("#process-map")
    page.locator("#step-4 button[title]").first.click()  # move up
    page.wait_for_selector("#process-map")
    page.locator("#step-3 button[title]").first.click()  # and up again: step 2
    page.wait_for_selector("#process-map")

    svg = page.locator("svg#process-map")
    assert svg.is_visible()
    assert svg.locator("polygon.map-decision").count() == 1
    assert svg.locator("rect.map-step").count() == 3
    text = svg.text_content()
    for words in ("Tiếp nhận hồ sơ", "Hồ sơ đầy đủ?", "Trả kết quả", "Bộ phận Một cửa"):
        assert words in text
    assert page.locator("#step-2").text_content().count("Hồ sơ đầy đủ?") == 1
    assert page.locator("#approve-form").is_visible()  # 3 days along the main path fit the limit
    box = svg.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 400
    snap(page, screenshots, "procedure-page")
    svg.screenshot(path=str(screenshots / "procedure-map.png"))
