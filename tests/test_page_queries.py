"""The pages people open every day issue a bounded number of SQL statements, the same with a few findings
as with many: the findings register (page 1 and a deep page), an audit with many findings, the steering
committee's and the auditor's dashboards, an auditor's "My work", the programmes list and the corrective
actions register. The lists a person reads are bounded (the first rows and the total)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from audits.models import Audit, Finding, FindingStatus
from audits.services import findings, queries
from qms.extensions import db
from tests.audits_support import planned_audit
from tests.conftest import Org, login
from tests.test_audits_queries import counting

# the larger set names many clauses, so that reading a row's clause one by one would show
CLAUSES = ["4.1", "4.2.1", "4.2.2", "4.2.3", "4.2.4", "5.1", "5.2", "5.3", "5.4.1", "5.5.1", "6.2.2", "7.5.1"]


def grow(org: Org, audit: Audit, n: int, start: int = 0) -> None:
    """`n` findings of unit A on `audit`: of every four, an observation, a nonconformity waiting for the
    auditor's review of its plan, one whose action is overdue and one waiting for verification."""
    auditor, manager = org.user("auditor"), org.user("manager_a")
    audit = db.session.get(Audit, audit.id)
    for i in range(start, start + n):
        kind = "observation" if i % 4 == 0 else "minor"
        finding = findings.create_finding(
            audit,
            actor=auditor,
            kind=kind,
            edition="2008",
            clause=CLAUSES[i % len(CLAUSES)] if i >= 8 else ("4.2.3" if i % 2 else "8.2.2"),
            unit=org.unit_a,
            statement=f"Phát hiện số {i}",
            raised_on=audit.planned_start,
        )
        if kind == "minor":
            findings.save_plan(
                finding, actor=manager, version=None, correction="Sửa", root_cause="Nguyên nhân"
            )
            item = findings.add_action(
                finding,
                actor=manager,
                what=f"Hành động {i}",
                owner_name="Trưởng phòng",
                due_on=date(2018, 9, 1),
            )
            findings.submit_plan(finding, actor=manager, today=date(2018, 7, 20))
            if i % 4 > 1:
                findings.review_plan(finding, actor=auditor, accept=True, today=date(2018, 7, 25))
            if i % 4 == 3:
                findings.mark_action_done(item, actor=manager, done_on=date(2018, 8, 20), note="Đã làm")
    db.session.commit()


Page = tuple[str, str, Callable[[str], bool]]


def pages(org: Org, audit_ref: str, deep: int) -> list[Page]:
    """(who, url, what the page must show) for each page measured."""
    return [
        (
            "steering",
            "/audits/findings",
            lambda html: "Phát hiện số" in html,
        ),
        ("steering", f"/audits/findings?page={deep}", lambda html: "Phát hiện số" in html),
        ("steering", f"/audits/{audit_ref}", lambda html: "Phát hiện số" in html),
        ("steering", "/", lambda html: 'id="audits-card"' in html),
        ("auditor", "/", lambda html: 'id="audits-card"' in html),
        ("auditor", "/audits/my-work", lambda html: 'id="verifications-due"' in html),
        ("steering", "/audits/programmes", lambda html: 'id="programmes"' in html),
        ("steering", "/audits/actions", lambda html: "Hành động" in html),
    ]


def measure(client: FlaskClient, org: Org, audit_ref: str, deep: int) -> dict[str, list[str]]:
    counts: dict[str, list[str]] = {}
    emails = {"steering": "steering@example.vn", "auditor": "auditor@example.vn"}
    for who, url, expect in pages(org, audit_ref, deep):
        client.post("/logout")
        login(client, emails[who])
        with counting() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        assert expect(response.get_data(as_text=True)), url
        counts[f"{who} {url.replace(f'page={deep}', 'page=deep')}"] = statements
    return counts


# The most statements each page may issue, whatever the number of findings: its figures, rows and menu
# (and reading the signed-in person with their session, roles and units: SIGNED_IN statements more).
SIGNED_IN = 1
BOUNDS = {
    name: bound + SIGNED_IN
    for name, bound in {
        "steering /audits/findings": 10,
        "steering /audits/findings?page=deep": 10,
        "steering /audits/{ref}": 20,
        "steering /": 20,
        "auditor /": 21,
        "auditor /audits/my-work": 12,
        "steering /audits/programmes": 4,
        "steering /audits/actions": 4,
    }.items()
}


@pytest.fixture
def big_audit(app, orgdata: Org) -> Audit:
    return planned_audit(orgdata, start=date(2018, 7, 17))


