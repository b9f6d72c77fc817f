"""The shipped reference data: both clause catalogues and the 2008 ↔ 2015 correspondence."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import Connection, column, insert, or_, select, table, update

from qms.extensions import db
from qms.models.clauses import Clause, ClauseMapping, Edition, MappingStatus, Relation, clause_sort_key
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


@dataclass(frozen=True)
class CorrespondenceRow:
    """One row of the shipped correspondence; an empty clause_2008 marks a clause new in 2015."""

    clause_2008: str
    clause_2015: str
    status: str
    relation: str
    note: str
    alternatives: str
    source: str
    note_vi: str = ""
    alternatives_vi: str = ""


def correspondence_rows(data_dir: Path = DATA_DIR) -> list[CorrespondenceRow]:
    rows = []
    for row in read_data_csv(CORRESPONDENCE_FILE, data_dir):
        rows.append(
            CorrespondenceRow(
                clause_2008=row["clause_2008"].strip(),
                clause_2015=row["clause_2015"].strip(),
                status=MappingStatus(row["status"].strip()).value,
                relation=Relation(row["relation"].strip()).value,
                note=row["note"].strip(),
                alternatives=row["alternatives"].strip(),
                source=row["source"].strip(),
                note_vi=(row.get("note_vi") or "").strip(),
                alternatives_vi=(row.get("alternatives_vi") or "").strip(),
            )
        )
    return rows


def default_relation(clause_2008_id: int | None) -> str:
    """The relation of a row nobody has judged yet: 'new' without a 2008 side, else 'intersect'
    (the weakest claim)."""
    return Relation.NEW.value if clause_2008_id is None else Relation.INTERSECT.value


# Lightweight tables for the functions below that work on a bare Connection: the migration that
# brings existing databases to the shipped data runs them, and must not depend on how the ORM
# models look in later versions.
_clause = table(
    "clause", column("id"), column("edition"), column("number"), column("dropped_en"), column("dropped_vi")
)
_mapping = table(
    "clause_mapping",
    column("id"),
    column("clause_2008_id"),
    column("clause_2015_id"),
    column("status"),
    column("relation"),
    column("note"),
    column("note_vi"),
    column("alternatives"),
    column("alternatives_vi"),
    column("source"),
)
_history = table("history_entry", column("record_type"), column("record_id"), column("action"))


def corrected_mapping_ids(connection: Connection) -> set[int]:
    """Correspondence rows an administrator has corrected: their history holds an update."""
    stmt = select(_history.c.record_id).where(
        _history.c.record_type == ClauseMapping.__tablename__, _history.c.action == "update"
    )
    return {int(record_id) for record_id in connection.scalars(stmt) if str(record_id).isdigit()}


@dataclass
class SyncResult:
    mappings_added: int = 0
    mappings_updated: int = 0
    mappings_kept: int = 0  # corrected by an administrator: status and notes left as they are
    clauses_updated: int = 0


def sync_correspondence(connection: Connection, data_dir: Path = DATA_DIR) -> SyncResult:
    """Bring the correspondence and the 2008 clauses' dropped text of an existing database to the
    shipped data: pairs get the shipped status, relation, notes and alternatives (English and
    Vietnamese) and source; missing pairs are added (when both their clauses exist); pairs an
    administrator corrected keep their status and notes in both languages. Rows the data does not
    name get a default relation. Works on a Connection (no ORM session), so a migration can run it."""
    result = SyncResult()
    ids = {
        (edition, number): clause_id
        for clause_id, edition, number in connection.execute(
            select(_clause.c.id, _clause.c.edition, _clause.c.number)
        )
    }
    dropped = {
        row["number"].strip(): (row.get("dropped_en", "").strip(), row.get("dropped_vi", "").strip())
        for row in read_data_csv(CATALOGUE_FILES[Edition.ISO_2008], data_dir)
    }
    for (edition, number), clause_id in ids.items():
        if edition == Edition.ISO_2008.value and number in dropped:
            en, vi = dropped[number]
            connection.execute(
                update(_clause).where(_clause.c.id == clause_id).values(dropped_en=en, dropped_vi=vi)
            )
            result.clauses_updated += 1 if en or vi else 0
    corrected = corrected_mapping_ids(connection)
    existing = {
        (old_id, new_id): (mapping_id, relation)
        for mapping_id, old_id, new_id, relation in connection.execute(
            select(_mapping.c.id, _mapping.c.clause_2008_id, _mapping.c.clause_2015_id, _mapping.c.relation)
        )
    }
    shipped: set[int] = set()
    for row in correspondence_rows(data_dir):
        old_id = ids.get((Edition.ISO_2008.value, row.clause_2008)) if row.clause_2008 else None
        new_id = ids.get((Edition.ISO_2015.value, row.clause_2015)) if row.clause_2015 else None
        if (row.clause_2008 and old_id is None) or (row.clause_2015 and new_id is None):
            continue  # the catalogues are not loaded yet: `qms init` adds the pair later
        values = {
            "status": row.status,
            "relation": row.relation,
            "note": row.note,
            "note_vi": row.note_vi,
            "alternatives": row.alternatives,
            "alternatives_vi": row.alternatives_vi,
            "source": row.source,
        }
        found = existing.get((old_id, new_id))
        if found is None:
            connection.execute(
                insert(_mapping).values(clause_2008_id=old_id, clause_2015_id=new_id, **values)
            )
            result.mappings_added += 1
            continue
        mapping_id = found[0]
        shipped.add(mapping_id)
        if mapping_id in corrected:
            values.pop("status")
            values.pop("note")
            values.pop("note_vi")
            result.mappings_kept += 1
        else:
            result.mappings_updated += 1
        connection.execute(update(_mapping).where(_mapping.c.id == mapping_id).values(**values))
    for (old_id, _new_id), (mapping_id, relation) in existing.items():
        if mapping_id not in shipped and not relation:
            connection.execute(
                update(_mapping).where(_mapping.c.id == mapping_id).values(relation=default_relation(old_id))
            )
    return result


@dataclass
class LoadResult:
    clauses_added: int = 0
    clauses_updated: int = 0
    mappings_added: int = 0
    mappings_updated: int = 0


def load_reference_data(data_dir: Path = DATA_DIR) -> LoadResult:
    """Insert what is missing and refresh clause titles and dropped text; a second run changes nothing.

    Missing correspondence pairs are added with their status, relation, notes and alternatives; a
    row without a relation gets the shipped one (or a default); a row nobody corrected and without
    Vietnamese notes gets the shipped ones; otherwise rows already in the database are left alone:
    an administrator may have corrected them (the migration q7corresp01 brought existing databases
    to the shipped data once).
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
                "dropped_en": row.get("dropped_en", "").strip(),
                "dropped_vi": row.get("dropped_vi", "").strip(),
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

    pairs = {(m.clause_2008_id, m.clause_2015_id): m for m in db.session.scalars(select(ClauseMapping))}
    corrected = corrected_mapping_ids(db.session.connection())
    for row in correspondence_rows(data_dir):
        old = existing[(Edition.ISO_2008.value, row.clause_2008)] if row.clause_2008 else None
        new = existing[(Edition.ISO_2015.value, row.clause_2015)] if row.clause_2015 else None
        key = (old.id if old else None, new.id if new else None)
        mapping = pairs.get(key)
        if mapping is not None:
            changed = False
            if not mapping.relation:
                mapping.relation = row.relation if mapping.id not in corrected else default_relation(key[0])
                changed = True
            untranslated = not (mapping.note_vi or mapping.alternatives_vi)
            if mapping.id not in corrected and untranslated and (row.note_vi or row.alternatives_vi):
                mapping.note_vi = row.note_vi
                mapping.alternatives_vi = row.alternatives_vi
                changed = True
            result.mappings_updated += 1 if changed else 0
            continue
        pairs[key] = ClauseMapping(
            clause_2008=old,
            clause_2015=new,
            status=row.status,
            relation=row.relation,
            note=row.note,
            note_vi=row.note_vi,
            alternatives=row.alternatives,
            alternatives_vi=row.alternatives_vi,
            source=row.source,
        )
        db.session.add(pairs[key])
        result.mappings_added += 1
    for key, mapping in pairs.items():
        if not mapping.relation:
            mapping.relation = default_relation(key[0])
            result.mappings_updated += 1
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
    """Correspondence rows of a clause, each naming its counterpart in the other edition (with its
    status and relation), in the counterpart's catalogue order; a 2015 clause new in 2015 has one
    row with no 2008 side."""
    column = (
        ClauseMapping.clause_2008_id if clause.edition == Edition.ISO_2008 else ClauseMapping.clause_2015_id
    )
    rows = list(db.session.scalars(select(ClauseMapping).where(column == clause.id)))
    other = "clause_2015" if clause.edition == Edition.ISO_2008 else "clause_2008"
    return sorted(rows, key=lambda m: getattr(m, other).sort_key if getattr(m, other) else "")


