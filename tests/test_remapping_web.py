"""The remapping screens, the records showing "(was 2008 …)", and the procedure export in 2015 numbering."""

from __future__ import annotations

import re
from io import BytesIO

import docx
from flask.testing import FlaskClient
from sqlalchemy import select

from audits.services import planning
from cli import cli
from qms.extensions import db
from qms.models.processes import ProcessClause
from qms.models.remapping import ClauseRemap
from qms.services import processes, remapping
from tests.audits_support import nonconformity, planned_audit, report_audit
from tests.conftest import Org, login
from tests.test_remapping import bulk_number, clause, key, legacy_document, legacy_procedure, numbers_of


def test_who_reads_which_screen(client: FlaskClient, orgdata: Org) -> None:
    legacy_procedure(orgdata.unit_a, "QT-01", ("4.2.3",))
    cases = [
        ("manager_a", "/transition/references/units/P-A", 200),
        ("member_a", "/transition/references/units/P-A", 200),
        ("manager_b", "/transition/references/units/P-A", 403),
        ("manager_a", "/transition/references/", 403),
        ("steering", "/transition/references/", 200),
        ("leader", "/transition/references/", 200),
        ("leader", "/transition/references/units/P-A", 200),
    ]
    for name, url, status in cases:
        client.post("/logout")
        login(client, getattr(orgdata, name))
        assert client.get(url).status_code == status, (name, url)
    assert client.get("/transition/references/units/NOPE").status_code == 404


def test_the_unit_screen_shows_proposals_with_status_and_relation(client: FlaskClient, orgdata: Org) -> None:
    number = bulk_number()
    process = legacy_procedure(orgdata.unit_a, "QT-01", ("4.2.3", number))
    login(client, orgdata.manager_a)
    page = client.get("/transition/references/units/P-A").get_data(as_text=True)
    assert "QT-01" in page and f"/procedures/{process.id}" in page
    row_many = page[page.index(f'data-ref="{key("procedure", process.id, "4.2.3")}"') :]
    row_many = row_many[: row_many.index("</tr>")]
    assert "7.5.2" in row_many and "7.5.3" in row_many
    assert "badge" in row_many  # the correspondence's status
    assert 'name="refs"' not in row_many  # one-to-many: not in bulk
    row_one = page[page.index(f'data-ref="{key("procedure", process.id, number)}"') :]
    row_one = row_one[: row_one.index("</tr>")]
    assert 'name="refs"' in row_one
    assert 'data-check-all="refs"' in page
    assert re.search(r'id="left">.*?2', page, re.S)
    if any(remapping.mapping_relation(m) for m in remapping.proposals(clause("2008", "4.2.3").id)):
        assert "relation" in row_many


def test_bulk_accept_from_the_screen_and_undo(client: FlaskClient, orgdata: Org) -> None:
    number = bulk_number()
    process = legacy_procedure(orgdata.unit_a, "QT-01", (number, "4.2.3"))
    login(client, orgdata.manager_a)
    good, bad = key("procedure", process.id, number), key("procedure", process.id, "4.2.3")
    back = "/transition/references/units/P-A"
    response = client.post("/transition/references/accept", data={"refs": [good, bad], "back": back})
    assert response.status_code == 302 and response.location.endswith(back)
    page = client.get(back).get_data(as_text=True)
    assert "4.2.3: viện dẫn này cần một người lựa chọn và ghi ý kiến." in page
    assert db.session.scalar(select(ClauseRemap.id)) is None  # nothing written
    client.post("/transition/references/accept", data={"refs": [good], "back": back})
    decision = db.session.scalar(select(ClauseRemap))
    assert decision is not None and decision.decided_by_id == orgdata.manager_a.id
    shown = client.get(f"/procedures/{process.id}").get_data(as_text=True)
    (target,) = decision.clauses_2015
    assert f"ISO 9001:2015 {target.number} (trước là 2008 {number})" in shown
    client.post("/logout")
    login(client, orgdata.member_a)  # reads the decision, may not undo it
    page = client.get(back).get_data(as_text=True)
    assert f'data-decision="{decision.id}"' in page and f"/decisions/{decision.id}/undo" not in page
    client.post("/logout")
    login(client, orgdata.manager_a)
    assert f"/decisions/{decision.id}/undo" in client.get(back).get_data(as_text=True)
    client.post(f"/transition/references/decisions/{decision.id}/undo", data={"back": back})
    assert numbers_of(process) == {"2015 8.1": None, f"2008 {number}": None, "2008 4.2.3": None}
    client.post("/logout")
    login(client, orgdata.manager_b)
    assert (
        client.post(f"/transition/references/decisions/{decision.id}/undo", data={"back": back}).status_code
        == 403
    )


