"""The demo city's 2018 internal audit round: from 17/07/2018 to 10/08/2018 the city's audit team audited
its 10 specialised departments against TCVN ISO 9001:2008, and the management review met in 8/2018
(Nha Trang's 2018 administrative-reform report). Findings and corrective actions are illustrative, in
every state of the workflow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from audits.models import NC_KINDS, AuditConformity, AuditProgramme, ChecklistResult, Finding
from audits.services import checklists, findings, planning
from qms.extensions import db
from qms.models.org import OrgRole, Unit, User
from qms.services import org
from qms.services.demo import DEMO_PASSWORD
from qms.services.history import act_as

YEAR = 2018
STEERING_EMAIL = "steering@demo.qms.vn"
LEADER_EMAIL = "leader@demo.qms.vn"


@dataclass(frozen=True)
class DemoAuditor:
    email: str
    full_name: str
    unit: str
    edition: str  # the edition of their internal-auditor course


AUDITORS = [
    DemoAuditor("auditor@demo.qms.vn", "Lê Văn Cường", "P-NV", "2008"),
    DemoAuditor("auditor.vp@demo.qms.vn", "Đỗ Thị Lan", "VP-HDND-UBND", "2008"),
    DemoAuditor("auditor.tp@demo.qms.vn", "Hoàng Văn Minh", "P-TP", "2008"),
    DemoAuditor("auditor.tckh@demo.qms.vn", "Ngô Thị Thu", "P-TCKH", "2015"),
]

# (unit, start, end, lead, member, clauses in scope)
AUDITS = [
    (
        "P-TP",
        date(2018, 7, 17),
        date(2018, 7, 17),
        "auditor.vp",
        "auditor",
        ["4.2.3", "4.2.4", "7.5.1", "8.2.3"],
    ),
    ("P-TCKH", date(2018, 7, 19), date(2018, 7, 19), "auditor", "auditor.tp", ["4.2.3", "5.4.1", "8.2.3"]),
    (
        "P-TNMT",
        date(2018, 7, 23),
        date(2018, 7, 24),
        "auditor",
        "auditor.vp",
        ["4.2.3", "4.2.4", "7.5.1", "8.2.3", "8.5.2"],
    ),
    (
        "P-LDTBXH",
        date(2018, 7, 25),
        date(2018, 7, 25),
        "auditor.tp",
        "auditor.tckh",
        ["4.2.4", "7.2.3", "8.2.3"],
    ),
    (
        "P-VHTT",
        date(2018, 7, 27),
        date(2018, 7, 27),
        "auditor.vp",
        "auditor.tckh",
        ["4.2.3", "5.4.1", "8.2.2"],
    ),
    ("P-GDDT", date(2018, 7, 31), date(2018, 7, 31), "auditor", "auditor.tckh", ["4.2.3", "7.5.1", "8.2.3"]),
    ("P-YT", date(2018, 8, 2), date(2018, 8, 2), "auditor.tp", "auditor.vp", ["4.2.4", "5.4.1", "8.5.2"]),
    ("TTR", date(2018, 8, 6), date(2018, 8, 6), "auditor.vp", "auditor.tp", ["4.2.3", "7.5.1", "8.2.1"]),
    ("P-KT", date(2018, 8, 8), date(2018, 8, 8), "auditor", "auditor.tp", ["4.2.4", "5.4.1", "8.2.3"]),
    (
        "P-QLDT",
        date(2018, 8, 10),
        date(2018, 8, 10),
        "auditor.tp",
        "auditor",
        ["4.2.3", "7.5.1", "8.2.3", "8.5.2"],
    ),
]

# (unit, kind, clause, statement, evidence, outcome) — outcome says how far its corrective action went:
# open, submitted, overdue, done, effective, reopened; observations and OFIs are just noted.
FINDINGS = [
    (
        "P-TP",
        "minor",
        "4.2.3",
        "Danh mục tài liệu nội bộ chưa cập nhật phiên bản mới của quy trình chứng thực.",
        "Danh mục ngày 15/01/2018 còn ghi QT-TP-02 lần ban hành 01; quy trình đang dùng là lần 02.",
        "effective",
    ),
    ("P-TP", "ofi", "8.2.3", "Có thể theo dõi tỷ lệ hồ sơ chứng thực trả sớm hạn để cải tiến.", "", "noted"),
    (
        "P-TCKH",
        "minor",
        "4.2.4",
        "Hồ sơ đăng ký hộ kinh doanh không lưu phiếu kiểm soát quá trình giải quyết.",
        "3/10 hồ sơ tháng 6/2018 kiểm tra ngẫu nhiên thiếu phiếu kiểm soát.",
        "effective",
    ),
    (
        "P-TNMT",
        "major",
        "8.2.3",
        "Tỷ lệ hồ sơ đất đai trễ hạn chưa được theo dõi, phân tích và có biện pháp xử lý.",
        "Quý II/2018 có 47 hồ sơ trễ hạn; không có báo cáo phân tích nguyên nhân, không có thư xin lỗi.",
        "overdue",
    ),
    (
        "P-TNMT",
        "minor",
        "7.5.1",
        "Quy trình cấp giấy chứng nhận quyền sử dụng đất chưa được áp dụng đúng thời gian từng bước.",
        "Hồ sơ số 2018/0412 chuyển bước 3 sau 9 ngày làm việc, quy trình quy định 5 ngày.",
        "reopened",
    ),
    (
        "P-TNMT",
        "minor",
        "4.2.4",
        "Hồ sơ lưu chưa được sắp xếp theo danh mục hồ sơ lưu.",
        "Tủ hồ sơ năm 2017 không có danh mục; không xác định được thời hạn lưu.",
        "open",
    ),
    (
        "P-TNMT",
        "observation",
        "8.5.2",
        "Chưa thống nhất cách ghi nhận hành động khắc phục sau kiểm tra công vụ.",
        "",
        "noted",
    ),
    (
        "P-LDTBXH",
        "minor",
        "7.2.3",
        "Chưa có sổ theo dõi phản ánh, kiến nghị của người dân về thủ tục hành chính.",
        "Không xuất trình được sổ hoặc tệp theo dõi phản ánh năm 2018.",
        "done",
    ),
    (
        "P-VHTT",
        "minor",
        "5.4.1",
        "Mục tiêu chất lượng năm 2018 chưa đo lường được.",
        "Mục tiêu 'nâng cao chất lượng phục vụ' không có chỉ tiêu và phương pháp đo.",
        "submitted",
    ),
    (
        "P-VHTT",
        "observation",
        "8.2.2",
        "Kết quả đánh giá nội bộ năm 2017 chưa được phổ biến tới công chức.",
        "",
        "noted",
    ),
    (
        "P-GDDT",
        "minor",
        "7.5.1",
        "Biểu mẫu sử dụng trong quy trình cấp phép hoạt động giáo dục không đúng biểu mẫu ban hành.",
        "Hồ sơ tháng 5/2018 dùng mẫu BM-02 cũ.",
        "effective",
    ),
    (
        "P-YT",
        "major",
        "8.5.2",
        "Các điểm không phù hợp của đợt đánh giá năm 2017 chưa được khắc phục.",
        "2/3 phiếu yêu cầu hành động khắc phục năm 2017 chưa có xác nhận hiệu lực.",
        "effective",
    ),
    (
        "P-YT",
        "ofi",
        "8.2.3",
        "Nên công khai kết quả giải quyết hồ sơ hằng tháng tại Bộ phận Một cửa.",
        "",
        "noted",
    ),
    (
        "TTR",
        "minor",
        "4.2.3",
        "Văn bản đến liên quan đến quy trình tiếp công dân chưa được kiểm soát.",
        "Sổ văn bản đến không ghi người nhận xử lý cho 4 văn bản tháng 7/2018.",
        "overdue",
    ),
    (
        "P-KT",
        "minor",
        "5.4.1",
        "Kế hoạch chất lượng năm 2018 chưa phân công người thực hiện.",
        "Kế hoạch ngày 05/02/2018 không có cột trách nhiệm.",
        "effective",
    ),
    (
        "P-QLDT",
        "minor",
        "8.2.3",
        "Chưa theo dõi thời gian giải quyết hồ sơ cấp phép xây dựng theo từng bước.",
        "Phần mềm Một cửa điện tử không cập nhật bước thẩm định cho 12 hồ sơ tháng 7/2018.",
        "open",
    ),
    (
        "P-QLDT",
        "observation",
        "7.5.1",
        "Quy trình cấp phép xây dựng chưa cập nhật Nghị định 61/2018/NĐ-CP.",
        "",
        "noted",
    ),
]

# The lead auditor's conclusion of each audit, in the voice of the city's 2018 report: (unit, overall
# conclusion, strengths, recommendations, date of the approved report). Every department's system conforms
# to TCVN ISO 9001:2008 and is maintained; its nonconformities are being corrected.
CONCLUSIONS = [
    (
        "P-TP",
        "Hệ thống quản lý chất lượng của Phòng Tư pháp phù hợp với tiêu chuẩn TCVN ISO 9001:2008, được "
        "duy trì và áp dụng có hiệu lực trong giải quyết thủ tục chứng thực, hộ tịch. Điểm không phù hợp "
        "về kiểm soát tài liệu đã được khắc phục ngay trong đợt đánh giá.",
        "Hồ sơ chứng thực được lưu đầy đủ, tra cứu nhanh; 100% hồ sơ chứng thực trả đúng hoặc sớm hạn.",
        "Rà soát danh mục tài liệu nội bộ mỗi khi quy trình được ban hành lại; theo dõi tỷ lệ hồ sơ trả "
        "sớm hạn để cải tiến.",
        date(2018, 7, 20),
    ),
    (
        "P-TCKH",
        "Hệ thống quản lý chất lượng của Phòng Tài chính - Kế hoạch phù hợp với tiêu chuẩn TCVN ISO "
        "9001:2008 và được duy trì; điểm không phù hợp về lưu phiếu kiểm soát quá trình đã được khắc phục.",
        "Công chức nắm vững quy trình đăng ký hộ kinh doanh; kết quả giải quyết được cập nhật kịp thời "
        "trên phần mềm Một cửa điện tử.",
        "Kiểm tra ngẫu nhiên hằng tháng hồ sơ đã giải quyết để bảo đảm lưu đủ phiếu kiểm soát.",
        date(2018, 7, 23),
    ),
    (
        "P-TNMT",
        "Hệ thống quản lý chất lượng của Phòng Tài nguyên và Môi trường cơ bản phù hợp với tiêu chuẩn TCVN "
        "ISO 9001:2008 và được duy trì, nhưng còn một điểm không phù hợp nặng về theo dõi hồ sơ đất đai "
        "trễ hạn; phòng phải hoàn thành hành động khắc phục trước ngày 31/10/2018.",
        "Lãnh đạo phòng quan tâm chỉ đạo; đã bố trí công chức đầu mối ISO và cập nhật đầy đủ quy trình "
        "cấp giấy chứng nhận quyền sử dụng đất.",
        "Phân tích nguyên nhân hồ sơ trễ hạn theo quý, gửi thư xin lỗi công dân khi trễ hạn; sắp xếp hồ "
        "sơ lưu theo danh mục và thời hạn lưu.",
        date(2018, 7, 26),
    ),
    (
        "P-LDTBXH",
        "Hệ thống quản lý chất lượng của Phòng Lao động - Thương binh và Xã hội phù hợp với tiêu chuẩn "
        "TCVN ISO 9001:2008 và được duy trì; điểm không phù hợp về theo dõi phản ánh, kiến nghị đang được "
        "khắc phục đúng kế hoạch.",
        "Hồ sơ chính sách người có công được giải quyết đúng hạn; thái độ phục vụ công dân tận tình.",
        "Mở sổ theo dõi phản ánh, kiến nghị và báo cáo kết quả xử lý hằng quý cho lãnh đạo phòng.",
        date(2018, 7, 27),
    ),
    (
        "P-VHTT",
        "Hệ thống quản lý chất lượng của Phòng Văn hóa và Thông tin phù hợp với tiêu chuẩn TCVN ISO "
        "9001:2008 và được duy trì; mục tiêu chất lượng cần được xây dựng lại để đo lường được.",
        "Quy trình cấp giấy phép quảng cáo được niêm yết công khai, hồ sơ gọn gàng.",
        "Xây dựng mục tiêu chất lượng có chỉ tiêu và phương pháp đo; phổ biến kết quả đánh giá nội bộ tới "
        "toàn thể công chức.",
        date(2018, 7, 30),
    ),
    (
        "P-GDDT",
        "Hệ thống quản lý chất lượng của Phòng Giáo dục và Đào tạo phù hợp với tiêu chuẩn TCVN ISO "
        "9001:2008, được duy trì và áp dụng có hiệu lực; điểm không phù hợp về biểu mẫu đã được khắc phục.",
        "Hồ sơ cấp phép hoạt động giáo dục được giải quyết sớm hạn; công chức chủ động cập nhật văn bản mới.",
        "Thu hồi các biểu mẫu cũ khi ban hành biểu mẫu mới; kiểm tra việc sử dụng biểu mẫu hằng quý.",
        date(2018, 8, 2),
    ),
    (
        "P-YT",
        "Hệ thống quản lý chất lượng của Phòng Y tế phù hợp với tiêu chuẩn TCVN ISO 9001:2008 và được duy "
        "trì; các điểm không phù hợp tồn tại từ năm 2017 đã được khắc phục và kiểm tra hiệu lực.",
        "Hồ sơ cấp giấy chứng nhận đủ điều kiện an toàn thực phẩm được giải quyết đúng hạn.",
        "Công khai kết quả giải quyết hồ sơ hằng tháng tại Bộ phận Một cửa; theo dõi đến khi đóng mọi "
        "phiếu yêu cầu hành động khắc phục.",
        date(2018, 8, 6),
    ),
    (
        "TTR",
        "Hệ thống quản lý chất lượng của Thanh tra thành phố phù hợp với tiêu chuẩn TCVN ISO 9001:2008 và "
        "được duy trì; việc kiểm soát văn bản đến trong quy trình tiếp công dân cần được khắc phục.",
        "Quy trình tiếp công dân, giải quyết khiếu nại được thực hiện đúng trình tự, hồ sơ đầy đủ.",
        "Ghi rõ người nhận xử lý trên sổ văn bản đến; lãnh đạo kiểm tra sổ hằng tuần.",
        date(2018, 8, 8),
    ),
    (
        "P-KT",
        "Hệ thống quản lý chất lượng của Phòng Kinh tế phù hợp với tiêu chuẩn TCVN ISO 9001:2008, được duy "
        "trì và áp dụng có hiệu lực; kế hoạch chất lượng đã được bổ sung phân công người thực hiện.",
        "Tỷ lệ hồ sơ giải quyết đúng hạn cao; công chức sử dụng thành thạo phần mềm Một cửa điện tử.",
        "Phân công trách nhiệm cụ thể cho từng nội dung của kế hoạch chất lượng năm 2019.",
        date(2018, 8, 10),
    ),
    (
        "P-QLDT",
        "Hệ thống quản lý chất lượng của Phòng Quản lý đô thị phù hợp với tiêu chuẩn TCVN ISO 9001:2008 và "
        "được duy trì; việc theo dõi thời gian giải quyết từng bước của hồ sơ cấp phép xây dựng cần được "
        "khắc phục.",
        "Hồ sơ cấp phép xây dựng được tiếp nhận và trả kết quả qua Bộ phận Một cửa đúng quy định.",
        "Cập nhật quy trình cấp phép xây dựng theo Nghị định 61/2018/NĐ-CP; cập nhật đủ các bước thẩm "
        "định trên phần mềm Một cửa điện tử.",
        date(2018, 8, 13),
    ),
]

PLANS = {
    "correction": "Đã rà soát và bổ sung ngay các hồ sơ, tài liệu còn thiếu.",
    "root_cause": "Chưa phân công cụ thể công chức theo dõi; chưa kiểm tra định kỳ.",
    "whys": [
        "Vì sao xảy ra? Không ai kiểm tra định kỳ.",
        "Vì sao không ai kiểm tra? Chưa phân công trong kế hoạch chất lượng.",
    ],
}


def _user(spec: DemoAuditor) -> User:
    user = org.user_by_email(spec.email)
    if user is None:
        user = org.create_user(
            actor=None,
            email=spec.email,
            full_name=spec.full_name,
            password=DEMO_PASSWORD,
            password_policy=False,  # the demo's one shared password, weak on purpose
            roles=[OrgRole.AUDITOR],
        )
    unit = org.find_unit(spec.unit)
    if unit is not None and user.membership_in(unit.id) is None:
        org.add_membership(user, unit, "member", actor=None)
    if not planning.competence_records(user):
        planning.add_competence(
            user,
            actor=None,
            title=f"Khóa đào tạo chuyên gia đánh giá nội bộ TCVN ISO 9001:{spec.edition}",
            certificate=f"CN-{spec.edition}-{user.id:03d}",
            edition=spec.edition,
            valid_from=date(2016, 5, 20) if spec.edition == "2008" else date(2018, 3, 15),
            valid_to=date(2021, 6, 30) if spec.edition == "2008" else None,
        )
    return user


def _answer(finding: Finding, outcome: str, audit_end: date) -> None:
    """Take a nonconformity as far as `outcome` says, through the services' own workflow."""
    if outcome == "open":
        return
    findings.save_plan(finding, actor=None, version=None, **PLANS)
    due = date(2018, 9, 30) if outcome != "overdue" else date(2018, 10, 31)
    findings.add_action(
        finding,
        actor=None,
        what="Phân công công chức đầu mối ISO kiểm tra hằng tháng và báo cáo lãnh đạo phòng.",
        owner_name="Lãnh đạo phòng",
        due_on=due,
    )
    findings.submit_plan(finding, actor=None)
    if outcome == "submitted":
        return
    findings.review_plan(finding, actor=None, accept=True, comment="Đồng ý kế hoạch.")
    if outcome == "overdue":
        return
    for item in findings.current_actions(finding):
        findings.mark_action_done(item, actor=None, done_on=date(2018, 9, 20), note="Đã thực hiện")
    if outcome == "done":
        return
    effective = outcome == "effective"
    findings.verify(
        finding,
        actor=None,
        checked_on=date(2018, 10, 15),
        evidence="Kiểm tra 10 hồ sơ tháng 9-10/2018." if effective else "Vẫn còn 2/10 hồ sơ chuyển bước trễ.",
        effective=effective,
    )
    if outcome == "reopened":
        findings.add_action(
            finding,
            actor=None,
            what="Cài đặt nhắc hạn từng bước trên phần mềm Một cửa điện tử.",
            owner_name="Chuyên viên phụ trách đất đai",
            due_on=date(2018, 12, 15),
        )


