"""Bad input is refused politely: huge numbers, missing form fields, foreign `next=` targets, disguised
uploads and file names that would break a download header."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audits.services import attachments
from qms.extensions import db
from qms.models.processes import Process
from qms.services import files, history, objectives, org, processes
from qms.services.errors import DomainError
from qms.views.helpers import safe_next
from tests.audits_support import nonconformity, planned_audit
from tests.conftest import Org, login
from tests.q3_support import PDF, PNG, docx_bytes, png_bytes, xlsx_bytes

HUGE = [str(2**63), str(10**30)]
INT_QUERY_ARGS = ("year", "page", "unit_id", "item", "history_page")


def _get_rules(app: Flask) -> list[Any]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and rule.endpoint != "static"
    ]


def _fill(rule: Any, huge: str | None) -> str:
    path = rule.rule
    for name, converter in rule._converters.items():
        value = huge if huge is not None and type(converter).__name__.endswith("IntConverter") else "1"
        if not type(converter).__name__.endswith("IntConverter"):
            value = "x"
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
    return path


def test_every_get_route_answers_huge_numbers_without_a_server_error(
    client: FlaskClient, app: Flask, orgdata: Org
) -> None:
    planned_audit(orgdata)
    login(client, orgdata.admin)
    failures = []
    for rule in _get_rules(app):
        if rule.rule in ("/logout",):
            continue
        for huge in HUGE:
            if rule.arguments:
                path = _fill(rule, huge)
                status = client.get(path).status_code
                has_int = any(type(c).__name__.endswith("IntConverter") for c in rule._converters.values())
                if status >= 500 or (has_int and status != 404):
                    failures.append((path, status))
            query = "&".join(f"{name}={huge}" for name in INT_QUERY_ARGS)
            path = _fill(rule, None) + "?" + query
            status = client.get(path).status_code
            if status >= 500:
                failures.append((path, status))
    assert failures == [], "\n".join(f"{p} {s}" for p, s in failures)


def test_huge_ids_in_a_url_are_not_found(client: FlaskClient, orgdata: Org) -> None:
    login(client, orgdata.admin)
    assert client.get(f"/units/{2**63}").status_code == 404
    assert client.get(f"/units/{orgdata.unit_a.id}").status_code == 200


def test_huge_filter_values_are_ignored(client: FlaskClient, orgdata: Org) -> None:
    login(client, orgdata.steering)
    response = client.get(f"/audits/findings?year={10**30}&unit_id={2**63}&page={2**70}")
    assert response.status_code == 200
    for query in ("year=²&unit_id=١&page=³", "year=-0&page=-5"):
        assert client.get(f"/audits/findings?{query}").status_code == 200
    assert client.get("/leadership?year=²").status_code in (200, 404)


def test_a_huge_count_in_a_form_is_an_error_next_to_the_field(client: FlaskClient, orgdata: Org) -> None:
    login(client, orgdata.manager_a)
    url = f"/units/{orgdata.unit_a.id}/statistics/cases"
    data = {"period": "2018", "received": str(10**30), "resolved": "1", "on_time": "1", "late": "0"}
    data |= {"online_eligible": "0", "online": "0"}
    response = client.post(url, data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page and str(10**30) in page


# Posts that end what the next pages show (deleting, approving, moving the workflow on) are left out.
SKIPPED = ("delete", "approve", "new-version", "withdraw", "/transition", "/move/", "/conclusion")


def _procedure(orgdata: Org) -> Process:
    process = processes.create_process(
        actor=orgdata.user("manager_a"), unit=orgdata.unit_a, code="QT-01", title="Quy trình một"
    )
    db.session.commit()
    return process


# --- forms posted with fields missing ----------------------------------------------------------------


def _form_posts(client: FlaskClient, path: str) -> list[tuple[str, dict[str, str]]]:
    """The POST forms of a page: their action and the fields they send."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    page = response.get_data(as_text=True)
    forms = []
    for match in re.finditer(r"<form\b([^>]*)>(.*?)</form>", page, re.S):
        attrs, body = match.groups()
        if 'method="post"' not in attrs.lower():
            continue
        action = re.search(r'action="([^"]*)"', attrs)
        fields: dict[str, str] = {}
        for field in re.finditer(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"[^>]*>', body):
            value = re.search(r'value="([^"]*)"', field.group(0))
            fields[field.group(1)] = value.group(1) if value else "1"
        target = action.group(1).replace("&amp;", "&").split("#")[0] if action and action.group(1) else path
        forms.append((target, fields))
    return forms


def test_forms_posted_with_a_field_missing_never_fail(client: FlaskClient, app: Flask, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    finding = nonconformity(orgdata, audit)
    process = _procedure(orgdata)
    step = processes.add_step(
        process, actor=None, kind="task", text="Tiếp nhận hồ sơ", responsible="Bộ phận Một cửa", days="0.5"
    )
    objective = objectives.create_objective(
        orgdata.unit_a,
        objectives.ObjectiveFields(
            year=2018, statement="Giảm trễ hạn", indicator="Tỷ lệ trễ hạn", direction="<=", target=Decimal(3)
        ),
        actor=None,
    )
    db.session.commit()
    pages = {
        "manager_a": [
            f"/units/{orgdata.unit_a.id}/statistics/cases",
            f"/units/{orgdata.unit_a.id}/objectives/new",
            f"/objectives/{objective.id}",
            f"/procedures/{process.id}",
            f"/procedures/{process.id}/edit",
            f"/procedures/{process.id}/steps/new",
            f"/procedures/{process.id}/steps/{step.id}/edit",
            f"/audits/findings/{finding.id}",
        ],
        "auditor": [f"/audits/{audit.ref}", f"/audits/{audit.ref}/findings/new"],
        "steering": ["/audits/programmes/2018/audits/new"],
    }
    failures = []
    posted = set()
    for page, user in [(p, u) for u, paths in pages.items() for p in paths]:
        client.post("/logout")
        login(client, orgdata.user(user))
        for target, fields in _form_posts(client, page):
            if target == "/logout" or target.startswith("/language") or any(w in target for w in SKIPPED):
                continue
            posted.add(target)
            for left_out in fields:
                data = {k: v for k, v in fields.items() if k != left_out}
                status = client.post(target, data=data).status_code
                if status >= 500:
                    failures.append((page, target, left_out, status))
    assert failures == []
    assert len(posted) >= 10, posted


def test_nul_characters_in_a_form_are_dropped(client: FlaskClient, orgdata: Org) -> None:
    process = _procedure(orgdata)
    login(client, orgdata.manager_a)
    data = {"kind": "task", "text": "Tiếp\x00 nhận", "responsible": "Một\x00 cửa", "days": "1", "output": ""}
    response = client.post(f"/procedures/{process.id}/steps/new", data=data)
    assert response.status_code == 302
    [step] = db.session.get(Process, process.id).steps
    assert step.text == "Tiếp nhận" and step.responsible == "Một cửa"


# --- next= ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\t/evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "https://evil.example/",
        "/\n/evil.example",
        "/\x00/evil.example",
        "javascript:alert(1)",
        "",
        None,
    ],
)
def test_safe_next_refuses_other_sites(app: Flask, target: str | None) -> None:
    assert safe_next(target, "/home") == "/home"