def test_a_choice_and_a_comment_are_asked_next_to_their_fields(client: FlaskClient, orgdata: Org) -> None:
    process = legacy_procedure(orgdata.unit_a, "QT-01", ("4.2.3",))
    ref = key("procedure", process.id, "4.2.3")
    login(client, orgdata.manager_a)
    form = client.get(f"/transition/references/decide?ref={ref}").get_data(as_text=True)
    assert "7.5.2" in form and "7.5.3" in form
    url = "/transition/references/decide"
    page = client.post(url, data={"ref": ref, "comment": ""}).get_data(as_text=True)
    assert re.search(r'id="choice".*invalid-feedback d-block">[^<]+', page, re.S)
    c752, c753 = str(clause("2015", "7.5.2").id), str(clause("2015", "7.5.3").id)
    page = client.post(url, data={"ref": ref, "clauses": [c752, c753], "comment": ""}).get_data(as_text=True)
    assert 'name="comment"' in page and "is-invalid" in page.split('name="comment"')[0][-200:] + page
    assert db.session.scalar(select(ClauseRemap.id)) is None
    response = client.post(
        url, data={"ref": ref, "clauses": [c752, c753, ""], "comment": "Tài liệu và hồ sơ"}
    )
    assert response.status_code == 302
    assert numbers_of(process) == {"2015 8.1": None, "2015 7.5.2": "4.2.3", "2015 7.5.3": "4.2.3"}
    # a second person is told who decided and when
    client.post("/logout")
    login(client, orgdata.steering)
    response = client.post(url, data={"ref": ref, "clauses": [c752], "comment": "x"})
    assert response.status_code == 200
    assert re.search(
        r"Đã được chuyển đổi bởi Manager.A ngày \d\d/\d\d/\d{4}", response.get_data(as_text=True)
    )


def test_the_organisation_screen_counts_and_lists_every_unit(client: FlaskClient, orgdata: Org) -> None:
    legacy_procedure(orgdata.unit_a, "QT-01", ("4.2.3",))
    legacy_document(orgdata.unit_b, "STCL", ("4.2.4",))
    login(client, orgdata.steering)
    page = client.get("/transition/references/").get_data(as_text=True)
    assert "/transition/references/units/P-A" in page and "/transition/references/units/P-B" in page
    assert re.search(r'id="total">2<', page)
    assert "STCL" in page and "QT-01" in page
    only_docs = client.get("/transition/references/?kind=document").get_data(as_text=True)
    assert "STCL" in only_docs and "QT-01" not in only_docs.split('id="pending"')[1]


def test_findings_audits_and_checklists_show_both_references(client: FlaskClient, orgdata: Org) -> None:
    steering = orgdata.user("steering")
    audit = planned_audit(orgdata)
    open_finding = nonconformity(orgdata, audit, clause="8.5.3")
    remapping.accept(
        key("finding", open_finding.id, "8.5.3"),
        actor=orgdata.user("manager_a"),
        clause_ids=[clause("2015", "6.1").id],
        comment="Rủi ro",
    )
    db.session.commit()
    login(client, orgdata.steering)
    page = client.get(f"/audits/findings/{open_finding.id}").get_data(as_text=True)
    assert "ISO 9001:2015 6.1 (trước là 2008 8.5.3)" in page

    closed = planned_audit(orgdata, start=planned_audit_date())
    observation = nonconformity(
        orgdata, closed, kind="observation", clause="8.5.3", raised_on=planned_audit_date()
    )
    report_audit(closed)
    planning.transition_audit(closed, "close", actor=steering)
    db.session.commit()
    remapping.accept(
        key("finding", observation.id, "8.5.3"),
        actor=steering,
        clause_ids=[clause("2015", "6.1").id],
        comment="x",
    )
    remapping.accept(
        key("audit_scope", closed.id, "4.2.3"),
        actor=steering,
        clause_ids=[clause("2015", "7.5.3").id],
        comment="x",
    )
    db.session.commit()
    page = client.get(f"/audits/findings/{observation.id}").get_data(as_text=True)
    assert "ISO 9001:2008 8.5.3 (2015: 6.1)" in page
    page = client.get(f"/audits/{closed.ref}").get_data(as_text=True)
    assert "ISO 9001:2008 4.2.3 (2015: 7.5.3)" in page
    for finding, expected in (
        (observation, "ISO 9001:2008 8.5.3 (2015: 6.1)"),
        (open_finding, "ISO 9001:2015 6.1 (trước là 2008 8.5.3)"),
    ):
        nc_form = client.get(f"/audits/findings/{finding.id}/nc-report.docx")
        assert nc_form.status_code == 200
        document = docx.Document(BytesIO(nc_form.data))
        text = "\n".join(p.text for p in document.paragraphs)
        text += "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
        assert expected in text


