"""The audit pages and exports issue a bounded number of SQL statements: never one per finding or action."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, select

from audits.exports import documents
from audits.services import findings, reporting
from qms.extensions import db
from qms.models.org import Unit
from qms.services import settings
from tests.audits_support import planned_audit
from tests.conftest import Org


@contextmanager
def counting() -> Iterator[list[str]]:
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def log(org: Org, audit, n: int, *, kind: str = "minor", answered: bool = True) -> None:
    """`n` findings of unit A on `audit`, each nonconformity with a plan and two actions."""
    auditor, manager = org.user("auditor"), org.user("manager_a")
    for i in range(n):
        finding = findings.create_finding(
            audit,
            actor=auditor,
            kind=kind,
            edition="2008",
            clause="4.2.3" if i % 2 else "8.2.2",
            unit=org.unit_a,
            statement=f"Phát hiện số {i}",
            raised_on=audit.planned_start,
        )
        if answered and finding.is_nonconformity:
            findings.save_plan(
                finding, actor=manager, version=None, correction="Sửa", root_cause="Nguyên nhân"
            )
            for j in range(2):
                findings.add_action(
                    finding,
                    actor=manager,
                    what=f"Hành động {j}",
                    owner_name="Trưởng phòng",
                    due_on=date(2018, 9, 1),
                )
    db.session.commit()


@pytest.fixture
def two_audits(app, orgdata: Org):
    big = planned_audit(orgdata, start=date(2018, 7, 17))
    small = planned_audit(orgdata, start=date(2018, 8, 20))
    log(orgdata, big, 50)
    log(orgdata, big, 5, kind="major")
    log(orgdata, big, 5, kind="observation")
    log(orgdata, small, 2)
    log(orgdata, small, 1, kind="observation")
    return big.ref, small.ref  # each request has its own session: nothing is served from this one


def page_statements(client, url: str, expect: Callable[[str], bool]) -> list[str]:
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200
    assert expect(response.get_data(as_text=True))
    return statements


def test_findings_list_does_not_grow_with_its_rows(app, two_audits, as_user):
    client = as_user("steering")
    unit_a = db.session.scalar(select(Unit.id).where(Unit.code == "P-A"))
    fifty = page_statements(
        client, "/audits/findings?kind=minor", lambda html: html.count("Phát hiện số") == 50
    )
    five = page_statements(
        client, "/audits/findings?kind=major", lambda html: html.count("Phát hiện số") == 5
    )
    assert len(fifty) == len(five), "\n".join(fifty)
    assert len(fifty) <= 15
    filtered = page_statements(
        client,
        f"/audits/findings?unit_id={unit_a}&status=open&kind=minor&clause=4.2&year=2018",
        lambda html: html.count("Phát hiện số") == 26,
    )
    assert len(filtered) <= 15


def test_audit_page_does_not_grow_with_its_findings(app, two_audits, as_user):
    big, small = two_audits
    client = as_user("steering")
    many = page_statements(client, f"/audits/{big}", lambda html: html.count("Phát hiện số") >= 60)
    few = page_statements(client, f"/audits/{small}", lambda html: html.count("Phát hiện số") >= 3)
    # The history block resolves the names of the tables its first page mentions: at most one more
    # statement, whatever the number of findings.
    assert len(many) <= len(few) + 1, "\n".join(many)
    assert len(many) <= 40


def test_audit_report_export_does_not_grow_with_its_findings(app, two_audits):
    big, small = two_audits
    counts = []
    for ref in (big, small):
        db.session.expunge_all()
        settings.forget()
        with counting() as statements:
            documents.audit_report(reporting.audit_by_ref(ref), "en")
        counts.append(len(statements))
    assert counts[0] == counts[1]
    # 20, and the 2015 equivalents of its 2008 scope and of its findings, read once each
    assert counts[0] <= 22, counts


def test_audit_report_reads_its_findings_clauses_at_once(app, two_audits):
    """Findings citing many different clauses: the report does not read each clause on its own."""
    from audits.models import Audit, Finding
    from qms.models.clauses import Clause

    big, _small = two_audits
    audit_id = db.session.scalar(select(Audit.id).where(Audit.ref == big))
    clauses = list(db.session.scalars(select(Clause.id).where(Clause.edition == "2015").limit(40)))
    for finding, clause_id in zip(
        db.session.scalars(select(Finding).where(Finding.audit_id == audit_id)), clauses, strict=False
    ):
        finding.clause_id = clause_id
    db.session.commit()
    db.session.expunge_all()
    settings.forget()
    with counting() as statements:
        documents.audit_report(reporting.audit_by_ref(big), "en")
    assert len(statements) <= 22, len(statements)


def test_a_findings_row_cuts_its_statement_as_the_template_filter_does() -> None:
    from jinja2 import Environment
    from jinja2.filters import do_truncate

    from audits.services.finding_rows import cut

    for text in ("ngắn", "x" * 170, "Hồ sơ " * 40, "một " * 41, "a" * 165, "a" * 166):
        assert cut(text, 160) == do_truncate(Environment(), text, 160)
