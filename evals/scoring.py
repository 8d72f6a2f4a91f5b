"""Score one predicted document against its gold, per field family and layer; aggregate over docs."""

from __future__ import annotations

from statistics import mean
from typing import Any

from evals.common import Diff, Layer, Score
from evals.findings_scoring import score_findings
from evals.gold import GoldDoc
from evals.indicator_scoring import score_indicators
from evals.narrative_scoring import FAMILIES as NARRATIVE_FAMILIES
from evals.narrative_scoring import score_narrative
from evals.table_scoring import predicted_cell_provenance, predicted_cells, score_cells
from schemas import BudgetDocument

FAMILIES = ("cells", "indicators", *NARRATIVE_FAMILIES, "findings")
# The overall score sums these; reasons_exact and reason_category restate reasons_normalised.
OVERALL = (
    "cells",
    "indicators",
    "changes",
    "reasons_normalised",
    "projects",
    "policy_documents",
    "allocations",
    "findings",
)


def _cell_key(key: tuple) -> str:
    kind, section, ident, project, column, n = key
    parts = [kind, f"{section}:" if section else "", ident, f"[{project}]" if project else "", column]
    return " ".join(p for p in parts if p) + (f" #{n + 1}" if n else "")


def score_cells_family(doc: BudgetDocument, gold: GoldDoc) -> Score:
    """Numeric cells via ``table_scoring``, as a ``Score`` with provenance on each difference."""
    assert gold.cells is not None
    result = score_cells(predicted_cells(doc), gold.cells)
    where = predicted_cell_provenance(doc)
    score = Score(tp=result.tp)
    score.diffs += [Diff("miss", _cell_key(k), gold=str(v), anchor=str(v)) for k, v in result.missing]
    score.diffs += [
        Diff("wrong", _cell_key(k), gold=str(g), pred=str(p), origin="rule", provenance=where.get(k))
        for k, g, p in result.wrong
    ]
    score.diffs += [
        Diff("extra", _cell_key(k), pred=str(v), origin="rule", provenance=where.get(k))
        for k, v in result.extra
    ]
    return score


def score_document(doc: BudgetDocument, gold: GoldDoc, layer: Layer = "merged") -> dict[str, Score]:
    """Every labelled family of one document. Families the gold does not label are left out, and
    so are the rules-only families (cells, findings) from the LLM layer's score."""
    out: dict[str, Score] = {}
    if gold.cells is not None and layer != "llm":
        out["cells"] = score_cells_family(doc, gold)
    if gold.indicators is not None:
        out["indicators"] = score_indicators(gold.indicators, doc.tables, layer)
    if gold.narrative is not None:
        out.update(score_narrative(gold.narrative, doc.narrative.changes, doc.narrative.projects, layer))
    if gold.has_findings and layer != "llm":
        out["findings"] = score_findings(gold.findings, doc.findings)
    return out


def prf(score: Score) -> dict[str, Any]:
    return {
        "precision": round(score.precision, 4),
        "recall": round(score.recall, 4),
        "f1": round(score.f1, 4),
        "tp": score.tp,
        "fp": score.fp,
        "fn": score.fn,
    }


def aggregate(per_doc: dict[str, dict[str, Score]]) -> dict[str, Any]:
    """Micro (summed counts) and macro (mean of per-document P/R/F1) per family, and overall.

    Macro averages only over documents where the family has gold or predicted items.
    """
    families: dict[str, Any] = {}
    for fam in FAMILIES:
        scores = [s[fam] for s in per_doc.values() if fam in s]
        if not scores:
            continue
        micro = Score()
        for s in scores:
            micro.add(s)
        informative = [s for s in scores if not s.empty]
        families[fam] = {
            "micro": prf(micro),
            "macro": {
                "precision": round(mean(s.precision for s in informative), 4) if informative else None,
                "recall": round(mean(s.recall for s in informative), 4) if informative else None,
                "f1": round(mean(s.f1 for s in informative), 4) if informative else None,
                "documents": len(informative),
            },
            "fields": {
                k: {"correct": ok, "compared": n, "accuracy": round(ok / n, 4) if n else None}
                for k, (ok, n) in micro.fields.items()
            },
        }
    overall = Score()
    for fam in OVERALL:
        for s in per_doc.values():
            if fam in s:
                overall.add(s[fam])
    f1s = [families[f]["micro"]["f1"] for f in OVERALL if f in families]
    return {
        "families": families,
        "overall": {"micro": prf(overall), "macro_over_families_f1": round(mean(f1s), 4) if f1s else None},
    }