def load_audit_demo() -> AuditProgramme:
    """Create the 2018 audit round unless the programme for 2018 already exists."""
    existing = planning.programme_for_year(YEAR)
    if existing is not None:
        return existing
    act_as(None)
    auditors = {spec.email.split("@")[0]: _user(spec) for spec in AUDITORS}
    steering = org.user_by_email(STEERING_EMAIL)
    programme = planning.create_programme(
        actor=None,
        year=YEAR,
        edition="2008",
        objectives=(
            "Đánh giá việc duy trì, áp dụng Hệ thống quản lý chất lượng theo TCVN ISO 9001:2008 trong giải "
            "quyết thủ tục hành chính; xác định điểm không phù hợp và cơ hội cải tiến; chuẩn bị chuyển đổi "
            "sang TCVN ISO 9001:2015."
        ),
        scope="10 cơ quan chuyên môn thuộc UBND thành phố Nha Trang; từ 17/07/2018 đến 10/08/2018.",
        notes="Họp xem xét của lãnh đạo sau đánh giá nội bộ: tháng 8/2018.",
    )
    units = org.units_by_code()
    audits = {}
    for code, start, end, lead, member, clause_numbers in AUDITS:
        clause_ids = [findings._clause("2008", n).id for n in clause_numbers]
        audit = planning.create_audit(
            actor=None,
            programme=programme,
            planned_start=start,
            planned_end=end,
            units=[units[code]],
            clause_ids=clause_ids,
            objectives="Đánh giá sự phù hợp và hiệu lực của HTQLCL tại đơn vị.",
            processes="Các quy trình giải quyết thủ tục hành chính của đơn vị",
        )
        planning.assign_auditor(audit, auditors[lead], role="lead", actor=None)
        result = planning.assign_auditor(audit, auditors[member], role="member", actor=None)
        if result.member.competence_warning:
            result.member.acknowledged_by = auditors[lead]
            result.member.acknowledged_at = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
        planning.add_agenda_item(
            audit,
            actor=None,
            day=start,
            time="08:00–08:30",
            activity="Họp khai mạc",
            auditee_contact="Trưởng phòng",
        )
        planning.add_agenda_item(
            audit,
            actor=None,
            day=start,
            time="08:30–11:00",
            activity="Đánh giá hồ sơ giải quyết thủ tục hành chính",
            auditee_contact="Cán bộ đầu mối ISO",
        )
        planning.add_agenda_item(
            audit,
            actor=None,
            day=end,
            time="15:30–16:30",
            activity="Họp kết thúc",
            auditee_contact="Trưởng phòng",
        )
        audits[code] = audit
    # The audits planned, steering submits the programme and the city's leader approves it by decision
    # 125/QĐ-UBND of 02/07/2018; the workflow's timestamps are then set to those 2018 days.
    leader = org.user_by_email(LEADER_EMAIL)
    planning.submit_programme(programme, actor=steering)
    planning.approve_programme(
        programme, actor=leader, decision_number="125/QĐ-UBND", decision_date=date(2018, 7, 2)
    )
    act_as(None)
    programme.submitted_at = datetime(2018, 6, 25, 8, 0, tzinfo=UTC)
    programme.approved_at = datetime(2018, 7, 2, 8, 0, tzinfo=UTC)
    for audit in audits.values():
        planning.transition_audit(audit, "start", actor=None)
        # the checklist from the question bank, answered: conforming unless a finding below says otherwise
        for item in checklists.generate_checklist(audit, actor=None):
            item.result = ChecklistResult.CONFORMS
            item.notes = "Đã kiểm tra hồ sơ, tài liệu liên quan; đáp ứng yêu cầu."
    for code, kind, clause, statement, evidence, outcome in FINDINGS:
        audit = audits[code]
        item = next((i for i in audit.checklist if i.clause is not None and i.clause.number == clause), None)
        if item is not None:
            item.result = ChecklistResult.NONCONFORMITY if kind in NC_KINDS else ChecklistResult.OBSERVATION
            item.notes = evidence
        finding = findings.create_finding(
            audit,
            actor=None,
            kind=kind,
            edition="2008",
            clause=clause,
            unit=units[code],
            statement=statement,
            evidence=evidence,
            raised_on=audit.planned_end,
            checklist_item=item,
        )
        finding.raised_by = audit.lead
        if finding.is_nonconformity:
            _answer(finding, outcome, audit.planned_end)
    # each lead writes the conclusion and submits the report; steering approves, numbering the reports
    # in the order of their dates (01/BC-BCĐ …)
    for code, conclusion, strengths, recommendations, report_date in CONCLUSIONS:
        audit = audits[code]
        lead = audit.lead
        planning.save_conclusion(
            audit,
            actor=lead,
            conformity=AuditConformity.CONFORMS_WITH_NCS,
            effective=True,
            conclusion=conclusion,
            strengths=strengths,
            recommendations=recommendations,
        )
        planning.transition_audit(audit, "submit_report", actor=lead)
        approver = steering if steering is not None and steering.has_role(OrgRole.STEERING) else None
        planning.transition_audit(audit, "approve_report", actor=approver, report_date=report_date)
        # the round happened in 2018: keep the moments of submission and approval in 2018 too
        audit.report_submitted_at = datetime.combine(audit.planned_end, time(9, 30), tzinfo=UTC)
        audit.report_approved_at = datetime.combine(report_date, time(8, 0), tzinfo=UTC)
    for audit in audits.values():
        open_left = db.session.scalar(
            select(Finding.id).where(
                Finding.audit_id == audit.id, Finding.status.notin_(["closed", "noted", "withdrawn"])
            )
        )
        if open_left is None:
            planning.transition_audit(audit, "close", actor=None)
    db.session.flush()
    load_review_demo(leader, units)
    return programme


