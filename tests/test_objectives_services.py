"""Quality objectives: rates from case statistics, roll-up of the unit tree, attainment and trend."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from qms.extensions import db
from qms.models.objectives import CaseStatistics, SatisfactionIndex
from qms.services import case_stats, objectives, org
from qms.services.case_stats import CaseFigures, FigureBook, percent
from qms.services.errors import DomainError, NotAllowed
from qms.services.history import history_of
from qms.services.objectives import Attainment, ObjectiveFields, Trend
from qms.services.periods import parse_period

CITY_2018 = {
    "received": 58_053,
    "resolved": 56_863,
    "on_time": 56_252,
    "late": 611,
    "online_eligible": 6_664,
    "online": 2_996,
}


def objective_fields(**overrides) -> ObjectiveFields:
    values = {
        "year": 2018,
        "statement": "Tỷ lệ hồ sơ trễ hạn dưới 3%",
        "indicator": "Tỷ lệ hồ sơ trễ hạn",
        "direction": "<=",
        "target": Decimal(3),
        "unit_of_measure": "%",
        "source": "late_rate",
    }
    values.update(overrides)
    return ObjectiveFields(**values)


def test_rates_of_the_seed_report():
    figures = CaseFigures(**CITY_2018)
    assert figures.resolution_rate == Decimal("97.95")
    assert figures.on_time_rate == Decimal("98.93")
    assert figures.late_rate == Decimal("1.07")
    assert figures.online_rate == Decimal("44.96")
    communes = CaseFigures(received=75_416, resolved=75_384, on_time=75_226, late=158)
    assert communes.resolution_rate == Decimal("99.96")
    assert communes.on_time_rate == Decimal("99.79")
    assert communes.late_rate == Decimal("0.21")
    assert communes.online_rate is None  # nothing online-eligible: no rate, not 0


def test_percent_rounds_half_up_and_refuses_zero_denominator():
    assert percent(1, 8) == Decimal("12.50")
    assert percent(1, 200) == Decimal("0.50")
    assert percent(5, 0) is None


def test_periods_parse_normalise_and_step_back():
    assert str(parse_period("2018-q3")) == "2018-Q3"
    assert str(parse_period("2018-7")) == "2018-07"
    assert str(parse_period("2018").previous()) == "2017"
    assert str(parse_period("2018-Q1").previous()) == "2017-Q4"
    assert str(parse_period("2018-01").previous()) == "2017-12"
    for bad in ("2018-13", "2018-Q5", "18", "2018/07", ""):
        with pytest.raises(DomainError) as info:
            parse_period(bad)
        assert info.value.field == "period"


def test_city_objective_late_rate_below_3_percent_is_met(orgdata):
    case_stats.record_case_statistics(orgdata.city, actor=None, period="2018", **CITY_2018)
    objective = objectives.create_objective(orgdata.city, objective_fields(), actor=None)
    evaluation = objectives.evaluate(objective)
    assert evaluation.value == Decimal("1.07")
    assert evaluation.period == "2018"
    assert evaluation.attainment == Attainment.MET
    assert evaluation.trend is None  # no 2017 figures


def test_roll_up_adds_the_sub_units(orgdata):
    case_stats.record_case_statistics(orgdata.city, actor=None, period="2018", **CITY_2018)
    case_stats.record_case_statistics(
        orgdata.unit_a, actor=None, period="2018", received=100, resolved=90, on_time=80, late=10,
        online_eligible=50, online=20,
    )  # fmt: skip
    book = FigureBook()
    own = book.case(orgdata.city.id, "2018")
    tree = book.case(orgdata.city.id, "2018", include_sub_units=True)
    assert own == CaseFigures(**CITY_2018)
    assert tree.received == 58_153 and tree.resolved == 56_953 and tree.late == 621 and tree.online == 3_016
    assert tree.late_rate == percent(621, 56_953)
    assert book.case(orgdata.unit_b.id, "2018") is None
    lines = case_stats.unit_statistics(orgdata.city, 2018)
    assert lines[0].own_figures == own and lines[0].with_sub_units == tree
    rolled = objectives.create_objective(
        orgdata.city, objective_fields(statement="Toàn thành phố", include_sub_units=True), actor=None
    )
    assert objectives.evaluate(rolled).value == Decimal("1.09")


def test_trend_compares_with_the_previous_period(orgdata):
    unit = orgdata.unit_a
    case_stats.record_case_statistics(
        unit, actor=None, period="2018-Q2", received=100, resolved=100, on_time=95, late=5
    )
    case_stats.record_case_statistics(
        unit, actor=None, period="2018-Q3", received=100, resolved=100, on_time=98, late=2
    )
    late = objectives.create_objective(unit, objective_fields(), actor=None)
    on_time = objectives.create_objective(
        unit,
        objective_fields(statement="Đúng hạn", source="on_time_rate", direction=">=", target=99),
        actor=None,
    )
    e = objectives.evaluate(late)
    assert (e.period, e.value, e.previous_value) == ("2018-Q3", Decimal("2.00"), Decimal("5.00"))
    assert e.trend == Trend.IMPROVING and e.attainment == Attainment.MET
    assert [p for p, _v, _a in e.series] == ["2018-Q2", "2018-Q3"]
    e2 = objectives.evaluate(on_time)
    assert (
        e2.value == Decimal("98.00") and e2.attainment == Attainment.NOT_MET and e2.trend == Trend.IMPROVING
    )
    case_stats.record_case_statistics(
        unit, actor=None, period="2018-Q4", received=100, resolved=100, on_time=90, late=10
    )
    assert objectives.evaluate(late).trend == Trend.WORSENING
    assert objectives.trend(">=", Decimal("5"), Decimal("5.001")) == Trend.STABLE
    assert objectives.attainment("<=", Decimal(3), None) == Attainment.NO_DATA


def test_manual_objective_measurements_attainment_and_trend_across_years(orgdata):
    unit = orgdata.unit_a
    fields = dict(source="manual", unit_of_measure="ngày", indicator="Thời gian giải quyết trung bình")
    last_year = objectives.create_objective(
        unit, objective_fields(year=2017, target=10, **fields), actor=None
    )
    objectives.record_measurement(last_year, actor=orgdata.member_a, period="2017", value=Decimal(12))
    objective = objectives.create_objective(unit, objective_fields(target=10, **fields), actor=None)
    assert objectives.evaluate(objective).attainment == Attainment.NO_DATA
    objectives.record_measurement(objective, actor=orgdata.member_a, period="2018-06", value=Decimal("10.5"))
    objectives.record_measurement(objective, actor=orgdata.member_a, period="2018", value=Decimal("9.5"))
    e = objectives.evaluate(objective)
    assert (e.period, e.value, e.attainment) == ("2018", Decimal("9.5"), Attainment.MET)
    assert e.previous_value == Decimal(12) and e.trend == Trend.IMPROVING
    # correcting a period replaces its value, and the history keeps both
    objectives.record_measurement(objective, actor=orgdata.manager_a, period="2018", value=Decimal(11))
    assert objectives.evaluate(objective).attainment == Attainment.NOT_MET
    assert len(objective.measurements) == 2
    changes = [h.changes for h in history_of("quality_objective", objective.id) if h.action == "update"]
    assert any(c.get("value") == ["9.5000", "11"] or c.get("value", [None])[1] == "11" for c in changes)


def test_measurement_rules(orgdata):
    manual = objectives.create_objective(
        orgdata.unit_a, objective_fields(source="manual", unit_of_measure="hồ sơ"), actor=None
    )
    computed = objectives.create_objective(orgdata.unit_a, objective_fields(statement="x"), actor=None)
    with pytest.raises(DomainError) as info:
        objectives.record_measurement(manual, actor=orgdata.manager_a, period="2019-01", value=Decimal(1))
    assert info.value.field == "period"
    with pytest.raises(DomainError):
        objectives.record_measurement(computed, actor=orgdata.manager_a, period="2018", value=Decimal(1))
    with pytest.raises(NotAllowed):
        objectives.record_measurement(manual, actor=orgdata.manager_b, period="2018", value=Decimal(1))
    with pytest.raises(NotAllowed):
        objectives.record_measurement(manual, actor=orgdata.leader, period="2018", value=Decimal(1))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"target": None}, "target"),
        ({"statement": " "}, "statement"),
        ({"direction": "<"}, "direction"),
        ({"source": "guess"}, "source"),
        ({"target": Decimal(101)}, "target"),
        ({"unit_of_measure": "ngày"}, "unit_of_measure"),
        ({"source": "manual", "unit_of_measure": ""}, "unit_of_measure"),
        ({"year": 1800}, "year"),
    ],
)
def test_objective_fields_are_checked(orgdata, changes, field):
    with pytest.raises(DomainError) as info:
        objectives.create_objective(orgdata.unit_a, objective_fields(**changes), actor=orgdata.manager_a)
    assert info.value.field == field


def test_only_the_units_manager_keeps_objectives_and_policy(orgdata):
    with pytest.raises(NotAllowed):
        objectives.create_objective(orgdata.unit_a, objective_fields(), actor=orgdata.manager_b)
    with pytest.raises(NotAllowed):
        objectives.create_objective(orgdata.unit_a, objective_fields(), actor=orgdata.member_a)
    with pytest.raises(NotAllowed):
        objectives.save_policy(orgdata.unit_a, 2018, actor=orgdata.steering, text="…")
    policy = objectives.save_policy(
        orgdata.unit_a, 2018, actor=orgdata.manager_a, text="Chính sách", approved_by="X"
    )
    assert objectives.policy_of(orgdata.unit_a, 2018) is policy
    assert any(h.record_type == "quality_policy" for h in history_of("unit", orgdata.unit_a.id))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"received": -1}, "received"),
        ({"late": 60_000, "on_time": 0}, "late"),
        ({"on_time": 56_000}, "on_time"),
        ({"resolved": 60_000, "on_time": 59_389}, "resolved"),
        ({"online": 7_000}, "online"),
        ({"received": None}, "received"),
    ],
)
def test_case_statistics_invariants(orgdata, changes, field):
    with pytest.raises(DomainError) as info:
        case_stats.record_case_statistics(
            orgdata.unit_a, actor=orgdata.manager_a, period="2018", **{**CITY_2018, **changes}
        )
    assert info.value.field == field


def test_re_entering_a_period_replaces_its_figures_and_history_shows_it(orgdata):
    case_stats.record_case_statistics(orgdata.unit_a, actor=orgdata.manager_a, period="2018", **CITY_2018)
    case_stats.record_case_statistics(
        orgdata.unit_a,
        actor=orgdata.manager_a,
        period="2018",
        **{**CITY_2018, "late": 600, "on_time": 56_263},
    )
    rows = db.session.query(CaseStatistics).filter_by(unit_id=orgdata.unit_a.id).all()
    assert len(rows) == 1 and rows[0].late == 600
    updates = [h for h in history_of("unit", orgdata.unit_a.id) if h.record_type == "case_statistics"]
    assert any(h.action == "update" and h.changes["late"] == [611, 600] for h in updates)
    with pytest.raises(NotAllowed):
        case_stats.record_case_statistics(orgdata.unit_a, actor=orgdata.manager_b, period="2018", **CITY_2018)


def test_database_refuses_impossible_figures(orgdata):
    db.session.add(
        CaseStatistics(
            unit_id=orgdata.unit_a.id, period="2018", received=10, resolved=10, on_time=5, late=4,
            online_eligible=0, online=0,
        )
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(SatisfactionIndex(unit_id=orgdata.unit_a.id, period="2018", index_percent=Decimal(101)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_satisfaction_objective_and_weighted_roll_up(orgdata):
    case_stats.record_satisfaction(
        orgdata.city, actor=None, period="2018", index_percent=Decimal("81.99"), respondents=None
    )
    case_stats.record_satisfaction(
        orgdata.unit_a, actor=None, period="2018", index_percent=Decimal(70), respondents=100
    )
    case_stats.record_satisfaction(
        orgdata.unit_b, actor=None, period="2018", index_percent=Decimal(80), respondents=300
    )
    book = FigureBook()
    assert book.satisfaction(orgdata.unit_a.id, "2018") == Decimal("70.00")
    assert book.satisfaction(orgdata.city.id, "2018") == Decimal("81.99")
    # the city has no respondent count: plain mean of 81.99, 70 and 80
    assert book.satisfaction(orgdata.city.id, "2018", include_sub_units=True) == Decimal("77.33")
    objective = objectives.create_objective(
        orgdata.unit_b,
        objective_fields(source="satisfaction", direction=">=", target=78, statement="Hài lòng"),
        actor=None,
    )
    assert objectives.evaluate(objective).attainment == Attainment.MET
    with pytest.raises(DomainError) as info:
        case_stats.record_satisfaction(
            orgdata.unit_a, actor=None, period="2018", index_percent=Decimal(-1), respondents=1
        )
    assert info.value.field == "index_percent"


def test_dashboard_attainment_per_unit(orgdata):
    case_stats.record_case_statistics(orgdata.city, actor=None, period="2018", **CITY_2018)
    objectives.create_objective(orgdata.city, objective_fields(), actor=None)
    objectives.create_objective(
        orgdata.city,
        objective_fields(statement="b", direction=">=", source="online_rate", target=50),
        actor=None,
    )
    objectives.create_objective(orgdata.unit_a, objective_fields(), actor=None)
    year, lines = objectives.attainment_by_unit(orgdata.leader)
    assert year == 2018
    by_code = {line.unit.code: (line.met, line.not_met, line.no_data) for line in lines}
    assert by_code == {"CITY": (1, 1, 0), "P-A": (0, 0, 1)}
    _year, mine = objectives.attainment_by_unit(orgdata.manager_b)
    assert mine == []
    assert org.unit_by_code("CITY") is orgdata.city
