"""The ISO 9001 clause catalogues, their correspondence and the clause browser."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from qms.extensions import db
from qms.models.clauses import Clause, ClauseMapping
from qms.services import reference
from qms.services.errors import NotAllowed, NotFound
from qms.services.history import history_of
from tests.conftest import login


def data_rows(name: str) -> list[dict[str, str]]:
    return list(reference.read_data_csv(name))


def clause_count(edition: str) -> int:
    return db.session.scalar(select(func.count(Clause.id)).where(Clause.edition == edition)) or 0


def mapping_between(n2008: str | None, n2015: str | None) -> ClauseMapping:
    mappings = reference.counterparts(reference.get_clause("2015", n2015))
    return next(m for m in mappings if (m.clause_2008.number if m.clause_2008 else None) == n2008)


# --- loading ---------------------------------------------------------------------------------


def test_catalogues_and_correspondence_are_loaded(app):
    assert clause_count("2008") == len(data_rows("clauses_2008.csv"))
    assert clause_count("2015") == len(data_rows("clauses_2015.csv"))
    mappings = db.session.scalar(select(func.count(ClauseMapping.id)))
    assert mappings == len(data_rows("correspondence_2008_2015.csv"))
    audit = reference.get_clause("2015", "9.2")
    assert (audit.title_en, audit.title_vi, audit.parent.number, audit.level) == (
        "Internal audit",
        "Đánh giá nội bộ",
        "9",
        2,
    )
    assert [c.number for c in audit.children] == ["9.2.1", "9.2.2"]
    assert reference.get_clause("2008", "8.2.2").title_en == "Internal audit"


def test_loading_twice_changes_nothing(app):
    before = db.session.scalar(select(func.count(ClauseMapping.id)))
    result = reference.load_reference_data()
    db.session.commit()
    assert (result.clauses_added, result.clauses_updated, result.mappings_added) == (0, 0, 0)
    assert db.session.scalar(select(func.count(ClauseMapping.id))) == before


def test_reloading_keeps_an_administrators_correction(orgdata):
    mapping = mapping_between("8.2.2", "9.2")
    reference.correct_mapping(mapping, actor=orgdata.admin, status="verified", note="checked")
    db.session.commit()
    reference.load_reference_data()
    db.session.commit()
    mapping = mapping_between("8.2.2", "9.2")
    assert (mapping.status, mapping.note) == ("verified", "checked")


def test_clauses_sort_in_numeric_order(app):
    numbers = [c.number for c in reference.search_clauses("2015") if c.number.startswith("8.5.")]
    assert numbers == sorted(numbers, key=lambda n: [int(p) for p in n.split(".")])
    assert numbers[:2] == ["8.5.1", "8.5.2"]


# --- search ----------------------------------------------------------------------------------


def test_search_by_number(app):
    found = [c.number for c in reference.search_clauses("2015", "9.2")]
    assert found == ["9.2", "9.2.1", "9.2.2"]
    assert [c.number for c in reference.search_clauses("2008", "8.2.2")] == ["8.2.2"]
    assert [c.number for c in reference.search_clauses("2015", "9.2.")] == ["9.2", "9.2.1", "9.2.2"]


@pytest.mark.parametrize(
    "query", ["đánh giá nội bộ", "danh gia noi bo", "DANH GIA", "internal audit", "Audit"]
)
def test_search_by_words_with_and_without_diacritics(app, query):
    found = {c.number for c in reference.search_clauses("2015", query)}
    assert "9.2" in found
    assert "8.2.2" not in found  # "determining the requirements" has none of these words


def test_search_requires_every_word(app):
    assert {c.number for c in reference.search_clauses("2015", "audit knowledge")} == set()


def test_fold_removes_vietnamese_diacritics():
    assert reference.fold("Đánh giá nội bộ") == "danh gia noi bo"
    assert reference.fold("Tri thức của tổ chức") == "tri thuc cua to chuc"


def test_unknown_edition_or_clause(app):
    with pytest.raises(NotFound):
        reference.search_clauses("1994", "")
    with pytest.raises(NotFound):
        reference.get_clause("2015", "99.9")


def test_counterparts_in_both_directions(app):
    clause_2015 = reference.get_clause("2015", "9.2")
    assert "8.2.2" in {m.clause_2008.number for m in reference.counterparts(clause_2015) if m.clause_2008}
    clause_2008 = reference.get_clause("2008", "8.2.2")
    assert "9.2" in {m.clause_2015.number for m in reference.counterparts(clause_2008)}
    # a 2015 clause new in substance has a row with no 2008 side
    (knowledge,) = reference.counterparts(reference.get_clause("2015", "7.1.6"))
    assert knowledge.clause_2008 is None


def test_only_an_admin_corrects_a_correspondence(orgdata):
    mapping = mapping_between("8.2.2", "9.2")
    for role in ("steering", "auditor", "leader", "manager_a"):
        with pytest.raises(NotAllowed):
            reference.correct_mapping(mapping, actor=orgdata.user(role), status="verified", note="")


# --- the clause browser ----------------------------------------------------------------------


def test_browser_lists_an_edition_and_searches(client, orgdata):
    login(client, orgdata.member_a)
    page = client.get("/clauses/").get_data(as_text=True)
    assert 'href="/clauses/2015/9.2"' in page and "Đánh giá nội bộ" in page
    page = client.get("/clauses/?edition=2008").get_data(as_text=True)
    assert 'href="/clauses/2008/8.2.2"' in page and 'href="/clauses/2015/9.2"' not in page.split("<tbody>")[0]
    for query in ("danh gia noi bo", "Đánh giá nội bộ", "internal audit", "9.2"):
        page = client.get("/clauses/", query_string={"q": query}).get_data(as_text=True)
        rows = page.split('id="clauses"')[1]
        assert 'href="/clauses/2015/9.2"' in rows, query
        assert 'href="/clauses/2015/8.2.2"' not in rows, query
    page = client.get("/clauses/", query_string={"q": "xyzzy"}).get_data(as_text=True)
    assert 'id="clauses"' not in page and "xyzzy" in page


def test_browser_in_english(client, orgdata):
    login(client, orgdata.member_a)
    client.post("/language/en")
    page = client.get("/clauses/", query_string={"q": "danh gia"}).get_data(as_text=True)
    assert "Internal audit" in page


def test_clause_page_shows_counterparts_with_their_status(client, orgdata):
    login(client, orgdata.member_a)
    client.post("/language/en")
    response = client.get("/clauses/2015/9.2")
    assert response.status_code == 200
    table = response.get_data(as_text=True).split('id="counterparts"')[1].split("</table>")[0]
    assert 'href="/clauses/2008/8.2.2"' in table
    status = mapping_between("8.2.2", "9.2").status.capitalize()
    assert status in table  # how a pair was checked is shown beside it
    assert "/admin/mappings/" not in table  # only an administrator sees the correction link
    table_2008 = client.get("/clauses/2008/8.2.2").get_data(as_text=True).split('id="counterparts"')[1]
    assert 'href="/clauses/2015/9.2"' in table_2008
    page = client.get("/clauses/2015/7.1.6").get_data(as_text=True)
    assert "New in ISO 9001:2015" in page
    assert client.get("/clauses/2015/99.9").status_code == 404
    assert client.get("/clauses/1994/1").status_code == 404


def test_admin_corrects_a_correspondence(client, orgdata):
    mapping = mapping_between("8.2.2", "9.2")
    login(client, orgdata.admin)
    page = client.get("/clauses/2015/9.2").get_data(as_text=True)
    assert f'href="/admin/mappings/{mapping.id}"' in page
    old_status = mapping.status
    new_status = "verified" if old_status != "verified" else "corroborated"
    response = client.post(
        f"/admin/mappings/{mapping.id}",
        data={"status": new_status, "relation": mapping.relation, "note": "Checked against N1293 table 1"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/clauses/2015/9.2"
    db.session.expire_all()
    mapping = db.session.get(ClauseMapping, mapping.id)
    assert (mapping.status, mapping.note) == (new_status, "Checked against N1293 table 1")
    entry = history_of("clause_mapping", mapping.id)[0]  # newest first
    assert entry.actor_id == orgdata.admin.id
    assert entry.changes["status"] == [old_status, new_status]
    page = client.get(f"/admin/mappings/{mapping.id}").get_data(as_text=True)
    history = page[page.index('id="history"') :]
    assert "Checked against N1293 table 1" in history and orgdata.admin.full_name in history


def test_a_bad_correction_is_refused(client, orgdata):
    mapping = mapping_between("8.2.2", "9.2")
    login(client, orgdata.admin)
    response = client.post(f"/admin/mappings/{mapping.id}", data={"status": "certain", "note": "x"})
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ClauseMapping, mapping.id).status == mapping.status