# The management review that met after the round: (kind, decision, owner unit, due date).
REVIEW_DECISIONS = [
    (
        "improvement",
        "Số hoá sổ theo dõi phản ánh, kiến nghị của tổ chức, công dân; cập nhật hằng tháng.",
        "P-TP",
        date(2018, 10, 31),
    ),
    (
        "system_change",
        "Rà soát, cập nhật các quy trình theo Nghị định 61/2018/NĐ-CP; chuẩn bị chuyển đổi sang "
        "TCVN ISO 9001:2015.",
        "VP-HDND-UBND",
        date(2018, 12, 31),
    ),
    (
        "resources",
        "Bổ sung máy quét tài liệu cho Bộ phận Một cửa và đào tạo chuyên gia đánh giá nội bộ theo "
        "phiên bản 2015.",
        "P-NV",
        date(2018, 11, 30),
    ),
]


def load_review_demo(leader: User | None, units: dict[str, Unit]) -> None:
    """The 2018 round's management review: held on 20/08/2018, chaired by the city's leader, over
    01/01/2018–31/07/2018, with its decisions and its notice of conclusions issued on 24/08/2018."""
    from audits.services.review import core
    from audits.services.review.notice import issue_notice

    held_on = date(2018, 8, 20)
    review = core.create_review(
        core.ReviewFields(
            held_on=held_on,
            chair=leader.full_name if leader is not None else "Chủ tịch UBND thành phố",
            attendees=(
                "Lãnh đạo UBND thành phố; Ban chỉ đạo ISO; trưởng các cơ quan chuyên môn; "
                "đoàn đánh giá nội bộ."
            ),
            period_start=date(2018, 1, 1),
            period_end=date(2018, 7, 31),
            unit_id=None,
        ),
        actor=None,
    )
    core.save_notes(
        review,
        actor=None,
        notes={
            "performance": "Tỷ lệ hồ sơ trễ hạn thấp; một số đơn vị chưa đo lường mục tiêu chất lượng.",
            "resources": "Bộ phận Một cửa thiếu máy quét; cần thêm chuyên gia đánh giá theo phiên bản 2015.",
            "improvement": "Số hoá sổ theo dõi; chia sẻ kinh nghiệm giữa các phòng.",
        },
        conclusions=(
            "Hệ thống quản lý chất lượng của UBND thành phố phù hợp với TCVN ISO 9001:2008, được duy trì và "
            "cải tiến. Các đơn vị khắc phục dứt điểm các điểm không phù hợp trước ngày 31/10/2018 và chuẩn "
            "bị chuyển đổi sang TCVN ISO 9001:2015."
        ),
    )
    for kind, what, code, due in REVIEW_DECISIONS:
        if code in units:
            core.add_decision(review, core.DecisionFields(kind, what, units[code].id, None, due), actor=None)
    core.hold_review(review, actor=None, today=held_on)
    review.held_at = datetime(2018, 8, 20, 10, 0, tzinfo=UTC)
    issue_notice(review, actor=None, issued_on=date(2018, 8, 24))
    db.session.flush()
