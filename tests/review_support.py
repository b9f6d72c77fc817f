"""A known data set for the management review tests: unit A and B's 2018 figures, objectives, an
audit with findings, risks and context issues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from audits.models import Audit, Finding, ManagementReview
from audits.services import findings
from audits.services.review import core
from qms.extensions import db
from qms.models.objectives import Direction, Source
from qms.services import case_stats, risks
from qms.services import objectives as objective_service
from tests.audits_support import answered, nonconformity, planned_audit
from tests.conftest import Org

PERIOD = (date(2018, 1, 1), date(2018, 7, 31))
HELD_ON = date(2018, 8, 20)


@dataclass
class ReviewData:
    audit: Audit
    nc: Finding
    nc_b: Finding
    ofi: Finding


def build_data(org: Org) -> ReviewData:
    a, b = org.unit_a, org.unit_b
    # unit A reports the year; unit B its months (the months win over B's year row)
    case_stats.record_case_statistics(
        a,
        actor=None,
        period="2018",
        received=1000,
        resolved=980,
        on_time=970,
        late=10,
        online_eligible=400,
        online=120,
    )
    case_stats.record_case_statistics(
        b, actor=None, period="2018", received=9999, resolved=9999, on_time=9999, late=0
    )
    case_stats.record_case_statistics(
        b, actor=None, period="2018-01", received=100, resolved=90, on_time=81, late=9
    )
    case_stats.record_case_statistics(
        b, actor=None, period="2018-02", received=100, resolved=110 - 10, on_time=99, late=1
    )
    case_stats.record_case_statistics(
        b, actor=None, period="2018-09", received=50, resolved=50, on_time=50, late=0
    )
    case_stats.record_satisfaction(
        a, actor=None, period="2018", index_percent=Decimal("81.5"), respondents=200
    )
    objective_service.create_objective(
        a,
        objective_service.ObjectiveFields(
            year=2018,
            statement="Giảm trễ hạn",
            indicator="Tỷ lệ trễ hạn",
            direction=Direction.AT_MOST,
            target=Decimal("3"),
            source=Source.LATE_RATE.value,
        ),
        actor=None,
    )
    objective_service.create_objective(
        a,
        objective_service.ObjectiveFields(
            year=2018,
            statement="Trực tuyến",
            indicator="Tỷ lệ trực tuyến",
            direction=Direction.AT_LEAST,
            target=Decimal("50"),
            source=Source.ONLINE_RATE.value,
        ),
        actor=None,
    )
    issue = risks.save_issue(
        a, actor=None, kind="external", description="Nghị định mới", review_date=date(2018, 3, 1)
    )
    assert issue is not None
    risk = risks.save_risk(a, actor=None, kind="risk", title="Trễ hạn", likelihood=3, impact=4)
    risks.save_action(risk, actor=None, what="Nhắc hạn", due=date(2018, 5, 1), done_on=date(2018, 4, 20))
    risks.save_action(risk, actor=None, what="Phần mềm", due=date(2018, 6, 1))
    risks.save_action(risk, actor=None, what="Đào tạo", due=date(2018, 12, 1))
    db.session.commit()

    audit = planned_audit(org)
    nc = nonconformity(org, audit)  # minor, 4.2.3, unit A, 17/07/2018
    answered(org, nc, due=date(2018, 8, 1))  # its action is overdue on 20/08/2018
    nc_b = nonconformity(org, audit, kind="major", clause="8.2.2")
    ofi = findings.create_finding(
        audit,
        actor=org.user("auditor"),
        kind="ofi",
        edition="2008",
        clause="8.2.2",
        unit=org.unit_a,
        statement="Có thể số hoá sổ theo dõi.",
        raised_on=date(2018, 7, 17),
    )
    db.session.commit()
    return ReviewData(audit, nc, nc_b, ofi)


def org_review(org: Org, **extra: object) -> ManagementReview:
    fields = {
        "held_on": HELD_ON, "chair": "Chủ tịch", "attendees": "Ban chỉ đạo ISO",
        "period_start": PERIOD[0], "period_end": PERIOD[1], "unit_id": None,
    }  # fmt: skip
    fields.update(extra)
    review = core.create_review(core.ReviewFields(**fields), actor=org.user("steering"))  # type: ignore[arg-type]
    db.session.commit()
    return review
