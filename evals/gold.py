"""Loading gold fixtures: ``evals/fixtures/<doc_id>/{tables,indicators,narrative,findings}.json``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from evals.common import read_json
from evals.table_scoring import CellKey, cells_of


@dataclass
class GoldDoc:
    """One labelled document. A file that is absent means that family is not labelled."""

    doc_id: str
    path: Path
    # The numeric cells of tables.json (``table_scoring.gold_cells``), parsed once per eval.
    cells: dict[CellKey, Decimal] | None = None
    indicators: dict[str, Any] | None = None
    narrative: dict[str, Any] | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def has_findings(self) -> bool:
        return self.narrative is not None or bool(self.findings)


def load_gold(directory: Path) -> GoldDoc:
    """Read one fixture directory."""
    tables = read_json(directory / "tables.json")
    narrative = read_json(directory / "narrative.json")
    table_findings = read_json(directory / "findings.json") or {}
    findings = list(table_findings.get("findings", []))
    # narrative.json's findings are free text (kind + message); they are scored by kind and by the
    # amounts their message cites (see findings_scoring).
    if narrative:
        findings += [dict(f, origin_file="narrative.json") for f in narrative.get("narrative_findings", [])]
    return GoldDoc(
        doc_id=directory.name,
        path=directory,
        cells=None if tables is None else cells_of(tables),
        indicators=read_json(directory / "indicators.json"),
        narrative=narrative,
        findings=findings,
    )


def load_gold_dir(root: Path) -> dict[str, GoldDoc]:
    """Every fixture under ``root`` by doc id."""
    return {d.name: load_gold(d) for d in sorted(root.iterdir()) if d.is_dir() and any(d.glob("*.json"))}


_RENDERING = re.compile(r"-(pdf|txt|md|text)(-[0-9a-f]{8})?$", re.IGNORECASE)


def gold_id_for(pred_doc_id: str, gold_ids: set[str] | dict[str, Any]) -> str | None:
    """The gold a predicted doc id is scored against: itself, or itself without ``-pdf``/``-txt``
    (and the path hash ``budget-extract run`` may add), then without the folders a corpus run puts
    in front (``2024__001_abc-pdf`` → ``001_abc``)."""
    if pred_doc_id in gold_ids:
        return pred_doc_id
    parts = _RENDERING.sub("", pred_doc_id).split("__")
    for i in range(len(parts)):
        base = "__".join(parts[i:])
        if base in gold_ids:
            return base
    return None
