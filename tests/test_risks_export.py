"""The context and risk register as Word: real headings, tables with header rows, from the CLI and the web."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import docx
from flask_babel import force_locale
from flask_babel import gettext as _

from cli import cli
from qms.extensions import db
from qms.services import risks


def fill(orgdata):
    unit = orgdata.unit_a
    risks.save_issue(
        unit,
        actor=None,
        kind="internal",
        description="Thiếu công chức địa chính",
        review_date=date(2019, 1, 15),
    )
    risks.save_issue(unit, actor=None, kind="external", description="Luật Đất đai thay đổi")
    risks.save_party(unit, actor=None, name="Người dân", needs="Giải quyết hồ sơ đúng hẹn")
    risks.save_party(unit, actor=None, name="UBND tỉnh", needs="Báo cáo đúng hạn")
    late = risks.save_risk(
        unit,
        actor=None,
        kind="risk",
        title="Hồ sơ đất đai trễ hạn",
        likelihood=4,
        impact=5,
        owner="Trưởng phòng",
    )
    risks.save_risk(
        unit, actor=None, kind="opportunity", title="Dịch vụ công mức độ 3", likelihood=3, impact=3
    )
    risks.save_action(
        late, actor=None, what="Theo dõi hạn trên phần mềm một cửa", owner="Văn thư", due=date(2018, 12, 31)
    )
    db.session.commit()


def rows(table):
    return [[c.text for c in row.cells] for row in table.rows]


def check_document(document, *, lang):
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    if lang == "en":
        assert headings[:3] == [
            "1. Context of the unit: internal and external issues",
            "1.1. Internal issues",
            "1.2. External issues",
        ]
        assert "2. Interested parties and their needs and expectations" in headings
        assert "3. Risks and opportunities" in headings and "4. Treatment actions" in headings
    else:
        with force_locale("vi"):
            expected = [
                _("1. Context of the unit: internal and external issues"),
                _("3. Risks and opportunities"),
            ]
        assert expected[0] == headings[0] and expected[1] in headings
        assert expected[0] != "1. Context of the unit: internal and external issues"  # really Vietnamese
        assert len(headings) == 6
    tables = document.tables
    assert rows(tables[0])[1][1] == "Thiếu công chức địa chính"
    assert rows(tables[0])[1][2] == ("2019-01-15" if lang == "en" else "15/01/2019")
    assert rows(tables[1])[1][1] == "Luật Đất đai thay đổi"
    assert [r[1] for r in rows(tables[2])[1:]] == ["Người dân", "UBND tỉnh"]
    register = rows(tables[3])
    if lang == "en":
        assert register[0] == [
            "No.",
            "Kind",
            "Risk or opportunity",
            "Likelihood",
            "Impact",
            "Score",
            "Level",
            "Owner",
            "Review date",
        ]
        assert register[1][:7] == ["1", "Risk", "Hồ sơ đất đai trễ hạn", "4", "5", "20", "Very high"]
        assert register[2][1] == "Opportunity" and register[2][5] == "9"
    else:
        assert register[1][2:6] == ["Hồ sơ đất đai trễ hạn", "4", "5", "20"]
    assert rows(tables[4])[1][:2] == ["1", "Theo dõi hạn trên phần mềm một cửa"]
    # the header row repeats on every page
    assert tables[3].rows[0]._tr.trPr.xml.count("tblHeader") == 1
    section = document.sections[0]
    facts = section.header.tables[0].rows[0].cells[2].text
    assert "P-A" in facts and "4.1, 4.2, 6.1" in facts and "NUMPAGES" in section.header.tables[0]._tbl.xml
    assert round(section.page_width.cm, 1) == 29.7 and round(section.page_height.cm, 1) == 21.0


def test_cli_export_in_english_and_vietnamese(app, orgdata, runner, tmp_path):
    fill(orgdata)
    for lang in ("en", "vi"):
        out = tmp_path / f"risks-{lang}.docx"
        result = runner.invoke(cli, args=["export", "risks", "--unit", "P-A", "-o", str(out), "--lang", lang])
        assert result.exit_code == 0, result.output
        assert str(out) in result.output
        check_document(docx.Document(str(out)), lang=lang)


def test_cli_export_of_an_unknown_unit_is_one_line(app, orgdata, runner, tmp_path):
    result = runner.invoke(cli, args=["export", "risks", "--unit", "NOPE", "-o", str(tmp_path / "x.docx")])
    assert result.exit_code == 1
    assert "NOPE" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.docx").exists()


def test_export_button_gives_the_same_document(app, orgdata, as_user):
    fill(orgdata)
    client = as_user("leader")
    page = client.get(f"/units/{orgdata.unit_a.id}/context/").get_data(as_text=True)
    assert f'href="/units/{orgdata.unit_a.id}/context/export.docx"' in page
    response = client.get(f"/units/{orgdata.unit_a.id}/context/export.docx")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    check_document(docx.Document(BytesIO(response.data)), lang="vi")


def test_empty_register_says_none_recorded(app, orgdata, runner, tmp_path):
    out = tmp_path / "empty.docx"
    result = runner.invoke(cli, args=["export", "risks", "--unit", "P-B", "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    assert texts.count("None recorded.") == 5