def proposals_for_2008(clause_2008_id: int) -> list[ClauseMapping]:
    """The 2015 counterparts of a 2008 clause (rows with a 2015 side), in 2015 catalogue order:
    what a 2008 reference may be remapped to."""
    stmt = (
        select(ClauseMapping)
        .join(Clause, Clause.id == ClauseMapping.clause_2015_id)
        .where(ClauseMapping.clause_2008_id == clause_2008_id)
        .order_by(Clause.sort_key)
    )
    return list(db.session.scalars(stmt).unique())


def is_one_to_one(mappings: list[ClauseMapping]) -> bool:
    """Whether a 2008 clause's proposals (`proposals_for_2008`) name a single 2015 clause that can
    be taken without a choice: exactly one counterpart with a 2015 side, and its status is not
    disputed (a disputed pair has alternatives a person must weigh). The relation does not matter:
    a partial match (subset, superset, intersect) still has only one place to go."""
    with_2015 = [m for m in mappings if m.clause_2015_id is not None]
    return len(with_2015) == 1 and with_2015[0].status != MappingStatus.DISPUTED


BROWSER_FILTERS = ("all", "new", "changed", "dropped")


def browse_clauses(edition: str, query: str = "", show: str = "all") -> tuple[str, list[Clause]]:
    """The clause browser's rows: `search_clauses` narrowed by a filter, and the edition it shows.

    - "new": 2015 clauses whose only correspondence is `new` (nothing in 2008 covered them);
    - "changed": 2015 clauses with at least one correspondence whose relation is neither `equal`
      nor `new` (the requirement changed between the editions);
    - "dropped": 2008 clauses with requirements 2015 no longer makes (switches to 2008).
    An unknown filter shows all clauses.
    """
    if show == "dropped":
        edition = Edition.ISO_2008.value
    elif show in ("new", "changed"):
        edition = Edition.ISO_2015.value
    clauses = search_clauses(edition, query)
    if show == "dropped":
        return edition, [c for c in clauses if c.dropped_en or c.dropped_vi]
    if show not in ("new", "changed") or not clauses:
        return edition, clauses
    relations: dict[int, set[str]] = {}
    for mapping in mappings_touching([c.id for c in clauses]):
        if mapping.clause_2015_id is not None:
            relations.setdefault(mapping.clause_2015_id, set()).add(mapping.relation)
    if show == "new":
        return edition, [c for c in clauses if relations.get(c.id) == {Relation.NEW.value}]
    return edition, [c for c in clauses if relations.get(c.id, set()) - {Relation.EQUAL, Relation.NEW}]


