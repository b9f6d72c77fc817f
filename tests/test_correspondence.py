"""The 2008 ↔ 2015 correspondence as data people can trust: status and relation, the lookups other
parts use, the migration that brings existing databases to the shipped data, the clause pages and
browser filters, the administrator's correction and the exported table."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from qms.extensions import db
from qms.models.clauses import ClauseMapping
from qms.paths import DATA_DIR, MIGRATIONS_DIR
from qms.services import reference
from tests.conftest import build_app

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


def test_the_migration_brings_an_existing_database_to_the_shipped_data(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'old.sqlite3'}", tmp_path / "instance")
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
                "SELECT o.number, n.number, m.status, m.relation, m.note, m.alternatives, m.source, m.id"
                " FROM clause_mapping m LEFT JOIN clause o ON o.id = m.clause_2008_id"
                " JOIN clause n ON n.id = m.clause_2015_id"
            )
        ).all()
        assert len(found) == 123
        by_pair = {(old or "", new): rest for old, new, *rest in found}
        assert set(by_pair) == set(shipped)
        for pair, (status, relation, note, alternatives, source, mapping_id) in by_pair.items():
            row = shipped[pair]
            assert relation == row["relation"], pair
            assert alternatives == row["alternatives"], pair
            assert source == row["source"], pair
            if mapping_id == corrected:
                assert (status, note) == ("verified", "Checked")  # the administrator's correction stays
            else:
                assert (status, note) == (row["status"], row["note"]), pair
        assert tuple(by_pair[("6.2", "7.1.2")][:2]) == ("disputed", "intersect")
        assert "6.1 → 7.1.2" in by_pair[("6.2", "7.1.2")][3]
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
        assert "confidence" in columns and not {"status", "relation", "alternatives"} & columns
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
