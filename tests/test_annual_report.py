"""The yearly report's section on the quality system: from the demo it reproduces the city's 2018 report
(its figures, in its sentences, in Vietnamese and in English), the internal audit round, a management
review when one was held, the transition; plain sentences where nothing happened; the CLI's errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from docx import Document
from flask_babel import force_locale

from audits.exports import annual_report as export
from audits.services import annual_report as service
from audits.services import review_summary
from audits.services.review_summary import HeldReview
from cli import cli
from qms.extensions import db
from qms.services import case_stats
from qms.services import transition as transition_service
from tests.audits_support import nonconformity, planned_audit


def _text(path: Path) -> str:
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


def _export(runner, tmp_path: Path, name: str, *args: str) -> str:
    out = tmp_path / name
    result = runner.invoke(cli, args=["export", "annual-report", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return _text(out)


@pytest.fixture
def demo(app):
    from audits.services.demo import load_audit_demo
    from qms.services import demo as qms_demo

    qms_demo.load_demo()
    load_audit_demo()
    db.session.commit()


def test_demo_report_reproduces_the_seed_reports_2018_figures_and_round(demo, runner, tmp_path, monkeypatch):
    text = _export(runner, tmp_path, "vi.docx", "--year", "2018")
    # what was issued and where the system applies
    assert (
        "UBND thành phố Nha Trang đã ban hành đầy đủ Mục tiêu chất lượng, Kế hoạch chất lượng và Chính sách "
        "chất lượng năm 2018; tiếp tục duy trì áp dụng Hệ thống quản lý chất lượng theo tiêu chuẩn TCVN ISO "
        "9001:2008 trong giải quyết hồ sơ, thủ tục hành chính cho tổ chức, công dân tại 12 cơ quan chuyên "
        "môn và 27 UBND xã, phường." in text
    )
    # the internal audit round of 17/07–10/08/2018 over the 10 departments, its nonconformities
    assert (
        "Từ ngày 17/07/2018 đến ngày 10/08/2018, Đoàn đánh giá của UBND thành phố Nha Trang đã tiến hành "
        "đánh giá nội bộ việc áp dụng Hệ thống quản lý chất lượng theo tiêu chuẩn TCVN ISO 9001:2008 đối với "
        "10 cơ quan chuyên môn." in text
    )
    assert (
        "Qua đợt đánh giá nội bộ đã phát hiện 12 điểm không phù hợp (2 điểm nặng, 10 điểm nhẹ), trong đó "
        "5 điểm đã được khắc phục và kiểm tra hiệu lực, 7 điểm đang được khắc phục." in text
    )
    assert (  # the demo's review held after the round, and its notice
        "Sau đánh giá đã tổ chức họp xem xét của Lãnh đạo trong tháng 8 năm 2018 và ban hành Thông báo số "
        "01/TB-BCĐ ngày 24/08/2018 về kết luận cuộc họp xem xét Lãnh đạo sau đánh giá nội bộ." in text
    )
    # the dossier figures, in the report's own sentences
    assert (
        "* Kết quả giải quyết thủ tục hành chính tại UBND thành phố Nha Trang trong năm 2018 như sau: Tổng "
        "số hồ sơ đã tiếp nhận: 58.053 hồ sơ. Tổng số hồ sơ đã giải quyết là 56.863 hồ sơ, chiếm tỷ lệ "
        "97,95%, trong đó số hồ sơ giải quyết sớm hạn và đúng hạn là 56.252 hồ sơ, chiếm tỷ lệ 98,93%; số "
        "hồ sơ giải quyết trễ hạn là 611 hồ sơ, chiếm tỷ lệ 1,07%." in text
    )
    assert (
        "* Kết quả giải quyết thủ tục hành chính tại UBND cấp xã trong năm 2018 như sau: Tổng số hồ sơ đã "
        "tiếp nhận: 75.416 hồ sơ. Tổng số hồ sơ đã giải quyết là 75.384 hồ sơ, chiếm tỷ lệ 99,96%, trong đó "
        "số hồ sơ giải quyết sớm hạn và đúng hạn là 75.226 hồ sơ, chiếm tỷ lệ 99,79%; số hồ sơ giải quyết "
        "trễ hạn là 158 hồ sơ, chiếm tỷ lệ 0,21%." in text
    )
    assert (
        "UBND thành phố Nha Trang đã tiếp nhận và giải quyết 2.996 hồ sơ trực tuyến, đạt tỷ lệ 44,96% trên "
        "tổng số hồ sơ phát sinh của các thủ tục hành chính được công bố thực hiện trực tuyến, vượt chỉ tiêu "
        "đề ra (30%)." in text
    )
    assert "Chỉ số hài lòng của UBND thành phố Nha Trang năm 2018 đạt 81,99%." in text
    assert "Chỉ số hài lòng của UBND cấp xã năm 2018 đạt 78,18%, đạt mục tiêu đề ra (78%)." in text
    doc = Document(str(tmp_path / "vi.docx"))
    header = doc.tables[0].rows[0].cells
    assert "UBND THÀNH PHỐ NHA TRANG" in header[0].text and "/BC-UBND" in header[0].text
    assert doc.paragraphs[1].text == "BÁO CÁO"

    # A management review held after the audit, with its notice of conclusions.
    review = HeldReview(
        review_id=1, held_on=date(2018, 8, 20), unit_id=None, chair="Phạm Minh Đức",
        period_start=date(2018, 1, 1), period_end=date(2018, 8, 15), decisions=4,
        notice_number="05/TB-BCĐ", notice_date=date(2018, 8, 24),
    )  # fmt: skip
    asked: list[tuple[int, int | None]] = []

    def held(year: int, unit_id: int | None = None) -> list[HeldReview]:
        asked.append((year, unit_id))
        return [review]

    monkeypatch.setattr(review_summary, "held_reviews", held)
    text = _export(runner, tmp_path, "review.docx", "--year", "2018")
    assert asked == [(2018, None)]
    assert (
        "Sau đánh giá đã tổ chức họp xem xét của Lãnh đạo trong tháng 8 năm 2018 và ban hành Thông báo số "
        "05/TB-BCĐ ngày 24/08/2018 về kết luận cuộc họp xem xét Lãnh đạo sau đánh giá nội bộ." in text
    )
    assert "chưa tổ chức họp xem xét" not in text
    english = _export(runner, tmp_path, "en.docx", "--year", "2018", "--lang", "en")
    assert (
        "After the audit, the management review met in August 2018 and issued Notice No. 05/TB-BCĐ of "
        "2018-08-24 on the conclusions of the management review after the internal audit." in english
    )


def test_english_renders_the_same_section_with_english_numbers(demo, runner, tmp_path):
    text = _export(runner, tmp_path, "en.docx", "--year", "2018", "--lang", "en")
    assert (
        "* Results of settling administrative procedures at UBND thành phố Nha Trang in 2018: dossiers "
        "received: 58,053. Dossiers resolved: 56,863, a rate of 97.95%, of which 56,252 resolved early or on "
        "time, a rate of 98.93%; 611 resolved late, a rate of 1.07%." in text
    )
    assert "dossiers received: 75,416. Dossiers resolved: 75,384, a rate of 99.96%" in text
    assert "158 resolved late, a rate of 0.21%." in text
    assert "From 2018-07-17 to 2018-08-10, the audit team of UBND thành phố Nha Trang" in text
    assert "at 10 specialised departments." in text
    assert "The internal audit found 12 nonconformities (2 major, 10 minor); 5 have been corrected" in text
    assert "After the audit, the management review met in August 2018 and issued Notice No. 01/TB-BCĐ" in text
    assert "reached 78.18%, meeting the target set (78%)." in text
    assert Document(str(tmp_path / "en.docx")).paragraphs[1].text == "REPORT"
    assert "hồ sơ" not in text and "58.053" not in text


def test_a_unit_report_covers_that_unit_only(demo, runner, tmp_path):
    text = _export(runner, tmp_path, "tnmt.docx", "--year", "2018", "--unit", "p-tnmt")
    assert (
        "Từ ngày 23/07/2018 đến ngày 24/07/2018, Đoàn đánh giá của Phòng Tài nguyên và Môi trường đã tiến "
        "hành đánh giá nội bộ" in text
    )
    assert "đối với Phòng Tài nguyên và Môi trường." in text
    # its three nonconformities (one major) are all still being corrected
    assert "đã phát hiện 3 điểm không phù hợp (1 điểm nặng, 2 điểm nhẹ), trong đó 0 điểm" in text
    # the department reports no dossier figures of its own: said plainly, no zeros
    assert (
        "Chưa có số liệu giải quyết thủ tục hành chính của Phòng Tài nguyên và Môi trường năm 2018." in text
    )
    assert "58.053" not in text and "UBND cấp xã" not in text
    header = Document(str(tmp_path / "tnmt.docx")).tables[0].rows[0].cells[0].text
    assert "PHÒNG TÀI NGUYÊN VÀ MÔI TRƯỜNG" in header and "/BC-TNMT" in header


def test_missing_data_is_said_plainly(app, orgdata):
    report = service.annual_report(2018)
    assert report.audit_round is None and report.reviews == [] and report.transition is None
    with force_locale("vi"):
        text = "\n".join(p for _h, ps in export.section_paragraphs(report, "vi") for p in ps)
    assert "UBND thành phố chưa ban hành Mục tiêu chất lượng, Kế hoạch chất lượng và Chính sách" in text
    assert "Trong năm 2018 chưa tiến hành đánh giá nội bộ." in text
    assert "Trong năm 2018 chưa tổ chức họp xem xét của Lãnh đạo." in text
    assert "Chưa có số liệu giải quyết thủ tục hành chính của UBND thành phố năm 2018." in text
    assert "Chưa có số liệu Chỉ số hài lòng của UBND thành phố năm 2018." in text
    assert "0 hồ sơ" not in text and "0,00%" not in text and "điểm không phù hợp" not in text


def test_a_held_audit_its_nonconformity_and_the_transition_are_reported(app, orgdata):
    audit = planned_audit(orgdata)  # unit A, 17/07/2018, started
    nonconformity(orgdata, audit)
    case_stats.record_case_statistics(
        orgdata.unit_a, actor=None, period="2018-Q1", received=10, resolved=8, on_time=6, late=2
    )
    case_stats.record_case_statistics(
        orgdata.unit_a, actor=None, period="2018-Q2", received=10, resolved=10, on_time=10, late=0
    )
    transition_service.open_transition(
        actor=None,
        target_date=date(2021, 6, 30),
        units=[orgdata.unit_a, orgdata.unit_b],
        today=date(2018, 12, 3),  # started within the report's year
    )
    db.session.commit()
    report = service.annual_report(2018, today=date(2019, 3, 1))
    assert (
        report.audit_round is not None and report.audit_round.minor == 1 and report.audit_round.corrected == 0
    )
    assert report.levels[0].cases == case_stats.CaseFigures(20, 18, 16, 2, 0, 0)  # the quarters added up
    with force_locale("vi"):
        text = "\n".join(p for _h, ps in export.section_paragraphs(report, "vi") for p in ps)
    assert (
        "Ngày 17/07/2018, Đoàn đánh giá của UBND thành phố đã tiến hành đánh giá nội bộ việc áp dụng Hệ "
        "thống quản lý chất lượng theo tiêu chuẩn TCVN ISO 9001:2008 đối với 1 cơ quan chuyên môn." in text
    )
    assert (
        "đã phát hiện 1 điểm không phù hợp (0 điểm nặng, 1 điểm nhẹ), trong đó 0 điểm đã được khắc phục"
        in text
    )
    assert "Tổng số hồ sơ đã giải quyết là 18 hồ sơ, chiếm tỷ lệ 90,00%" in text
    assert "số hồ sơ giải quyết trễ hạn là 2 hồ sơ, chiếm tỷ lệ 11,11%." in text  # over resolved
    assert (
        "Thực hiện chuyển đổi Hệ thống quản lý chất lượng sang tiêu chuẩn TCVN ISO 9001:2015 (thời hạn hoàn "
        "thành 30/06/2021): đến ngày 01/03/2019, 2 đơn vị thực hiện chuyển đổi đã hoàn thành 0/" in text
    )


def test_cli_refuses_a_bad_year_or_unit_with_one_line(app, orgdata, runner, tmp_path):
    for args, message in [
        (["--year", "abc"], "'abc' is not a year."),
        (["--year", "1800"], "The year must lie between 1990 and 2100."),
        (["--year", "2018", "--unit", "NOPE"], "No unit has the code NOPE."),
    ]:
        out = tmp_path / "x.docx"
        result = runner.invoke(cli, args=["export", "annual-report", *args, "-o", str(out)])
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == [f"error: {message}"]
        assert not out.exists()


def test_a_transition_started_after_the_year_is_not_in_its_report(app, orgdata):
    transition_service.open_transition(
        actor=None, target_date=date(2021, 6, 30), units=[orgdata.unit_a], today=date(2019, 1, 2)
    )
    db.session.commit()
    assert service.annual_report(2018, today=date(2019, 3, 1)).transition is None
    assert service.annual_report(2019, today=date(2019, 3, 1)).transition is not None