@dataclass
class TableEntry:
    """One clause of the exported correspondence table with its correspondence rows."""

    clause: Clause
    mappings: list[ClauseMapping]


def correspondence_table(from_edition: str) -> list[TableEntry]:
    """Every clause of `from_edition` in catalogue order with its counterparts in the other edition
    (a 2015 clause new in 2015 has its `new` row), for the document an auditor keeps beside the
    standard."""
    if from_edition not in set(Edition):
        raise DomainError(
            _("Unknown edition: %(edition)s (2008 or 2015).", edition=from_edition), field="from_edition"
        )
    clauses = search_clauses(from_edition)
    own = "clause_2008_id" if from_edition == Edition.ISO_2008 else "clause_2015_id"
    other = "clause_2015" if from_edition == Edition.ISO_2008 else "clause_2008"
    by_clause: dict[int, list[ClauseMapping]] = {}
    for mapping in db.session.scalars(select(ClauseMapping)).unique():
        if getattr(mapping, own) is not None:
            by_clause.setdefault(getattr(mapping, own), []).append(mapping)
    entries = []
    for clause in clauses:
        rows = by_clause.get(clause.id, [])
        rows.sort(key=lambda m: getattr(m, other).sort_key if getattr(m, other) else "")
        entries.append(TableEntry(clause=clause, mappings=rows))
    return entries


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


def correct_mapping(
    mapping: ClauseMapping,
    *,
    actor: User,
    status: str,
    note: str,
    relation: str | None = None,
    alternatives: str | None = None,
    note_vi: str | None = None,
    alternatives_vi: str | None = None,
) -> ClauseMapping:
    """An administrator records what a check against the sources showed: status, relation, note
    and alternatives in English and Vietnamese (each left as it is when not given)."""
    access.require_admin(actor)
    if status not in set(MappingStatus):
        raise DomainError(_("Unknown status: %(value)s.", value=status), field="status")
    relation = mapping.relation if relation is None else relation
    if relation not in set(Relation):
        raise DomainError(_("Unknown relation: %(value)s.", value=relation), field="relation")
    if (relation == Relation.NEW) != (mapping.clause_2008_id is None):
        message = (
            _("A correspondence with a 2008 clause cannot be new in ISO 9001:2015.")
            if mapping.clause_2008_id is not None
            else _("A 2015 clause without a 2008 counterpart is new in ISO 9001:2015.")
        )
        raise DomainError(message, field="relation")
    alternatives = mapping.alternatives if alternatives is None else alternatives.strip()
    alternatives_vi = mapping.alternatives_vi if alternatives_vi is None else alternatives_vi.strip()
    if status == MappingStatus.DISPUTED and not alternatives:
        raise DomainError(_("Say what the sources propose instead."), field="alternatives")
    act_as(actor)
    mapping.status = status
    mapping.relation = relation
    mapping.note = note.strip()
    mapping.alternatives = alternatives
    if note_vi is not None:
        mapping.note_vi = note_vi.strip()
    mapping.alternatives_vi = alternatives_vi
    db.session.flush()
    return mapping
