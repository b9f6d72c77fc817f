"""The question bank: loading the shipped questions and the steering committee's edits."""

from __future__ import annotations

import csv
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select

from audits.models import BankQuestion
from qms.extensions import db
from qms.models.clauses import Clause
from qms.models.org import User
from qms.services import access
from qms.services.errors import DomainError, NotAllowed
from qms.services.history import act_as

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
BANK_FILE = "question_bank.csv"


def load_question_bank(data_dir: Path = DATA_DIR) -> int:
    """Add the shipped questions that are missing; a question already present (maybe edited or
    deactivated by the steering committee) is left alone. Returns the number added."""
    act_as(None)
    clauses = {(c.edition, c.number): c for c in db.session.scalars(select(Clause))}
    keys = select(BankQuestion.shipped_key).where(BankQuestion.shipped_key.is_not(None))
    known = set(db.session.scalars(keys))
    positions: dict[tuple[str, str], int] = {}
    added = 0
    with (data_dir / BANK_FILE).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            key_clause = (row["edition"].strip(), row["clause"].strip())
            clause = clauses.get(key_clause)
            if clause is None:
                raise DomainError(
                    _(
                        "The question bank names an unknown clause: %(edition)s %(number)s.",
                        edition=key_clause[0],
                        number=key_clause[1],
                    )
                )
            positions[key_clause] = positions.get(key_clause, 0) + 1
            key = f"{key_clause[0]}/{key_clause[1]}/{positions[key_clause]}"
            if key in known:
                continue
            db.session.add(
                BankQuestion(
                    clause=clause,
                    position=positions[key_clause],
                    question_vi=row["question_vi"].strip(),
                    question_en=row["question_en"].strip(),
                    active=True,
                    shipped_key=key,
                )
            )
            known.add(key)
            added += 1
    db.session.flush()
    return added


def bank_questions(
    edition: str, clause_number: str = "", *, include_inactive: bool = True
) -> list[BankQuestion]:
    """Questions of an edition, in catalogue order; a clause number also finds its sub-clauses."""
    stmt = select(BankQuestion).join(BankQuestion.clause).where(Clause.edition == edition)
    number = clause_number.strip().rstrip(".")
    if number:
        stmt = stmt.where((Clause.number == number) | Clause.number.startswith(number + "."))
    if not include_inactive:
        stmt = stmt.where(BankQuestion.active.is_(True))
    stmt = stmt.order_by(Clause.sort_key, BankQuestion.position, BankQuestion.id)
    return list(db.session.scalars(stmt))


def active_questions(clause: Clause) -> list[BankQuestion]:
    stmt = (
        select(BankQuestion)
        .where(BankQuestion.clause_id == clause.id, BankQuestion.active.is_(True))
        .order_by(BankQuestion.position, BankQuestion.id)
    )
    return list(db.session.scalars(stmt))


def _require_steering(actor: User | None) -> None:
    if actor is not None and not access.can_plan_audits(actor):
        raise NotAllowed(_("Only the ISO steering committee may change the question bank."))


def _clean(question_vi: str, question_en: str) -> tuple[str, str]:
    question_vi, question_en = question_vi.strip(), question_en.strip()
    if not question_vi and not question_en:
        raise DomainError(_("Write the question in Vietnamese or in English."), field="question_vi")
    return question_vi, question_en


def create_question(
    *, actor: User | None, clause: Clause | None, question_vi: str, question_en: str
) -> BankQuestion:
    _require_steering(actor)
    act_as(actor)
    if clause is None:
        raise DomainError(_("Choose the clause."), field="clause")
    question_vi, question_en = _clean(question_vi, question_en)
    last = db.session.scalar(
        select(func.max(BankQuestion.position)).where(BankQuestion.clause_id == clause.id)
    )
    question = BankQuestion(
        clause=clause, position=(last or 0) + 1, question_vi=question_vi, question_en=question_en, active=True
    )
    db.session.add(question)
    db.session.flush()
    return question


def update_question(
    question: BankQuestion, *, actor: User | None, question_vi: str, question_en: str, active: bool
) -> BankQuestion:
    _require_steering(actor)
    act_as(actor)
    question.question_vi, question.question_en = _clean(question_vi, question_en)
    question.active = active
    db.session.flush()
    return question
