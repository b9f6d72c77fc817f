"""Objectives, measurements, case statistics and satisfaction through the web: forms, errors, access."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale, gettext
from markupsafe import escape

from qms.extensions import db
from qms.models.objectives import CaseStatistics, Objective, QualityPolicy
from qms.services import case_stats, objectives

CITY_2018 = {
    "period": "2018",
    "received": "58053",
    "resolved": "56863",
    "on_time": "56252",
    "late": "611",
    "online_eligible": "6664",
    "online": "2996",
}


def vi(message: str, **params: object) -> str:
    """A message as the (Vietnamese) page shows it."""
    with force_locale("vi"):
        return str(escape(gettext(message, **params)))


def error_next_to(page: str, field: str, message: str) -> bool:
    """The message follows the field's own input, before any other input."""
    start = page.find(f'id="{field}"')
    at = page.find(message, start)
    return (
        start >= 0
        and at > start
        and "<input" not in page[start + 1 : at]
        and "is-invalid" in page[page.rfind("<", 0, start) : start]
    )


def objective_form(**overrides: str) -> dict[str, str]:
    data = {
        "year": "2018",
        "statement": "Tỷ lệ hồ sơ trễ hạn dưới 3%",
        "indicator": "Tỷ lệ trễ hạn",
        "direction": "<=",
        "target": "3",
        "unit_of_measure": "%",
        "source": "late_rate",
        "owner_id": "0",
        "plan_actions": "Theo dõi trên phần mềm Một cửa điện tử",
    }
    data.update(overrides)
    return data


def make_objective(unit, **overrides) -> Objective:
    values = dict(
        year=2018, statement="Trễ hạn dưới 3%", indicator="Tỷ lệ trễ hạn", direction="<=", target=Decimal(3),
        source="late_rate",
    )  # fmt: skip
    values.update(overrides)
    objective = objectives.create_objective(unit, objectives.ObjectiveFields(**values), actor=None)
    db.session.commit()
    return objective


def test_manager_enters_figures_and_sees_the_objective_met(app, orgdata, as_user):
    client = as_user("manager_a")
    unit_id = orgdata.unit_a.id
    response = client.post(f"/units/{unit_id}/statistics/cases", data=CITY_2018)
    assert response.status_code == 302
    response = client.post(
        f"/units/{unit_id}/objectives/new", data=objective_form(owner_id=str(orgdata.manager_a.id))
    )
    assert response.status_code == 302
    objective = db.session.query(Objective).one()
    assert objective.owner_id == orgdata.manager_a.id
    page = client.get(f"/units/{unit_id}/objectives?year=2018").get_data(as_text=True)
    assert "1,07%" in page and 'data-attainment="met"' in page and "≤ 3,00%" in page
    unit_page = client.get(f"/units/{unit_id}").get_data(as_text=True)
    assert "Tỷ lệ hồ sơ trễ hạn dưới 3%" in unit_page and 'data-attainment="met"' in unit_page
    stats = client.get(f"/units/{unit_id}/statistics").get_data(as_text=True)
    for figure in ("58.053", "97,95%", "98,93%", "1,07%", "44,96%"):
        assert figure in stats
    show = client.get(f"/objectives/{objective.id}").get_data(as_text=True)
    assert "Theo dõi trên phần mềm Một cửa điện tử" in show and 'id="history"' in show


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"received": "-3"}, "received", ("A count cannot be negative.", {})),
        ({"late": "60000", "on_time": "0"}, "late",
         ("Late (%(late)s) cannot exceed resolved (%(resolved)s).", {"late": 60000, "resolved": 56863})),
        ({"on_time": "100"}, "on_time",
         ("On time (%(on_time)s) plus late (%(late)s) must equal resolved (%(resolved)s).",
          {"on_time": 100, "late": 611, "resolved": 56863})),
        ({"online": "9000"}, "online",
         ("Received online (%(online)s) cannot exceed online-eligible (%(eligible)s).",
          {"online": 9000, "eligible": 6664})),
        ({"period": "2018-13"}, "period", ("'%(value)s' is not a month of the year.", {"value": "2018-13"})),
    ],
)  # fmt: skip
def test_bad_case_figures_are_shown_next_to_the_field(app, orgdata, as_user, changes, field, message):
    client = as_user("manager_a")
    response = client.post(f"/units/{orgdata.unit_a.id}/statistics/cases", data={**CITY_2018, **changes})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert error_next_to(page, field, vi(message[0], **message[1]))
    assert f'value="{changes[field]}"' in page  # what the user typed is kept
    assert db.session.query(CaseStatistics).count() == 0


def test_objective_form_errors(app, orgdata, as_user):
    client = as_user("manager_a")
    url = f"/units/{orgdata.unit_a.id}/objectives/new"
    page = client.post(url, data=objective_form(target="")).get_data(as_text=True)
    assert "is-invalid" in page and 'value="Tỷ lệ trễ hạn"' in page
    page = client.post(url, data=objective_form(source="manual", unit_of_measure="")).get_data(as_text=True)
    assert error_next_to(page, "unit_of_measure", vi("A unit of measure is required (%, days, dossiers …)."))
    page = client.post(url, data=objective_form(target="120")).get_data(as_text=True)
    assert error_next_to(page, "target", vi("A percentage target lies between 0 and 100."))
    assert db.session.query(Objective).count() == 0


