"""The shipped reference data: both clause catalogues and the 2008 ↔ 2015 correspondence."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import or_, select

from qms.extensions import db
from qms.models.clauses import Clause, ClauseMapping, Confidence, Edition, clause_sort_key
from qms.models.org import User
from qms.paths import DATA_DIR
from qms.services import access
from qms.services.errors import DomainError, NotFound
from qms.services.history import act_as

CATALOGUE_FILES = {Edition.ISO_2008: "clauses_2008.csv", Edition.ISO_2015: "clauses_2015.csv"}
CORRESPONDENCE_FILE = "correspondence_2008_2015.csv"


def read_data_csv(name: str, data_dir: Path = DATA_DIR) -> Iterator[dict[str, str]]:
    """Rows of a shipped CSV; leading lines starting with '#' say where the facts come from."""
    with (data_dir / name).open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(line for line in fh if not line.startswith("#"))


@dataclass
class LoadResult:
    clauses_added: int = 0
    clauses_updated: int = 0
    mappings_added: int = 0


def load_reference_data(data_dir: Path = DATA_DIR) -> LoadResult:
    """Insert what is missing and refresh clause titles; a second run changes nothing.

    Correspondence rows already in the database are left alone: an administrator may have
    corrected them.
    """
    result = LoadResult()
    existing = {(c.edition, c.number): c for c in db.session.scalars(select(Clause))}
    for edition, filename in CATALOGUE_FILES.items():
        rows = list(read_data_csv(filename, data_dir))
        for row in rows:
            number = row["number"].strip()
            values = {
                "title_en": row["title_en"].strip(),
                "title_vi": row["title_vi"].strip(),
                "title_vi_verified": row["title_vi_verified"].strip() == "yes",
                "level": number.count(".") + 1,
                "sort_key": clause_sort_key(number),
                "source": row["source"].strip(),
            }
            clause = existing.get((edition.value, number))
            if clause is None:
                clause = Clause(edition=edition.value, number=number, **values)
                db.session.add(clause)
                existing[(edition.value, number)] = clause
                result.clauses_added += 1
            elif any(getattr(clause, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(clause, key, value)
                result.clauses_updated += 1
        for row in rows:
            clause = existing[(edition.value, row["number"].strip())]
            parent = existing.get((edition.value, row["parent"].strip())) if row["parent"].strip() else None
            if clause.parent is not parent:
                clause.parent = parent
    db.session.flush()

    pairs = {(m.clause_2008_id, m.clause_2015_id) for m in db.session.scalars(select(ClauseMapping))}
    for row in read_data_csv(CORRESPONDENCE_FILE, data_dir):
        old = existing[(Edition.ISO_2008.value, row["clause_2008"])] if row["clause_2008"] else None
        new = existing[(Edition.ISO_2015.value, row["clause_2015"])] if row["clause_2015"] else None
        key = (old.id if old else None, new.id if new else None)
        if key in pairs:
            continue
        db.session.add(
            ClauseMapping(
                clause_2008=old,
                clause_2015=new,
                note=row["note"],
                confidence=Confidence(row["confidence"]).value,
                source=row["source"],
            )
        )
        pairs.add(key)
        result.mappings_added += 1
    db.session.flush()
    return result


def fold(text: str) -> str:
    """Lower case without diacritics, so 'danh gia' finds 'Đánh giá'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def search_clauses(edition: str, query: str = "") -> list[Clause]:
    """Clauses of an edition in catalogue order; a query matches a number prefix or words of
    either title, with or without Vietnamese diacritics."""
    if edition not in set(Edition):
        raise NotFound(_("Unknown edition: %(edition)s.", edition=edition))
    clauses = list(
        db.session.scalars(select(Clause).where(Clause.edition == edition).order_by(Clause.sort_key))
    )
    query = query.strip()
    if not query:
        return clauses
    if query[0].isdigit():
        number = query.rstrip(".")  # "9.2." and "9.2" both find 9.2 and its sub-clauses
        return [c for c in clauses if c.number == number or c.number.startswith(number + ".")]
    words = fold(query).split()
    # The catalogue has under a hundred rows per edition: matching in Python keeps the
    # diacritic-insensitive search identical on SQLite and PostgreSQL.
    return [c for c in clauses if all(w in fold(f"{c.title_vi} {c.title_en}") for w in words)]


def get_clause(edition: str, number: str) -> Clause:
    clause = db.session.scalar(select(Clause).where(Clause.edition == edition, Clause.number == number))
    if clause is None:
        raise NotFound(_("ISO 9001:%(edition)s has no clause %(number)s.", edition=edition, number=number))
    return clause


def counterparts(clause: Clause) -> list[ClauseMapping]:
    """Correspondence rows of a clause, each naming its counterpart in the other edition."""
    column = (
        ClauseMapping.clause_2008_id if clause.edition == Edition.ISO_2008 else ClauseMapping.clause_2015_id
    )
    rows = list(db.session.scalars(select(ClauseMapping).where(column == clause.id)))
    other = "clause_2015" if clause.edition == Edition.ISO_2008 else "clause_2008"
    return sorted(rows, key=lambda m: getattr(m, other).sort_key if getattr(m, other) else "")


def mappings_touching(clause_ids: list[int]) -> list[ClauseMapping]:
    stmt = select(ClauseMapping).where(
        or_(ClauseMapping.clause_2008_id.in_(clause_ids), ClauseMapping.clause_2015_id.in_(clause_ids))
    )
    return list(db.session.scalars(stmt))


def get_mapping(mapping_id: int) -> ClauseMapping:
    mapping = db.session.get(ClauseMapping, mapping_id)
    if mapping is None:
        raise NotFound(_("No such correspondence."))
    return mapping


def correct_mapping(mapping: ClauseMapping, *, actor: User, confidence: str, note: str) -> ClauseMapping:
    """An administrator records what a check against the official matrix showed."""
    access.require_admin(actor)
    act_as(actor)
    if confidence not in set(Confidence):
        raise DomainError(_("Unknown confidence: %(value)s.", value=confidence), field="confidence")
    mapping.confidence = confidence
    mapping.note = note.strip()
    db.session.flush()
    return mapping
