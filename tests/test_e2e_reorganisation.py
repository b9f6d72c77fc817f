"""A reorganisation as the administrator does it in the real Chromium, in Vietnamese, at laptop and phone
width: from the Administration menu, a new reorganisation merging two departments into a new one, its
preview's counts, the apply, the old units shown as historical and "now part of" the new one, the undo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from audits.models import Finding
from qms.extensions import db
from qms.models.org import Unit
from qms.services import demo
from tests.e2e_support import ADMIN_EMAIL, LAPTOP, PHONE, LiveServer, sign_in, snap
from tests.test_e2e_foundation import reset_language
from tests.test_e2e_trust import no_horizontal_scroll

pytestmark = pytest.mark.browser

SOURCES = ("P-TNMT", "P-TP")
OPEN_FINDING = Finding.status.not_in(("closed", "noted", "withdrawn"))


def facts(server: LiveServer) -> dict[str, Any]:
    """The units' ids and, for each source, its findings and the open ones (what the preview must show)."""
    with server.app.app_context():
        ids = {
            code: db.session.scalar(select(Unit.id).where(Unit.code == code, Unit.valid_until.is_(None)))
            for code in (*SOURCES, demo.CITY_CODE)
        }
        findings = {
            code: (
                db.session.scalar(select(func.count(Finding.id)).where(Finding.unit_id == ids[code])) or 0,
                db.session.scalar(
                    select(func.count(Finding.id)).where(Finding.unit_id == ids[code], OPEN_FINDING)
                )
                or 0,
            )
            for code in SOURCES
        }
        db.session.remove()
    return {"ids": ids, "findings": findings}


def open_menu_link(page: Any, selector: str) -> None:
    """Follow a link of the navigation, opening the phone menu and its drop-down when they hold it."""
    link = page.locator(selector)
    toggler = page.locator(".navbar-toggler")
    if not link.is_visible() and toggler.is_visible():
        toggler.click()
        page.locator(".navbar-collapse.show").wait_for(state="visible")
    if not link.is_visible():
        page.locator(".navbar .dropdown").filter(has=link).locator(".dropdown-toggle").click()
        link.wait_for(state="visible")
    link.click()
    page.wait_for_load_state("load")


def submit(page: Any, form: str) -> None:
    page.locator(f"{form} [type=submit]").click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize(("width", "height", "name"), [(*LAPTOP, "laptop"), (*PHONE, "phone")])