def test_members_record_measurements_of_manual_objectives(app, orgdata, as_user):
    objective = make_objective(orgdata.unit_a, source="manual", unit_of_measure="ngày", target=Decimal(10))
    client = as_user("member_a")
    url = f"/objectives/{objective.id}/measurements"
    response = client.post(url, data={"period": "2018-Q1", "value": "12", "note": "quý I"})
    assert response.status_code == 302
    page = client.get(f"/objectives/{objective.id}").get_data(as_text=True)
    assert "12 ngày" in page and 'data-attainment="not_met"' in page
    bad = client.post(url, data={"period": "2019-Q1", "value": "1"})
    assert bad.status_code == 400
    assert error_next_to(
        bad.get_data(as_text=True),
        "period",
        vi("The period must fall in %(year)s, the objective's year.", year=2018),
    )
    assert client.get(f"/objectives/{objective.id}/edit").status_code == 403
    assert as_user("manager_b").post(url, data={"period": "2018", "value": "1"}).status_code == 403


def test_policy_form(app, orgdata, as_user):
    client = as_user("manager_a")
    url = f"/units/{orgdata.unit_a.id}/objectives/2018/policy"
    page = client.post(url, data={"text": "  ", "approved_by": "Trưởng phòng"}).get_data(as_text=True)
    assert "is-invalid" in page and db.session.query(QualityPolicy).count() == 0
    assert client.post(url, data={"text": "Phục vụ nhân dân", "approved_on": "2018-01-26"}).status_code == 302
    page = client.get(f"/units/{orgdata.unit_a.id}/objectives?year=2018").get_data(as_text=True)
    assert "Phục vụ nhân dân" in page and "26/01/2018" in page


@pytest.mark.parametrize("who", ["manager_b", "member_a", "leader", "outsider"])
def test_only_the_units_manager_edits(app, orgdata, as_user, who):
    objective = make_objective(orgdata.unit_a)
    client = as_user(who)
    unit_id = orgdata.unit_a.id
    assert client.post(f"/units/{unit_id}/statistics/cases", data=CITY_2018).status_code == 403
    assert client.get(f"/units/{unit_id}/statistics/satisfaction").status_code == 403
    assert client.post(f"/units/{unit_id}/objectives/new", data=objective_form()).status_code == 403
    assert client.post(f"/objectives/{objective.id}/delete").status_code == 403
    assert client.get(f"/units/{unit_id}/objectives/2018/policy").status_code == 403
    assert db.session.query(CaseStatistics).count() == 0 and db.session.query(Objective).count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("member_a", 200), ("leader", 200), ("steering", 200), ("manager_b", 403), ("outsider", 403)],
)
def test_who_reads(app, orgdata, as_user, who, status):
    objective = make_objective(orgdata.unit_a)
    client = as_user(who)
    assert client.get(f"/units/{orgdata.unit_a.id}/objectives").status_code == status
    assert client.get(f"/objectives/{objective.id}").status_code == status
    assert client.get(f"/units/{orgdata.unit_a.id}/statistics").status_code == status
    assert client.get(f"/units/{orgdata.unit_a.id}/objectives/2018/export.docx").status_code == status


def test_satisfaction_form_and_edit_of_an_objective(app, orgdata, as_user):
    client = as_user("manager_a")
    url = f"/units/{orgdata.unit_a.id}/statistics/satisfaction"
    page = client.post(url, data={"period": "2018", "index_percent": "101"}).get_data(as_text=True)
    assert error_next_to(page, "index_percent", vi("A percentage lies between 0 and 100."))
    assert (
        client.post(url, data={"period": "2018", "index_percent": "78.18", "respondents": "250"}).status_code
        == 302
    )
    objective = make_objective(orgdata.unit_a, source="satisfaction", direction=">=", target=Decimal(80))
    page = client.get(f"/objectives/{objective.id}").get_data(as_text=True)
    assert "78,18%" in page and 'data-attainment="not_met"' in page
    response = client.post(
        f"/objectives/{objective.id}/edit",
        data=objective_form(statement="Hài lòng", source="satisfaction", direction=">=", target="78"),
    )
    assert response.status_code == 302
    assert objectives.evaluate(db.session.get(Objective, objective.id)).attainment == "met"


def test_dashboard_shows_met_and_not_met_per_unit(app, orgdata, as_user):
    case_stats.record_case_statistics(
        orgdata.unit_a, actor=None, period="2018", received=10, resolved=10, on_time=9, late=1
    )
    make_objective(orgdata.unit_a)  # 10% late: not met
    make_objective(orgdata.unit_b)  # no figures
    page = as_user("leader").get("/").get_data(as_text=True)
    assert 'id="objectives-at-a-glance"' in page
    row_a = page.split('data-unit="P-A"')[1].split("</tr>")[0]
    assert (
        '<td class="text-end figure met">0</td>' in row_a
        and '<td class="text-end figure not-met">1</td>' in row_a
    )
    row_b = page.split('data-unit="P-B"')[1].split("</tr>")[0]
    assert '<td class="text-end figure no-data">1</td>' in row_b
    member_page = as_user("member_a").get("/").get_data(as_text=True)
    assert 'data-unit="P-A"' in member_page and 'data-unit="P-B"' not in member_page
