"""What users read: no curation notes on clause pages or dashboards (the correspondence statistics
are an administrator's page), every delete/remove form asks before it acts, and city-level
procedures and documents read for everyone signed in."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from qms.extensions import db
from qms.models.processes import ProcessLink
from qms.services import documents, processes

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PDF = b"%PDF-1.4\n%test\n%%EOF\n"


# --- access: the city's published procedures and documents ------------------------------------


def city_procedure(orgdata, *, approve: bool = True):
    p = processes.create_process(
        actor=None,
        unit=orgdata.city,
        code="QT-CITY-01",
        title="Quy trình chung của thành phố",
        kind="management",
    )
    processes.add_step(p, actor=None, text="Thực hiện", responsible="Văn phòng", days="1")
    if approve:
        processes.approve(p, actor=None, effective_date=date(2018, 1, 2))
    db.session.commit()
    return p


def unit_procedure_linking_to(orgdata, target):
    own = processes.create_process(
        actor=None, unit=orgdata.unit_a, code="QT-A-09", title="Quy trình của phòng A", kind="management"
    )
    processes.add_link(own, actor=None, target=target, label="Báo cáo")
    db.session.commit()
    return own


@pytest.mark.parametrize("role", ["manager_a", "member_a", "manager_b", "outsider", "leader", "admin"])
def test_approved_city_procedure_reads_for_every_signed_in_user(orgdata, as_user, role):
    p = city_procedure(orgdata)
    response = as_user(role).get(f"/procedures/{p.id}")
    assert response.status_code == 200
    assert "QT-CITY-01" in response.get_data(as_text=True)
    assert "QT-CITY-01" in as_user(role).get("/procedures/").get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [("manager_a", 403), ("member_a", 403), ("leader", 200)])
def test_city_draft_stays_private(orgdata, as_user, role, status):
    p = city_procedure(orgdata, approve=False)
    assert as_user(role).get(f"/procedures/{p.id}").status_code == status


def test_unit_procedures_stay_private_to_their_unit(orgdata, as_user):
    own = unit_procedure_linking_to(orgdata, city_procedure(orgdata))
    processes.add_step(own, actor=None, text="Làm", responsible="Phòng A", days="1")
    processes.approve(own, actor=None)
    db.session.commit()
    assert as_user("manager_b").get(f"/procedures/{own.id}").status_code == 403
    assert as_user("member_a").get(f"/procedures/{own.id}").status_code == 200


def test_links_to_procedures_the_reader_may_not_open_are_plain_text(orgdata, as_user):
    city = city_procedure(orgdata)
    draft_elsewhere = processes.create_process(
        actor=None, unit=orgdata.unit_b, code="QT-B-01", title="Quy trình phòng B", kind="management"
    )
    own = unit_procedure_linking_to(orgdata, city)
    db.session.add(ProcessLink(source_id=own.id, target_id=draft_elsewhere.id, label="Chuyển"))
    db.session.commit()
    page = as_user("member_a").get(f"/procedures/{own.id}").get_data(as_text=True)
    section = page[page.index('id="interactions"') :]
    assert f'href="/procedures/{city.id}"' in section  # readable: linked
    assert f'href="/procedures/{draft_elsewhere.id}"' not in section  # not readable: no link
    assert "QT-B-01 Quy trình phòng B" in section  # but named


def city_document(orgdata, *, issue: bool = True):
    document = documents.create_document(
        orgdata.city,
        actor=None,
        code="ST-CITY",
        title="Sổ tay chất lượng của thành phố",
        kind="manual",
        approver="Chủ tịch",
        issue_date=date(2018, 1, 1),
        upload=("so-tay.pdf", PDF),
    )
    if issue:
        documents.issue(document, actor=None)
    db.session.commit()
    return document


@pytest.mark.parametrize("role", ["manager_a", "member_a", "outsider", "auditor"])
def test_city_document_in_force_reads_for_everyone(orgdata, as_user, role):
    document = city_document(orgdata)
    client = as_user(role)
    assert client.get(f"/documents/{document.id}").status_code == 200
    download = client.get(f"/documents/{document.id}/file")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    assert "ST-CITY" in client.get("/documents/").get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [("manager_a", 403), ("member_a", 403), ("steering", 200)])
def test_city_draft_document_stays_private(orgdata, as_user, role, status):
    document = city_document(orgdata, issue=False)
    client = as_user(role)
    assert client.get(f"/documents/{document.id}").status_code == status
    listed = "ST-CITY" in client.get("/documents/").get_data(as_text=True)
    assert listed == (status == 200)


def test_unit_document_in_force_stays_with_its_unit(orgdata, as_user):
    document = documents.create_document(
        orgdata.unit_a,
        actor=None,
        code="HD-A",
        title="Hướng dẫn phòng A",
        kind="procedure",
        approver="Trưởng phòng",
        upload=("hd.pdf", PDF),
    )
    documents.issue(document, actor=None)
    db.session.commit()
    assert as_user("manager_b").get(f"/documents/{document.id}").status_code == 403


# --- no curation notes for users ----------------------------------------------------------------

# Strings of the shipped data files that record where the reference data was checked.
CURATION_STRINGS = ("N1293", "EN verified", "VI verified", "VERIFIED vs", "both tables", "risk-technologies")


def test_clause_pages_show_notes_in_plain_words_not_curation_sources(orgdata, as_user):
    client = as_user("member_a")
    client.post("/language/en")
    page = client.get("/clauses/2015/4.1").get_data(as_text=True)
    assert "Determining internal and external issues is new in substance" in page  # the note
    assert "/clauses/2008/4" in page  # the counterpart clause
    for text in CURATION_STRINGS:
        if text != "N1293":  # the status legend names the ISO/TC 176 matrix on purpose
            assert text not in page
    listing = client.get("/clauses/?edition=2008").get_data(as_text=True)
    for text in CURATION_STRINGS:
        if text != "N1293":
            assert text not in listing


def test_shipped_correspondence_notes_say_what_changed_not_where_it_was_checked():
    from qms.services import reference

    for row in reference.correspondence_rows():
        for text in (*CURATION_STRINGS, "(judgement)", "third-party", "zilliontrade"):
            assert text not in row.note, (row.clause_2008, row.clause_2015, text)


@pytest.mark.parametrize("role", ["admin", "leader", "member_a"])
def test_dashboards_show_no_correspondence_statistics(orgdata, as_user, role):
    page = as_user(role).get("/").get_data(as_text=True)
    assert "đã kiểm chứng" not in page and "verified" not in page.lower().replace("unverified", "")
    assert "Tương ứng 2008" not in page and "Correspondence 2008" not in page


def test_correspondence_statistics_are_an_administrators_page(orgdata, as_user):
    for role in ("steering", "leader", "manager_a"):
        assert as_user(role).get("/admin/correspondence").status_code == 403
    client = as_user("admin")
    page = client.get("/admin/correspondence").get_data(as_text=True)
    assert 'id="correspondence-stats"' in page and "N1293" in page  # sources kept for the admin
    assert re.search(r"<td class=\"text-end figure\">\d+</td>", page)
    assert "/admin/correspondence" in client.get("/").get_data(as_text=True)  # in the admin menu


# --- every delete/remove form asks first ---------------------------------------------------------

FORM_TAG = re.compile(r"<form\b[^>]*>", re.DOTALL)
URL_FOR = re.compile(r"url_for\(\s*['\"]([\w.]+)['\"]")
# The rule of qms/static/qms.js: an action path ending in /delete or /remove, or containing them.
DESTRUCTIVE_PATH = re.compile(r"/(delete|remove)(/|$)")


def test_every_delete_or_remove_form_is_covered_by_the_confirm_rule(app):
    rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    checked, uncovered = 0, []
    for template in sorted(TEMPLATES.rglob("*.html")):
        for tag in FORM_TAG.findall(template.read_text(encoding="utf-8")):
            found = URL_FOR.search(tag)
            endpoint = found.group(1) if found else ""
            rule = rules.get(endpoint, "")
            if not re.search(r"delete|remove", endpoint + rule):
                continue
            checked += 1
            if "data-confirm=" not in tag and not DESTRUCTIVE_PATH.search(rule):
                uncovered.append(f"{template.relative_to(TEMPLATES)}: {endpoint}")
    assert checked >= 8
    assert uncovered == []


def test_templates_have_no_inline_script_or_handlers():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+\s*=\s*[\"']", text), template
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template


def test_shared_script_is_included_with_its_localized_question(orgdata, as_user):
    page = as_user("member_a").get("/").get_data(as_text=True)
    assert '<script src="/static/qms.js"' in page
    assert re.search(r'<body data-confirm-default="[^"]+"', page)
    script = as_user("member_a").get("/static/qms.js")
    body = script.get_data(as_text=True)
    script.close()
    assert "data-confirm" in body and "beforeunload" in body and "data-warn-unsaved" in body
