"""The finding record: when it was raised, corrections while the unit has not answered, withdrawal of a
finding logged by mistake, and a human reference for every kind of finding in the interface language."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask_babel import force_locale
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from audits.models import Audit, Finding, FindingStatus, RefCounter
from audits.services import findings, planning, queries, reporting
from qms.extensions import db
from qms.models.org import Unit
from qms.paths import MIGRATIONS_DIR
from qms.services.errors import DomainError, InvalidTransition, NotAllowed
from tests.audits_support import answered, nonconformity, planned_audit, report_audit
from tests.conftest import Org

JULY_17, JULY_18 = date(2018, 7, 17), date(2018, 7, 18)


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def two_day_audit(orgdata: Org):
    return planned_audit(orgdata, start=JULY_17, end=JULY_18)


def observation(orgdata: Org, audit, kind: str = "observation", **extra: Any) -> Finding:
    values = {"statement": "Có thể cải tiến cách lưu hồ sơ.", "raised_on": audit.planned_start, **extra}
    return nonconformity(orgdata, audit, kind=kind, **values)


# --- raised on ------------------------------------------------------------------------------------


def test_raised_on_lies_within_the_audit_and_never_in_the_future(orgdata: Org) -> None:
    audit = two_day_audit(orgdata)
    auditor = orgdata.user("auditor")
    base = {"kind": "minor", "edition": "2008", "clause": "4.2.3", "unit": orgdata.unit_a, "statement": "x"}
    for day in (date(2018, 7, 16), date(2018, 7, 19)):
        with pytest.raises(DomainError) as err:
            findings.create_finding(audit, actor=auditor, raised_on=day, **base)
        assert err.value.field == "raised_on"
        db.session.rollback()
    today = date.today()
    running = planned_audit(orgdata, start=today - timedelta(days=1), end=today + timedelta(days=3))
    with pytest.raises(DomainError) as err:
        findings.create_finding(running, actor=auditor, raised_on=today + timedelta(days=1), **base)
    assert err.value.field == "raised_on" and "future" in err.value.message
    db.session.rollback()
    assert db.session.scalar(select(Finding.id)) is None
    # without a date, today within the audit
    assert findings.create_finding(running, actor=auditor, **base).raised_on == today


def test_the_team_corrects_a_finding_and_its_date_until_the_unit_answers(as_user: Any, orgdata: Org) -> None:
    audit = two_day_audit(orgdata)
    finding = nonconformity(orgdata, audit)
    client = as_user("auditor")
    page = text(client.get(f"/audits/findings/{finding.id}/edit"))
    assert 'name="raised_on"' in page and 'value="2018-07-17"' in page and "data-warn-unsaved" in page
    form = {
        "version": finding.version,
        "kind": "major",
        "unit_id": orgdata.unit_a.id,
        "edition": "2008",
        "clause": "8.2.2",
        "requirement": "Điều 8.2.2",
        "evidence": "Không có hồ sơ",
        "statement": "Chưa đánh giá nội bộ năm 2017.",
        "raised_on": "2018-07-25",
    }
    response = client.post(f"/audits/findings/{finding.id}/edit", data=form)
    assert response.status_code == 200 and "invalid-feedback" in text(response)
    assert "Chưa đánh giá nội bộ năm 2017." in text(response)  # the typed text is kept
    response = client.post(f"/audits/findings/{finding.id}/edit", data={**form, "raised_on": "2018-07-18"})
    assert response.status_code == 302
    finding = db.session.get(Finding, finding.id)
    assert (finding.raised_on, finding.kind, finding.clause.number) == (JULY_18, "major", "8.2.2")
    assert finding.ref == "NC-2018-001"
    # someone who is not on the team may not
    assert as_user("manager_a").get(f"/audits/findings/{finding.id}/edit").status_code == 403
    # once the unit has saved its plan, the finding is fixed
    findings.save_plan(
        finding, actor=orgdata.user("manager_a"), version=None, correction="Sửa", root_cause="Chưa phân công"
    )
    db.session.commit()
    client = as_user("auditor")
    assert "edit-finding" not in text(client.get(f"/audits/findings/{finding.id}"))
    assert client.get(f"/audits/findings/{finding.id}/edit").status_code == 302
    with pytest.raises(InvalidTransition):
        findings.update_finding(
            finding,
            actor=orgdata.user("auditor"),
            version=None,
            kind="major",
            edition="2008",
            clause="8.2.2",
            unit=orgdata.unit_a,
            statement="Khác",
            raised_on=JULY_17,
        )


def test_observations_stay_editable_until_the_audit_closes(orgdata: Org) -> None:
    audit = two_day_audit(orgdata)
    obs = observation(orgdata, audit)
    auditor = orgdata.user("auditor")
    fields = {"edition": "2008", "clause": "4.2.3", "unit": orgdata.unit_a, "statement": "Sửa lại"}
    findings.update_finding(obs, actor=auditor, version=None, kind="observation", raised_on=JULY_18, **fields)
    db.session.commit()
    assert obs.raised_on == JULY_18 and findings.is_editable(obs)
    report_audit(audit)
    planning.transition_audit(audit, "close", actor=None)
    db.session.commit()
    assert not findings.is_editable(obs)
    with pytest.raises(InvalidTransition):
        findings.update_finding(obs, actor=auditor, version=None, kind="observation", **fields)


# --- withdrawal -----------------------------------------------------------------------------------


def test_withdrawing_needs_a_reason_and_keeps_the_reference(as_user: Any, orgdata: Org) -> None:
    audit = two_day_audit(orgdata)
    kept = nonconformity(orgdata, audit)
    mistake = nonconformity(orgdata, audit, kind="major", statement="Ghi nhầm đơn vị.")
    assert mistake.ref == "NC-2018-002"
    assert as_user("manager_a").post(f"/audits/findings/{mistake.id}/withdraw", data={}).status_code == 403
    client = as_user("auditor")
    page = text(client.get(f"/audits/findings/{mistake.id}"))
    assert 'id="withdraw-form"' in page and "data-confirm=" in page
    response = client.post(f"/audits/findings/{mistake.id}/withdraw", data={"reason": "  "})
    assert response.status_code == 200 and "invalid-feedback" in text(response)
    assert db.session.get(Finding, mistake.id).status == FindingStatus.OPEN
    reason = {"reason": "Ghi nhầm, trùng NC-2018-001"}
    response = client.post(f"/audits/findings/{mistake.id}/withdraw", data=reason)
    assert response.status_code == 302
    mistake = db.session.get(Finding, mistake.id)
    assert mistake.status == FindingStatus.WITHDRAWN and mistake.ref == "NC-2018-002"
    assert mistake.withdrawn_by_id == orgdata.auditor.id and mistake.withdrawn_at is not None
    page = text(client.get(f"/audits/findings/{mistake.id}"))
    assert "<del>NC-2018-002</del>" in page and "Ghi nhầm, trùng NC-2018-001" in page
    assert 'id="withdraw-form"' not in page and "edit-finding" not in page
    listing = text(client.get("/audits/findings"))
    assert "<del>NC-2018-002</del>" in listing and "Ghi nhầm, trùng NC-2018-001" in listing
    # counted nowhere
    summary = queries.audit_summary(audit)
    assert summary.by_kind["major"] == 0 and summary.nonconformities == 1 and summary.withdrawn == 1
    assert summary.total == 1
    assert queries.dashboard_figures(orgdata.user("steering")).open_nonconformities == 1
    listed = reporting.findings_of(audit)  # the audit report: listed, not counted
    assert len(listed) == 2 and reporting.counts_by_kind(listed)["major"] == 0
    assert reporting.action_status(listed, JULY_18).nonconformities == 1
    assert "1 phát hiện đã rút lại, không tính" in listing
    # the number is not reused
    assert nonconformity(orgdata, audit).ref == "NC-2018-003"
    assert kept.ref == "NC-2018-001"


def test_an_audit_closes_with_withdrawn_nonconformities(orgdata: Org) -> None:
    audit = two_day_audit(orgdata)
    finding = answered(orgdata, nonconformity(orgdata, audit))
    report_audit(audit)
    db.session.commit()
    with pytest.raises(DomainError):
        planning.transition_audit(audit, "close", actor=None)
    db.session.rollback()
    with pytest.raises(NotAllowed):
        findings.withdraw_finding(finding, actor=orgdata.user("manager_a"), reason="x")
    findings.withdraw_finding(finding, actor=orgdata.user("steering"), reason="Không phải điểm không phù hợp")
    planning.transition_audit(audit, "close", actor=None)
    db.session.commit()
    assert audit.status == "closed"
    assert queries.overdue_actions(date(2030, 1, 1)) == []
    with pytest.raises(InvalidTransition):
        findings.withdraw_finding(finding, actor=orgdata.user("steering"), reason="lại")


def test_a_closed_finding_cannot_be_withdrawn(orgdata: Org) -> None:
    audit = two_day_audit(orgdata)
    finding = nonconformity(orgdata, audit)
    finding.status = FindingStatus.CLOSED
    db.session.commit()
    with pytest.raises(InvalidTransition):
        findings.withdraw_finding(finding, actor=orgdata.user("auditor"), reason="Nhầm")


# --- references -----------------------------------------------------------------------------------


def test_observations_and_opportunities_are_numbered_per_kind_and_year(orgdata: Org) -> None:
    audit = two_day_audit(orgdata)
    nc = nonconformity(orgdata, audit)
    obs = [observation(orgdata, audit) for _ in range(3)]
    ofi = [observation(orgdata, audit, kind="ofi") for _ in range(2)]
    with force_locale("en"):
        assert nc.label == "NC-2018-001"
        assert [f.label for f in obs] == ["OBS-2018-001", "OBS-2018-002", "OBS-2018-003"]
        assert [f.label for f in ofi] == ["OFI-2018-001", "OFI-2018-002"]
    with force_locale("vi"):
        assert nc.label == "NC-2018-001"
        assert obs[2].label == "LY-2018-003" and ofi[1].label == "CT-2018-002"
    assert findings.get_finding("ly-2018-002").id == obs[1].id
    assert findings.get_finding("OFI-2018-001").id == ofi[0].id
    # a withdrawn observation keeps its number; the next one takes a new number
    findings.withdraw_finding(obs[2], actor=orgdata.user("auditor"), reason="Nhầm")
    with force_locale("en"):
        assert observation(orgdata, audit).label == "OBS-2018-004"
        # an observation turned into an opportunity takes the next OFI number
        findings.update_finding(
            obs[0],
            actor=orgdata.user("auditor"),
            version=None,
            kind="ofi",
            edition="2008",
            clause="4.2.3",
            unit=orgdata.unit_a,
            statement="Cơ hội cải tiến",
        )
        assert obs[0].label == "OFI-2018-003"
        audit_2019 = planned_audit(orgdata, start=date(2019, 3, 5))
        assert observation(orgdata, audit_2019).label == "OBS-2019-001"
    counters = dict(db.session.execute(select(RefCounter.scope, RefCounter.value)).all())
    assert counters["OBS-2018"] == 4 and counters["OFI-2018"] == 3 and counters["OBS-2019"] == 1


def test_pages_show_the_reference_in_the_interface_language(as_user: Any, orgdata: Org) -> None:
    audit = two_day_audit(orgdata)
    obs = observation(orgdata, audit)
    ofi = observation(orgdata, audit, kind="ofi")
    nc = nonconformity(orgdata, audit, statement="Danh mục tài liệu nội bộ chưa cập nhật phiên bản mới.")
    client = as_user("auditor")
    page = text(client.get(f"/audits/findings/{obs.id}"))
    assert "LY-2018-001" in page and "OBSERVATION" not in page and "/OBS" not in page
    listing = text(client.get("/audits/findings"))
    assert "LY-2018-001" in listing and "CT-2018-001" in listing
    # the list shows each statement beside the reference
    assert "Danh mục tài liệu nội bộ chưa cập nhật phiên bản mới." in listing
    assert 'data-label="Nội dung phát hiện đánh giá"' in listing
    # labels: evidence and statement are distinct; the statement is named after the kind
    nc_page = text(client.get(f"/audits/findings/{nc.id}"))
    assert "Bằng chứng" in nc_page and "Nội dung điểm không phù hợp" in nc_page
    assert "Nội dung điểm không phù hợp" not in page and "Bằng chứng" in page
    assert "Yêu cầu (căn cứ)" in text(client.get(f"/audits/{audit.ref}/findings/new"))
    client.post("/language/en", data={"next": "/"})
    page = text(client.get(f"/audits/findings/{ofi.id}"))
    assert "OFI-2018-001" in page and "CT-2018-001" not in page
    assert "OBS-2018-001" in text(client.get("/audits/findings"))


def test_the_migration_numbers_existing_observations(app: Any, orgdata: Org) -> None:
    """Observations and opportunities logged before references existed get them from the migration,
    in id order within the year they were raised, and their counters continue from there."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the round trip is run on SQLite")
    audit = two_day_audit(orgdata)
    ids = [
        observation(orgdata, audit).id,
        nonconformity(orgdata, audit).id,
        observation(orgdata, audit, kind="ofi", raised_on=JULY_18).id,
        observation(orgdata, audit, raised_on=JULY_18).id,
    ]
    audit_id, unit_id = audit.id, orgdata.unit_a.id
    db.session.commit()
    db.session.remove()
    downgrade(directory=str(MIGRATIONS_DIR), revision="a9checklist")
    db.engine.dispose()
    upgrade(directory=str(MIGRATIONS_DIR), revision="heads")
    db.engine.dispose()
    with force_locale("en"):
        labels = [db.session.get(Finding, i).label for i in ids]
    assert labels == ["OBS-2018-001", "NC-2018-001", "OFI-2018-001", "OBS-2018-002"]
    counters = dict(db.session.execute(select(RefCounter.scope, RefCounter.value)).all())
    assert counters["OBS-2018"] == 2 and counters["OFI-2018"] == 1
    audit, unit = db.session.get(Audit, audit_id), db.session.get(Unit, unit_id)
    later = findings.create_finding(
        audit, actor=None, kind="observation", edition="2008", clause="4.2.3", unit=unit, statement="Sau"
    )
    with force_locale("vi"):
        assert later.label == "LY-2018-003"


def test_an_imported_finding_is_dated_within_its_audit(app: Any, orgdata: Org, runner: Any, tmp_path) -> None:
    from audits.services.importing import COLUMNS
    from cli import cli

    path = tmp_path / "findings.csv"
    row = "DG-2017-04,P-A,2017-10-02,2017-10-03,observation,2008,7.5.1,Nên niêm yết quy trình,,2017-10-09,,"
    path.write_text(",".join(COLUMNS) + "\n" + row + "\n", encoding="utf-8")
    result = runner.invoke(cli, args=["import", "findings", str(path)])
    assert result.exit_code == 1
    output = result.output
    assert "row 2" in output and "raised_on" in output and "after its audit ends" in output
    assert db.session.scalar(select(Finding.id)) is None
    row = row.replace("2017-10-09", "2017-10-03")
    path.write_text(",".join(COLUMNS) + "\n" + row + "\n", encoding="utf-8")
    assert runner.invoke(cli, args=["import", "findings", str(path)]).exit_code == 0
    with force_locale("en"):
        assert db.session.scalar(select(Finding)).label == "OBS-2017-001"
