"""The JSON API: the same access as the web, stable cursor pagination, the one-stop shop's push
(idempotent, all or nothing), finding logging, and problem details for every error."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from qms.extensions import db
from qms.models.objectives import CaseStatistics, SatisfactionIndex
from qms.models.org import Unit
from qms.services import case_stats, org, tokens
from tests.audits_support import nonconformity, planned_audit
from tests.conftest import login

ROLES = ("admin", "steering", "auditor", "leader", "manager_a", "member_a", "manager_b", "outsider")


@pytest.fixture
def api(client, orgdata):
    """Call the API as one of the organisation's people: api("manager_a").get(path)."""
    secrets: dict[str, str] = {}

    class Caller:
        def __init__(self, name: str) -> None:
            if name not in secrets:
                secrets[name] = tokens.create_token(orgdata.user(name), actor=None, name="t").secret
                db.session.commit()
            self.headers = {"Authorization": f"Bearer {secrets[name]}"}

        def get(self, path: str, **kw):  # type: ignore[no-untyped-def]
            return client.get(path, headers=self.headers, **kw)

        def post(self, path: str, **kw):  # type: ignore[no-untyped-def]
            return client.post(path, headers=self.headers, **kw)

    return Caller


def case_item(unit: str = "P-A", period: str = "2018-07", **extra):  # type: ignore[no-untyped-def]
    item = {"unit_code": unit, "period": period, "received": 100, "resolved": 90, "on_time": 88, "late": 2,
            "online_eligible": 50, "online": 20}  # fmt: skip
    item.update(extra)
    return item


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.data
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["type"] and body["title"]
    return body


# --- access equal to the web -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_units_are_those_the_web_shows(client, orgdata, api, role):
    listed = {u["code"] for u in api(role).get("/api/v1/units").get_json()["items"]}
    login(client, getattr(orgdata, role))
    on_web = {
        u.code for u in db.session.scalars(select(Unit)) if client.get(f"/units/{u.id}").status_code == 200
    }
    assert listed == on_web
    expected = {"manager_a": {"P-A"}, "member_a": {"P-A"}, "outsider": set(), "manager_b": {"P-B"}}
    assert listed == expected.get(role, {"CITY", "P-A", "P-B"})


@pytest.mark.parametrize("role", ROLES)
def test_case_statistics_of_a_unit_read_as_on_the_web(client, orgdata, api, role):
    case_stats.record_case_statistics(orgdata.unit_a, actor=None, period="2018", received=58053,
                                      resolved=56863, on_time=56252, late=611)  # fmt: skip
    db.session.commit()
    response = api(role).get("/api/v1/case-statistics", query_string={"unit": "P-A"})
    login(client, getattr(orgdata, role))
    web = client.get(f"/units/{orgdata.unit_a.id}/statistics").status_code
    assert (response.status_code, web) in ((200, 200), (403, 403))
    if response.status_code == 200:
        (row,) = response.get_json()["items"]
        assert row["late_rate"] == 1.07 and row["on_time_rate"] == 98.93 and row["received"] == 58053
    else:
        assert_problem(response, 403)


@pytest.mark.parametrize("role", ["leader", "auditor", "manager_a", "outsider"])
def test_findings_register_as_on_the_web(client, orgdata, api, role):
    nonconformity(orgdata, planned_audit(orgdata))
    response = api(role).get("/api/v1/findings")
    login(client, getattr(orgdata, role))
    web = client.get("/audits/findings").status_code
    assert response.status_code == web
    if web == 200:
        assert [f["ref"] for f in response.get_json()["items"]] == ["NC-2018-001"]
    assert api(role).get("/api/v1/corrective-actions").status_code == web


def test_audits_are_those_of_the_callers_units(orgdata, api):
    planned_audit(orgdata)
    assert [a["unit_codes"] for a in api("member_a").get("/api/v1/audits").get_json()["items"]] == [["P-A"]]
    assert api("manager_b").get("/api/v1/audits").get_json()["items"] == []


# --- pagination --------------------------------------------------------------------------------


