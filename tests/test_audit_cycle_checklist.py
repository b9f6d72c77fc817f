"""The checklist as one form (all rows saved together or none), checklist answers that raise findings
(pre-filled, linked both ways, flagged while none is raised), the summary, and the question bank
(loaded by `qms init` once, kept by the steering committee, used to generate checklists)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from audits.models import Audit, BankQuestion, ChecklistItem, Finding
from audits.services import checklists, questions
from audits.services.checklists import ChecklistRow
from cli import cli
from qms.extensions import db
from qms.models.clauses import Clause
from qms.services.errors import DomainError, NotAllowed
from tests.audits_support import planned_audit
from tests.conftest import Org


@pytest.fixture(autouse=True)
def bank(app: Any) -> None:
    """The shipped question bank (SQLite's template has it from init; PostgreSQL runs empty the table)."""
    questions.load_question_bank()
    db.session.commit()


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def audit_now() -> Audit:
    db.session.expire_all()
    audit = db.session.scalar(select(Audit))
    assert audit is not None
    return audit


def generated(org: Org) -> Audit:
    audit = planned_audit(org)
    checklists.generate_checklist(audit, actor=org.user("auditor"))
    db.session.commit()
    return audit_now()


def rows_data(audit: Audit, **changes: dict[str, str]) -> dict[str, str]:
    """The checklist form as the browser posts it, with some rows changed (keyed 'r<index>')."""
    data: dict[str, str] = {"new_question": "", "new_clause_id": "0"}
    for index, item in enumerate(audit.checklist):
        row = {"item_id": str(item.id), "question": item.question, "result": item.result or ""}
        row["notes"] = item.notes
        row.update(changes.get(f"r{index}", {}))
        for name, value in row.items():
            data[f"rows-{index}-{name}"] = value
    return data


def deactivate(question: BankQuestion, actor: Any) -> None:
    questions.update_question(
        question,
        actor=actor,
        question_vi=question.question_vi,
        question_en=question.question_en,
        active=False,
    )


def row_html(page: str, item_id: int) -> str:
    match = re.search(rf'<div class="card mb-2" id="item-{item_id}">(.*?)</div></div>', page, re.S)
    assert match, f"row {item_id} not on the page"
    return match.group(1)


# --- one form for the whole checklist ------------------------------------------------------------


def test_checklist_saves_every_row_with_one_button(as_user: Any, orgdata: Org) -> None:
    audit = generated(orgdata)
    client = as_user("auditor")
    page = text(client.get(f"/audits/{audit.ref}/checklist"))
    assert page.count("<form") >= 2 and "data-warn-unsaved" in page
    assert page.count('<form method="post" novalidate id="checklist-form" data-warn-unsaved>') == 1
    data = rows_data(
        audit,
        r0={"result": "conforms", "notes": "Danh mục tài liệu cập nhật 03/2018"},
        r1={"result": "nonconformity", "notes": "QT-05 bản cũ tại Bộ phận Một cửa"},
    )
    response = client.post(f"/audits/{audit.ref}/checklist", data={**data, "save": "1"})
    assert response.status_code == 302
    items = audit_now().checklist
    assert [i.result for i in items[:2]] == ["conforms", "nonconformity"]
    assert items[1].notes == "QT-05 bản cũ tại Bộ phận Một cửa"


def test_a_wrong_row_saves_nothing_and_keeps_everything_typed(as_user: Any, orgdata: Org) -> None:
    audit = generated(orgdata)
    client = as_user("auditor")
    second = audit.checklist[1]
    data = rows_data(
        audit,
        r0={"result": "conforms", "notes": "Ghi chú dòng một chưa lưu"},
        r1={"question": "   ", "notes": "Ghi chú dòng hai chưa lưu"},
    )
    response = client.post(f"/audits/{audit.ref}/checklist", data={**data, "save": "1"})
    assert response.status_code == 200
    page = text(response)
    # the error stands next to the wrong row's question; both rows keep what was typed
    assert "is-invalid" in row_html(page, second.id)
    assert "is-invalid" not in row_html(page, audit.checklist[0].id)
    assert "Ghi chú dòng một chưa lưu" in page and "Ghi chú dòng hai chưa lưu" in page
    items = audit_now().checklist
    assert items[0].result is None and items[0].notes == "" and items[1].question == second.question


def test_adding_a_question_keeps_the_unsaved_row_edits(as_user: Any, orgdata: Org) -> None:
    audit = generated(orgdata)
    client = as_user("auditor")
    count = len(audit.checklist)
    data = rows_data(audit, r0={"result": "observation", "notes": "Sổ theo dõi ghi thiếu cột"})
    # no question typed: refused next to the field, the row edit is still on the page, nothing saved
    response = client.post(f"/audits/{audit.ref}/checklist", data={**data, "add": "1"})
    assert response.status_code == 200 and "Sổ theo dõi ghi thiếu cột" in text(response)
    assert re.search(r'id="new_question"[^>]*', text(response))
    assert 'class="form-control is-invalid' in text(response)
    assert audit_now().checklist[0].result is None
    data["new_question"] = "Phiếu kiểm soát quá trình có đủ chữ ký từng bước không?"
    response = client.post(f"/audits/{audit.ref}/checklist", data={**data, "add": "1"})
    assert response.status_code == 302
    items = audit_now().checklist
    assert len(items) == count + 1 and items[-1].question.startswith("Phiếu kiểm soát")
    assert items[0].result == "observation" and items[0].notes == "Sổ theo dõi ghi thiếu cột"


def test_only_the_team_saves_the_checklist(as_user: Any, orgdata: Org) -> None:
    audit = generated(orgdata)
    data = rows_data(audit, r0={"result": "conforms"})
    response = as_user("manager_a").post(f"/audits/{audit.ref}/checklist", data={**data, "save": "1"})
    assert response.status_code == 403
    page = text(as_user("steering").get(f"/audits/{audit.ref}/checklist"))
    assert "checklist-form" not in page and audit.checklist[0].question in page
    with pytest.raises(NotAllowed):
        checklists.save_checklist(audit, actor=orgdata.user("manager_a"), rows=[])


def test_save_checklist_service_is_all_or_nothing(orgdata: Org) -> None:
    audit = generated(orgdata)
    first, second = audit.checklist[:2]
    rows = [
        ChecklistRow(item_id=first.id, question=first.question, result="conforms", notes="ok"),
        ChecklistRow(item_id=second.id, question=second.question, result="maybe", notes=""),
    ]
    with pytest.raises(DomainError) as refused:
        checklists.save_checklist(audit, actor=orgdata.user("auditor"), rows=rows)
    assert refused.value.field == "rows-1-result"
    db.session.rollback()
    assert audit_now().checklist[0].result is None


# --- checklist answers raise findings ------------------------------------------------------------


def test_raise_a_finding_from_a_checklist_answer(as_user: Any, orgdata: Org) -> None:
    audit = generated(orgdata)
    client = as_user("auditor")
    data = rows_data(audit, r0={"result": "nonconformity", "notes": "QT-05 bản cũ đang dùng tại Một cửa"})
    client.post(f"/audits/{audit.ref}/checklist", data={**data, "save": "1"})
    item = audit_now().checklist[0]

    page = text(client.get(f"/audits/{audit.ref}/checklist"))
    assert f'id="item-{item.id}-no-finding"' in page and f'id="raise-{item.id}"' in page
    assert f'id="raise-{audit.checklist[1].id}"' not in page  # unanswered rows offer nothing
    assert 'id="checklist-without-finding"' in text(client.get(f"/audits/{audit.ref}"))

    form = text(client.get(f"/audits/{audit.ref}/findings/new?item={item.id}"))
    assert re.search(r'<option selected value="minor">|<option value="minor" selected>', form)
    assert 'value="4.2.3"' in form
    unit = orgdata.unit_a.id
    assert re.search(rf'<option selected value="{unit}">|<option value="{unit}" selected>', form)
    assert "QT-05 bản cũ đang dùng tại Một cửa</textarea>" in form  # the notes are the evidence
    assert f"{item.question}</textarea>" in form  # the question is the requirement

    response = client.post(
        f"/audits/{audit.ref}/findings/new?item={item.id}",
        data={
            "kind": "minor",
            "unit_id": str(orgdata.unit_a.id),
            "edition": "2008",
            "clause": "4.2.3",
            "requirement": item.question,
            "evidence": "QT-05 bản cũ đang dùng tại Một cửa",
            "statement": "Bộ phận Một cửa sử dụng quy trình QT-05 đã hết hiệu lực.",
            "raised_on": "2018-07-17",
        },
    )
    assert response.status_code == 302
    finding = db.session.scalar(select(Finding))
    assert finding is not None and finding.checklist_item_id == item.id and finding.ref == "NC-2018-001"

    page = text(client.get(f"/audits/{audit.ref}/checklist"))
    assert f'href="/audits/findings/{finding.id}">NC-2018-001</a>' in row_html(page, item.id)
    assert f'id="item-{item.id}-no-finding"' not in page
    assert 'id="checklist-without-finding"' not in text(client.get(f"/audits/{audit.ref}"))
    shown = text(client.get(f"/audits/findings/{finding.id}"))
    assert 'id="raised-from-checklist"' in shown
    assert f'/audits/{audit.ref}/checklist#item-{item.id}"' in shown


def test_observation_answer_proposes_an_observation_and_foreign_items_are_refused(
    as_user: Any, orgdata: Org
) -> None:
    audit = generated(orgdata)
    client = as_user("auditor")
    data = rows_data(audit, r1={"result": "observation", "notes": "Chưa ghi ngày"})
    client.post(f"/audits/{audit.ref}/checklist", data={**data, "save": "1"})
    item = audit_now().checklist[1]
    form = text(client.get(f"/audits/{audit.ref}/findings/new?item={item.id}"))
    assert re.search(r'<option selected value="observation">|<option value="observation" selected>', form)
    assert client.get(f"/audits/{audit.ref}/findings/new?item=99999").status_code == 404


def test_checklist_summary_counts(orgdata: Org) -> None:
    audit = generated(orgdata)
    auditor = orgdata.user("auditor")
    results = ["conforms", "nonconformity", "observation", "not_applicable", None]
    rows = [
        ChecklistRow(item_id=i.id, question=i.question, result=r, notes="")
        for i, r in zip(audit.checklist, results, strict=False)
    ]
    checklists.save_checklist(audit, actor=auditor, rows=rows)
    db.session.commit()
    audit = audit_now()
    summary = checklists.checklist_summary(audit)
    assert summary["total"] == len(audit.checklist) == 5
    assert (summary["conforms"], summary["nonconformity"], summary["observation"]) == (1, 1, 1)
    assert summary["not_applicable"] == 1 and summary["unanswered"] == 1
    assert summary["without_finding"] == 2
    from audits.services import findings

    findings.create_finding(
        audit,
        actor=auditor,
        kind="minor",
        edition="2008",
        clause="4.2.3",
        unit=orgdata.unit_a,
        statement="x",
        checklist_item=audit.checklist[1],
    )
    db.session.commit()
    assert checklists.checklist_summary(audit_now())["without_finding"] == 1


# --- the question bank ---------------------------------------------------------------------------


def test_bank_covers_every_clause_with_requirements_in_both_editions(app: Any) -> None:
    for edition in ("2015", "2008"):
        clauses = db.session.scalars(select(Clause).where(Clause.edition == edition, Clause.level >= 2))
        with_requirements = [c for c in clauses if int(c.number.split(".")[0]) >= 4]
        for clause in with_requirements:
            asked = questions.active_questions(clause)
            assert asked and all(q.question_vi and q.question_en for q in asked), clause.number


def test_init_loads_the_bank_once_and_keeps_steering_edits(app: Any, runner: Any, orgdata: Org) -> None:
    assert runner.invoke(cli, ["init"]).exit_code == 0
    total = db.session.scalar(select(func.count()).select_from(BankQuestion))
    assert total and total > 150
    edited, retired = questions.bank_questions("2015", "8.5.1")[:2]
    steering = orgdata.user("steering")
    questions.update_question(edited, actor=steering, question_vi="Câu hỏi sửa", question_en="", active=True)
    deactivate(retired, steering)
    db.session.commit()
    assert runner.invoke(cli, ["init"]).exit_code == 0
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BankQuestion)) == total
    assert db.session.get(BankQuestion, edited.id).question_vi == "Câu hỏi sửa"
    assert db.session.get(BankQuestion, retired.id).active is False
    assert questions.load_question_bank() == 0