def planned_audit_date():  # type: ignore[no-untyped-def]
    from datetime import date

    return date(2018, 10, 8)


def test_procedure_export_in_2015_numbering(app, runner, orgdata: Org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    process = legacy_procedure(orgdata.unit_a, "QT-TP-01", ("8.5.3", "7.5.1"), new=("8.1",))
    one_to_one = bulk_number()
    db.session.add(ProcessClause(process_id=process.id, clause_id=clause("2008", one_to_one).id))
    db.session.commit()
    remapping.accept(
        key("procedure", process.id, "8.5.3"),
        actor=orgdata.user("manager_a"),
        clause_ids=[clause("2015", "6.1").id],
        comment="Phòng ngừa",
    )
    db.session.commit()
    (proposal,) = [m.clause_2015.number for m in remapping.proposals(clause("2008", one_to_one).id)]

    def section3(path) -> str:  # type: ignore[no-untyped-def]
        document = docx.Document(str(path))
        texts = [p.text for p in document.paragraphs]
        start = next(i for i, t in enumerate(texts) if t.startswith("3."))
        end = next(i for i, t in enumerate(texts) if t.startswith("4."))
        return "\n".join(texts[start + 1 : end])

    out = tmp_path / "qt-2015.docx"
    result = runner.invoke(cli, args=["export", "procedure", "QT-TP-01", "--edition", "2015", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = section3(out)
    line_2015 = next(line for line in text.splitlines() if line.startswith("TCVN ISO 9001:2015"))
    assert "6.1 (2008: 8.5.3)" in line_2015 and "8.1" in line_2015
    assert f"{proposal} (2008: {one_to_one} — đề xuất, chưa quyết định)" in line_2015
    assert "TCVN ISO 9001:2008 — 7.5.1 (chưa chuyển đổi)" in text  # one-to-many: not guessed

    stored = tmp_path / "qt.docx"
    assert runner.invoke(cli, args=["export", "procedure", "QT-TP-01", "-o", str(stored)]).exit_code == 0
    text = section3(stored)
    assert "TCVN ISO 9001:2015 — 6.1 (2008: 8.5.3), 8.1" in text
    legacy = sorted(["7.5.1", one_to_one], key=lambda n: clause("2008", n).sort_key)
    assert f"TCVN ISO 9001:2008 — {', '.join(legacy)}" in text
    same = tmp_path / "qt-2008.docx"
    assert (
        runner.invoke(
            cli, args=["export", "procedure", "QT-TP-01", "--edition", "2008", "-o", str(same)]
        ).exit_code
        == 0
    )
    assert section3(same) == text
    bad = runner.invoke(cli, args=["export", "procedure", "QT-TP-01", "--edition", "2000"])
    assert bad.exit_code != 0

    client = app.test_client()
    login(client, orgdata.manager_a)
    page = client.get(f"/procedures/{process.id}").get_data(as_text=True)
    assert "edition=2015" in page
    web = client.get(f"/procedures/{process.id}/export.docx?edition=2015&lang=en")
    assert web.status_code == 200
    texts = [p.text for p in docx.Document(BytesIO(web.data)).paragraphs]
    assert any("proposed, not yet decided" in t for t in texts)
    assert processes.current_version("QT-TP-01") is not None
