"""The demo city's 2018 quality policy, objectives, case statistics and satisfaction indices, from its
2018 administrative-reform report (Báo cáo 2286/BC-UBND of 28/03/2019)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from qms.extensions import db
from qms.models.objectives import Objective, Source
from qms.models.org import Unit, UnitKind
from qms.services import case_stats, objectives, org
from qms.services.history import act_as

YEAR = 2018
CITY_CODE = "UBND-NT"

# City level (the city's one-stop shop), as reported. The report gives the online rate (44.96%)
# but not its denominator: 6,664 online-eligible dossiers is the number that yields 2,996 / 6,664 = 44.96%.
CITY_FIGURES = {
    "received": 58_053,
    "resolved": 56_863,
    "on_time": 56_252,
    "late": 611,
    "online_eligible": 6_664,
    "online": 2_996,
}
# Wards and communes together, as reported. The report gives no online-eligible count for them, only
# that every one exceeded 20%: the demo assumes 22,828 (a quarter of them received online).
COMMUNE_TOTALS = {
    "received": 75_416,
    "resolved": 75_384,
    "late": 158,
    "online": 5_707,
    "online_eligible": 22_828,
}
CITY_SATISFACTION = Decimal("81.99")
COMMUNE_SATISFACTION = Decimal("78.18")  # the wards' and communes' overall index; each gets it in the demo

# How the commune totals are shared out among the 27 wards and communes (relative sizes, illustrative).
COMMUNE_WEIGHTS = [9, 7, 8, 5, 6, 8, 7, 6, 6, 5, 6, 4, 7, 5, 5, 6, 7, 5, 5, 3, 4, 3, 3, 3, 3, 2, 4]

POLICY_TEXT = (
    "UBND thành phố Nha Trang cam kết xây dựng, áp dụng, duy trì và cải tiến thường xuyên Hệ thống quản lý "
    "chất lượng theo tiêu chuẩn quốc gia TCVN ISO 9001:2008 trong giải quyết thủ tục hành chính cho tổ chức, "
    "công dân.\n"
    "Công khai, minh bạch thủ tục hành chính; tiếp nhận và giải quyết hồ sơ đúng quy định, đúng hạn; "
    "hạn chế tỷ lệ hồ sơ trễ hạn dưới 3%; đẩy mạnh tiếp nhận hồ sơ trực tuyến.\n"
    "Không ngừng nâng cao sự hài lòng của tổ chức, công dân đối với sự phục vụ của cơ quan hành chính "
    "nhà nước."
)

LATE = {
    "statement": "Giảm tỷ lệ hồ sơ thủ tục hành chính giải quyết trễ hạn xuống dưới 3%",
    "indicator": "Tỷ lệ hồ sơ trễ hạn",
    "direction": "<=",
    "target": Decimal(3),
    "source": Source.LATE_RATE.value,
    "plan_actions": (
        "Theo dõi, đôn đốc tiến độ giải quyết hồ sơ trên phần mềm Một cửa điện tử; thông báo xin lỗi và hẹn "
        "lại thời gian trả kết quả đối với hồ sơ trễ hạn; luân chuyển hồ sơ điện tử giữa các cơ quan."
    ),
    "plan_resources": "Phần mềm Một cửa điện tử; công chức Bộ phận tiếp nhận và trả kết quả",
    "plan_responsible": "Thủ trưởng cơ quan, đơn vị",
    "plan_evaluation": "Thống kê hồ sơ trễ hạn trên phần mềm Một cửa điện tử, báo cáo hằng quý",
}


def _online(target: int) -> dict[str, object]:
    return {
        "statement": (
            f"Tiếp nhận hồ sơ trực tuyến mức độ 3 đạt từ {target}% trở lên (Quyết định 1088/QĐ-UBND)"
        ),
        "indicator": "Tỷ lệ hồ sơ trực tuyến mức độ 3",
        "direction": ">=",
        "target": Decimal(target),
        "source": Source.ONLINE_RATE.value,
        "plan_actions": (
            "Tuyên truyền, hướng dẫn tổ chức, công dân nộp hồ sơ trực tuyến qua mạng Internet ở mức độ 3, 4; "
            "hỗ trợ khách hàng tạo tài khoản và nộp hồ sơ tại Bộ phận tiếp nhận và trả kết quả."
        ),
        "plan_resources": (
            "Cổng dịch vụ công trực tuyến tỉnh; hệ thống loa truyền thanh; Trang thông tin điện tử"
        ),
        "plan_responsible": "Bộ phận tiếp nhận và trả kết quả",
        "plan_evaluation": "Tỷ lệ hồ sơ trực tuyến trên tổng số hồ sơ của các thủ tục công bố mức độ 3",
    }


SATISFACTION = {
    "statement": "Chỉ số hài lòng của tổ chức, công dân đạt từ 78% trở lên",
    "indicator": "Chỉ số hài lòng",
    "direction": ">=",
    "target": Decimal(78),
    "source": Source.SATISFACTION.value,
    "plan_actions": (
        "Thực hiện nghiêm quy tắc ứng xử, văn hóa công sở; cải thiện môi trường làm việc và trang thiết bị "
        "tại Bộ phận tiếp nhận và trả kết quả; hướng dẫn khách hàng hoàn chỉnh hồ sơ trước khi nộp."
    ),
    "plan_resources": "Kinh phí khảo sát; phiếu khảo sát ý kiến khách hàng",
    "plan_responsible": "Chủ tịch UBND xã, phường",
    "plan_evaluation": "Khảo sát mức độ hài lòng của tổ chức, cá nhân theo kế hoạch cải cách hành chính",
}


def spread(total: int, weights: list[int]) -> list[int]:
    """Share `total` out in proportion to `weights`, in whole numbers that add up to it exactly."""
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def commune_figures(count: int) -> list[dict[str, int]]:
    """The commune totals shared out over `count` wards and communes, each share keeping every invariant."""
    weights = (COMMUNE_WEIGHTS * (count // len(COMMUNE_WEIGHTS) + 1))[:count]
    received = spread(COMMUNE_TOTALS["received"], weights)
    unresolved = spread(COMMUNE_TOTALS["received"] - COMMUNE_TOTALS["resolved"], weights)
    late = spread(COMMUNE_TOTALS["late"], weights)
    online = spread(COMMUNE_TOTALS["online"], weights)
    eligible = spread(COMMUNE_TOTALS["online_eligible"], weights)
    figures = []
    for i in range(count):
        resolved = received[i] - unresolved[i]
        figures.append(
            {
                "received": received[i],
                "resolved": resolved,
                "on_time": resolved - late[i],
                "late": late[i],
                "online_eligible": max(eligible[i], online[i]),
                "online": online[i],
            }
        )
    return figures


def _objective(unit: Unit, spec: dict[str, object]) -> None:
    exists = db.session.scalar(
        select(Objective.id).where(
            Objective.unit_id == unit.id,
            Objective.year == YEAR,
            func.lower(Objective.statement) == func.lower(str(spec["statement"])),
        )
    )
    if exists is not None:
        return
    manager = next((m.user for m in unit.memberships if m.role == "manager"), None)
    fields = objectives.ObjectiveFields(
        year=YEAR,
        unit_of_measure="%",
        owner=manager,
        plan_due=date(YEAR, 12, 31),
        **spec,  # type: ignore[arg-type]
    )
    objectives.create_objective(unit, fields, actor=None)


def load_quality_demo() -> None:
    """Add what is missing of the 2018 quality data; what is there is left as it is."""
    act_as(None)
    city = org.unit_by_code(CITY_CODE)
    communes = list(
        db.session.scalars(
            select(Unit).where(Unit.parent_id == city.id, Unit.kind == UnitKind.COMMUNE).order_by(Unit.id)
        )
    )
    departments = list(
        db.session.scalars(
            select(Unit).where(Unit.parent_id == city.id, Unit.kind == UnitKind.DEPARTMENT).order_by(Unit.id)
        )
    )
    if objectives.policy_of(city, YEAR) is None:
        objectives.save_policy(
            city, YEAR, actor=None, text=POLICY_TEXT, approved_by="Chủ tịch UBND thành phố"
        )
    period = str(YEAR)
    if case_stats.case_statistics_of(city, period) is None:
        case_stats.record_case_statistics(city, actor=None, period=period, **CITY_FIGURES)
    for unit, figures in zip(communes, commune_figures(len(communes)), strict=True):
        if case_stats.case_statistics_of(unit, period) is None:
            case_stats.record_case_statistics(unit, actor=None, period=period, **figures)
    if case_stats.satisfaction_of(city, period) is None:
        case_stats.record_satisfaction(
            city, actor=None, period=period, index_percent=CITY_SATISFACTION, respondents=None
        )
    for unit in communes:
        if case_stats.satisfaction_of(unit, period) is None:
            case_stats.record_satisfaction(
                unit, actor=None, period=period, index_percent=COMMUNE_SATISFACTION, respondents=None
            )
    _objective(city, LATE)
    _objective(city, _online(30))  # the city level exceeded the province's 30% (44.96%)
    for unit in departments:
        _objective(unit, LATE)
        _objective(unit, _online(30))
    for unit in communes:
        _objective(unit, _online(20))
        _objective(unit, SATISFACTION)
    db.session.flush()
