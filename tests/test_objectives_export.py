"""The quality policy and objectives register as Word, from the CLI and from the unit's objectives page."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import docx
from flask_babel import force_locale
from flask_babel import gettext as _

from cli import cli
from qms.extensions import db
from qms.services import case_stats, objectives


def fill(orgdata) -> None:
    city = orgdata.city
    objectives.save_policy(
        city, 2018, actor=None, text="Phục vụ nhân dân tận tụy.", approved_by="Chủ tịch UBND"
    )
    case_stats.record_case_statistics(
        city, actor=None, period="2018", received=58_053, resolved=56_863, on_time=56_252, late=611,
        online_eligible=6_664, online=2_996,
    )  # fmt: skip
    base = dict(year=2018, unit_of_measure="%", owner=orgdata.user("admin"))
    objectives.create_objective(
        city,
        objectives.ObjectiveFields(
            statement="Tỷ lệ hồ sơ trễ hạn dưới 3%", indicator="Tỷ lệ hồ sơ trễ hạn", direction="<=",
            target=Decimal(3), source="late_rate", plan_actions="Theo dõi trên phần mềm Một cửa", **base,
        ),
        actor=None,
    )  # fmt: skip
    objectives.create_objective(
        city,
        objectives.ObjectiveFields(
            statement="Hồ sơ trực tuyến từ 50%", indicator="Tỷ lệ hồ sơ trực tuyến", direction=">=",
            target=Decimal(50), source="online_rate", **base,
        ),
        actor=None,
    )  # fmt: skip
    objectives.create_objective(
        city,
        objectives.ObjectiveFields(
            statement="Hài lòng từ 78%", indicator="Chỉ số hài lòng", direction=">=", target=Decimal(78),
            source="satisfaction", **base,
        ),
        actor=None,
    )  # fmt: skip
    db.session.commit()


def words(lang: str, *messages: str, **params: object) -> list[str]:
    with force_locale(lang):
        return [_(m, **params) for m in messages]


def check(document: docx.document.Document, lang: str) -> None:
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith("Heading") or p.style.name == "Title"
    ]
    kind, subject, motto, policy, register, plans = words(
        lang,
        "Plan",
        "Quality plan %(year)s: quality policy and objectives",
        "Independence - Freedom - Happiness",
        "1. Quality policy",
        "2. Quality objectives",
        "3. Plans for achieving the objectives",
        year=2018,
    )
    texts = [p.text for p in document.paragraphs]
    assert kind.upper() in texts and subject in texts
    letterhead = document.tables[0].rows[0].cells
    assert letterhead[0].paragraphs[0].text == "UBND THÀNH PHỐ" and motto in letterhead[1].text
    assert [policy, register, plans] == headings[0:3]
    assert "Phục vụ nhân dân tận tụy." in [p.text for p in document.paragraphs]
    register_table = document.tables[1]
    header = [c.text for c in register_table.rows[0].cells]
    assert header[:4] == words(lang, "No.", "Objective", "Indicator", "Target")
    rows = [[c.text for c in row.cells] for row in register_table.rows[1:]]
    assert len(rows) == 3
    met, not_met, no_data = words(lang, "Met", "Not met", "No data")
    if lang == "vi":
        assert rows[0][3:6] == ["≤ 3,00%", "1,07% (2018)", met]
        assert rows[1][3:6] == ["≥ 50,00%", "44,96% (2018)", not_met]
    else:
        assert rows[0][3:6] == ["≤ 3.00%", "1.07% (2018)", met]
        assert rows[1][3:6] == ["≥ 50.00%", "44.96% (2018)", not_met]
    assert rows[2][4:6] == ["—", no_data]
    assert rows[0][7] == "Admin"
    assert document.tables[2].rows[1].cells[1].text == "Theo dõi trên phần mềm Một cửa"
    figures = [[c.text for c in row.cells] for row in document.tables[-2].rows]
    assert figures[1][:2] == ["2018", words(lang, "this unit")[0]]
    expected = (
        ["58.053", "97,95%", "98,93%", "1,07%"] if lang == "vi" else ["58,053", "97.95%", "98.93%", "1.07%"]
    )
    assert [figures[1][2], *figures[1][7:10]] == expected
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert "PAGE" in section.header.paragraphs[0]._p.xml and section.different_first_page_header_footer
    recipients, signature = document.tables[-1].rows[0].cells
    assert recipients.paragraphs[0].text == words(lang, "Recipients:")[0]
    authority, chair = words(lang, "On behalf of the People's Committee", "Chair")
    assert [p.text for p in signature.paragraphs[:2]] == [authority.upper(), chair.upper()]


def test_cli_export_in_both_languages(app, orgdata, runner, tmp_path):
    fill(orgdata)
    for lang in ("vi", "en"):
        out = tmp_path / f"objectives-{lang}.docx"
        args = ["export", "objectives", "--unit", "CITY", "--year", "2018", "-o", str(out), "--lang", lang]
        result = runner.invoke(cli, args=args)
        assert result.exit_code == 0, result.output
        assert str(out) in result.output
        check(docx.Document(str(out)), lang)


def test_cli_export_of_an_unknown_unit_or_year_fails_cleanly(app, orgdata, runner, tmp_path):
    out = tmp_path / "x.docx"
    result = runner.invoke(
        cli, args=["export", "objectives", "--unit", "NOPE", "--year", "2018", "-o", str(out)]
    )
    assert result.exit_code == 1
    assert "NOPE" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output and not out.exists()
    result = runner.invoke(
        cli, args=["export", "objectives", "--unit", "CITY", "--year", "18", "-o", str(out)]
    )
    assert result.exit_code != 0 and not out.exists()


def test_empty_year_says_so(app, orgdata, runner, tmp_path):
    out = tmp_path / "empty.docx"
    args = ["export", "objectives", "--unit", "P-B", "--year", "2019", "-o", str(out), "--lang", "en"]
    assert runner.invoke(cli, args=args).exit_code == 0
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    assert words("en", "No quality objectives for %(year)s yet.", year=2019)[0] in texts
    assert words("en", "No quality policy recorded for %(year)s.", year=2019)[0] in texts


def test_export_button(app, orgdata, as_user):
    fill(orgdata)
    client = as_user("leader")
    page = client.get(f"/units/{orgdata.city.id}/objectives?year=2018").get_data(as_text=True)
    url = f"/units/{orgdata.city.id}/objectives/2018/export.docx"
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    check(docx.Document(BytesIO(response.data)), "vi")
