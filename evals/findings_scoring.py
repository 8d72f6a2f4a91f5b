"""Findings scoring: what the validation raised vs what a careful reader raised.

Gold findings come in two forms (see evals/GUIDE.md):

- structured (``findings.json``): kind, tables ("表2"), rows (code or label), actual (printed),
  expected (computed);
- free text (``narrative.json`` ``narrative_findings``): kind and a message.

A predicted finding matches a gold one when the kinds agree (``check`` == ``kind``) and
  - structured gold: a predicted table starts with a gold table ("表2 …"), a predicted row
    contains a gold row (codes as whole tokens) and, when the gold gives one, ``actual`` is equal;
  - free-text gold: one of the predicted ``actual``/``expected`` amounts is printed in the message
    (thousands separators ignored); a predicted finding without amounts matches on kind alone.
Matching is many-to-many: a slip reported once per column is one finding. Recall counts gold
findings matched by any prediction; a precision error is a predicted finding that matches no
gold finding. Parse diagnostics (``DIAGNOSTICS``) are about the extraction, not the document,
and are not scored.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from evals.common import Diff, Score, fmt
from schemas.findings import Finding

DIAGNOSTICS = frozenset(
    {
        "ingest_warning",
        "no_tables",
        "performance_grid_lost",
        "performance_row",
        "unit_assumed",
        "table_unparsed",
        "unknown_column",
        "unparseable_cell",
        "unparseable_row",
        "ambiguous_columns",
        "llm_rule_conflict",
        # How the LLM layer made the data (rows rebuilt from a lost grid, calls that failed): about
        # the extraction like the two above, never a problem of the document.
        "indicators_from_llm",
        "llm_fallback",
    }
)
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def scored(findings: list[Finding]) -> list[Finding]:
    """The findings that speak about the document (diagnostics and parse errors left out)."""
    return [f for f in findings if f.check not in DIAGNOSTICS and f.severity != "error"]


def _amounts(text: str) -> set[Decimal]:
    out = set()
    for m in _NUMBER.findall(text):
        try:
            out.add(Decimal(m.replace(",", "")))
        except InvalidOperation:
            continue
    return out


def _row_hit(gold_row: str, pred_rows: list[str]) -> bool:
    for row in pred_rows:
        tokens = row.replace(":", " ").split()
        if gold_row in tokens or (not gold_row.isdigit() and gold_row in row):
            return True
    return False


def matches(gold: dict[str, Any], pred: Finding) -> bool:
    """Whether ``pred`` reports the problem ``gold`` describes (rule in the module docstring)."""
    if gold["kind"] != pred.check:
        return False
    pred_amounts = {a for a in (pred.actual, pred.expected) if a is not None}
    if gold.get("tables") or gold.get("rows") or gold.get("actual") is not None:
        if gold.get("tables") and not any(
            p == t or p.startswith(f"{t} ") for t in gold["tables"] for p in pred.tables
        ):
            return False
        if gold.get("rows") and not any(_row_hit(r, pred.rows) for r in gold["rows"]):
            return False
        return gold.get("actual") is None or Decimal(str(gold["actual"])) == pred.actual
    if not pred_amounts:
        return True
    return bool(pred_amounts & _amounts(gold.get("message", "")))


def _gold_key(g: dict[str, Any]) -> str:
    where = " ".join([*g.get("tables", []), *g.get("rows", [])])
    return f"{g['kind']} {where}".strip()


def score_findings(gold: list[dict[str, Any]], pred: list[Finding]) -> Score:
    """Gold findings found (recall) and predicted findings that match nothing (precision)."""
    score = Score()
    pred = scored(pred)
    used: set[int] = set()
    for g in gold:
        hits = [i for i, p in enumerate(pred) if matches(g, p)]
        used.update(hits)
        if hits:
            score.tp += 1
        else:
            amounts = f"{fmt(g.get('actual'))} vs {fmt(g.get('expected'))}" if "actual" in g else ""
            score.diffs.append(
                Diff(
                    "miss",
                    _gold_key(g),
                    gold=f"{amounts} {g.get('message', '')}".strip(),
                    anchor=(g.get("rows") or [None])[0],
                )
            )
    for i, p in enumerate(pred):
        if i not in used:
            score.diffs.append(
                Diff(
                    "extra",
                    f"{p.check} {' '.join(p.tables + p.rows)}".strip(),
                    pred=p.message,
                    origin="rule",
                    provenance=p.provenance,
                )
            )
    return score
