"""The `qms` command: init, demo, users and unit imports; errors are one line, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from cli import cli
from qms.extensions import db
from qms.models.clauses import Clause, ClauseMapping
from qms.models.history import HistoryEntry
from qms.models.org import Membership, Unit, User
from qms.services import demo, org
from tests.conftest import PASSWORD, login


def invoke(runner, *args: str, input: str | None = None):
    result = runner.invoke(cli, args=list(args), input=input)
    everything = result.output + result.stderr
    assert "Traceback" not in everything, everything
    if result.exit_code == 0:
        assert result.exception is None, result.exception
    else:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    db.session.expire_all()
    return result


def assert_one_line_error(result) -> str:
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def table_counts() -> dict[str, int]:
    return {m.__name__: count(m) for m in (Clause, ClauseMapping, Unit, User, Membership, HistoryEntry)}


# --- init and demo ---------------------------------------------------------------------------


def test_init_twice_changes_nothing(app, runner):
    first = invoke(runner, "init")
    assert first.exit_code == 0, first.stderr
    before = table_counts()
    assert before["Clause"] > 150 and before["ClauseMapping"] > 50
    second = invoke(runner, "init")
    assert second.exit_code == 0, second.stderr
    assert table_counts() == before
    figures = re.findall(r"\d+", second.stdout)
    assert len(figures) == 3 and set(figures) == {"0"}, second.stdout


def test_demo_is_idempotent_and_prints_the_logins(app, runner):
    first = invoke(runner, "demo")
    assert first.exit_code == 0, first.stderr
    for user in demo.DEMO_USERS:
        assert user.email in first.stdout
    assert demo.DEMO_PASSWORD in first.stdout
    before = table_counts()
    second = invoke(runner, "demo")
    assert second.exit_code == 0, second.stderr
    assert table_counts() == before
    assert second.stdout == first.stdout


def test_demo_city_has_its_real_units(app, runner):
    invoke(runner, "demo")
    city = org.unit_by_code(demo.CITY_CODE)
    assert (city.name, city.kind, city.parent) == ("UBND thành phố Nha Trang", "city", None)
    children = city.children
    departments = [u for u in children if u.kind == "department"]
    wards = [u for u in children if u.kind == "commune" and u.name.startswith("UBND phường ")]
    communes = [u for u in children if u.kind == "commune" and u.name.startswith("UBND xã ")]
    assert (len(departments), len(wards), len(communes)) == (12, 19, 8)
    names = {u.name for u in children}
    for expected in (
        "Phòng Tài nguyên và Môi trường",
        "Phòng Nội vụ",
        "UBND phường Lộc Thọ",
        "UBND phường Vĩnh Nguyên",
        "UBND xã Phước Đồng",
        "UBND xã Vĩnh Lương",
    ):
        assert expected in names
    assert count(Unit) == 1 + 12 + 19 + 8


def test_demo_logins_work_through_the_web(app, runner, client):
    invoke(runner, "demo")
    for spec in demo.DEMO_USERS:
        login(client, spec.email, demo.DEMO_PASSWORD)
        assert client.get("/").status_code == 200
        user = org.user_by_email(spec.email)
        assert user.roles == set(spec.roles)
        if spec.unit:
            unit = org.unit_by_code(spec.unit)
            assert user.membership_in(unit.id).role == spec.unit_role
            assert client.get(f"/units/{unit.id}").status_code == 200
        client.post("/logout")
    login(client, "admin@demo.qms.vn", demo.DEMO_PASSWORD)
    assert client.get("/admin/users").status_code == 200


# --- users -----------------------------------------------------------------------------------


def test_user_create_with_roles_units_and_password_on_stdin(orgdata, runner, client):
    result = invoke(
        runner,
        "user",
        "create",
        "Lan@Example.vn",
        "--name",
        "Trần Thị Lan",
        "--role",
        "auditor",
        "--role",
        "leader",
        "--unit",
        "P-A:manager",
        "--unit",
        "p-b",
        "--password-stdin",
        input="pass-from-stdin\n",
    )
    assert result.exit_code == 0, result.stderr
    assert "lan@example.vn" in result.stdout
    user = org.user_by_email("lan@example.vn")
    assert (user.full_name, user.roles) == ("Trần Thị Lan", {"auditor", "leader"})
    assert user.membership_in(orgdata.unit_a.id).role == "manager"
    assert user.membership_in(orgdata.unit_b.id).role == "member"
    assert "pass-from-stdin" not in user.password_hash and user.password_hash.count("$") == 2  # hashed
    login(client, "lan@example.vn", "pass-from-stdin")


def test_user_create_duplicate_email_is_one_line_on_stderr(orgdata, runner):
    before = table_counts()
    result = invoke(
        runner,
        "user",
        "create",
        "MEMBER.A@example.vn",
        "--name",
        "X",
        "--password-stdin",
        input="pw-long-1\n",
    )
    line = assert_one_line_error(result)
    assert "member.a@example.vn" in line
    assert result.stdout == ""
    assert table_counts() == before


@pytest.mark.parametrize(
    ("args", "stdin", "needle"),
    [
        (["--unit", "NOPE:member"], "password-1\n", "NOPE"),
        (["--unit", "P-A:chief"], "password-1\n", "chief"),
        ([], "short\n", "8"),
        ([], "\n", "password"),
        ([], None, "password"),
    ],
)
def test_user_create_refusals_write_nothing(orgdata, runner, args, stdin, needle):
    before = table_counts()
    base = ["user", "create", "new@example.vn", "--name", "New"]
    flags = ["--password-stdin"] if stdin is not None else []
    result = invoke(runner, *base, *args, *flags, input=stdin)
    assert needle in assert_one_line_error(result)
    assert table_counts() == before
    assert org.user_by_email("new@example.vn") is None


def test_user_create_refuses_an_unknown_role(orgdata, runner):
    result = invoke(
        runner,
        "user",
        "create",
        "new@example.vn",
        "--name",
        "N",
        "--role",
        "king",
        "--password-stdin",
        input="password-1\n",
    )
    assert result.exit_code == 2  # click's usage error
    assert "king" in result.stderr
    assert org.user_by_email("new@example.vn") is None


def test_user_set_password(orgdata, runner, client):
    result = invoke(
        runner, "user", "set-password", "Member.A@example.vn", "--password-stdin", input="changed-river-pw\n"
    )
    assert result.exit_code == 0, result.stderr
    assert "member.a@example.vn" in result.stdout
    assert not orgdata.user("member_a").check_password(PASSWORD)
    login(client, "member.a@example.vn", "changed-river-pw")

    result = invoke(
        runner, "user", "set-password", "nobody@example.vn", "--password-stdin", input="changed-river-pw\n"
    )
    assert "nobody@example.vn" in assert_one_line_error(result)
    result = invoke(
        runner, "user", "set-password", "member.a@example.vn", "--password-stdin", input="short\n"
    )
    assert_one_line_error(result)
    assert orgdata.user("member_a").check_password("changed-river-pw")


# --- unit imports ----------------------------------------------------------------------------


def write_xlsx(path: Path, *rows: tuple[object, ...]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    book.save(path)
    return path


def test_import_units_csv(app, runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(
        "code,name,kind,parent_code\nP-TNMT,Phòng Tài nguyên và Môi trường,department,UBND\n"
        "UBND,UBND thành phố,city,\n",
        encoding="utf-8",
    )
    result = invoke(runner, "import", "units", str(path))
    assert result.exit_code == 0, result.stderr
    assert re.findall(r"\d+", result.stdout) == ["2", "0"]
    assert org.unit_by_code("P-TNMT").parent.code == "UBND"
    again = invoke(runner, "import", "units", str(path))
    assert re.findall(r"\d+", again.stdout) == ["0", "2"]
    assert count(Unit) == 2


def test_import_units_xlsx(app, runner, tmp_path):
    path = write_xlsx(
        tmp_path / "units.xlsx",
        ("code", "name", "kind", "parent_code"),
        ("PH-LOCTHO", "UBND phường Lộc Thọ", "commune", "UBND"),
        ("UBND", "UBND thành phố", "city", None),
    )
    result = invoke(runner, "import", "units", str(path))
    assert result.exit_code == 0, result.stderr
    assert org.unit_by_code("PH-LOCTHO").name == "UBND phường Lộc Thọ"


def test_import_units_bad_csv_names_row_and_column(app, runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(
        "code,name,kind,parent_code\nUBND,UBND,city,\n"
        "P-A,Phòng A,department,UBND\nP-B,Phòng B,ministry,UBND\n",
        encoding="utf-8",
    )
    line = assert_one_line_error(invoke(runner, "import", "units", str(path)))
    assert "4" in line and "kind" in line and "ministry" in line
    assert count(Unit) == 0


def test_import_units_bad_xlsx_names_row_and_column(app, runner, tmp_path):
    path = write_xlsx(
        tmp_path / "units.xlsx",
        ("code", "name", "kind", "parent_code"),
        ("UBND", "UBND", "city", None),
        ("P-A", "Phòng A", "department", "NOWHERE"),
    )
    line = assert_one_line_error(invoke(runner, "import", "units", str(path)))
    assert "3" in line and "parent_code" in line and "NOWHERE" in line
    assert count(Unit) == 0


@pytest.mark.parametrize("name", ["missing.csv", "units.txt", "folder"])
def test_import_units_unreadable_file(app, runner, tmp_path, name):
    (tmp_path / "folder").mkdir()
    if name == "units.txt":
        (tmp_path / name).write_text("code,name,kind,parent_code\n", encoding="utf-8")
    result = invoke(runner, "import", "units", str(tmp_path / name))
    if name == "folder":  # refused by click's argument check: its usage text ends with the reason
        assert result.exit_code == 2
        assert "is a directory" in result.stderr.strip().splitlines()[-1]
    else:
        assert Path(name).suffix in assert_one_line_error(result)
    assert count(Unit) == 0