def test_pages_do_not_grow_with_the_findings(
    app, orgdata: Org, big_audit: Audit, client: FlaskClient
) -> None:
    ref = big_audit.ref
    grow(orgdata, big_audit, 8)
    few = measure(client, orgdata, ref, deep=1)
    grow(orgdata, big_audit, 152, start=8)
    many = measure(client, orgdata, ref, deep=3)
    for name, statements in many.items():
        bound = BOUNDS[name.replace(ref, "{ref}")]
        assert len(statements) == len(few[name]), (
            f"{name}: {len(few[name])} → {len(statements)}\n" + "\n".join(statements)
        )
        assert len(statements) <= bound, f"{name}: {len(statements)} > {bound}\n" + "\n".join(statements)


def test_a_deep_page_of_the_register_costs_what_page_one_costs(
    app, orgdata: Org, big_audit: Audit, as_user
) -> None:
    grow(orgdata, big_audit, 120)
    client = as_user("steering")
    shown = {}
    for page in (1, 3):
        with counting() as statements:
            html = client.get(f"/audits/findings?page={page}").get_data(as_text=True)
        shown[page] = (len(statements), re.findall(r"Phát hiện số (\d+)", html))
    assert shown[1][0] == shown[3][0]
    assert len(shown[1][1]) == 50 and len(shown[3][1]) == 20
    assert not set(shown[1][1]) & set(shown[3][1])
    # 160 findings in all: "160 findings" in one COUNT beside the rows
    assert "120" in html
    # the rows come in the register's order, the same as the whole statement gives
    everything = [f.statement for f in queries.findings_register()]
    assert [f"Phát hiện số {n}" for n in shown[1][1] + shown[3][1]][:50] == everything[:50]


def test_my_work_shows_the_first_verifications_of_the_auditors_audits_with_the_total(
    app, orgdata: Org, big_audit: Audit, as_user
) -> None:
    grow(orgdata, big_audit, 100)  # 25 findings wait for verification
    other_audit = planned_audit(orgdata, start=date(2018, 8, 20))
    waiting = db.session.scalars(
        select(Finding).where(Finding.status == FindingStatus.ACTIONS_DONE).order_by(Finding.id)
    ).all()
    assert len(waiting) == 25
    html = as_user("auditor").get("/audits/my-work").get_data(as_text=True)
    section = html.split('id="verifications-due"')[1].split("</ul>")[0]
    assert section.count("<li ") == queries.MY_WORK_LIMIT
    assert 'id="verifications-due-more"' in html
    assert "20" in html.split('id="verifications-due-more"')[1].split("</p>")[0]
    assert "25" in html.split('id="verifications-due-more"')[1].split("</p>")[0]
    assert "/audits/findings?status=actions_done" in html
    work = queries.my_work(orgdata.user("auditor"))
    assert work.total("verifications_due") == 25 and len(work.verifications_due) == 20
    assert queries.my_work(orgdata.user("auditor"), limit=0).count == work.count
    # An auditor of another team is not given this audit's verifications on "My work".
    other = findings_outside_team(orgdata, other_audit)
    assert other.total("verifications_due") == 0


def findings_outside_team(org: Org, audit: Audit) -> queries.MyWork:
    from qms.services import org as org_service

    stranger = org_service.create_user(
        actor=None,
        email="auditor2@example.vn",
        full_name="Auditor 2",
        password="pw-long-enough-1",
        roles=("auditor",),
    )
    db.session.commit()
    return queries.my_work(stranger)


def test_dashboard_counts_in_sql_and_lists_five_lines(app, orgdata: Org, big_audit: Audit, as_user) -> None:
    grow(orgdata, big_audit, 40)  # 30 nonconformities, each with an action due 01/09/2018, 10 done
    figures = queries.dashboard_figures(orgdata.user("steering"))
    assert figures.overdue_actions == 20
    assert len(figures.late) == 5
    html = as_user("steering").get("/").get_data(as_text=True)
    assert html.split('id="dashboard-late"')[1].split("</ul>")[0].count("<li>") == 5
    assert "20" in html.split('id="dashboard-overdue"')[1].split("</p>")[0]


def test_programmes_list_counts_the_audits_each_person_may_see(
    app, orgdata: Org, big_audit: Audit, as_user
) -> None:
    planned_audit(orgdata, start=date(2018, 8, 20))
    assert [(p.year, p.audits) for p in queries.programme_rows(orgdata.user("steering"))] == [(2018, 2)]
    assert [p.audits for p in queries.programme_rows(orgdata.user("manager_a"))] == [2]
    assert [p.audits for p in queries.programme_rows(orgdata.user("manager_b"))] == [0]
    html = as_user("manager_b").get("/audits/programmes").get_data(as_text=True)
    assert re.search(r"<td>0</td>", html)