def test_the_administrator_merges_two_departments_then_undoes_it(
    live_server: LiveServer, open_page: Any, screenshots: Path, width: int, height: int, name: str
) -> None:
    reset_language(live_server, ADMIN_EMAIL, "vi")
    known = facts(live_server)
    ids = known["ids"]
    new_code = f"P-MT-TP-{name[0].upper()}"
    page = open_page(width, height)
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations of apply and undo
    sign_in(page, live_server, ADMIN_EMAIL)
    assert page.locator("html").get_attribute("lang") == "vi"

    # Administration → Reorganisations → New reorganisation
    open_menu_link(page, "#nav-reorganisations")
    page.locator("#new-reorganisation").click()
    page.wait_for_load_state("load")
    basis = f"Nghị quyết 1667/NQ-UBTVQH15 ({name})"
    page.locator("input[name=legal_basis]").fill(basis)
    page.locator("input[name=legal_act_date]").fill("2025-06-16")
    page.locator("input[name=effective_on]").fill("2025-07-01")
    page.locator("textarea[name=note]").fill("Sáp nhập Phòng Tài nguyên và Môi trường với Phòng Tư pháp")
    snap(page, screenshots, f"reorg-1-new-{name}", full_page=True)
    submit(page, "#reorganisation-form")
    assert page.locator("main h1").inner_text().strip() == basis
    assert page.locator("#effective-on").inner_text().strip() == "01/07/2025"

    # two moves: each department merges into one new department
    for code in SOURCES:
        page.locator("select[name=move-kind]").select_option("merge")
        page.locator("select[name=move-source]").select_option(str(ids[code]))
        page.locator("input[name=move-new_code]").fill(new_code)
        page.locator("input[name=move-new_name]").fill("Phòng Tài nguyên, Môi trường và Tư pháp")
        page.locator("select[name=move-new_kind]").select_option("department")
        page.locator("select[name=move-new_parent]").select_option(str(ids[demo.CITY_CODE]))
        submit(page, "#move-form")
        assert page.locator("#move-form .is-invalid").count() == 0
    assert page.locator("#moves-table tbody tr").count() == 2
    assert no_horizontal_scroll(page)
    snap(page, screenshots, f"reorg-2-moves-{name}", full_page=True)

    # the preview: each department's findings, the open ones moving to the new unit, the closed staying
    page.locator("#open-preview").click()
    page.wait_for_load_state("load")
    assert page.locator("#problems").count() == 0
    for code in SOURCES:
        total, open_ = known["findings"][code]
        row = page.locator(f"#flow-{ids[code]}-finding")
        if total == 0:
            assert row.count() == 0
            continue
        assert row.locator(".flow-total").inner_text().strip() == str(total)
        assert row.locator(".flow-moving").inner_text().strip() == str(open_)
        assert row.locator(".flow-staying").inner_text().strip() == str(total - open_)
        if open_:
            assert row.locator(".flow-successor").inner_text().strip().startswith(new_code)
    assert sum(t for t, _o in known["findings"].values()) > 0  # the demo gives them findings to count
    assert no_horizontal_scroll(page)
    snap(page, screenshots, f"reorg-3-preview-{name}", full_page=True)

    # apply (confirmed): the reorganisation is applied, by whom and when
    page.locator("#apply").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-status=applied]").count() == 1
    assert "Quản trị hệ thống" in page.locator("#applied").inner_text()
    snap(page, screenshots, f"reorg-4-applied-{name}", full_page=True)

    # the old unit, from the moves table: historical, now part of the new unit
    page.locator(f"#moves-table a[href$='/units/{ids['P-TNMT']}']").first.click()
    page.wait_for_load_state("load")
    historical = page.locator("#unit-historical")
    assert historical.is_visible() and "30/06/2025" in page.locator("#unit-validity").inner_text()
    assert page.locator("main a[href*='/admin/units/']").count() == 0  # read-only: no edit button
    assert no_horizontal_scroll(page)
    snap(page, screenshots, f"reorg-5-historical-{name}", full_page=True)
    historical.locator("a").first.click()
    page.wait_for_load_state("load")
    assert page.locator("main h1").inner_text().strip() == "Phòng Tài nguyên, Môi trường và Tư pháp"
    assert page.locator(f"#unit-predecessors a[href$='/units/{ids['P-TP']}']").count() == 1
    snap(page, screenshots, f"reorg-6-successor-{name}", full_page=True)

    # the unit tree shows the old units with what they are now part of
    open_menu_link(page, "nav a.nav-link[href$='/units/']")
    assert page.locator(".now-part-of").count() >= 2
    snap(page, screenshots, f"reorg-7-tree-{name}", full_page=True)
    # the organisation as it stood the day before: the old departments, not the new one
    page.locator("#units-on").fill("2025-06-30")
    submit(page, "#units-as-of")
    assert "30/06/2025" in page.locator("#units-on-day").inner_text()
    assert page.locator(f"tbody a[href$='/units/{ids['P-TNMT']}']").count() >= 1
    assert page.locator("tbody td.text-nowrap a", has_text=new_code).count() == 0  # it began on 01/07/2025
    snap(page, screenshots, f"reorg-7b-as-of-{name}", full_page=True)

    # back to the reorganisation from the Units page, then undo (confirmed)
    page.locator("#units-reorganisations").click()
    page.wait_for_load_state("load")
    page.get_by_role("link", name=basis, exact=True).click()
    page.wait_for_load_state("load")
    page.locator("#undo").click()
    page.wait_for_load_state("load")
    assert page.locator("[data-status=undone]").count() == 1
    snap(page, screenshots, f"reorg-8-undone-{name}", full_page=True)
    with live_server.app.app_context():
        assert db.session.scalar(select(Unit.id).where(Unit.code == new_code)) is None
        assert db.session.get(Unit, ids["P-TNMT"]).valid_until is None
        db.session.remove()
