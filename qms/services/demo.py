"""The demo city: Nha Trang City People's Committee, its specialised departments, its 19 wards and
8 communes (the city's units as in its 2018 administrative-reform report), and one user per role."""

from __future__ import annotations

from dataclasses import dataclass

from qms.extensions import db
from qms.models.org import MemberRole, OrgRole, Unit, UnitKind
from qms.services import org
from qms.services.history import act_as

DEMO_PASSWORD = "demo1234"
CITY_CODE = "UBND-NT"

DEPARTMENTS = [
    ("VP-HDND-UBND", "Văn phòng HĐND và UBND thành phố"),
    ("P-NV", "Phòng Nội vụ"),
    ("P-TP", "Phòng Tư pháp"),
    ("P-TCKH", "Phòng Tài chính - Kế hoạch"),
    ("P-TNMT", "Phòng Tài nguyên và Môi trường"),
    ("P-LDTBXH", "Phòng Lao động - Thương binh và Xã hội"),
    ("P-VHTT", "Phòng Văn hóa và Thông tin"),
    ("P-GDDT", "Phòng Giáo dục và Đào tạo"),
    ("P-YT", "Phòng Y tế"),
    ("TTR", "Thanh tra thành phố"),
    ("P-KT", "Phòng Kinh tế"),
    ("P-QLDT", "Phòng Quản lý đô thị"),
]

WARDS = [
    ("PH-VINHHOA", "Vĩnh Hòa"),
    ("PH-VINHHAI", "Vĩnh Hải"),
    ("PH-VINHPHUOC", "Vĩnh Phước"),
    ("PH-NGOCHIEP", "Ngọc Hiệp"),
    ("PH-VINHTHO", "Vĩnh Thọ"),
    ("PH-XUONGHUAN", "Xương Huân"),
    ("PH-VANTHANG", "Vạn Thắng"),
    ("PH-VANTHANH", "Vạn Thạnh"),
    ("PH-PHUONGSAI", "Phương Sài"),
    ("PH-PHUONGSON", "Phương Sơn"),
    ("PH-PHUOCHAI", "Phước Hải"),
    ("PH-PHUOCTAN", "Phước Tân"),
    ("PH-LOCTHO", "Lộc Thọ"),
    ("PH-PHUOCTIEN", "Phước Tiến"),
    ("PH-TANLAP", "Tân Lập"),
    ("PH-PHUOCHOA", "Phước Hòa"),
    ("PH-VINHNGUYEN", "Vĩnh Nguyên"),
    ("PH-PHUOCLONG", "Phước Long"),
    ("PH-VINHTRUONG", "Vĩnh Trường"),
]

COMMUNES = [
    ("X-VINHLUONG", "Vĩnh Lương"),
    ("X-VINHPHUONG", "Vĩnh Phương"),
    ("X-VINHNGOC", "Vĩnh Ngọc"),
    ("X-VINHTHANH", "Vĩnh Thạnh"),
    ("X-VINHTRUNG", "Vĩnh Trung"),
    ("X-VINHHIEP", "Vĩnh Hiệp"),
    ("X-VINHTHAI", "Vĩnh Thái"),
    ("X-PHUOCDONG", "Phước Đồng"),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    roles: tuple[str, ...] = ()
    unit: str | None = None
    unit_role: str = MemberRole.MEMBER


DEMO_USERS = [
    DemoUser("admin@demo.qms.vn", "Quản trị hệ thống", (OrgRole.ADMIN,)),
    DemoUser("steering@demo.qms.vn", "Trần Thị Bình", (OrgRole.STEERING,), CITY_CODE),
    DemoUser("auditor@demo.qms.vn", "Lê Văn Cường", (OrgRole.AUDITOR,), "P-NV"),
    DemoUser("leader@demo.qms.vn", "Phạm Minh Đức", (OrgRole.LEADER,), CITY_CODE),
    DemoUser("manager@demo.qms.vn", "Nguyễn Thị Hoa", (), "P-TNMT", MemberRole.MANAGER),
    DemoUser("member@demo.qms.vn", "Võ Văn Giang", (), "PH-LOCTHO"),
]


def demo_units() -> list[tuple[str, str, str, str | None]]:
    """(code, name, kind, parent code) of every demo unit."""
    units: list[tuple[str, str, str, str | None]] = [
        (CITY_CODE, "UBND thành phố Nha Trang", UnitKind.CITY, None)
    ]
    units += [(code, name, UnitKind.DEPARTMENT, CITY_CODE) for code, name in DEPARTMENTS]
    units += [(code, f"UBND phường {name}", UnitKind.COMMUNE, CITY_CODE) for code, name in WARDS]
    units += [(code, f"UBND xã {name}", UnitKind.COMMUNE, CITY_CODE) for code, name in COMMUNES]
    return units


def load_demo() -> list[DemoUser]:
    """Create what is missing of the demo city; existing records are left as they are."""
    act_as(None)
    by_code: dict[str, Unit] = {}
    for code, name, kind, parent_code in demo_units():
        unit = db.session.query(Unit).filter_by(code=code).one_or_none()
        if unit is None:
            unit = org.create_unit(
                actor=None, code=code, name=name, kind=kind, parent=by_code.get(parent_code or "")
            )
        by_code[code] = unit
    for spec in DEMO_USERS:
        user = org.user_by_email(spec.email)
        if user is None:
            user = org.create_user(
                actor=None,
                email=spec.email,
                full_name=spec.full_name,
                password=DEMO_PASSWORD,
                password_policy=False,  # the demo's one shared password, weak on purpose
                roles=spec.roles,
            )
        if spec.unit and user.membership_in(by_code[spec.unit].id) is None:
            org.add_membership(user, by_code[spec.unit], spec.unit_role, actor=None)
    db.session.flush()
    from qms.services.demo_objectives import load_quality_demo  # 2018 objectives and case figures

    load_quality_demo()
    from qms.services.process_demo import load_procedure_demo  # procedures, process maps, links

    load_procedure_demo()
    # Documents, legal basis, context and risks; after the procedures, which it makes cite their texts.
    from qms.services.demo_documents import load_documents_demo

    load_documents_demo(by_code)
    # Who signs the city's documents; only what an administrator has not set yet.
    from qms.services import settings

    if not settings.stored_values().get("steering_head_name"):
        settings.update({"steering_head_name": "Trần Thị Bình"}, actor=None)
    return DEMO_USERS
