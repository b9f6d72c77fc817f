"""Management review: inputs gathered per 9.3.2 group, frozen when held, reopened by steering, its
decisions on My work, in the digests and in the next review's input (a); access; bad input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from audits.models import ManagementReview
from audits.services.review import core
from qms.extensions import db
from qms.services import case_stats
from qms.services.errors import DomainError, NotAllowed
from tests.conftest import Org
from tests.review_support import HELD_ON, build_data, org_review

TODAY = date(2018, 9, 1)


def test_inputs_of_each_group_from_a_known_data_set(orgdata: Org) -> None:
    build_data(orgdata)
    review = org_review(orgdata)
    inputs = core.inputs_of(review, TODAY)

    context = inputs["context"]
    assert context["by_kind"] == {"external": 1, "internal": 0}
    assert context["items"][0]["description"] == "Nghị định mới"

    perf = inputs["performance"]
    cases = {line["unit"]: line for line in perf["cases"]["by_unit"]}
    assert cases["P-A"]["received"] == 1000 and cases["P-A"]["late_rate"] == "1.02"
    assert cases["P-A"]["online_rate"] == "30.00"
    # unit B: its two months of the period, not its year row nor September
    assert (cases["P-B"]["received"], cases["P-B"]["resolved"], cases["P-B"]["late"]) == (200, 190, 10)
    assert cases["P-B"]["granularity"] == "month" and cases["P-B"]["periods"] == 2
    assert cases["P-B"]["on_time_rate"] == "94.74" and cases["P-B"]["late_rate"] == "5.26"
    assert perf["cases"]["total"]["received"] == 1200

    assert perf["satisfaction"] == [
        {"unit": "P-A", "unit_name": "Phòng A", "granularity": "year", "index": "81.50", "respondents": 200}
    ]
    objectives = {o["indicator"]: o for o in perf["objectives"]["items"]}
    assert objectives["Tỷ lệ trễ hạn"]["attainment"] == "met"
    assert objectives["Tỷ lệ trễ hạn"]["value"] == "1.02"
    assert objectives["Tỷ lệ trực tuyến"]["attainment"] == "not_met"
    assert perf["objectives"]["by_unit"][0] | {} == {
        "unit": "P-A", "unit_name": "Phòng A", "met": 1, "not_met": 1, "no_data": 0
    }  # fmt: skip

    ncs = perf["nonconformities"]
    by_unit = {line["unit"]: line for line in ncs["by_unit"]}
    # the minor NC's action was due 01/08; the major one waits for its plan (due 15 days after 17/07)
    assert (by_unit["P-A"]["open"], by_unit["P-A"]["raised"], by_unit["P-A"]["overdue"]) == (2, 2, 2)
    assert ncs["total"]["open"] == 2
    assert {(c["clause"], c["count"]) for c in ncs["by_clause"]} == {("4.2.3", 1), ("8.2.2", 1)}
    assert ncs["actions"] == {"open": 0, "overdue": 1, "done": 0}

    audits = perf["audits"]
    assert audits["held"] == 1 and audits["items"][0]["units"] == "P-A"
    assert audits["programme"] == [
        {"year": 2018, "planned": 1, "done": 0, "cancelled": 0, "completion": "0.00"}
    ]
    found = {line["unit"]: line for line in audits["findings_by_unit"]}
    assert (found["P-A"]["minor"], found["P-A"]["ofi"], found["P-A"]["major"]) == (1, 1, 1)
    assert audits["findings_total"]["total"] == 3

    risk = inputs["risks"]["by_unit"][0]
    assert (risk["actions"], risk["done"], risk["open"], risk["overdue"]) == (3, 1, 2, 1)
    assert inputs["improvement"]["count"] == 1
    assert inputs["improvement"]["items"][0]["statement"] == "Có thể số hoá sổ theo dõi."


def test_unit_review_gathers_only_its_unit(orgdata: Org) -> None:
    build_data(orgdata)
    review = core.create_review(
        core.ReviewFields(
            HELD_ON, "Trưởng phòng B", "", date(2018, 1, 1), date(2018, 7, 31), orgdata.unit_b.id
        ),
        actor=orgdata.user("manager_b"),
    )
    inputs = core.inputs_of(review, TODAY)
    assert [line["unit"] for line in inputs["performance"]["cases"]["by_unit"]] == ["P-B"]
    assert inputs["performance"]["satisfaction"] == []
    assert inputs["risks"]["by_unit"] == []
    assert inputs["performance"]["audits"]["held"] == 0
    assert inputs["performance"]["audits"]["findings_by_unit"] == []
    assert inputs["performance"]["nonconformities"]["by_unit"] == []


def test_held_review_keeps_its_figures_and_only_steering_reopens_it(orgdata: Org) -> None:
    build_data(orgdata)
    review = org_review(orgdata)
    core.hold_review(review, actor=orgdata.user("steering"), today=TODAY)
    db.session.commit()
    case_stats.record_case_statistics(
        orgdata.unit_a, actor=None, period="2018", received=5, resolved=5, on_time=5, late=0
    )
    db.session.commit()
    review = db.session.get(ManagementReview, review.id)
    line = next(x for x in core.inputs_of(review)["performance"]["cases"]["by_unit"] if x["unit"] == "P-A")
    assert line["received"] == 1000  # frozen
    with pytest.raises(DomainError) as refused:
        core.save_notes(review, actor=orgdata.user("steering"), notes={"context": "x"}, conclusions="y")
    assert refused.value.field == "conclusions"
    with pytest.raises(NotAllowed):
        core.reopen_review(review, actor=orgdata.user("leader"), reason="Sai số liệu")
    with pytest.raises(DomainError) as no_reason:
        core.reopen_review(review, actor=orgdata.user("steering"), reason=" ")
    assert no_reason.value.field == "reason"
    core.reopen_review(review, actor=orgdata.user("steering"), reason="Sai số liệu")
    db.session.commit()
    line = next(
        x for x in core.inputs_of(review, TODAY)["performance"]["cases"]["by_unit"] if x["unit"] == "P-A"
    )
    assert line["received"] == 5  # live again
    from qms.services.history import history_of

    entries = history_of("management_review", review.id)
    assert "Sai số liệu" in str([e.__dict__ for e in entries])


# --- pages -------------------------------------------------------------------------------------


def test_review_page_shows_inputs_saves_notes_and_holds(orgdata: Org, as_user) -> None:  # type: ignore[no-untyped-def]
    build_data(orgdata)
    review = org_review(orgdata, held_on=date(2018, 8, 20))
    client = as_user("steering")
    page = client.get(f"/audits/reviews/{review.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="group-performance"' in html and "1.000" in html  # unit A's received, in Vietnamese
    assert "1,02%" in html  # its late rate with a decimal comma
    response = client.post(
        f"/audits/reviews/{review.id}/notes",
        data={"notes_resources": "Thiếu 2 công chức một cửa", "conclusions": "Hệ thống phù hợp"},
    )
    assert response.status_code == 302
    assert db.session.get(ManagementReview, review.id).notes_resources == "Thiếu 2 công chức một cửa"
    assert client.post(f"/audits/reviews/{review.id}/hold").status_code == 302
    held = db.session.get(ManagementReview, review.id)
    assert held.is_held and held.snapshot is not None
    # editing a held review is refused next to the field, nothing written
    refused = client.post(f"/audits/reviews/{review.id}/notes", data={"conclusions": "Khác"})
    assert refused.status_code == 400
    assert 'id="conclusions-error"' in refused.get_data(as_text=True)
    assert db.session.get(ManagementReview, review.id).conclusions == "Hệ thống phù hợp"


def test_review_form_refuses_a_period_ending_before_it_starts(orgdata: Org, as_user) -> None:  # type: ignore[no-untyped-def]
    client = as_user("steering")
    response = client.post(
        "/audits/reviews/new",
        data={
            "held_on": "2018-08-20",
            "chair": "Chủ tịch",
            "period_start": "2018-07-31",
            "period_end": "2018-01-01",
            "unit_id": "0",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="period_end"' in html and "is-invalid" in html
    assert 'value="Chủ tịch"' in html  # input kept
    assert db.session.scalar(db.select(db.func.count(ManagementReview.id))) == 0
    no_period = client.post(
        "/audits/reviews/new", data={"held_on": "2018-08-20", "chair": "Chủ tịch", "unit_id": "0"}
    )
    assert "is-invalid" in no_period.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ManagementReview.id))) == 0


def test_access_per_role(orgdata: Org, as_user) -> None:  # type: ignore[no-untyped-def]
    org_wide = org_review(orgdata)
    unit_a = core.create_review(
        core.ReviewFields(
            HELD_ON, "Trưởng phòng A", "", date(2018, 1, 1), date(2018, 7, 31), orgdata.unit_a.id
        ),
        actor=orgdata.user("manager_a"),
    )
    db.session.commit()
    with pytest.raises(NotAllowed):
        core.create_review(
            core.ReviewFields(HELD_ON, "X", "", date(2018, 1, 1), date(2018, 7, 31), None),
            actor=orgdata.user("manager_a"),
        )
    with pytest.raises(NotAllowed):
        core.create_review(
            core.ReviewFields(HELD_ON, "X", "", date(2018, 1, 1), date(2018, 7, 31), orgdata.unit_a.id),
            actor=orgdata.user("manager_b"),
        )
    expectations = {
        "leader": (200, 200),
        "auditor": (200, 200),
        "manager_a": (403, 200),
        "member_a": (403, 200),
        "manager_b": (403, 403),
        "outsider": (403, 403),
    }
    for who, (org_status, unit_status) in expectations.items():
        client = as_user(who)
        assert client.get(f"/audits/reviews/{org_wide.id}").status_code == org_status, who
        assert client.get(f"/audits/reviews/{unit_a.id}").status_code == unit_status, who
    assert as_user("outsider").get("/audits/reviews").status_code == 403
    member = as_user("member_a")
    assert member.get("/audits/reviews/new").status_code == 403
    assert member.post(f"/audits/reviews/{unit_a.id}/hold").status_code == 403
    listing = as_user("manager_a").get("/audits/reviews").get_data(as_text=True)
    assert "Trưởng phòng A" in listing and "<td>Chủ tịch</td>" not in listing


# --- decisions -----------------------------------------------------------------------------------


def _decision(orgdata: Org, review: ManagementReview, **extra: object) -> object:
    fields = {"kind": "improvement", "what": "Số hoá sổ theo dõi", "owner_unit_id": orgdata.unit_a.id,
              "owner_id": None, "due_on": date(2018, 10, 31)}  # fmt: skip
    fields.update(extra)
    return core.add_decision(review, core.DecisionFields(**fields), actor=orgdata.user("steering"))  # type: ignore[arg-type]


def test_bad_decisions_are_refused_at_their_field(orgdata: Org, as_user) -> None:  # type: ignore[no-untyped-def]
    review = org_review(orgdata)
    for extra, field in (
        ({"owner_unit_id": None}, "owner_unit_id"),
        ({"due_on": None}, "due_on"),
        ({"due_on": date(2018, 8, 19)}, "due_on"),
        ({"what": " "}, "what"),
        ({"owner_id": orgdata.manager_b.id}, "owner_id"),  # not a person of unit A
    ):
        with pytest.raises(DomainError) as refused:
            _decision(orgdata, review, **extra)
        assert refused.value.field == field
    client = as_user("steering")
    response = client.post(
        f"/audits/reviews/{review.id}/decisions",
        data={
            "decision-kind": "resources",
            "decision-what": "Bổ sung 2 công chức",
            "decision-owner_unit_id": str(orgdata.unit_a.id),
            "decision-owner_id": "0",
            "decision-due_on": "2018-08-01",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="decision-due_on"' in html and "is-invalid" in html and "Bổ sung 2 công chức" in html
    assert db.session.get(ManagementReview, review.id).decisions == []


def test_decisions_flow_to_my_work_the_digest_and_the_next_review(orgdata: Org, as_user) -> None:  # type: ignore[no-untyped-def]
    from audits.services import queries, reminders

    review = org_review(orgdata)
    unit_level = _decision(orgdata, review)  # no person: the managers of unit A
    personal = _decision(orgdata, review, what="Đào tạo ISO 2015", owner_id=orgdata.member_a.id,
                         due_on=date(2018, 9, 15), kind="system_change")  # fmt: skip
    db.session.commit()
    assert queries.my_work(orgdata.user("manager_a"), TODAY).decisions == []  # not before it is held
    core.hold_review(review, actor=orgdata.user("steering"), today=TODAY)
    db.session.commit()

    assert [d.id for d in queries.my_work(orgdata.user("manager_a"), TODAY).decisions] == [unit_level.id]
    assert [d.id for d in queries.my_work(orgdata.user("member_a"), TODAY).decisions] == [personal.id]
    page = as_user("member_a").get("/audits/my-work").get_data(as_text=True)
    assert 'id="review-decisions"' in page and "Đào tạo ISO 2015" in page

    digests = {d.user.email: d for d in reminders.digests(date(2018, 9, 20), days=7)}
    assert [d.id for d in digests["member.a@example.vn"].decisions_overdue] == [personal.id]
    assert "manager.a@example.vn" not in digests  # its decision is due 31/10, beyond the horizon
    body = reminders.body(digests["member.a@example.vn"], date(2018, 9, 20), escalate_after=7)
    assert "Đào tạo ISO 2015" in body

    # the owner marks it done; the next review's input (a) counts done / open / overdue
    with pytest.raises(NotAllowed):
        core.complete_decision(personal, actor=orgdata.user("manager_b"), done_on=date(2018, 9, 10), note="x")
    with pytest.raises(DomainError) as no_note:
        core.complete_decision(personal, actor=orgdata.user("member_a"), done_on=date(2018, 9, 10), note="")
    assert no_note.value.field == "done_note"
    response = as_user("member_a").post(
        f"/audits/reviews/{review.id}/decisions/{personal.id}/done",
        data={"done_on": "2018-09-10", "done_note": "Đã tổ chức lớp đào tạo"},
    )
    assert response.status_code == 302
    next_review = org_review(orgdata, held_on=date(2019, 1, 15), period_start=date(2018, 8, 1),
                             period_end=date(2018, 12, 31))  # fmt: skip
    previous = core.inputs_of(next_review, date(2019, 1, 15))["actions"]
    assert previous["counts"] == {"done": 1, "open": 0, "overdue": 1}
    assert {i["what"]: i["state"] for i in previous["items"]} == {
        "Số hoá sổ theo dõi": "overdue", "Đào tạo ISO 2015": "done"
    }  # fmt: skip
    # a unit's review does not count the organisation's decisions
    unit_review = core.create_review(
        core.ReviewFields(
            date(2019, 1, 15), "TP A", "", date(2018, 8, 1), date(2018, 12, 31), orgdata.unit_a.id
        ),
        actor=orgdata.user("manager_a"),
    )
    assert core.inputs_of(unit_review, date(2019, 1, 15))["actions"]["total"] == 0


def test_summary_for_the_yearly_report_and_the_transition_evidence(orgdata: Org, as_user) -> None:  # type: ignore[no-untyped-def]
    from audits.services import review_summary
    from audits.services.review.notice import issue_notice
    from qms.services.transition import evidence_kind

    review = org_review(orgdata)
    _decision(orgdata, review)
    _decision(orgdata, review, what="Máy quét", owner_unit_id=orgdata.unit_b.id, due_on=date(2018, 8, 25))
    core.hold_review(review, actor=orgdata.user("steering"), today=TODAY)
    issue_notice(review, actor=orgdata.user("steering"), issued_on=date(2018, 8, 22))
    db.session.commit()
    [held] = review_summary.held_reviews(2018)
    assert (held.review_id, held.decisions, held.notice_number) == (review.id, 2, "01/TB-BCĐ")
    assert held.notice_date == date(2018, 8, 22) and held.unit_id is None
    assert review_summary.held_reviews(2018, orgdata.unit_a.id) == []
    counts = review_summary.open_decisions()
    assert counts[orgdata.unit_a.id][0] == 1 and counts[orgdata.unit_b.id] == (1, 1)
    assert review_summary.open_decisions({orgdata.unit_a.id}).keys() == {orgdata.unit_a.id}
    kind = evidence_kind("management_review")
    assert kind is not None and kind.choices is not None
    assert [rid for rid, _label in kind.choices(orgdata.unit_a)] == [review.id]
    page = as_user("manager_b").get("/").get_data(as_text=True)
    assert 'id="dashboard-decisions"' in page


def test_reopen_on_the_page_by_steering_only_with_a_reason(orgdata: Org, as_user) -> None:  # type: ignore[no-untyped-def]
    review = org_review(orgdata)
    decision = _decision(orgdata, review)
    steering = as_user("steering")
    edit = steering.post(
        f"/audits/reviews/{review.id}/decisions/{decision.id}/edit",  # type: ignore[attr-defined]
        data={"decision-kind": "resources", "decision-what": "Bổ sung máy quét",
              "decision-owner_unit_id": str(orgdata.unit_b.id), "decision-owner_id": "0",
              "decision-due_on": "2018-09-30"},
    )  # fmt: skip
    assert edit.status_code == 302
    assert db.session.get(ManagementReview, review.id).decisions[0].owner_unit_id == orgdata.unit_b.id
    assert steering.post(f"/audits/reviews/{review.id}/hold").status_code == 302
    assert (
        as_user("leader").post(f"/audits/reviews/{review.id}/reopen", data={"reason": "x"}).status_code == 403
    )
    steering = as_user("steering")
    no_reason = steering.post(f"/audits/reviews/{review.id}/reopen", data={"reason": ""})
    assert no_reason.status_code == 400 and "is-invalid" in no_reason.get_data(as_text=True)
    assert db.session.get(ManagementReview, review.id).is_held
    assert (
        steering.post(f"/audits/reviews/{review.id}/reopen", data={"reason": "Bổ sung số liệu"}).status_code
        == 302
    )
    reopened = db.session.get(ManagementReview, review.id)
    assert not reopened.is_held and reopened.snapshot is None and reopened.reopen_reason == "Bổ sung số liệu"
    page = steering.get(f"/audits/reviews/{review.id}").get_data(as_text=True)
    assert "Bổ sung số liệu" in page  # the reason in the history
    delete = steering.post(f"/audits/reviews/{review.id}/decisions/{decision.id}/delete")  # type: ignore[attr-defined]
    assert delete.status_code == 302
    assert db.session.get(ManagementReview, review.id).decisions == []


def test_the_open_decisions_list_behind_the_leaders_figures(orgdata: Org, as_user) -> None:  # type: ignore[no-untyped-def]
    review = org_review(orgdata)
    _decision(orgdata, review)  # unit A, due 31/10/2018: overdue today
    _decision(
        orgdata,
        review,
        what="Bổ sung máy quét",
        owner_unit_id=orgdata.unit_b.id,
        due_on=date.today() + timedelta(days=30),
    )
    core.hold_review(review, actor=orgdata.user("steering"), today=TODAY)
    db.session.commit()

    leader = as_user("leader").get("/audits/reviews/decisions").get_data(as_text=True)
    assert "Số hoá sổ theo dõi" in leader and "Bổ sung máy quét" in leader
    only_b = as_user("leader").get("/audits/reviews/decisions?unit=P-B").get_data(as_text=True)
    assert "Bổ sung máy quét" in only_b and "Số hoá sổ theo dõi" not in only_b
    late = as_user("leader").get("/audits/reviews/decisions?overdue=1").get_data(as_text=True)
    assert "Số hoá sổ theo dõi" in late and "Bổ sung máy quét" not in late
    # a unit's people see their own unit's decisions; another unit's page is refused
    own = as_user("manager_a").get("/audits/reviews/decisions").get_data(as_text=True)
    assert "Số hoá sổ theo dõi" in own and "Bổ sung máy quét" not in own
    assert as_user("manager_a").get("/audits/reviews/decisions?unit=P-B").status_code == 403
    assert as_user("outsider").get("/audits/reviews/decisions").status_code == 403
