"""Numeric-cell scoring: predictions vs gold, matched on (table kind, row key, column id)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from extractor.labels import normalise_label
from schemas import BudgetDocument, Cell
from schemas.provenance import Provenance

CellKey = tuple[str, str, str, str, str, int]
V = TypeVar("V")


def _row_key(
    kind: str, section: str | None, code: str | None, label: str | None, project: str | None
) -> tuple[str, str, str, str]:
    ident = code or normalise_label(label or "")
    return kind, section or "", ident, normalise_label(project or "")


def _number(text: str) -> Decimal:
    return Decimal(re.sub(r"[,\s]", "", text))


def _with_occurrence(items: list[tuple[tuple[str, str, str, str], str, V]]) -> dict[CellKey, V]:
    """Rows repeated under the same key (two "一般公共预算拨款" lines) are numbered in order."""
    seen: Counter[tuple[tuple[str, str, str, str], str]] = Counter()
    out: dict[CellKey, V] = {}
    for row_key, column, value in items:
        n = seen[(row_key, column)]
        seen[(row_key, column)] += 1
        out[(*row_key, column, n)] = value
    return out


def gold_cells(path: Path) -> dict[CellKey, Decimal]:
    """Every labelled non-empty numeric cell of a ``tables.json`` gold file."""
    return cells_of(json.loads(path.read_text(encoding="utf-8")))


def cells_of(data: dict[str, Any]) -> dict[CellKey, Decimal]:
    """``gold_cells`` of an already parsed ``tables.json``."""
    items = []
    for table in data["tables"]:
        if table["kind"].endswith("performance"):
            continue
        for c in table["cells"]:
            key = _row_key(table["kind"], c.get("section"), c.get("code"), c.get("label"), c.get("project"))
            items.append((key, c["column"], _number(c["value"])))
    return _with_occurrence(items)


def _predicted(doc: BudgetDocument, what: Callable[[Cell], object]) -> dict[CellKey, Any]:
    items = []
    for table in doc.tables:
        for row in table.rows:
            key = _row_key(table.kind.value, row.section, row.code, row.label, row.project)
            items += [(key, cell.column_id, what(cell)) for cell in row.cells if cell.value is not None]
    return _with_occurrence(items)


def predicted_cells(doc: BudgetDocument) -> dict[CellKey, Decimal]:
    """Every non-empty numeric cell the extractor produced."""
    return _predicted(doc, lambda cell: cell.value)


def predicted_cell_provenance(doc: BudgetDocument) -> dict[CellKey, Provenance]:
    """Where each cell of ``predicted_cells`` was read (same keys), for reports."""
    return _predicted(doc, lambda cell: cell.provenance)


@dataclass
class CellScore:
    """Exact-match counts and the differences, for a report or a failing test."""

    tp: int = 0
    missing: list[tuple[CellKey, Decimal]] = field(default_factory=list)
    extra: list[tuple[CellKey, Decimal]] = field(default_factory=list)
    wrong: list[tuple[CellKey, Decimal, Decimal]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        denom = self.tp + len(self.extra) + len(self.wrong)
        return self.tp / denom if denom else 1.0

    @property
    def recall(self) -> float:
        denom = self.tp + len(self.missing) + len(self.wrong)
        return self.tp / denom if denom else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_cells(pred: dict[CellKey, Decimal], gold: dict[CellKey, Decimal]) -> CellScore:
    """Decimal equality per key: a wrong value counts against precision and recall."""
    score = CellScore()
    for key, value in gold.items():
        if key not in pred:
            score.missing.append((key, value))
        elif pred[key] == value:
            score.tp += 1
        else:
            score.wrong.append((key, value, pred[key]))
    score.extra = [(k, v) for k, v in pred.items() if k not in gold]
    return score