def test_safe_next_keeps_paths_of_this_site(app: Flask) -> None:
    assert safe_next("/units/3?tab=risks#x", "/home") == "/units/3?tab=risks#x"


def test_the_legal_basis_form_does_not_redirect_to_another_site(client: FlaskClient, orgdata: Org) -> None:
    process = _procedure(orgdata)
    login(client, orgdata.manager_a)
    for target in ("/\t/evil.example", "//evil.example", "/\\evil.example"):
        response = client.post(f"/legal/procedures/{process.id}/cite", data={"next": target})
        assert response.status_code in (302, 303), response.status_code
        location = response.headers["Location"]
        assert "evil.example" not in location


def test_signing_in_does_not_redirect_to_another_site(client: FlaskClient, orgdata: Org) -> None:
    response = client.post(
        "/login?next=/%09/evil.example", data={"email": orgdata.admin.email, "password": "secret-pass-1"}
    )
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]


# --- uploads ----------------------------------------------------------------------------------------

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("anh.png", PNG[:16] + HTML),  # a PNG header, then a page
        ("anh.png", PNG + HTML),  # a whole image with a page after it
        ("van-ban.pdf", b"%PDF-1.4\n" + HTML + b"\n%%EOF\n"),
        ("van-ban.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\n"),  # no end-of-file marker
        ("van-ban.pdf", HTML),
        ("so-do.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("mau.docx", xlsx_bytes()),  # a workbook renamed
        ("bang.xlsx", docx_bytes()),
        ("mau.docx", HTML + docx_bytes()),  # markup first, a zip read from its end
    ],
)
def test_uploads_are_judged_by_their_whole_content(app: Flask, name: str, content: bytes) -> None:
    with pytest.raises(DomainError) as caught:
        files.check_upload(name, content)
    assert caught.value.field == "file"


def test_real_files_of_each_kind_are_accepted(app: Flask) -> None:
    for name, content in [("a.png", PNG), ("b.pdf", PDF), ("c.docx", docx_bytes()), ("d.xlsx", xlsx_bytes())]:
        assert files.check_upload(name, content) == name.rsplit(".", 1)[1]


def _zip_named_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", HTML)
    return buffer.getvalue()


