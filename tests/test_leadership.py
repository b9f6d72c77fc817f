"""The leadership dashboard: the figures per unit on a small known data set, each a link to the records
behind it (and those records count the same), the charts as inline SVG, the year selector, who may see
it, the navigation to it and the download of the yearly report from it."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO
from urllib.parse import parse_qs, urlparse

import pytest
from docx import Document

from audits.services import review_summary
from qms.extensions import db
from qms.services import case_stats, objectives
from qms.services import transition as transition_service
from tests.audits_support import answered, nonconformity, planned_audit

URL = "/audits/leadership"


def _objective(unit, **extra) -> None:
    fields = {
        "year": 2018,
        "statement": "Giảm tỷ lệ hồ sơ trễ hạn",
        "indicator": "Tỷ lệ trễ hạn",
        "direction": "<=",
        "target": Decimal(3),
        "source": "late_rate",
    }
    fields.update(extra)
    objectives.create_objective(unit, objectives.ObjectiveFields(**fields), actor=None)


@pytest.fixture
def known(orgdata, monkeypatch):
    """Unit A: a late-rate objective missed (5% late > 3%), a minor NC with an overdue action and a major
    NC not yet answered; unit B: 2% late over two quarters, a manual objective without data, two open
    review decisions (one overdue)."""
    _objective(orgdata.unit_a)
    _objective(orgdata.unit_b, statement="Khảo sát ý kiến", indicator="Số phiếu", direction=">=",
               target=Decimal(100), unit_of_measure="phiếu", source="manual")  # fmt: skip
    case_stats.record_case_statistics(
        orgdata.unit_a, actor=None, period="2018", received=120, resolved=100, on_time=95, late=5
    )
    for quarter in ("2018-Q1", "2018-Q2"):
        case_stats.record_case_statistics(
            orgdata.unit_b, actor=None, period=quarter, received=50, resolved=50, on_time=49, late=1
        )
    db.session.commit()
    audit = planned_audit(orgdata)
    answered(orgdata, nonconformity(orgdata, audit))  # due 30/09/2018: overdue
    nonconformity(orgdata, audit, kind="major", statement="Không kiểm soát hồ sơ.")
    asked: list[set[int] | None] = []

    def decisions(unit_ids: set[int] | None = None) -> dict[int, tuple[int, int]]:
        asked.append(unit_ids)
        return {orgdata.unit_b.id: (2, 1)}

    monkeypatch.setattr(review_summary, "open_decisions", decisions)
    return asked


def _row(page: str, code: str) -> str:
    found = re.search(rf'<tr data-unit="{code}">(.*?)</tr>', page, re.S)
    assert found, code
    return found.group(1)


def _cell(page: str, code: str, css: str) -> tuple[str, str | None]:
    """(the figure, its link) of a unit's cell."""
    cell = re.search(rf'<td class="[^"]*\b{css}\b[^"]*">(.*?)</td>', _row(page, code), re.S)
    assert cell, (code, css)
    link = re.search(r'href="([^"]+)"', cell.group(1))
    return re.sub(r"<[^>]+>", "", cell.group(1)).strip(), link.group(1).replace(
        "&amp;", "&"
    ) if link else None


def _query(href: str) -> tuple[str, dict[str, str]]:
    parts = urlparse(href)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def test_figures_per_unit_and_their_links(known, orgdata, as_user):
    client = as_user("leader")
    page = client.get(URL).get_data(as_text=True)  # the latest year with data: 2018
    assert 'name="year"' in page and '<option value="2018" selected>' in page
    a, b = orgdata.unit_a.id, orgdata.unit_b.id
    # objectives met / not met / without data
    assert _cell(page, "P-A", "not-met") == ("1", f"/units/{a}/objectives?year=2018")
    assert _cell(page, "P-A", "met")[0] == "0"
    assert _cell(page, "P-B", "no-data") == ("1", f"/units/{b}/objectives?year=2018")
    # the late rate of the year: unit A's yearly figures, unit B's two quarters added up
    figure, href = _cell(page, "P-A", "late-rate")
    assert figure == "5,00%" and href == f"/units/{a}/statistics?year=2018"
    assert "late-rate text-danger" in _row(page, "P-A")  # over its 3% target
    assert _cell(page, "P-B", "late-rate")[0] == "2,00%"
    assert "late-rate text-danger" not in _row(page, "P-B")
    # findings and corrective actions, each linking to the filtered register or list
    figure, href = _cell(page, "P-A", "findings")
    assert figure == "2" and _query(href) == ("/audits/findings", {"year": "2018", "unit_id": str(a)})
    figure, href = _cell(page, "P-A", "major")
    assert figure == "1" and _query(href)[1]["kind"] == "major"
    figure, href = _cell(page, "P-A", "overdue-actions")
    assert figure == "1"
    assert _query(href) == ("/audits/actions", {"year": "2018", "unit_id": str(a), "state": "overdue"})
    listed = client.get(href).get_data(as_text=True)
    assert re.search(r"\b1 hành động khắc phục\b", listed) or "1 corrective actions" in listed
    assert _cell(page, "P-A", "open-actions")[0] == "1"
    assert _cell(page, "P-B", "findings") == ("", None)  # nothing found there: no zero shown
    # the open review decisions of the management reviews, per unit
    assert _cell(page, "P-B", "open-decisions")[0] == "2"
    assert _cell(page, "P-B", "overdue-decisions")[0] == "1"
    assert known and known[-1] == {orgdata.city.id, a, b}


