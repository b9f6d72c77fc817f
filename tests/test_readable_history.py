"""History entries read as words: field labels, names for references, lists as text, no internal
columns, collapsed and paged on every record page."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from audits.services import findings
from qms import labels
from qms.extensions import db
from qms.models.base import Base, Tracked
from qms.services import history, processes
from tests.audits_support import nonconformity, planned_audit


def history_section(html: str) -> str:
    return html[html.index('id="history"') :]


def test_every_tracked_column_has_a_label(app):
    """A new column on a tracked record needs a word in the interface language (qms/labels.py)."""
    missing = []
    for mapper in Base.registry.mappers:
        if not issubclass(mapper.class_, Tracked):
            continue
        table = mapper.local_table.name
        for column in mapper.columns:
            if history.is_internal(table, column.key):
                continue
            if not labels.has_field(table, column.key):
                missing.append(f"{table}.{column.key}")
    assert missing == []


def test_unknown_names_are_humanised_not_shown_raw():
    assert labels.field("nowhere", "owner_name") == "Owner name"
    assert labels.field("nowhere", "verifier_id") == "Verifier"


def test_finding_history_names_references_and_lists(orgdata, as_user):
    audit = planned_audit(orgdata)
    finding = nonconformity(orgdata, audit)
    manager = orgdata.user("manager_a")
    findings.save_plan(
        finding,
        actor=manager,
        version=None,
        correction="Sửa ngay",
        root_cause="Chưa phân công",
        whys=["Vì sao thứ nhất", "Vì sao thứ hai"],
    )
    db.session.commit()

    page = as_user("auditor").get(f"/audits/findings/{finding.id}").get_data(as_text=True)
    block = history_section(page)
    # collapsed by default
    assert re.search(r'<details class="history">', block)
    # field labels in Vietnamese, never column names
    assert "Đơn vị" in block and "Điều khoản" in block and "Cuộc đánh giá" in block
    for column in ("audit_id", "clause_id", "unit_id", "raised_by_id", "ref_seq", "ref_year", "root_cause"):
        assert f"{column}:" not in block and f">{column}<" not in block
    # names instead of ids
    assert "P-A — Phòng A" in block
    assert "ISO 9001:2008 4.2.3" in block
    assert audit.ref in block
    assert orgdata.auditor.full_name in block
    # a list of strings as text, no Python repr
    assert "Vì sao thứ nhất; Vì sao thứ hai" in block
    assert "[" not in block.split("</summary>", 1)[1].split("</table>", 1)[0]
    # dates dd/mm/yyyy
    assert "17/07/2018" in block and "2018-07-17" not in block
    # fields left empty at creation are not listed
    assert "Yêu cầu" not in block
    # internal columns hidden: version counter and reference sequence numbers
    assert "Version" not in block and "Phiên bản" not in block


def test_list_of_records_reads_as_key_value_text(orgdata, as_user):
    process = processes.create_process(
        actor=orgdata.user("manager_a"),
        unit=orgdata.unit_a,
        code="QT-01",
        title="Cấp phép",
        time_limit_days="7.5",
        forms_text="BM.01 | Phiếu tiếp nhận",
        records_text="Sổ theo dõi | Bộ phận Một cửa | 5 năm | giấy",
    )
    db.session.commit()
    block = history_section(as_user("manager_a").get(f"/procedures/{process.id}").get_data(as_text=True))
    assert "Mã: BM.01, Tên: Phiếu tiếp nhận" in block
    assert "7,5" in block and "7.5" not in block  # a decimal with the reader's separator
    assert "{&#39;code&#39;" not in block and "{'code'" not in block
    assert "Lưu giữ" in block or "Thời gian lưu" in block  # the record's keys by their words


def test_booleans_read_yes_no(app):
    with app.test_request_context("/"):
        assert history._text("process_step", "ends", False) == "Không"
        assert history._text("process_step", "ends", True) == "Có"
        assert history._text("audit", "processes", [{"code": "QT-01"}]) == "Mã: QT-01"


def test_history_is_paged(orgdata, as_user):
    unit = orgdata.unit_a
    admin = orgdata.user("admin")
    history.act_as(admin)
    for n in range(45):
        unit.name = f"Phòng A {n:02d}"
        db.session.flush()
    db.session.commit()
    client = as_user("member_a")
    first = history_section(client.get(f"/units/{unit.id}").get_data(as_text=True))
    assert first.count("<tr>") == 20 + 1  # header row + 20 entries
    assert "Phòng A 44" in first and "Phòng A 20" not in first
    assert "?history_page=2#history" in first
    second = history_section(client.get(f"/units/{unit.id}?history_page=2").get_data(as_text=True))
    assert '<details class="history" open>' in second  # opened when paging
    assert "Phòng A 20" in second and "Phòng A 44" not in second
    last = history_section(client.get(f"/units/{unit.id}?history_page=99").get_data(as_text=True))
    assert "Trang 3/3" in last or "3" in last


def test_password_change_is_not_shown(orgdata, as_user):
    client = as_user("admin")
    response = client.post(
        f"/admin/users/{orgdata.member_a.id}/password",
        data={"password-password": "another-pass-2"},
    )
    assert response.status_code == 302
    block = history_section(client.get(f"/admin/users/{orgdata.member_a.id}").get_data(as_text=True))
    assert "password_hash" not in block and "***" not in block


@pytest.mark.parametrize("page", ["0", "x", "-3"])
def test_bad_history_page_falls_back_to_the_first(orgdata, as_user, page):
    response = as_user("member_a").get(f"/units/{orgdata.unit_a.id}?history_page={page}")
    assert response.status_code == 200
    # entries are shown in Vietnam's time, a day ahead of UTC's date from 17:00 UTC
    today_in_vietnam = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y")
    assert today_in_vietnam in history_section(response.get_data(as_text=True))