def test_only_steering_edits_the_bank(as_user: Any, orgdata: Org) -> None:
    question = questions.bank_questions("2008", "4.2.3")[0]
    for name in ("auditor", "manager_a"):
        client = as_user(name)
        assert client.get("/audits/questions/new").status_code == 403
        response = client.post(f"/audits/questions/{question.id}/edit", data={"question_vi": "x"})
        assert response.status_code == 403
    assert as_user("manager_a").get("/audits/questions").status_code == 403
    listing = text(as_user("auditor").get("/audits/questions?edition=2008&clause=4.2.3"))
    assert question.question_vi in listing and "/edit" not in listing

    client = as_user("steering")
    assert 'id="question-bank"' in text(client.get("/audits/programmes"))
    listing = text(client.get("/audits/questions?edition=2008&clause=4.2"))
    assert "4.2.3" in listing and "4.2.4" in listing and "8.2.2" not in listing
    response = client.post(
        "/audits/questions/new",
        data={"edition": "2008", "clause": "9.9", "question_vi": "Hỏi?", "question_en": ""},
    )
    assert response.status_code == 200 and "is-invalid" in text(response) and "Hỏi?" in text(response)
    response = client.post(
        "/audits/questions/new",
        data={"edition": "2008", "clause": "4.2.3", "question_vi": "Sổ công văn đến có được cập nhật?"},
    )
    assert response.status_code == 302
    added = questions.bank_questions("2008", "4.2.3")[-1]
    assert added.question_vi == "Sổ công văn đến có được cập nhật?" and added.shipped_key is None
    response = client.post(
        f"/audits/questions/{question.id}/edit",
        data={"question_vi": question.question_vi, "question_en": "Edited English"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(BankQuestion, question.id)
    assert changed.question_en == "Edited English" and changed.active is False  # unticked: deactivated
    page = text(client.get(f"/audits/questions/{question.id}/edit"))
    assert 'id="history"' in page and "Edited English" in page


def test_generate_uses_the_banks_active_questions(orgdata: Org) -> None:
    steering = orgdata.user("steering")
    bank_423 = questions.bank_questions("2008", "4.2.3")
    deactivate(bank_423[0], steering)
    for question in questions.bank_questions("2008", "8.2.2"):
        deactivate(question, steering)
    db.session.commit()
    audit = planned_audit(orgdata)
    added = checklists.generate_checklist(audit, actor=orgdata.user("auditor"))
    on_423 = [i.question for i in added if i.clause and i.clause.number == "4.2.3"]
    # services outside a request speak English (CLI_LANGUAGE): the bank's English text is used
    assert on_423 == [q.question_en for q in bank_423[1:]]
    on_822 = [i.question for i in added if i.clause and i.clause.number == "8.2.2"]
    assert len(on_822) == 1 and "is the requirement met" in on_822[0]  # no active question: the generic one
    assert checklists.generate_checklist(audit, actor=orgdata.user("auditor")) == []


def test_generate_on_the_page_speaks_the_users_language(as_user: Any, orgdata: Org) -> None:
    audit = planned_audit(orgdata)
    client = as_user("auditor")
    client.post(f"/audits/{audit.ref}/checklist/generate")
    bank = questions.bank_questions("2008", "4.2.3")
    asked = [i.question for i in db.session.scalars(select(ChecklistItem).order_by(ChecklistItem.position))]
    assert asked[: len(bank)] == [q.question_vi for q in bank]