def test_cursor_pagination_is_stable_while_records_are_added(orgdata, api):
    for i in range(7):
        org.create_unit(actor=None, code=f"X-{i}", name=f"Xã {i}", kind="commune", parent=orgdata.city)
    db.session.commit()
    caller = api("admin")
    first = caller.get("/api/v1/units", query_string={"limit": 4}).get_json()
    assert len(first["items"]) == 4 and first["next_cursor"]
    org.create_unit(actor=None, code="X-NEW", name="Mới", kind="commune", parent=orgdata.city)
    db.session.commit()
    seen = [u["code"] for u in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = caller.get("/api/v1/units", query_string={"limit": 4, "cursor": cursor}).get_json()
        seen += [u["code"] for u in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 3 + 7 + 1  # every unit once, the new one at the end
    assert seen[-1] == "X-NEW"


@pytest.mark.parametrize(
    "query",
    [{"limit": 0}, {"limit": 201}, {"limit": "many"}, {"cursor": "garbage!"}, {"cursor": "eyJhIjogLTF9"}],
)
def test_bad_paging_is_a_problem_naming_the_parameter(orgdata, api, query):
    body = assert_problem(
        api("admin").get("/api/v1/units", query_string=query), 422 if "limit" in query else 400
    )
    assert body["errors"][0]["pointer"] == next(iter(query))


# --- the one-stop shop's push ------------------------------------------------------------------


def test_push_is_idempotent(orgdata, api):
    caller = api("manager_a")
    body = {"items": [case_item(), case_item(period="2018-08")]}
    first = caller.post("/api/v1/case-statistics", json=body)
    assert first.status_code == 200 and first.get_json() == {"created": 2, "replaced": 0, "unchanged": 0}
    again = caller.post("/api/v1/case-statistics", json=body)
    assert again.get_json() == {"created": 0, "replaced": 0, "unchanged": 2}
    assert db.session.scalar(select(func.count(CaseStatistics.id))) == 2
    changed = caller.post("/api/v1/case-statistics", json={"items": [case_item(received=101)]})
    assert changed.get_json() == {"created": 0, "replaced": 1, "unchanged": 0}
    assert case_stats.case_statistics_of(orgdata.unit_a, "2018-07").received == 101


def test_push_is_all_or_nothing_and_lists_every_error(orgdata, api):
    body = {"items": [
        case_item(),
        case_item(period="2018-08", late=5),  # on time + late != resolved
        case_item(unit="P-B"),  # another unit: not the manager's
        case_item(unit="NOPE"),
        case_item(period="2018-13"),
        case_item(),  # the same unit and period twice
    ]}  # fmt: skip
    problem = assert_problem(api("manager_a").post("/api/v1/case-statistics", json=body), 422)
    pointers = [e["pointer"] for e in problem["errors"]]
    assert pointers == ["/items/1/on_time", "/items/2/unit_code", "/items/3/unit_code", "/items/4/period",
                        "/items/5/period"]  # fmt: skip
    assert db.session.scalar(select(func.count(CaseStatistics.id))) == 0


@pytest.mark.parametrize(
    ("item", "pointer"),
    [
        ({**case_item(), "colour": "red"}, "/items/0/colour"),
        (case_item(received=-1), "/items/0/received"),
        (case_item(received=10**12), "/items/0/received"),
        (case_item(received=1.5), "/items/0/received"),
        (case_item(unit="X" * 41), "/items/0/unit_code"),
        ({k: v for k, v in case_item().items() if k != "late"}, "/items/0/late"),
    ],
)
def test_push_refuses_unknown_fields_and_unbounded_values(orgdata, api, item, pointer):
    problem = assert_problem(api("manager_a").post("/api/v1/case-statistics", json={"items": [item]}), 422)
    assert pointer in [e["pointer"] for e in problem["errors"]]
    assert db.session.scalar(select(func.count(CaseStatistics.id))) == 0


def test_satisfaction_push_and_read(orgdata, api):
    caller = api("manager_a")
    body = {"items": [{"unit_code": "p-a", "period": "2018", "index_percent": 78.5, "respondents": 120}]}
    assert caller.post("/api/v1/satisfaction", json=body).get_json()["created"] == 1
    assert caller.post("/api/v1/satisfaction", json=body).get_json()["unchanged"] == 1
    bad = {"items": [{"unit_code": "P-A", "period": "2018", "index_percent": 78.555}]}
    assert_problem(caller.post("/api/v1/satisfaction", json=bad), 422)
    (row,) = caller.get("/api/v1/satisfaction", query_string={"year": 2018}).get_json()["items"]
    assert row == {"unit_code": "P-A", "period": "2018", "index_percent": 78.5, "respondents": 120}
    assert db.session.scalar(select(func.count(SatisfactionIndex.id))) == 1


def test_objectives_carry_their_attainment(orgdata, api):
    from qms.services import objectives

    case_stats.record_case_statistics(orgdata.unit_a, actor=None, period="2018", received=58053,
                                      resolved=56863, on_time=56252, late=611)  # fmt: skip
    fields = objectives.ObjectiveFields(year=2018, statement="Giảm hồ sơ trễ hạn", indicator="Tỷ lệ trễ hạn",
                                        direction="<=", target=Decimal(3), source="late_rate")  # fmt: skip
    objectives.create_objective(orgdata.unit_a, fields, actor=None)
    db.session.commit()
    (row,) = api("member_a").get("/api/v1/objectives", query_string={"unit": "P-A"}).get_json()["items"]
    assert (row["period"], row["value"], row["attainment"]) == ("2018", 1.07, "met")
    assert_problem(api("manager_b").get("/api/v1/objectives", query_string={"unit": "P-A"}), 403)


# --- findings ----------------------------------------------------------------------------------


def test_team_auditor_logs_a_finding_others_may_not(orgdata, api):
    audit = planned_audit(orgdata, start=date(2018, 7, 17))
    body = {"kind": "minor", "edition": "2008", "clause": "4.2.3", "unit_code": "P-A",
            "statement": "Danh mục tài liệu chưa cập nhật.", "raised_on": "2018-07-17"}  # fmt: skip
    created = api("auditor").post(f"/api/v1/audits/{audit.ref}/findings", json=body)
    assert created.status_code == 201, created.data
    assert created.get_json()["ref"] == "NC-2018-001"
    assert_problem(api("leader").post(f"/api/v1/audits/{audit.ref}/findings", json=body), 403)
    assert_problem(api("auditor").post("/api/v1/audits/DG-1999-01/findings", json=body), 404)
    wrong = assert_problem(
        api("auditor").post(f"/api/v1/audits/{audit.ref}/findings", json={**body, "clause": "99.9"}), 422
    )
    assert wrong["errors"][0]["pointer"] == "/clause"


# --- problems ----------------------------------------------------------------------------------


def test_errors_under_api_are_problems_and_pages_stay_html(client, orgdata, api):
    caller = api("admin")
    assert_problem(caller.get("/api/v1/nothing-here"), 404)
    assert_problem(caller.post("/api/v1/units", json={}), 405)
    assert_problem(
        caller.post("/api/v1/case-statistics", data="{not json", content_type="application/json"), 400
    )
    assert_problem(caller.get("/api/v1/case-statistics", query_string={"unit": "NOPE"}), 404)
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.content_type.startswith("text/html")


def test_docs_page_lists_every_operation(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    for path in ("/api/v1/units", "/api/v1/case-statistics", "/api/v1/audits/{ref}/findings"):
        assert path in html
    assert "<script>" not in html


def test_unit_manager_records_action_progress(orgdata, api):
    from audits.services import findings as finding_service
    from tests.audits_support import answered

    finding = answered(orgdata, nonconformity(orgdata, planned_audit(orgdata)))
    (item,) = finding.actions
    body = {"done_on": "2018-08-01", "note": "Đã phân công đầu mối."}
    early = assert_problem(
        api("manager_a").post(f"/api/v1/corrective-actions/{item.id}/done", json=body), 409
    )
    assert "chấp nhận kế hoạch" in early["detail"]  # in the token owner's language
    finding_service.review_plan(finding, actor=orgdata.user("auditor"), accept=True, today=date(2018, 7, 28))
    db.session.commit()
    assert_problem(api("member_a").post(f"/api/v1/corrective-actions/{item.id}/done", json=body), 403)
    assert_problem(api("manager_b").post(f"/api/v1/corrective-actions/{item.id}/done", json=body), 404)
    future = {**body, "done_on": "2999-01-01"}
    wrong = assert_problem(
        api("manager_a").post(f"/api/v1/corrective-actions/{item.id}/done", json=future), 422
    )
    assert wrong["errors"][0]["pointer"] == "/done_on"
    done = api("manager_a").post(f"/api/v1/corrective-actions/{item.id}/done", json=body)
    assert done.status_code == 200, done.data
    assert done.get_json()["done_on"] == "2018-08-01" and done.get_json()["done_note"] == body["note"]
    db.session.refresh(finding)
    assert finding.status == "actions_done"


def test_unknown_query_parameters_are_refused(orgdata, api):
    body = assert_problem(api("admin").get("/api/v1/units", query_string={"colour": "red"}), 422)
    assert body["errors"] == [{"pointer": "colour", "detail": "Unknown field."}]
