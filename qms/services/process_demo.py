"""Demo procedures: the land-registration internal procedure of P-TNMT (with the one-stop shop and a
completeness check), the document-control and record-control procedures, and how they feed each other."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from qms.extensions import db
from qms.models.clauses import Clause
from qms.models.org import Unit
from qms.models.processes import Process, ProcessClause
from qms.services import org, processes
from qms.services.history import act_as

ONE_STOP = "Bộ phận tiếp nhận và trả kết quả (Bộ phận Một cửa)"

LAND: dict[str, Any] = {
    "code": "QT-TNMT-01",
    "unit": "P-TNMT",
    "title": "Quy trình nội bộ giải quyết thủ tục đăng ký biến động quyền sử dụng đất, "
    "cấp Giấy chứng nhận quyền sử dụng đất",
    "kind": "administrative",
    "purpose": "Quy định trình tự, trách nhiệm và thời gian giải quyết hồ sơ đăng ký biến động đất đai, "
    "cấp Giấy chứng nhận cho hộ gia đình, cá nhân, bảo đảm đúng hạn và công khai, minh bạch.",
    "scope": "Áp dụng đối với Bộ phận Một cửa, Phòng Tài nguyên và Môi trường, Chi nhánh Văn phòng đăng ký "
    "đất đai thành phố và lãnh đạo UBND thành phố khi giải quyết hồ sơ của hộ gia đình, cá nhân.",
    "references_text": "Luật Đất đai số 45/2013/QH13\n"
    "Nghị định 43/2014/NĐ-CP hướng dẫn thi hành Luật Đất đai\n"
    "Nghị định 61/2018/NĐ-CP về thực hiện cơ chế một cửa, một cửa liên thông\n"
    "Thông tư 24/2014/TT-BTNMT về hồ sơ địa chính",
    "definitions": "UBND: Ủy ban nhân dân\nTTHC: Thủ tục hành chính\nGCN: Giấy chứng nhận quyền sử dụng đất\n"
    "BPTN&TKQ: Bộ phận tiếp nhận và trả kết quả\nCN VPĐKĐĐ: Chi nhánh Văn phòng đăng ký đất đai",
    "time_limit_days": "10",
    "clauses": "4.4 7.5 8.1 8.2 8.5",
    "forms_text": "BM.01 | Giấy tiếp nhận hồ sơ và hẹn trả kết quả\n"
    "BM.02 | Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ\n"
    "BM.03 | Phiếu kiểm soát quá trình giải quyết hồ sơ\n"
    "BM.04 | Phiếu từ chối tiếp nhận, giải quyết hồ sơ",
    "records_text": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả | Bộ phận Một cửa | 24 tháng | both\n"
    "Phiếu kiểm soát quá trình giải quyết hồ sơ | Phòng TN&MT | 24 tháng | paper\n"
    "Hồ sơ đăng ký biến động đã giải quyết | CN VPĐKĐĐ | Vĩnh viễn | both",
    # (text, responsible, days, output, kind, next / (yes, no)); positions are 1-based.
    "steps": [
        ("Tiếp nhận hồ sơ, kiểm tra thành phần hồ sơ", ONE_STOP, "0.5", "BM.01", "task", None),
        ("Hồ sơ đầy đủ, hợp lệ?", ONE_STOP, "0", "", "decision", (4, 3)),
        ("Hướng dẫn tổ chức, cá nhân bổ sung, hoàn thiện hồ sơ", ONE_STOP, "0", "BM.02", "task", 1),
        ("Chuyển hồ sơ đến Phòng TN&MT", ONE_STOP, "0.5", "BM.03", "task", None),
        (
            "Thẩm định hồ sơ, kiểm tra thực địa (nếu cần), lập tờ trình và dự thảo GCN",
            "Chuyên viên Phòng TN&MT; CN VPĐKĐĐ",
            "5",
            "Tờ trình, dự thảo GCN",
            "task",
            None,
        ),
        ("Đủ điều kiện cấp GCN?", "Lãnh đạo Phòng TN&MT", "1", "", "decision", (7, 10)),
        ("Ký Giấy chứng nhận", "Lãnh đạo UBND thành phố", "2", "GCN đã ký", "task", None),
        (
            "Vào sổ cấp GCN, chuyển kết quả đến Bộ phận Một cửa",
            "Văn thư Phòng TN&MT",
            "0.5",
            "Sổ cấp GCN",
            "task",
            None,
        ),
        ("Trả kết quả cho tổ chức, cá nhân", ONE_STOP, "0.5", "GCN; BM.03", "task", "end"),
        ("Thông báo lý do không đủ điều kiện, trả lại hồ sơ", ONE_STOP, "0.5", "BM.04", "task", "end"),
    ],
}

DOCUMENT_CONTROL: dict[str, Any] = {
    "code": "QT-KSTL",
    "unit": "VP-HDND-UBND",
    "title": "Quy trình kiểm soát tài liệu",
    "kind": "management",
    "purpose": "Bảo đảm tài liệu của hệ thống quản lý chất lượng được soạn thảo, xem xét, phê duyệt, ban "
    "hành, cập nhật và kiểm soát thống nhất.",
    "scope": "Áp dụng cho mọi tài liệu thuộc HTQLCL của UBND thành phố và các cơ quan chuyên môn.",
    "references_text": "TCVN ISO 9001:2015\nQuyết định 19/2014/QĐ-TTg về áp dụng HTQLCL theo TCVN ISO 9001",
    "definitions": "HTQLCL: Hệ thống quản lý chất lượng\nBCĐ ISO: Ban chỉ đạo ISO",
    "time_limit_days": "",
    "clauses": "7.5.2 7.5.3",
    "forms_text": "BM.KSTL.01 | Phiếu đề nghị soạn thảo, sửa đổi tài liệu\n"
    "BM.KSTL.02 | Danh mục tài liệu nội bộ",
    "records_text": "Phiếu đề nghị soạn thảo, sửa đổi tài liệu | Thư ký ISO | 36 tháng | paper\n"
    "Danh mục tài liệu nội bộ | Thư ký ISO | Đến khi có bản thay thế | electronic",
    "steps": [
        ("Đề nghị soạn thảo, sửa đổi tài liệu", "Đơn vị có nhu cầu", "1", "BM.KSTL.01", "task", None),
        ("Soạn thảo, sửa đổi tài liệu", "Người được phân công", "5", "Dự thảo tài liệu", "task", None),
        ("Tài liệu đạt yêu cầu?", "Thư ký ISO; Trưởng đơn vị", "2", "", "decision", (4, 2)),
        (
            "Phê duyệt, ban hành tài liệu",
            "Đại diện lãnh đạo về chất lượng",
            "1",
            "Quyết định ban hành",
            "task",
            None,
        ),
        (
            "Phân phối, cập nhật danh mục, thu hồi tài liệu lỗi thời",
            "Thư ký ISO",
            "1",
            "BM.KSTL.02",
            "task",
            "end",
        ),
    ],
}

RECORD_CONTROL: dict[str, Any] = {
    "code": "QT-KSHS",
    "unit": "VP-HDND-UBND",
    "title": "Quy trình kiểm soát hồ sơ",
    "kind": "support",
    "purpose": "Thống nhất việc nhận biết, lưu giữ, bảo vệ, sử dụng và hủy bỏ hồ sơ của HTQLCL.",
    "scope": "Áp dụng cho hồ sơ chất lượng và hồ sơ giải quyết TTHC của các đơn vị.",
    "references_text": "Luật Lưu trữ số 01/2011/QH13",
    "definitions": "",
    "time_limit_days": "",
    "clauses": "7.5.3",
    "forms_text": "BM.KSHS.01 | Danh mục hồ sơ lưu",
    "records_text": "Danh mục hồ sơ lưu | Các đơn vị | Đến khi có bản thay thế | both",
    "steps": [
        ("Lập danh mục hồ sơ cần lưu", "Trưởng đơn vị", "1", "BM.KSHS.01", "task", None),
        ("Lưu giữ, bảo quản hồ sơ", "Công chức được phân công", "0", "", "task", None),
        ("Hết thời hạn lưu?", "Thư ký ISO", "0", "", "decision", (4, 2)),
        (
            "Hủy hồ sơ hết thời hạn lưu, lập biên bản",
            "Hội đồng hủy hồ sơ",
            "1",
            "Biên bản hủy",
            "task",
            "end",
        ),
    ],
}

LINKS = [
    ("QT-KSTL", "QT-TNMT-01", "Quy trình, biểu mẫu được ban hành và kiểm soát"),
    ("QT-TNMT-01", "QT-KSHS", "Hồ sơ TTHC đã giải quyết cần lưu"),
    ("QT-KSTL", "QT-KSHS", "Danh mục tài liệu, biểu mẫu hồ sơ"),
]


# Written under ISO 9001:2008, these procedures still cite 2008 clauses beside their 2015 ones: the
# references a person remaps during the transition (the procedure form itself takes 2015 clauses only).
LEGACY_2008 = {"QT-KSTL": ("4.2.3",), "QT-KSHS": ("4.2.4",), "QT-TNMT-01": ("7.5.1", "7.2.1")}


def _cite_2008(process: Process) -> None:
    for number in LEGACY_2008.get(process.code, ()):
        clause = db.session.scalar(select(Clause).where(Clause.edition == "2008", Clause.number == number))
        if clause is not None:
            db.session.add(ProcessClause(process_id=process.id, clause_id=clause.id))
    db.session.flush()
    db.session.expire(process, ["clause_links"])


def _build(spec: dict[str, Any], unit: Unit, effective: date) -> Process:
    fields = {k: v for k, v in spec.items() if k not in ("code", "unit", "steps")}
    process = processes.create_process(actor=None, unit=unit, code=spec["code"], **fields)
    created = []
    # First every step as a plain task, then the links between them (targets must exist).
    for text, responsible, days, output, _kind, _target in spec["steps"]:
        created.append(
            processes.add_step(
                process, actor=None, kind="task", text=text, responsible=responsible, days=days, output=output
            )
        )
    for step, (text, responsible, days, output, kind, target) in zip(created, spec["steps"], strict=True):
        values: dict[str, Any] = {"kind": kind, "text": text, "responsible": responsible, "days": days}
        values["output"] = output
        if kind == "decision":
            values["yes_step_id"], values["no_step_id"] = created[target[0] - 1].id, created[target[1] - 1].id
        elif target == "end":
            values["next_step_id"] = "end"
        elif target is not None:
            values["next_step_id"] = created[target - 1].id
        processes.update_step(step, actor=None, **values)
    processes.approve(process, actor=None, effective_date=effective)
    _cite_2008(process)
    return process


def load_procedure_demo() -> None:
    """Create the demo procedures that are missing (idempotent)."""
    act_as(None)
    specs = [
        (DOCUMENT_CONTROL, date(2018, 1, 2)),
        (RECORD_CONTROL, date(2018, 1, 2)),
        (LAND, date(2018, 3, 1)),
    ]
    for spec, effective in specs:
        if db.session.scalar(select(Process.id).where(Process.code == spec["code"]).limit(1)) is not None:
            continue
        unit = org.find_unit(spec["unit"])
        if unit is None:
            continue
        _build(spec, unit, effective)
    for source_code, target_code, label in LINKS:
        source = processes.current_version(source_code)
        target = processes.current_version(target_code)
        if source is None or target is None:
            continue
        outgoing, _incoming = processes.links_of(source)
        if any(link.target.code == target_code for link in outgoing):
            continue
        processes.add_link(source, actor=None, target=target, label=label)
    db.session.flush()