def test_finding_attachments_get_the_same_checks_and_the_configured_limit(
    app: Flask, orgdata: Org, tmp_path: Any
) -> None:
    finding = nonconformity(orgdata, planned_audit(orgdata))
    auditor = orgdata.user("auditor")
    for name, data in [("bang-chung.docx", _zip_named_docx()), ("anh.png", PNG[:16] + HTML)]:
        with pytest.raises(DomainError):
            attachments.add_attachment(finding, actor=auditor, filename=name, data=data, root=tmp_path)
    big = png_bytes((400, 400))
    app.config["QMS_MAX_UPLOAD_MB"] = len(big) / 2 / 1024 / 1024
    with pytest.raises(DomainError, match="too large"):
        attachments.add_attachment(finding, actor=auditor, filename="lon.png", data=big, root=tmp_path)
    app.config["QMS_MAX_UPLOAD_MB"] = 10
    item = attachments.add_attachment(finding, actor=auditor, filename="lon.png", data=big, root=tmp_path)
    assert item.size == len(big)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Biên bản họp.pdf", "Biên bản họp.pdf"),
        ("Bie\u0302n ba\u0309n.pdf", "Biên bản.pdf"),  # decomposed accents become composed (NFC)
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\a\\anh.png", "anh.png"),
        ('x\x00y\r\nSet-Cookie: a"b;c.pdf', "xySet-Cookie: abc.pdf"),
        ("\u202egnp.exe", "gnp.exe"),  # no right-to-left override
        ("", "file"),
    ],
)
def test_file_names_are_cleaned(raw: str, clean: str) -> None:
    assert files.clean_filename(raw) == clean


def test_downloads_are_attachments_with_a_safe_header(client: FlaskClient, orgdata: Org, app: Flask) -> None:
    finding = nonconformity(orgdata, planned_audit(orgdata))
    root = Path(app.config.get("AUDIT_FILES_DIR") or app.instance_path)
    item = attachments.add_attachment(
        finding, actor=orgdata.user("auditor"), filename='Ảnh\x00\r\n hiện trường".png', data=PNG, root=root
    )
    db.session.commit()
    assert item.filename == "Ảnh hiện trường.png"
    item.filename = 'old\r\nX-Evil: 1";.png'  # a name stored before names were cleaned
    db.session.commit()
    login(client, orgdata.auditor)
    response = client.get(f"/audits/attachments/{item.id}")
    assert response.status_code == 200 and response.data == PNG
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\r" not in disposition and "\n" not in disposition and "\x00" not in disposition
    assert "X-Evil: 1" not in response.headers.get("X-Evil", "") and "X-Evil" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
    item.filename = "Ảnh hiện trường.png"
    db.session.commit()
    with client.get(f"/audits/attachments/{item.id}") as response:
        disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''%E1%BA%A2nh%20hi%E1%BB%87n%20tr%C6%B0%E1%BB%9Dng.png" in disposition


# --- deletes leave history --------------------------------------------------------------------------


def _deletes(record_type: str, anchor_type: str, anchor_id: int) -> list[Any]:
    return [
        e
        for e in history.history_of(anchor_type, anchor_id)
        if e.action == "delete" and e.record_type == record_type
    ]


def test_deleting_a_measurement_is_in_the_objectives_history(app: Flask, orgdata: Org) -> None:
    objective = objectives.create_objective(
        orgdata.unit_a,
        objectives.ObjectiveFields(
            year=2018, statement="Giảm trễ hạn", indicator="Tỷ lệ trễ hạn", direction="<=", target=Decimal(3)
        ),
        actor=None,
    )
    manager = orgdata.user("manager_a")
    measurement = objectives.record_measurement(
        objective, actor=manager, period="2018-Q1", value=Decimal("2.5")
    )
    db.session.commit()
    objectives.delete_measurement(measurement, actor=manager)
    db.session.commit()
    [entry] = _deletes("quality_measurement", "quality_objective", objective.id)
    assert entry.actor_id == manager.id and entry.changes["period"] == ["2018-Q1", None]


def test_deleting_a_step_is_in_the_procedures_history(app: Flask, orgdata: Org) -> None:
    process = _procedure(orgdata)
    step = processes.add_step(
        process, actor=None, kind="task", text="Thẩm định hồ sơ", responsible="Phòng A", days="1"
    )
    db.session.commit()
    processes.delete_step(step, actor=orgdata.user("manager_a"))
    db.session.commit()
    [entry] = _deletes("process_step", "process", process.id)
    assert entry.changes["text"] == ["Thẩm định hồ sơ", None]


def test_removing_a_role_is_in_the_users_history(app: Flask, orgdata: Org) -> None:
    auditor = orgdata.user("auditor")
    org.update_user(
        auditor,
        actor=orgdata.user("admin"),
        email=auditor.email,
        full_name=auditor.full_name,
        roles=(),
        language="vi",
        active=True,
    )
    db.session.commit()
    [entry] = _deletes("user_role", "user_account", auditor.id)
    assert entry.changes["role"] == ["auditor", None]
