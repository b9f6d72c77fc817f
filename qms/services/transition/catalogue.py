"""The shipped lists: what ISO 9001:2015 adds or changes (one gap item per row) and the plan's steps."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from qms.paths import DATA_DIR

ITEMS_FILE = DATA_DIR / "transition_items.csv"
STEPS_FILE = DATA_DIR / "transition_steps.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@dataclass(frozen=True)
class CatalogueItem:
    key: str
    clause_2015: str
    title_en: str
    title_vi: str
    guidance_en: str
    guidance_vi: str
    evidence: tuple[str, ...]  # kinds of evidence the app proposes

    def title(self, lang: str) -> str:
        return self.title_vi if lang == "vi" else self.title_en

    def guidance(self, lang: str) -> str:
        return self.guidance_vi if lang == "vi" else self.guidance_en


@dataclass(frozen=True)
class CatalogueStep:
    position: int
    what_en: str
    what_vi: str
    who_en: str
    who_vi: str
    share: Decimal  # where the due date falls between the start (0) and the target (1)

    def what(self, lang: str) -> str:
        return self.what_vi if lang == "vi" else self.what_en

    def who(self, lang: str) -> str:
        return self.who_vi if lang == "vi" else self.who_en

    def due(self, start: date, target: date) -> date:
        days = (target - start).days
        return start + timedelta(days=int((Decimal(days) * self.share).to_integral_value()))


@cache
def items() -> tuple[CatalogueItem, ...]:
    """The gap-assessment catalogue, in its order."""
    return tuple(
        CatalogueItem(
            key=row["key"].strip(),
            clause_2015=row["clause_2015"].strip(),
            title_en=row["title_en"].strip(),
            title_vi=row["title_vi"].strip(),
            guidance_en=row["guidance_en"].strip(),
            guidance_vi=row["guidance_vi"].strip(),
            evidence=tuple(k.strip() for k in row["evidence"].split("|") if k.strip()),
        )
        for row in _rows(ITEMS_FILE)
    )


@cache
def items_by_key() -> dict[str, CatalogueItem]:
    return {item.key: item for item in items()}


def item(key: str) -> CatalogueItem | None:
    return items_by_key().get(key)


@cache
def steps() -> tuple[CatalogueStep, ...]:
    return tuple(
        CatalogueStep(
            position=int(row["position"]),
            what_en=row["what_en"].strip(),
            what_vi=row["what_vi"].strip(),
            who_en=row["who_en"].strip(),
            who_vi=row["who_vi"].strip(),
            share=Decimal(row["share"]),
        )
        for row in _rows(STEPS_FILE)
    )
