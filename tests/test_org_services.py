"""The organisation services: units, unit imports, users and memberships."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from qms.extensions import db
from qms.models import org as org_models
from qms.models.org import Membership, Unit, User, UserRole
from qms.services import org
from qms.services.errors import DomainError, ImportFailed, NotAllowed
from tests.conftest import APP_PASSWORD_METHOD, PASSWORD


def unit_count() -> int:
    return db.session.scalar(select(func.count(Unit.id))) or 0


def write_csv(path: Path, *rows: str) -> Path:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, *rows: tuple[object, ...]) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


# --- units -----------------------------------------------------------------------------------


def test_create_unit_normalises_code_and_links_parent(app):
    city = org.create_unit(actor=None, code="city", name=" UBND ", kind="city")
    dept = org.create_unit(actor=None, code=" p-tnmt ", name="Phòng TN&MT", kind="department", parent=city)
    db.session.commit()
    assert (dept.code, dept.parent_id, city.name) == ("P-TNMT", city.id, "UBND")
    assert [u.code for u, _depth in org.units_tree()] == ["CITY", "P-TNMT"]
    assert [d for _u, d in org.units_tree()] == [0, 1]


def test_unit_code_is_unique(app):
    org.create_unit(actor=None, code="P-A", name="A", kind="department")
    with pytest.raises(DomainError) as exc:
        org.create_unit(actor=None, code="p-a", name="Other", kind="department")
    assert exc.value.field == "code"
    assert "P-A" in exc.value.message


def test_update_unit_refuses_a_code_used_by_another(orgdata):
    with pytest.raises(DomainError) as exc:
        org.update_unit(
            orgdata.unit_a,
            actor=orgdata.admin,
            code="P-B",
            name="A",
            kind="department",
            parent=orgdata.city,
            active=True,
        )
    assert exc.value.field == "code"


@pytest.mark.parametrize(
    ("code", "name", "kind", "field"),
    [
        ("", "Name", "department", "code"),
        ("BAD CODE", "Name", "department", "code"),
        ("OK", "  ", "department", "name"),
        ("OK", "Name", "ministry", "kind"),
    ],
)
def test_create_unit_checks_fields(app, code, name, kind, field):
    with pytest.raises(DomainError) as exc:
        org.create_unit(actor=None, code=code, name=name, kind=kind)
    assert exc.value.field == field
    assert unit_count() == 0


def test_unit_cannot_move_under_its_own_descendant(orgdata):
    admin = orgdata.admin
    child = org.create_unit(
        actor=admin, code="P-A-1", name="Tổ 1", kind="service_unit", parent=orgdata.unit_a
    )
    grandchild = org.create_unit(actor=admin, code="P-A-1-X", name="X", kind="service_unit", parent=child)
    db.session.commit()
    for new_parent in (orgdata.unit_a, child, grandchild):
        with pytest.raises(DomainError) as exc:
            org.update_unit(
                orgdata.unit_a,
                actor=admin,
                code="P-A",
                name="Phòng A",
                kind="department",
                parent=new_parent,
                active=True,
            )
        assert exc.value.field == "parent_id"
        db.session.rollback()
    assert db.session.get(Unit, orgdata.unit_a.id).parent_id == orgdata.city.id
    # moving under a sibling is fine
    org.update_unit(
        orgdata.unit_a,
        actor=admin,
        code="P-A",
        name="Phòng A",
        kind="department",
        parent=orgdata.unit_b,
        active=True,
    )
    db.session.commit()
    assert db.session.get(Unit, orgdata.unit_a.id).parent.code == "P-B"


def test_only_an_admin_changes_units(orgdata):
    with pytest.raises(NotAllowed):
        org.create_unit(actor=orgdata.manager_a, code="NEW", name="New", kind="department")
    with pytest.raises(NotAllowed):
        org.update_unit(
            orgdata.unit_a,
            actor=orgdata.steering,
            code="P-A",
            name="x",
            kind="department",
            parent=None,
            active=True,
        )


# --- unit imports ----------------------------------------------------------------------------


def test_import_units_csv_with_parents_later_in_the_file(app, tmp_path):
    path = write_csv(
        tmp_path / "units.csv",
        "code,name,kind,parent_code",
        "P-TNMT,Phòng Tài nguyên và Môi trường,department,UBND",
        "PH-LOCTHO,UBND phường Lộc Thọ,commune,ubnd",
        "UBND,UBND thành phố Nha Trang,city,",
    )
    result = org.import_units(path, actor=None)
    db.session.commit()
    assert (result.created, result.updated) == (3, 0)
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    assert units["P-TNMT"].parent is units["UBND"]
    assert units["PH-LOCTHO"].parent is units["UBND"]
    assert units["PH-LOCTHO"].name == "UBND phường Lộc Thọ"
    assert units["UBND"].parent is None


def test_import_units_xlsx(app, tmp_path):
    path = write_xlsx(
        tmp_path / "units.xlsx",
        ("code", "name", "kind", "parent_code"),
        ("X-VINHLUONG", "UBND xã Vĩnh Lương", "commune", "UBND"),
        (None, None, None, None),
        ("UBND", "UBND thành phố", "city", None),
    )
    result = org.import_units(path, actor=None)
    db.session.commit()
    assert result.created == 2
    assert org.unit_by_code("X-VINHLUONG").parent.code == "UBND"


def test_reimport_updates_existing_units(orgdata, tmp_path):
    path = write_csv(
        tmp_path / "units.csv",
        "code,name,kind,parent_code",
        "P-A,Phòng A mới,service_unit,P-B",
        "P-C,Phòng C,department,CITY",
    )
    result = org.import_units(path, actor=orgdata.admin)
    db.session.commit()
    assert (result.created, result.updated) == (1, 1)
    unit_a = db.session.get(Unit, orgdata.unit_a.id)
    assert (unit_a.name, unit_a.kind, unit_a.parent.code) == ("Phòng A mới", "service_unit", "P-B")
    # the same file again changes nothing but counts as updates
    again = org.import_units(path, actor=orgdata.admin)
    assert (again.created, again.updated) == (0, 2)
    assert unit_count() == 4


@pytest.mark.parametrize(
    ("rows", "row", "column", "reason"),
    [
        (["GOOD,Good,department,", ",No code,department,"], 3, "code", "code is required"),
        (["GOOD,Good,department,", "BAD CODE,x,department,"], 3, "code", "not a valid unit code"),
        (["GOOD,Good,department,", "GOOD,Again,department,"], 3, "code", "already appears in row 2"),
        (["GOOD,Good,department,", "NONAME,,department,"], 3, "name", "name is required"),
        (["GOOD,Good,department,", "K,Kind,ministry,"], 3, "kind", "'ministry' is not one of"),
        (["GOOD,Good,department,", "SELF,Self,department,SELF"], 3, "parent_code", "its own parent"),
        (["GOOD,Good,department,", "ORPHAN,Orphan,department,NOWHERE"], 3, "parent_code", "NOWHERE"),
        (["A,A,department,B", "B,B,department,C", "C,C,department,A"], 2, "parent_code", "cycle"),
    ],
)
def test_a_bad_row_writes_nothing_and_names_row_column_reason(app, tmp_path, rows, row, column, reason):
    path = write_csv(tmp_path / "units.csv", "code,name,kind,parent_code", *rows)
    with pytest.raises(ImportFailed) as exc:
        org.import_units(path, actor=None)
    db.session.rollback()
    assert (exc.value.row, exc.value.column) == (row, column)
    assert reason in exc.value.reason
    assert f"row {row}" in exc.value.message and f"'{column}'" in exc.value.message
    assert unit_count() == 0


def test_only_an_admin_imports_units(orgdata, tmp_path):
    path = write_csv(tmp_path / "u.csv", "code,name,kind,parent_code", "NEW,New,department,CITY")
    with pytest.raises(NotAllowed):
        org.import_units(path, actor=orgdata.steering)
    assert org.import_units(path, actor=orgdata.admin).created == 1


def test_import_refuses_a_cycle_through_existing_units(orgdata, tmp_path):
    # CITY exists with no parent; the file puts CITY below P-A, which sits below CITY.
    path = write_csv(tmp_path / "u.csv", "code,name,kind,parent_code", "CITY,UBND,city,P-A")
    with pytest.raises(ImportFailed) as exc:
        org.import_units(path, actor=None)
    db.session.rollback()
    assert exc.value.column == "parent_code" and "cycle" in exc.value.reason
    assert db.session.get(Unit, orgdata.city.id).parent_id is None


def test_import_bad_xlsx_row_writes_nothing(app, tmp_path):
    path = write_xlsx(
        tmp_path / "units.xlsx",
        ("code", "name", "kind", "parent_code"),
        ("UBND", "UBND", "city", None),
        ("P-X", "Phòng X", "unknown", "UBND"),
    )
    with pytest.raises(ImportFailed) as exc:
        org.import_units(path, actor=None)
    db.session.rollback()
    assert (exc.value.row, exc.value.column) == (3, "kind")
    assert unit_count() == 0


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("u.csv", "code,name,kind\nA,A,city\n", "missing column(s): parent_code"),
        ("u.csv", "", "empty"),
        ("u.csv", "code,name,kind,parent_code\n", "no data"),
        ("u.txt", "code,name,kind,parent_code\n", "unsupported file type"),
        ("u.xlsx", "not a workbook", "not a readable XLSX"),
    ],
)
def test_import_refuses_unreadable_files(app, tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFailed) as exc:
        org.import_units(path, actor=None)
    assert reason in exc.value.message


def test_import_refuses_a_missing_file(app, tmp_path):
    with pytest.raises(ImportFailed, match="file not found"):
        org.import_units(tmp_path / "nope.csv", actor=None)


def test_import_refuses_a_non_utf8_csv(app, tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes("code,name,kind,parent_code\nA,Phòng,city,\n".encode("latin-1"))
    with pytest.raises(ImportFailed, match="UTF-8"):
        org.import_units(path, actor=None)


# --- users -----------------------------------------------------------------------------------


def test_create_user_hashes_the_password_with_scrypt(app, monkeypatch):
    assert APP_PASSWORD_METHOD == "scrypt"
    monkeypatch.setattr(org_models, "PASSWORD_METHOD", APP_PASSWORD_METHOD)  # the app's, not the suite's
    user = org.create_user(
        actor=None,
        email="Hoa.Nguyen@Example.VN",
        full_name=" Nguyễn Thị Hoa ",
        password=PASSWORD,
        roles=["auditor", "leader"],
    )
    db.session.commit()
    assert user.email == "hoa.nguyen@example.vn"
    assert user.full_name == "Nguyễn Thị Hoa"
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD) and not user.check_password("wrong-password")
    assert user.roles == {"auditor", "leader"}


def test_email_is_unique_case_insensitively(app):
    org.create_user(actor=None, email="a@example.vn", full_name="A", password=PASSWORD)
    db.session.commit()
    with pytest.raises(DomainError) as exc:
        org.create_user(actor=None, email="A@EXAMPLE.VN", full_name="B", password=PASSWORD)
    assert exc.value.field == "email"
    assert org.user_by_email("A@Example.vn").full_name == "A"
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_update_user_refuses_another_users_email(orgdata):
    with pytest.raises(DomainError) as exc:
        org.update_user(
            orgdata.member_a,
            actor=orgdata.admin,
            email="MANAGER.A@example.vn",
            full_name="M",
            roles=[],
            language="vi",
            active=True,
        )
    assert exc.value.field == "email"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"full_name": " "}, "full_name"),
        ({"password": "short"}, "password"),
        ({"roles": ["king"]}, "roles"),
        ({"language": "fr"}, "language"),
    ],
)
def test_create_user_checks_fields(app, kwargs, field):
    values = {"email": "x@example.vn", "full_name": "X", "password": PASSWORD} | kwargs
    with pytest.raises(DomainError) as exc:
        org.create_user(actor=None, **values)
    assert exc.value.field == field


def test_inactive_user_cannot_authenticate(orgdata):
    assert org.authenticate("MEMBER.A@example.vn", PASSWORD).id == orgdata.member_a.id
    assert org.authenticate("member.a@example.vn", "wrong-password") is None
    assert org.authenticate("nobody@example.vn", PASSWORD) is None
    org.update_user(
        orgdata.member_a,
        actor=orgdata.admin,
        email="member.a@example.vn",
        full_name="Member A",
        roles=[],
        language="vi",
        active=False,
    )
    db.session.commit()
    assert org.authenticate("member.a@example.vn", PASSWORD) is None


def test_roles_are_replaced_on_update(orgdata):
    org.update_user(
        orgdata.auditor,
        actor=orgdata.admin,
        email="auditor@example.vn",
        full_name="Auditor",
        roles=["leader", "steering"],
        language="en",
        active=True,
    )
    db.session.commit()
    assert orgdata.user("auditor").roles == {"leader", "steering"}
    assert orgdata.user("auditor").language == "en"
    assert (
        db.session.scalar(select(func.count()).select_from(UserRole).where(UserRole.role == "auditor")) == 0
    )


def test_admin_cannot_lock_themselves_out(orgdata):
    with pytest.raises(DomainError) as exc:
        org.update_user(
            orgdata.admin,
            actor=orgdata.admin,
            email="admin@example.vn",
            full_name="Admin",
            roles=[],
            language="vi",
            active=True,
        )
    assert exc.value.field == "roles"
    with pytest.raises(DomainError) as exc:
        org.update_user(
            orgdata.admin,
            actor=orgdata.admin,
            email="admin@example.vn",
            full_name="Admin",
            roles=["admin"],
            language="vi",
            active=False,
        )
    assert exc.value.field == "active"


def test_only_an_admin_creates_or_edits_users(orgdata):
    with pytest.raises(NotAllowed):
        org.create_user(actor=orgdata.steering, email="n@example.vn", full_name="N", password=PASSWORD)
    with pytest.raises(NotAllowed):
        org.set_password(orgdata.member_a, "another-pass", actor=orgdata.manager_a)


def test_change_own_password(orgdata):
    user = orgdata.member_a
    with pytest.raises(DomainError) as exc:
        org.change_own_password(user, current="wrong-password", new="new-password-1")
    assert exc.value.field == "current_password"
    with pytest.raises(DomainError) as exc:
        org.change_own_password(user, current=PASSWORD, new=PASSWORD)
    assert exc.value.field == "new_password"
    org.change_own_password(user, current=PASSWORD, new="new-password-1")
    db.session.commit()
    assert org.authenticate(user.email, "new-password-1") is not None
    assert org.authenticate(user.email, PASSWORD) is None


# --- memberships -----------------------------------------------------------------------------


def test_memberships_add_change_and_remove(orgdata):
    admin, outsider = orgdata.admin, orgdata.outsider
    membership = org.add_membership(outsider, orgdata.unit_a, "member", actor=admin)
    db.session.commit()
    assert orgdata.user("outsider").membership_in(orgdata.unit_a.id).role == "member"
    # adding again changes the role instead of a second row
    again = org.add_membership(outsider, orgdata.unit_a, "manager", actor=admin)
    db.session.commit()
    assert again.id == membership.id
    count = select(func.count(Membership.id)).where(Membership.user_id == outsider.id)
    assert db.session.scalar(count) == 1
    assert orgdata.user("outsider").membership_in(orgdata.unit_a.id).role == "manager"
    with pytest.raises(DomainError) as exc:
        org.add_membership(outsider, orgdata.unit_b, "boss", actor=admin)
    assert exc.value.field == "role"
    db.session.rollback()
    org.remove_membership(db.session.get(Membership, membership.id), actor=admin)
    db.session.commit()
    assert db.session.scalar(count) == 0


def test_only_an_admin_changes_memberships(orgdata):
    with pytest.raises(NotAllowed):
        org.add_membership(orgdata.outsider, orgdata.unit_a, "member", actor=orgdata.manager_a)
    membership = orgdata.member_a.membership_in(orgdata.unit_a.id)
    with pytest.raises(NotAllowed):
        org.remove_membership(membership, actor=orgdata.manager_a)


def test_parse_membership_spec(orgdata):
    assert org.parse_membership_spec("p-a:Manager") == (orgdata.unit_a, "manager")
    assert org.parse_membership_spec("P-B") == (orgdata.unit_b, "member")
    with pytest.raises(DomainError, match="NOPE"):
        org.parse_membership_spec("NOPE:member")
    with pytest.raises(DomainError, match="chief"):
        org.parse_membership_spec("P-A:chief")