def test_findings_figure_counts_what_the_register_lists(known, orgdata, as_user):
    client = as_user("steering")
    page = client.get(URL + "?year=2018").get_data(as_text=True)
    figure, href = _cell(page, "P-A", "findings")
    register = client.get(href).get_data(as_text=True)
    shown = re.search(r'id="findings-count">(\d+)', register)
    assert shown and shown.group(1) == figure == "2"


def test_charts_are_inline_svg_with_links(known, orgdata, as_user):
    page = as_user("leader").get(URL + "?year=2018").get_data(as_text=True)
    for chart in ("chart-objectives", "chart-late", "chart-actions", "chart-programme"):
        svg = re.search(rf'<svg class="leadership-chart" id="{chart}"[^>]*>', page)
        assert svg, chart
        assert 'width="100%"' in svg.group(0) and "viewBox=" in svg.group(0)
    late = page.split('id="chart-late"')[1].split("</svg>")[0]
    assert 'class="bar bar-over"' in late  # unit A over its 3% target
    assert f'href="/units/{orgdata.unit_a.id}/statistics?year=2018"' in late
    assert 'class="chart-marker"' in late
    programme = page.split('id="chart-programme"')[1].split("</svg>")[0]
    assert programme.count('class="bar bar-step"') == 2  # planned 1 and held 1; none reported or closed
    assert 'href="/audits/programmes/2018"' in programme
    assert "<script" not in page.split("<main")[1].split("</main>")[0]
    assert "cdn" not in page.lower()
    assert 'class="table-responsive"' in page


def test_programme_progress_counts_by_status(known, app):
    from audits.services.leadership import programme_progress

    result = programme_progress(2018)
    assert (result.planned, result.held, result.reported, result.closed) == (1, 1, 0, 0)
    assert not programme_progress(2019).exists


def test_year_selector_keeps_the_year_in_the_url(known, as_user):
    client = as_user("leader")
    page = client.get(URL + "?year=2019").get_data(as_text=True)
    assert '<option value="2019" selected>' in page and '<option value="2018"' in page
    assert "Chưa có chương trình đánh giá năm 2019." in page
    assert "/audits/leadership/annual-report.docx?year=2019" in page
    assert client.get(URL + "?year=abc").status_code == 404


def test_transition_progress_links_to_each_unit(known, orgdata, as_user):
    transition_service.open_transition(
        actor=None, target_date=date(2030, 6, 30), units=[orgdata.unit_a, orgdata.unit_b]
    )
    db.session.commit()
    page = as_user("leader").get(URL + "?year=2018").get_data(as_text=True)
    chart = page.split('id="chart-transition"')[1].split("</svg>")[0]
    assert 'href="/transition/units/P-A"' in chart and 'href="/transition/units/P-B"' in chart


@pytest.mark.parametrize(
    ("role", "status"),
    [("leader", 200), ("steering", 200), ("admin", 200), ("auditor", 403), ("manager_a", 403),
     ("member_a", 403), ("outsider", 403)],
)  # fmt: skip
def test_who_sees_the_dashboard(orgdata, as_user, role, status):
    client = as_user(role)
    assert client.get(URL).status_code == status
    assert client.get(URL + "/annual-report.docx?year=2018").status_code == status
    home = client.get("/").get_data(as_text=True)
    assert ('href="/audits/leadership"' in home) == (status == 200)  # the menu and the dashboard link
    assert ('id="leadership-link"' in home) == (status == 200)


def test_signed_out_is_sent_to_sign_in(client, orgdata):
    assert client.get(URL).status_code == 302


def test_download_of_the_yearly_report_from_the_dashboard(known, as_user):
    client = as_user("leader")
    response = client.get(URL + "/annual-report.docx?year=2018")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("annual-report-2018.docx")
    text = "\n".join(p.text for p in Document(BytesIO(response.data)).paragraphs)
    assert "Ngày 17/07/2018, Đoàn đánh giá của UBND thành phố" in text
    assert "số hồ sơ giải quyết trễ hạn là 7 hồ sơ" in text  # units A and B together: 5 + 1 + 1
