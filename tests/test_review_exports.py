"""The management review's documents: the review pack and the notice of conclusions, opened with
python-docx; the notice issued with a number and recipients; the CLI's errors."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import docx
import pytest

from audits.models import ManagementReview
from audits.services.review import core
from audits.services.review.notice import issue_notice
from cli import cli
from qms.extensions import db
from qms.models.issuing import IssuedDocument
from qms.services.errors import DomainError
from tests.conftest import Org
from tests.review_support import build_data, org_review

TODAY = date(2018, 9, 1)


def all_rows(document: Any) -> list[list[str]]:
    found = []
    for table in document.tables:
        for row in table.rows:
            found.append([cell.text for cell in row.cells])
    return found


def full_text(document: Any) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [text for row in all_rows(document) for text in row]
    return "\n".join(parts)


@pytest.fixture
def held(app: Any, orgdata: Org) -> ManagementReview:
    build_data(orgdata)
    review = org_review(orgdata)
    core.save_notes(
        review, actor=None, notes={"resources": "Thiếu 2 công chức"}, conclusions="Hệ thống phù hợp."
    )
    for what, unit, due in (("Số hoá sổ theo dõi", orgdata.unit_a, date(2018, 10, 31)),
                            ("Bổ sung máy quét", orgdata.unit_b, date(2018, 12, 31))):  # fmt: skip
        core.add_decision(
            review,
            core.DecisionFields("improvement", what, unit.id, None, due),
            actor=None,
        )
    core.hold_review(review, actor=None, today=TODAY)
    db.session.commit()
    return review


def test_review_pack_has_a_table_for_every_input(
    app: Any, held: ManagementReview, runner: Any, tmp_path: Path
) -> None:
    out = tmp_path / "pack.docx"
    result = runner.invoke(
        cli, ["export", "management-review", "--year", "2018", "--lang", "en", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    rows = all_rows(document)
    assert ["P-A", "1,000", "980", "98.98%", "1.02%", "30.00%"] in rows  # case statistics
    assert ["P-B", "200", "190", "94.74%", "5.26%", ""] in rows
    assert ["Total", "1,200", "1,170", "98.29%", "1.71%", "30.00%"] in rows
    assert ["P-A", "Tỷ lệ trễ hạn", "≤ 3 %", "1.02%", "Met"] in rows  # objectives
    assert ["P-A", "81.50%", "200"] in rows  # satisfaction
    assert ["P-A", "2", "2", "2", "0", "0", "0"] in rows  # nonconformities by unit
    assert ["Number", "0", "1", "0"] in rows  # corrective actions open / overdue / done
    assert ["2018", "1", "0", "0", "0.00%"] in rows  # programme completion
    assert ["P-A", "1", "1", "0", "1", "3"] in rows  # findings by kind
    assert ["P-A", "1", "3", "1", "2", "1"] in rows  # risk actions
    text = full_text(document)
    assert "Thiếu 2 công chức" in text and "Hệ thống phù hợp." in text
    assert ["1", "Improvement opportunity", "Số hoá sổ theo dõi", "Phòng A", "2018-10-31"] in rows


def test_pack_in_vietnamese_by_id(app: Any, held: ManagementReview, runner: Any, tmp_path: Path) -> None:
    out = tmp_path / "pack-vi.docx"
    result = runner.invoke(cli, ["export", "management-review", str(held.id), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = all_rows(docx.Document(str(out)))
    assert ["P-A", "1.000", "980", "98,98%", "1,02%", "30,00%"] in rows
    assert any(r[-1] == "31/10/2018" for r in rows)


def test_notice_is_a_draft_until_issued_then_numbered_with_recipients(
    app: Any, orgdata: Org, held: ManagementReview, runner: Any, tmp_path: Path
) -> None:
    draft = tmp_path / "draft.docx"
    assert runner.invoke(cli, ["export", "review-notice", str(held.id), "-o", str(draft)]).exit_code == 0
    draft_text = full_text(docx.Document(str(draft)))
    assert "/TB-BCĐ" in draft_text and "01/TB-BCĐ" not in draft_text
    issued = issue_notice(held, actor=orgdata.user("steering"), issued_on=date(2018, 8, 22))
    db.session.commit()
    assert issued.number == "01/TB-BCĐ" and issued.year == 2018
    assert issued.recipients.splitlines() == ["Phòng A", "Phòng B", "Lưu: VT"]
    out = tmp_path / "notice.docx"
    assert runner.invoke(cli, ["export", "review-notice", str(held.id), "-o", str(out)]).exit_code == 0
    text = full_text(docx.Document(str(out)))
    assert "01/TB-BCĐ" in text and "Phòng A" in text and "Phòng B" in text and "Chủ tịch" in text
    assert "Số hoá sổ theo dõi" in text and "31/10/2018" in text and "Hệ thống phù hợp." in text
    notices = db.select(db.func.count(IssuedDocument.id)).where(IssuedDocument.doc_type == "TB")
    assert db.session.scalar(notices) == 1
    with pytest.raises(DomainError):
        issue_notice(held, actor=orgdata.user("steering"), issued_on=date(2018, 8, 23))


def test_only_a_held_review_notice_is_issued(app: Any, orgdata: Org) -> None:
    review = org_review(orgdata)
    with pytest.raises(DomainError) as refused:
        issue_notice(review, actor=orgdata.user("steering"), issued_on=date(2018, 8, 22))
    assert refused.value.field == "issued_on"


@pytest.mark.parametrize(
    "args",
    [
        ["management-review", "999"],
        ["management-review", "--year", "2017"],
        ["management-review"],
        ["review-notice", "999"],
    ],
)
def test_cli_errors_are_one_line_and_no_file(
    app: Any, orgdata: Org, runner: Any, tmp_path: Path, args: list[str]
) -> None:
    out = tmp_path / "x.docx"
    result = runner.invoke(cli, ["export", *args, "-o", str(out)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("error:")
    assert not out.exists()


def test_issuing_a_draft_review_notice_on_the_cli_fails(
    app: Any, orgdata: Org, runner: Any, tmp_path: Path
) -> None:
    review = org_review(orgdata)
    out = tmp_path / "x.docx"
    result = runner.invoke(cli, ["export", "review-notice", str(review.id), "--issue", "-o", str(out)])
    assert result.exit_code == 1 and result.output.startswith("error:")
    assert not out.exists()


def test_download_buttons(app: Any, held: ManagementReview, as_user: Any) -> None:
    client = as_user("leader")
    page = client.get(f"/audits/reviews/{held.id}").get_data(as_text=True)
    assert f"/audits/reviews/{held.id}/pack.docx" in page and f"/audits/reviews/{held.id}/notice.docx" in page
    response = client.get(f"/audits/reviews/{held.id}/pack.docx")
    assert response.status_code == 200
    assert ["P-A", "1.000", "980", "98,98%", "1,02%", "30,00%"] in all_rows(
        docx.Document(io.BytesIO(response.data))
    )
    assert as_user("outsider").get(f"/audits/reviews/{held.id}/notice.docx").status_code == 403
    steering = as_user("steering")
    response = steering.post(f"/audits/reviews/{held.id}/notice/issue", data={"issued_on": "2018-08-22"})
    assert response.status_code == 302
    page = steering.get(f"/audits/reviews/{held.id}").get_data(as_text=True)
    assert "01/TB-BCĐ" in page
