"""Demo data for controlled documents, the legal basis, context and risks (idempotent).

Legal texts: numbers, dates and subjects as the city's 2018 administrative-reform report and the
reference notes give them; where a date was not checked against the official text it is left empty.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from qms.exports.document import new_document, paragraph, to_bytes
from qms.extensions import db
from qms.models.clauses import Clause
from qms.models.documents import ControlledDocument, DocumentClause
from qms.models.legal import LegalStatus, LegalText
from qms.models.legal_refs import ProcessLegalRef
from qms.models.org import Unit
from qms.models.processes import Process, ProcessStatus
from qms.models.risks import ContextIssue, InterestedParty, Risk
from qms.services import documents, legal, risks

# number, title, issuer, date issued, status, replaced/amended by, note
LEGAL_TEXTS: list[tuple[str, str, str, date | None, str, str | None, str]] = [
    (
        "19/2014/QĐ-TTg",
        "Áp dụng Hệ thống quản lý chất lượng theo tiêu chuẩn quốc gia TCVN ISO 9001:2008 vào hoạt động "
        "của các cơ quan, tổ chức thuộc hệ thống hành chính nhà nước",
        "Thủ tướng Chính phủ",
        date(2014, 3, 5),
        LegalStatus.IN_FORCE,
        None,
        "Hiệu lực từ 18/5/2014; thay thế Quyết định 144/2006/QĐ-TTg và Quyết định 118/2009/QĐ-TTg.",
    ),
    (
        "144/2006/QĐ-TTg",
        "Áp dụng Hệ thống quản lý chất lượng theo tiêu chuẩn TCVN ISO 9001:2000 vào hoạt động của các "
        "cơ quan hành chính nhà nước",
        "Thủ tướng Chính phủ",
        date(2006, 6, 20),
        LegalStatus.REPEALED,
        "19/2014/QĐ-TTg",
        "",
    ),
    (
        "118/2009/QĐ-TTg",
        "Sửa đổi, bổ sung Quyết định 144/2006/QĐ-TTg",
        "Thủ tướng Chính phủ",
        date(2009, 9, 30),
        LegalStatus.REPEALED,
        "19/2014/QĐ-TTg",
        "",
    ),
    (
        "26/2014/TT-BKHCN",
        "Quy định chi tiết thi hành Quyết định 19/2014/QĐ-TTg",
        "Bộ Khoa học và Công nghệ",
        date(2014, 10, 10),
        LegalStatus.IN_FORCE,
        None,
        "",
    ),
    (
        "61/2018/NĐ-CP",
        "Về thực hiện cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính",
        "Chính phủ",
        date(2018, 4, 23),
        LegalStatus.IN_FORCE,
        None,
        "",
    ),
    (
        "43/2014/NĐ-CP",
        "Quy định chi tiết thi hành một số điều của Luật Đất đai",
        "Chính phủ",
        None,
        LegalStatus.IN_FORCE,
        None,
        "Ngày ban hành: đối chiếu văn bản chính thức trước khi ghi.",
    ),
    (
        "117/2013/NĐ-CP",
        "Sửa đổi, bổ sung một số điều của Nghị định 130/2005/NĐ-CP",
        "Chính phủ",
        date(2013, 10, 7),
        LegalStatus.IN_FORCE,
        None,
        "",
    ),
    (
        "130/2005/NĐ-CP",
        "Quy định chế độ tự chủ, tự chịu trách nhiệm về sử dụng biên chế và kinh phí quản lý hành chính "
        "đối với các cơ quan nhà nước",
        "Chính phủ",
        date(2005, 10, 17),
        LegalStatus.AMENDED,
        "117/2013/NĐ-CP",
        "",
    ),
]

# unit, code, title, kind, approver, issue date, review due
DOCUMENTS: list[tuple[str, str, str, str, str, date, date]] = [
    (
        "P-TNMT",
        "CSCL-TNMT",
        "Chính sách chất lượng",
        "policy",
        "Trưởng phòng Tài nguyên và Môi trường",
        date(2018, 1, 15),
        date(2019, 1, 15),  # past: shows the "review overdue" flag
    ),
    (
        "P-TNMT",
        "STCL-TNMT",
        "Sổ tay chất lượng",
        "manual",
        "Trưởng phòng Tài nguyên và Môi trường",
        date(2018, 1, 15),
        date(2030, 12, 31),
    ),
    (
        "P-TNMT",
        "BM-TNMT-01",
        "Phiếu kiểm soát quá trình giải quyết hồ sơ",
        "form",
        "Trưởng phòng Tài nguyên và Môi trường",
        date(2018, 7, 1),
        date(2030, 12, 31),
    ),
    (
        "PH-LOCTHO",
        "CSCL-LOCTHO",
        "Chính sách chất lượng",
        "policy",
        "Chủ tịch UBND phường Lộc Thọ",
        date(2018, 2, 1),
        date(2030, 12, 31),
    ),
]

CONTEXT: dict[str, dict[str, list[tuple]]] = {
    "P-TNMT": {
        "issues": [
            ("internal", "Số lượng hồ sơ đất đai lớn so với số công chức địa chính", date(2019, 6, 30)),
            (
                "internal",
                "Phần mềm một cửa điện tử chưa liên thông đầy đủ với Văn phòng Đăng ký đất đai",
                None,
            ),
            (
                "external",
                "Quy định về đất đai và thủ tục hành chính thay đổi thường xuyên",
                date(2019, 6, 30),
            ),
            (
                "external",
                "Yêu cầu thực hiện cơ chế một cửa, một cửa liên thông theo Nghị định 61/2018/NĐ-CP",
                None,
            ),
        ],
        "parties": [
            ("Người dân", "Hồ sơ được giải quyết đúng hẹn, thủ tục đơn giản, thông tin công khai"),
            ("Doanh nghiệp", "Thủ tục đất đai, môi trường minh bạch, có thể nộp trực tuyến"),
            ("UBND tỉnh Khánh Hòa, UBND thành phố", "Tuân thủ pháp luật; báo cáo kết quả đúng kỳ"),
            ("Văn phòng Đăng ký đất đai chi nhánh Nha Trang", "Hồ sơ liên thông đầy đủ, đúng thời hạn"),
        ],
        "risks": [
            (
                "risk",
                "Hồ sơ đăng ký đất đai giải quyết trễ hạn",
                4,
                4,
                "Trưởng phòng",
                [
                    (
                        "Theo dõi hạn xử lý trên phần mềm một cửa, nhắc việc hằng tuần",
                        "Bộ phận một cửa",
                        date(2018, 12, 31),
                    )
                ],
            ),
            (
                "risk",
                "Thất lạc hồ sơ giấy khi luân chuyển giữa các cơ quan",
                2,
                5,
                "Công chức địa chính",
                [("Ký nhận khi bàn giao hồ sơ; số hóa hồ sơ khi tiếp nhận", "Văn thư", date(2019, 3, 31))],
            ),
            (
                "opportunity",
                "Tăng tỷ lệ hồ sơ nộp trực tuyến qua dịch vụ công mức độ 3, 4",
                3,
                4,
                "Phó Trưởng phòng",
                [],
            ),
        ],
    },
    "PH-LOCTHO": {
        "issues": [
            ("internal", "Cán bộ một cửa kiêm nhiệm nhiều việc", None),
            ("external", "Dân cư đông, nhiều hộ kinh doanh du lịch", None),
        ],
        "parties": [
            ("Người dân trên địa bàn phường", "Được hướng dẫn đầy đủ một lần; nhận kết quả đúng hẹn"),
            ("UBND thành phố Nha Trang", "Chỉ số cải cách hành chính và mức độ hài lòng đạt chỉ tiêu"),
        ],
        "risks": [
            (
                "risk",
                "Thiếu biểu mẫu cập nhật khi thủ tục hành chính thay đổi",
                3,
                3,
                "Công chức Văn phòng - Thống kê",
                [("Rà soát biểu mẫu mỗi quý", "Công chức Văn phòng - Thống kê", date(2018, 12, 31))],
            ),
        ],
    },
}

# The demo procedures (by code) and the legal texts they rest on.
CITATIONS = {
    "QT-TNMT-01": ["61/2018/NĐ-CP", "43/2014/NĐ-CP"],
    "QT-KSTL": ["19/2014/QĐ-TTg", "26/2014/TT-BKHCN"],
    "QT-KSHS": ["61/2018/NĐ-CP"],
}


def _sample_file(title: str, unit: Unit) -> bytes:
    doc = new_document(title)
    paragraph(doc, unit.name.upper(), bold=True, center=True)
    paragraph(doc, title.upper(), bold=True, center=True)
    paragraph(doc, "Tài liệu mẫu của bộ dữ liệu trình diễn.", italic=True)
    return to_bytes(doc)


# A body that ran ISO 9001:2008 kept its 2008 clause references in records of 2018: they wait for
# a person to remap them (the forms themselves only take 2015 clauses).
LEGACY_DOCUMENTS = [
    (
        "P-TP",
        "STCL-TP",
        "Sổ tay chất lượng Phòng Tư pháp",
        "manual",
        "Trưởng phòng Tư pháp",
        ("4.2.3", "4.2.4"),
    ),
    (
        "P-TP",
        "HD-TP-01",
        "Hướng dẫn xử lý sản phẩm không phù hợp và hành động khắc phục, phòng ngừa",
        "procedure",
        "Trưởng phòng Tư pháp",
        ("8.3", "8.5.2", "8.5.3"),
    ),
    (
        "VP-HDND-UBND",
        "HD-VP-01",
        "Hướng dẫn theo dõi, đo lường quá trình và đào tạo cán bộ",
        "procedure",
        "Chánh Văn phòng",
        ("8.2.3", "6.2.2"),
    ),
]


def _cite_2008(model: Any, owner: str, record_id: int, numbers: tuple[str, ...]) -> None:
    for number in numbers:
        clause = db.session.scalar(select(Clause).where(Clause.edition == "2008", Clause.number == number))
        if clause is not None and db.session.get(model, {owner: record_id, "clause_id": clause.id}) is None:
            db.session.add(model(**{owner: record_id}, clause_id=clause.id))


def load_legacy_references(units: dict[str, Unit]) -> None:
    """Some 2018 procedures and documents of P-TP and VP-HDND-UBND still cite ISO 9001:2008 clauses
    beside their 2015 ones (only when created now: a second run, or a remapped one, is left alone)."""
    for unit_code, code, title, kind, approver, numbers in LEGACY_DOCUMENTS:
        unit = units.get(unit_code)
        if unit is None:
            continue
        exists = db.session.scalar(
            select(ControlledDocument.id).where(
                ControlledDocument.unit_id == unit.id, ControlledDocument.code == code
            )
        )
        if exists is not None:
            continue
        document = documents.create_document(
            unit,
            actor=None,
            code=code,
            title=title,
            kind=kind,
            approver=approver,
            issue_date=date(2018, 1, 15),
            review_due=date(2019, 1, 15),
            clauses="7.5" if kind == "manual" else "10.2",
            upload=(f"{code}.docx", _sample_file(title, unit)),
        )
        documents.issue(document, actor=None)
        _cite_2008(DocumentClause, "document_id", document.id, numbers)
        db.session.flush()
        db.session.expire(document, ["clause_links"])


def load_documents_demo(units: dict[str, Unit]) -> None:
    """Create what is missing; leave what exists (a second run changes nothing)."""
    texts: dict[str, LegalText] = {t.number: t for t in db.session.scalars(select(LegalText))}
    for number, title, issuer, issued_on, _status, _by, note in LEGAL_TEXTS:
        if number not in texts:
            texts[number] = legal.create_legal_text(
                actor=None,
                number=number,
                title=title,
                issuer=issuer,
                issued_on=issued_on,
                status=LegalStatus.IN_FORCE,
                note=note,
            )
    for number, _title, _issuer, _issued_on, status, by, _note in LEGAL_TEXTS:
        text = texts[number]
        if text.status == LegalStatus.IN_FORCE and status != LegalStatus.IN_FORCE:
            legal.set_status(text, status, actor=None, replaced_by=texts[by] if by else None)

    for unit_code, code, title, kind, approver, issued, review in DOCUMENTS:
        unit = units[unit_code]
        exists = db.session.scalar(
            select(ControlledDocument.id).where(
                ControlledDocument.unit_id == unit.id, ControlledDocument.code == code
            )
        )
        if exists is not None:
            continue
        document = documents.create_document(
            unit,
            actor=None,
            code=code,
            title=title,
            kind=kind,
            approver=approver,
            issue_date=issued,
            review_due=review,
            clauses="5.2" if kind == "policy" else ("4.4, 7.5" if kind == "manual" else "7.5.3"),
            upload=(f"{code}.docx", _sample_file(title, unit)),
        )
        documents.issue(document, actor=None)

    for unit_code, content in CONTEXT.items():
        unit = units[unit_code]
        if db.session.scalar(select(Risk.id).where(Risk.unit_id == unit.id).limit(1)) is not None:
            continue
        if db.session.scalar(select(ContextIssue.id).where(ContextIssue.unit_id == unit.id).limit(1)) is None:
            for kind, description, review in content["issues"]:
                risks.save_issue(unit, actor=None, kind=kind, description=description, review_date=review)
        if (
            db.session.scalar(select(InterestedParty.id).where(InterestedParty.unit_id == unit.id).limit(1))
            is None
        ):
            for name, needs in content["parties"]:
                risks.save_party(unit, actor=None, name=name, needs=needs)
        for kind, title, likelihood, impact, owner, actions in content["risks"]:
            risk = risks.save_risk(
                unit,
                actor=None,
                kind=kind,
                title=title,
                likelihood=likelihood,
                impact=impact,
                owner=owner,
                review_date=date(2019, 6, 30),
            )
            for what, action_owner, due in actions:
                risks.save_action(risk, actor=None, what=what, owner=action_owner, due=due)

    # The demo procedures' current versions cite their legal basis.
    for code, numbers in CITATIONS.items():
        procs = db.session.scalars(
            select(Process).where(Process.code == code, Process.status != ProcessStatus.SUPERSEDED)
        )
        for process in procs:
            for number in numbers:
                if db.session.get(ProcessLegalRef, (process.id, texts[number].id)) is None:
                    legal.cite(process, texts[number], actor=None)
    db.session.flush()
    load_legacy_references(units)
