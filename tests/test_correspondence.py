"""The 2008 ↔ 2015 correspondence as data people can trust: status and relation, the lookups other
parts use, the migration that brings existing databases to the shipped data, the clause pages and
browser filters, the administrator's correction and the exported table."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, inspect, make_url, select, text

from qms.config import normalise_database_url
from qms.extensions import db
from qms.models.clauses import ClauseMapping
from qms.paths import DATA_DIR, MIGRATIONS_DIR
from qms.services import reference
from tests.conftest import POSTGRES_SKIP, POSTGRES_URL, build_app

BEFORE = Path(__file__).parent / "data" / "correspondence_2008_2015_before_q7corresp01.csv"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


# --- the migration on an existing database ---------------------------------------------------


def _fill_as_before(connection: Any) -> dict[tuple[str, str], int]:
    """Clauses and the 108 pairs as `qms init` left them before the correspondence had a status."""
    ids: dict[tuple[str, str], int] = {}
    for edition in ("2008", "2015"):
        catalogue = rows(DATA_DIR / f"clauses_{edition}.csv")
        for row in catalogue:
            number = row["number"]
            ids[(edition, number)] = connection.execute(
                text(
                    "INSERT INTO clause (edition, number, title_en, title_vi, title_vi_verified, level,"
                    " sort_key, source) VALUES (:e, :n, :en, :vi, :ok, :lvl, :key, '') RETURNING id"
                ),
                {
                    "e": edition,
                    "n": number,
                    "en": row["title_en"],
                    "vi": row["title_vi"],
                    "ok": row["title_vi_verified"] == "yes",
                    "lvl": number.count(".") + 1,
                    "key": ".".join(p.zfill(3) for p in number.split(".")),
                },
            ).scalar_one()
    pairs: dict[tuple[str, str], int] = {}
    for row in rows(BEFORE):
        pairs[(row["clause_2008"], row["clause_2015"])] = connection.execute(
            text(
                "INSERT INTO clause_mapping (clause_2008_id, clause_2015_id, note, confidence, source)"
                " VALUES (:old, :new, :note, :confidence, :source) RETURNING id"
            ),
            {
                "old": ids.get(("2008", row["clause_2008"])),
                "new": ids[("2015", row["clause_2015"])],
                "note": row["note"],
                "confidence": row["confidence"],
                "source": row["source"],
            },
        ).scalar_one()
    return pairs


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (on PostgreSQL: a database beside the test database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    url = make_url(normalise_database_url(POSTGRES_URL))
    name = f"{url.database}_q7corresp"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def test_the_migration_brings_an_existing_database_to_the_shipped_data(empty_database, tmp_path):
    app = build_app(empty_database, tmp_path / "instance")
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="q10issuing01")
        with db.engine.begin() as connection:
            pairs = _fill_as_before(connection)
            corrected = pairs[("8.2.2", "9.2")]
            # an administrator corrected 8.2.2 -> 9.2 (its history holds the update)
            connection.execute(
                text("UPDATE clause_mapping SET confidence = 'verified', note = 'Checked' WHERE id = :id"),
                {"id": corrected},
            )
            connection.execute(
                text(
                    "INSERT INTO history_entry (at, record_type, record_id, action, record_label, changes)"
                    " VALUES (CURRENT_TIMESTAMP, 'clause_mapping', :id, 'update', '', :changes)"
                ),
                {"id": str(corrected), "changes": json.dumps({"confidence": ["corroborated", "verified"]})},
            )
        assert len(pairs) == 108

        upgrade(directory=str(MIGRATIONS_DIR), revision="heads")
        shipped = {
            (r["clause_2008"], r["clause_2015"]): r for r in rows(DATA_DIR / "correspondence_2008_2015.csv")
        }
        assert len(shipped) == 123
        found = db.session.execute(
            text(
                "SELECT o.number, n.number, m.status, m.relation, m.note, m.alternatives, m.source, m.id,"
                " m.note_vi, m.alternatives_vi"
                " FROM clause_mapping m LEFT JOIN clause o ON o.id = m.clause_2008_id"
                " JOIN clause n ON n.id = m.clause_2015_id"
            )
        ).all()
        assert len(found) == 123
        by_pair = {(old or "", new): rest for old, new, *rest in found}
        assert set(by_pair) == set(shipped)
        for pair, (
            status,
            relation,
            note,
            alternatives,
            source,
            mapping_id,
            note_vi,
            alternatives_vi,
        ) in by_pair.items():
            row = shipped[pair]
            assert relation == row["relation"], pair
            assert (alternatives, alternatives_vi) == (row["alternatives"], row["alternatives_vi"]), pair
            assert source == row["source"], pair
            if mapping_id == corrected:
                # the administrator's correction stays; its Vietnamese note stays empty (the
                # corrected English note is shown) rather than a translation of the shipped one
                assert (status, note, note_vi) == ("verified", "Checked", "")
            else:
                assert (status, note, note_vi) == (row["status"], row["note"], row["note_vi"]), pair
                assert note_vi, pair
        assert tuple(by_pair[("6.2", "7.1.2")][:2]) == ("disputed", "intersect")
        assert "6.1 → 7.1.2" in by_pair[("6.2", "7.1.2")][3]
        assert "Các bản sao ma trận N1293" in by_pair[("6.2", "7.1.2")][7]
        assert by_pair[("", "7.1.6")][1] == "new"
        assert ("4.1", "8.4.1") in by_pair  # one of the 15 pairs the first data lacked
        dropped = dict(
            db.session.execute(text("SELECT number, dropped_en FROM clause WHERE edition = '2008'")).all()
        )
        assert "risks and opportunities (6.1)" in dropped["8.5.3"]
        assert dropped["4.2.2"] and dropped["5.5.2"]
        assert dropped["8.2.2"] == "" and dropped["4.2.3"] == ""  # the requirement stays
        db.session.remove()

        downgrade(directory=str(MIGRATIONS_DIR), revision="q10issuing01")
        columns = {c["name"] for c in inspect(db.engine).get_columns("clause_mapping")}
        assert "confidence" in columns
        assert not {"status", "relation", "alternatives", "note_vi", "alternatives_vi"} & columns
        assert "dropped_en" not in {c["name"] for c in inspect(db.engine).get_columns("clause")}
        statuses = {s for (s,) in db.session.execute(text("SELECT DISTINCT confidence FROM clause_mapping"))}
        assert statuses <= {"verified", "corroborated", "unverified"}  # disputed became unverified
        db.session.remove()
        db.engine.dispose()


# --- loading ---------------------------------------------------------------------------------


def test_init_twice_changes_nothing(app):
    before = db.session.execute(
        select(ClauseMapping.id, ClauseMapping.status, ClauseMapping.relation, ClauseMapping.note)
    ).all()
    assert len(before) == 123
    result = reference.load_reference_data()
    db.session.commit()
    assert (result.clauses_added, result.clauses_updated, result.mappings_added, result.mappings_updated) == (
        0,
        0,
        0,
        0,
    )
    after = db.session.execute(
        select(ClauseMapping.id, ClauseMapping.status, ClauseMapping.relation, ClauseMapping.note)
    ).all()
    assert sorted(after) == sorted(before)
    assert db.session.scalar(select(func.count(ClauseMapping.id))) == 123


# --- lookups ---------------------------------------------------------------------------------


def pair(n2008: str | None, n2015: str) -> ClauseMapping:
    for mapping in reference.counterparts(reference.get_clause("2015", n2015)):
        if (mapping.clause_2008.number if mapping.clause_2008 else None) == n2008:
            return mapping
    raise AssertionError(f"no pair {n2008} -> {n2015}")


def test_one_2008_clause_to_many_2015_clauses(app):
    clause = reference.get_clause("2008", "4.2.3")
    proposals = reference.proposals_for_2008(clause.id)
    assert [m.clause_2015.number for m in proposals] == ["7.5", "7.5.1", "7.5.2", "7.5.3"]
    assert all(m.relation == "intersect" for m in proposals)
    assert {m.clause_2015.number: m.status for m in proposals}["7.5.2"] == "verified"
    assert {m.clause_2015.number: m.status for m in proposals}["7.5"] == "corroborated"  # third-party only
    assert not reference.is_one_to_one(proposals)
    # the same rows seen from 2015 7.5.2
    from_2015 = reference.counterparts(reference.get_clause("2015", "7.5.2"))
    assert [m.clause_2008.number for m in from_2015] == ["4.2.3", "4.2.4"]


def test_one_to_one_and_disputed(app):
    audit = reference.proposals_for_2008(reference.get_clause("2008", "8.2.2").id)
    assert [(m.clause_2015.number, m.relation) for m in audit] == [("9.2", "intersect")]
    assert reference.is_one_to_one(audit)
    people = pair("6.2", "7.1.2")
    assert (people.status, people.relation) == ("disputed", "intersect")
    assert "6.1 → 7.1.2" in people.alternatives and "6.2 → 7.2" in people.alternatives
    assert not reference.is_one_to_one([people])  # a disputed pair needs a person's choice
    assert reference.is_one_to_one([pair("7.5.3", "8.5.2")])  # equal
    assert not reference.is_one_to_one([])


def test_new_and_dropped_clauses(app):
    (knowledge,) = reference.counterparts(reference.get_clause("2015", "7.1.6"))
    assert (knowledge.clause_2008, knowledge.relation, knowledge.status) == (None, "new", "verified")
    changes = reference.counterparts(reference.get_clause("2015", "8.5.6"))
    assert [(m.clause_2008.number if m.clause_2008 else None, m.relation) for m in changes] == [
        (None, "new"),
        ("7.3.7", "intersect"),
    ]
    assert (
        reference.proposals_for_2008(reference.get_clause("2008", "8.5.3").id)[0].clause_2015.number == "6.1"
    )
    manual = reference.get_clause("2008", "4.2.2")
    assert "quality manual" in manual.dropped("en") and "sổ tay chất lượng" in manual.dropped("vi")
    preventive = reference.get_clause("2008", "8.5.3")
    assert "risks and opportunities (6.1)" in preventive.dropped("en")
    for number in ("4.2.3", "4.2.4", "8.2.2", "8.3", "8.5.2"):  # the requirement stays: a note only
        assert reference.get_clause("2008", number).dropped("en") == ""
        assert any(
            "no longer required" in m.note
            for m in reference.proposals_for_2008(reference.get_clause("2008", number).id)
        ), number


def test_relation_is_worded_from_the_clause_side(app):
    from qms import labels

    assert labels.relation_sentence("subset", "2008 4.1", "2015 4.4", own_is_2008=True) == (
        "2008 4.1 is part of 2015 4.4"
    )
    assert labels.relation_sentence("subset", "2015 4.4", "2008 4.1", own_is_2008=False) == (
        "2015 4.4 covers 2008 4.1 and more"
    )
    assert labels.relation_sentence("superset", "2015 4.4", "2008 4", own_is_2008=False) == (
        "2015 4.4 is part of 2008 4"
    )


# --- the clause pages and the browser --------------------------------------------------------


def counterpart_table(page: str) -> str:
    return page.split('id="counterparts"')[1].split("</table>")[0]


def test_clause_pages_show_status_relation_and_alternatives(orgdata, as_user):
    client = as_user("member_a")
    client.post("/language/en")
    page = client.get("/clauses/2008/4.1").get_data(as_text=True)
    table = counterpart_table(page)
    assert "2008 4.1 is part of 2015 4.4" in table
    assert (
        "Verified" in table and "Seen in a reproduction of the ISO/TC 176 correlation matrix (N1293)." in page
    )
    assert "Relations are our judgement" in page  # the legend
    page = client.get("/clauses/2015/7.1.2").get_data(as_text=True)
    table = counterpart_table(page)
    assert "Disputed" in table and "Alternatives" in table and "6.1 → 7.1.2" in table
    page = client.get("/clauses/2015/7.1.6").get_data(as_text=True)
    assert "New in ISO 9001:2015" in page and 'id="new-in-2015"' in page
    page = client.get("/clauses/2008/8.5.3").get_data(as_text=True)
    assert "No longer required in ISO 9001:2015" in page and "risks and opportunities (6.1)" in page
    page = client.get("/clauses/2008/8.2.2").get_data(as_text=True)
    assert 'id="dropped"' not in page
    client.post("/language/vi")
    page = client.get("/clauses/2008/8.5.3").get_data(as_text=True)
    assert "hành động giải quyết rủi ro và cơ hội (6.1)" in page


def listed(page: str) -> set[str]:
    import re

    if 'id="clauses"' not in page:
        return set()
    rows = page.split('id="clauses"')[1].split("</table>")[0]
    return set(re.findall(r'<td class="text-nowrap[^"]*"><a href="/clauses/\d{4}/([\d.]+)"', rows))


def test_browser_filters(orgdata, as_user):
    client = as_user("member_a")
    page = client.get("/clauses/", query_string={"show": "new"}).get_data(as_text=True)
    assert listed(page) == {"7.1.6"}  # 8.5.6 has a disputed 2008 precedent (7.3.7)
    assert 'href="/clauses/?edition=2015&amp;show=new"' in page or "show=new" in page
    changed = listed(client.get("/clauses/", query_string={"show": "changed"}).get_data(as_text=True))
    assert {"4.4", "7.5.2", "6.1"} <= changed
    assert "8.5.2" not in changed  # 2008 7.5.3 → 2015 8.5.2 is equal
    assert "7.1.6" not in changed
    page = client.get("/clauses/", query_string={"show": "dropped"}).get_data(as_text=True)
    assert listed(page) == {"4.2.2", "5.5.2", "8.5.3"}
    assert 'href="/clauses/2008/4.2.2"' in page  # switched to the 2008 edition
    searched = client.get("/clauses/", query_string={"show": "dropped", "q": "8.5"}).get_data(as_text=True)
    assert listed(searched) == {"8.5.3"}
    everything = listed(client.get("/clauses/", query_string={"show": "bogus"}).get_data(as_text=True))
    assert len(everything) > 50


# --- the administrator's correction ----------------------------------------------------------


def test_admin_corrects_status_relation_note_and_alternatives(orgdata, as_user):
    from qms.services.history import history_of

    mapping = pair("7.3.3", "8.3.5")
    client = as_user("admin")
    form = client.get(f"/admin/mappings/{mapping.id}").get_data(as_text=True)
    assert 'name="relation"' in form and 'name="alternatives"' in form
    response = client.post(
        f"/admin/mappings/{mapping.id}",
        data={
            "status": "disputed",
            "relation": "subset",
            "note": "Outputs kept.",
            "alternatives": "Another table: 7.3.3 → 8.3.4",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    mapping = db.session.get(ClauseMapping, mapping.id)
    assert (mapping.status, mapping.relation, mapping.note, mapping.alternatives) == (
        "disputed",
        "subset",
        "Outputs kept.",
        "Another table: 7.3.3 → 8.3.4",
    )
    entry = history_of("clause_mapping", mapping.id)[0]
    assert entry.actor_id == orgdata.admin.id
    assert entry.changes["status"] == ["unverified", "disputed"]
    assert entry.changes["relation"] == ["intersect", "subset"]
    # a correction survives `qms init`
    reference.load_reference_data()
    db.session.commit()
    assert db.session.get(ClauseMapping, mapping.id).relation == "subset"


def test_a_disputed_correction_needs_alternatives_and_new_needs_no_2008_side(orgdata, as_user):
    mapping = pair("8.2.2", "9.2")
    client = as_user("admin")
    response = client.post(
        f"/admin/mappings/{mapping.id}",
        data={"status": "disputed", "relation": "intersect", "note": "x", "alternatives": ""},
    )
    assert response.status_code == 200
    assert "Say what the sources propose instead." in response.get_data(as_text=True) or "is-invalid" in (
        response.get_data(as_text=True)
    )
    response = client.post(
        f"/admin/mappings/{mapping.id}",
        data={"status": "verified", "relation": "new", "note": "x", "alternatives": ""},
    )
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ClauseMapping, mapping.id).status == "corroborated"


# --- the exported table ----------------------------------------------------------------------


def doc_rows(document: Any) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]


def test_cli_exports_both_directions(runner, tmp_path):
    import docx

    from cli import cli

    out = tmp_path / "both.docx"
    result = runner.invoke(cli, ["export", "correspondence", "--lang", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["1. From ISO 9001:2015 to ISO 9001:2008", "2. From ISO 9001:2008 to ISO 9001:2015"]
    first, second = document.tables
    assert [c.text for c in first.rows[0].cells] == [
        "Clause",
        "Title",
        "Counterpart",
        "Status",
        "Relation",
        "Notes",
    ]
    rows_2015 = [[c.text for c in r.cells] for r in first.rows[1:]]
    rows_2008 = [[c.text for c in r.cells] for r in second.rows[1:]]
    knowledge = next(r for r in rows_2015 if r[0] == "7.1.6")
    assert knowledge[2] == "—" and knowledge[4] == "2015 7.1.6 is new in ISO 9001:2015"
    people = next(r for r in rows_2015 if r[0] == "7.1.2" and r[2].startswith("6.2 "))
    assert people[3] == "Disputed" and "Alternatives: N1293 reproductions: 6.1 → 7.1.2" in people[5]
    documents = [r for r in rows_2008 if r[0] == "4.2.3"]
    assert [r[2].split(" ")[0] for r in documents] == ["7.5", "7.5.1", "7.5.2", "7.5.3"]
    preventive = [r for r in rows_2008 if r[0] == "8.5.3"]
    assert "No longer required in ISO 9001:2015: preventive action" in preventive[0][5]
    assert any(r[0] == "4.1" and r[4] == "2008 4.1 is part of 2015 4.4" for r in rows_2008)
    assert len(rows_2015) + len(rows_2008) >= 2 * 123 - 2  # every pair in both directions


def test_cli_exports_one_direction_in_vietnamese(runner, tmp_path):
    import docx

    from cli import cli

    out = tmp_path / "from-2008.docx"
    result = runner.invoke(cli, ["export", "correspondence", "--from", "2008", "-o", str(out)])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    assert len(document.tables) == 1
    rows = doc_rows(document)
    assert rows[1][0] == "1"  # 2008 clause 1 comes first
    assert any(r[0] == "8.2.2" and r[2].startswith("9.2 ") for r in rows)
    out = tmp_path / "from-2015.docx"
    result = runner.invoke(cli, ["export", "correspondence", "--from", "2015", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = doc_rows(docx.Document(str(out)))
    assert rows[1][0] == "1" and any(r[0] == "9.2" and r[2].startswith("8.2.2 ") for r in rows)
    assert not any(r[0] in ("4.2.3", "5.5.2") for r in rows)  # only 2015 clauses on the left


def test_cli_refuses_a_bad_direction(runner, tmp_path):
    from cli import cli

    out = tmp_path / "x.docx"
    result = runner.invoke(cli, ["export", "correspondence", "--from", "1994", "-o", str(out)])
    assert result.exit_code == 1
    assert "1994" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_browser_download_button(orgdata, as_user):
    import docx

    client = as_user("member_a")
    page = client.get("/clauses/").get_data(as_text=True)
    assert 'id="export-docx"' in page and 'href="/clauses/correspondence.docx"' in page
    response = client.get("/clauses/correspondence.docx", query_string={"from": "2015"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("correspondence-2008-2015-2015.docx")
    document = docx.Document(BytesIO(response.data))
    assert (len(document.tables) == 1 and "Tương ứng" in document.core_properties.title) or document.tables
    assert client.get("/clauses/correspondence.docx", query_string={"from": "1994"}).status_code == 404


# --- notes and alternatives in Vietnamese ----------------------------------------------------

PEOPLE_NOTE_VI = (
    "Nguồn nhân lực được đặt cạnh Nhân sự (7.1.2); các bảng đối chiếu không thống nhất về cặp này."
)
PEOPLE_ALTERNATIVES_VI = (
    "Các bản sao ma trận N1293: 6.1 → 7.1.2; một bảng khác theo kiểu N1293: chỉ 6.2 → 7.2"
)
PEOPLE_NOTE_EN = "Human resources set against People (7.1.2); the tables disagree on this pair."


def test_every_pair_has_its_note_and_alternatives_in_vietnamese(app):
    mappings = db.session.scalars(select(ClauseMapping)).all()
    assert len(mappings) == 123
    for mapping in mappings:
        assert mapping.note_vi and mapping.note_vi != mapping.note, mapping.history_label()
        assert bool(mapping.alternatives_vi) == bool(mapping.alternatives), mapping.history_label()
    people = pair("6.2", "7.1.2")
    assert (people.note_in("vi"), people.alternatives_in("vi")) == (PEOPLE_NOTE_VI, PEOPLE_ALTERNATIVES_VI)
    assert people.note_in("en") == PEOPLE_NOTE_EN and people.alternatives_in("en").startswith(
        "N1293 reproductions"
    )
    assert "sổ tay chất lượng" in pair("4.2", "7.5").note_in("vi")
    assert "đại diện lãnh đạo" in pair("5.5.2", "5.3").note_in("vi")
    assert "hành động phòng ngừa" in pair("8.5.3", "6.1").note_in("vi").lower()
    # a Vietnamese text nobody wrote falls back to the English one
    people.note_vi = people.alternatives_vi = ""
    assert (people.note_in("vi"), people.alternatives_in("vi")) == (PEOPLE_NOTE_EN, people.alternatives)
    db.session.rollback()


def test_init_fills_the_vietnamese_notes_of_rows_nobody_corrected(orgdata):
    people, audit = pair("6.2", "7.1.2"), pair("8.2.2", "9.2")
    reference.correct_mapping(audit, actor=orgdata.admin, status="verified", note="Checked", note_vi="")
    db.session.commit()
    db.session.execute(
        ClauseMapping.__table__.update()
        .where(ClauseMapping.id.in_([people.id, audit.id]))
        .values(note_vi="", alternatives_vi="")
    )
    db.session.commit()
    result = reference.load_reference_data()
    db.session.commit()
    assert result.mappings_updated == 1
    db.session.expire_all()
    assert (people.note_vi, people.alternatives_vi) == (PEOPLE_NOTE_VI, PEOPLE_ALTERNATIVES_VI)
    assert (audit.note, audit.note_vi) == ("Checked", "")  # corrected: left as the administrator left it
    assert audit.note_in("vi") == "Checked"
    assert reference.load_reference_data().mappings_updated == 0


def test_clause_and_admin_pages_show_notes_in_the_interface_language(orgdata, as_user):
    client = as_user("member_a")
    client.post("/language/vi")
    table = counterpart_table(client.get("/clauses/2015/7.1.2").get_data(as_text=True))
    assert PEOPLE_NOTE_VI in table and PEOPLE_ALTERNATIVES_VI in table
    assert PEOPLE_NOTE_EN not in table and "N1293 reproductions" not in table
    table = counterpart_table(client.get("/clauses/2008/6.2").get_data(as_text=True))
    assert PEOPLE_NOTE_VI in table
    client.post("/language/en")
    table = counterpart_table(client.get("/clauses/2015/7.1.2").get_data(as_text=True))
    assert PEOPLE_NOTE_EN in table and "N1293 reproductions: 6.1 → 7.1.2" in table
    assert PEOPLE_NOTE_VI not in table

    client = as_user("admin")
    client.post("/language/vi")
    page = client.get("/admin/correspondence").get_data(as_text=True)
    assert PEOPLE_NOTE_VI in page and PEOPLE_ALTERNATIVES_VI in page and PEOPLE_NOTE_EN not in page
    client.post("/language/en")
    page = client.get("/admin/correspondence").get_data(as_text=True)
    assert PEOPLE_NOTE_EN in page and PEOPLE_NOTE_VI not in page


def test_exports_show_notes_in_the_document_language(runner, tmp_path):
    import docx

    from cli import cli

    def people_notes(lang: str) -> str:
        out = tmp_path / f"{lang}.docx"
        result = runner.invoke(
            cli, ["export", "correspondence", "--from", "2015", "--lang", lang, "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        rows = doc_rows(docx.Document(str(out)))
        (row,) = [r for r in rows if r[0] == "7.1.2" and r[2].startswith("6.2 ")]
        return row[5]

    vietnamese = people_notes("vi")
    assert PEOPLE_NOTE_VI in vietnamese and PEOPLE_ALTERNATIVES_VI in vietnamese
    assert PEOPLE_NOTE_EN not in vietnamese and "N1293 reproductions" not in vietnamese
    english = people_notes("en")
    assert PEOPLE_NOTE_EN in english and "Alternatives: N1293 reproductions: 6.1 → 7.1.2" in english
    assert PEOPLE_NOTE_VI not in english


def test_browser_download_in_vietnamese_has_vietnamese_notes(orgdata, as_user):
    import docx

    client = as_user("member_a")
    client.post("/language/vi")
    response = client.get("/clauses/correspondence.docx", query_string={"from": "2008"})
    assert response.status_code == 200
    rows = doc_rows(docx.Document(BytesIO(response.data)))
    (row,) = [r for r in rows if r[0] == "6.2" and r[2].startswith("7.1.2 ")]
    assert PEOPLE_NOTE_VI in row[5] and PEOPLE_ALTERNATIVES_VI in row[5]


def test_admin_corrects_both_languages_with_history(orgdata, as_user):
    from qms.services.history import history_of

    mapping = pair("6.2", "7.1.2")
    client = as_user("admin")
    client.post("/language/vi")
    form = client.get(f"/admin/mappings/{mapping.id}").get_data(as_text=True)
    order = [form.index(f'name="{name}"') for name in ("note_vi", "alternatives_vi", "note", "alternatives")]
    assert order == sorted(order)  # the Vietnamese fields first
    assert PEOPLE_NOTE_VI in form and PEOPLE_NOTE_EN in form
    response = client.post(
        f"/admin/mappings/{mapping.id}",
        data={
            "status": "disputed",
            "relation": "intersect",
            "note_vi": "Đã đối chiếu lại với các bảng.",
            "alternatives_vi": "Một bảng: chỉ 6.2 → 7.2",
            "note": "Rechecked against the tables.",
            "alternatives": "One table: 6.2 → 7.2 only",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    mapping = db.session.get(ClauseMapping, mapping.id)
    assert (mapping.note_vi, mapping.alternatives_vi, mapping.note, mapping.alternatives) == (
        "Đã đối chiếu lại với các bảng.",
        "Một bảng: chỉ 6.2 → 7.2",
        "Rechecked against the tables.",
        "One table: 6.2 → 7.2 only",
    )
    entry = history_of("clause_mapping", mapping.id)[0]
    assert entry.actor_id == orgdata.admin.id
    assert entry.changes["note_vi"] == [PEOPLE_NOTE_VI, "Đã đối chiếu lại với các bảng."]
    assert entry.changes["alternatives_vi"] == [PEOPLE_ALTERNATIVES_VI, "Một bảng: chỉ 6.2 → 7.2"]
    assert entry.changes["note"][1] == "Rechecked against the tables."
    history = client.get(f"/admin/mappings/{mapping.id}").get_data(as_text=True)
    assert "Ghi chú (tiếng Việt)" in history
    # the correction survives `qms init`, in both languages
    reference.load_reference_data()
    db.session.commit()
    db.session.expire_all()
    mapping = db.session.get(ClauseMapping, mapping.id)
    assert (mapping.note_vi, mapping.note) == (
        "Đã đối chiếu lại với các bảng.",
        "Rechecked against the tables.",
    )
    page = client.get("/clauses/2015/7.1.2").get_data(as_text=True)
    assert "Đã đối chiếu lại với các bảng." in counterpart_table(page)
    client.post("/language/en")
    page = client.get("/clauses/2015/7.1.2").get_data(as_text=True)
    assert "Rechecked against the tables." in counterpart_table(page)
