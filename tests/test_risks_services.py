"""Context issues, interested parties, risks and opportunities: computed scores, checked input, history."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from qms.extensions import db
from qms.models.history import HistoryLink
from qms.models.risks import Risk, RiskLevel, level_of
from qms.services import risks
from qms.services.errors import DomainError, NotAllowed


def test_score_is_likelihood_times_impact_and_level_follows(app, orgdata):
    manager = orgdata.user("manager_a")
    risk = risks.save_risk(
        orgdata.unit_a,
        actor=manager,
        kind="risk",
        title="Hồ sơ trễ hạn",
        likelihood=4,
        impact=5,
        owner="Trưởng phòng",
    )
    assert risk.score == 20 and risk.level == RiskLevel.VERY_HIGH
    risks.save_risk(
        orgdata.unit_a, actor=manager, kind="risk", title="x", likelihood="2", impact=2, risk=risk
    )
    assert risk.score == 4 and risk.level == RiskLevel.LOW
    # The score is computed in SQL too: the register sorts and filters on it.
    risks.save_risk(
        orgdata.unit_a, actor=manager, kind="risk", title="Mất hồ sơ giấy", likelihood=3, impact=4
    )
    risks.save_risk(
        orgdata.unit_a,
        actor=manager,
        kind="opportunity",
        title="Dịch vụ công trực tuyến",
        likelihood=4,
        impact=4,
    )
    db.session.commit()
    reg = risks.register_of(orgdata.unit_a)
    assert [(r.title, r.score) for r in reg.risks] == [("Mất hồ sơ giấy", 12), ("x", 4)]
    assert [r.score for r in reg.opportunities] == [16]
    assert [r.title for r in risks.high_risks({orgdata.unit_a.id})] == ["Mất hồ sơ giấy"]
    assert db.session.scalar(select(Risk.score).where(Risk.title == "x")) == 4
    assert [level_of(s) for s in (1, 4, 5, 9, 10, 16, 20, 25)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
        "very_high",
        "very_high",
    ]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"likelihood": 6}, "likelihood"),
        ({"likelihood": 0}, "likelihood"),
        ({"impact": "a"}, "impact"),
        ({"title": "  "}, "title"),
        ({"kind": "threat"}, "kind"),
    ],
)
def test_bad_risk_input_is_refused_on_its_field(app, orgdata, values, field):
    data = {"kind": "risk", "title": "Rủi ro", "likelihood": 3, "impact": 3}
    data.update(values)
    with pytest.raises(DomainError) as caught:
        risks.save_risk(orgdata.unit_a, actor=orgdata.user("manager_a"), **data)
    assert caught.value.field == field
    db.session.rollback()
    assert db.session.scalars(select(Risk)).all() == []


def test_issues_parties_and_actions(app, orgdata):
    manager = orgdata.user("manager_a")
    issue = risks.save_issue(
        orgdata.unit_a,
        actor=manager,
        kind="external",
        description="Luật Đất đai 2013 thay đổi",
        review_date=date(2019, 1, 1),
    )
    risks.save_issue(orgdata.unit_a, actor=manager, kind="internal", description="Thiếu công chức địa chính")
    party = risks.save_party(orgdata.unit_a, actor=manager, name="Người dân", needs="Giải quyết đúng hẹn")
    risk = risks.save_risk(
        orgdata.unit_a, actor=manager, kind="risk", title="Trễ hạn", likelihood=3, impact=4
    )
    action = risks.save_action(
        risk, actor=manager, what="Nhắc hạn tự động", owner="Văn thư", due=date(2018, 9, 30)
    )
    db.session.commit()
    reg = risks.register_of(orgdata.unit_a)
    assert [i.description for i in reg.external] == [issue.description]
    assert len(reg.internal) == 1 and reg.parties == [party]
    assert action.overdue(date(2018, 10, 1)) and not action.overdue(date(2018, 9, 1))
    with pytest.raises(DomainError) as caught:
        risks.save_action(risk, actor=manager, what="x", due=None)
    assert caught.value.field == "due"
    with pytest.raises(DomainError) as caught:
        risks.save_party(orgdata.unit_a, actor=manager, name="Doanh nghiệp", needs="")
    assert caught.value.field == "needs"
    db.session.rollback()

    risks.delete(action, actor=manager)
    db.session.commit()
    assert risk.actions == []
    # Every change shows on the unit's context page history.
    anchored = db.session.scalars(
        select(HistoryLink).where(
            HistoryLink.record_type == "unit_context", HistoryLink.record_id == str(orgdata.unit_a.id)
        )
    ).all()
    assert len(anchored) >= 6


def test_only_the_units_manager_edits(app, orgdata):
    for name in ("manager_b", "member_a", "steering", "leader"):
        with pytest.raises(NotAllowed):
            risks.save_issue(orgdata.unit_a, actor=orgdata.user(name), kind="internal", description="x")
