"""Indicator scoring: rows of the 绩效目标表 against ``indicators.json``.

Tables are paired first (same kind; project names by similarity ≥ 0.6, since the 项目名称 cell
is often worded differently from 表7), then indicators inside a pair are assigned one-to-one by
the similarity of their whitespace-free 三级指标 name (≥ 0.6, +0.2 when 二级指标 agrees).
A matched indicator is correct when level1, level2, level3, operator and number are all equal
(whitespace ignored in names, Decimal equality for numbers).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from evals.common import Layer, Score, fmt, in_layer, match_one_to_one, similarity, squash
from schemas.tables import Indicator, Table

VALUES = ("level1", "level2", "level3", "operator", "number")
EXTRA_FIELDS = ("unit", "value_raw", "weight", "last_year_value")


def _gold_value(ind: dict[str, Any], name: str) -> Any:
    v = ind.get(name)
    if name in ("number", "weight"):
        return None if v is None else Decimal(str(v))
    return squash(v) if name != "operator" and v is not None else v


def _pred_value(ind: Indicator, name: str) -> Any:
    v = getattr(ind, name)
    return squash(v) if isinstance(v, str) and name != "operator" else v


def _table_sim(g: dict[str, Any], p: Table) -> float:
    if p.kind.value != f"{g['kind']}_performance":
        return 0.0
    gp = squash((g.get("header") or {}).get("project"))
    pp = squash(p.performance_header.project if p.performance_header else None)
    if not gp and not pp:
        return 1.0
    return similarity(gp, pp)


def _ind_sim(g: dict[str, Any], p: Indicator) -> float:
    s = similarity(squash(g["level3"]), squash(p.level3))
    return s + (0.2 if squash(g.get("level2")) == squash(p.level2) else 0.0)


def score_indicators(gold: dict[str, Any], tables: list[Table], layer: Layer = "merged") -> Score:
    """P/R/F1 of indicator rows; wrong values count against both."""
    gtables = gold.get("performance_tables", [])
    ptables = [t for t in tables if t.kind.value.endswith("performance")]
    score = Score()
    pairs, miss_g, miss_p = match_one_to_one(gtables, ptables, _table_sim, 0.6)
    groups = [(gtables[gi], ptables[pi]) for gi, pi in pairs]
    groups += [(gtables[gi], None) for gi in miss_g] + [(None, ptables[pi]) for pi in miss_p]
    for gt, pt in groups:
        project = (
            ((gt or {}).get("header") or {}).get("project")
            or (pt.performance_header.project if pt and pt.performance_header else None)
            or "部门整体"
        )
        ginds = (gt or {}).get("indicators", [])
        pinds = [i for i in (pt.indicators if pt else []) if in_layer(i.origin, layer)]
        matched, mg, mp = match_one_to_one(ginds, pinds, _ind_sim, 0.6)
        for gi in mg:
            g = ginds[gi]
            score.miss(f"{project} · {g['level3']}", f"{g['level3']} {fmt(g.get('value_raw'))}", g["level3"])
        for pi in mp:
            p = pinds[pi]
            score.extra(f"{project} · {p.level3}", f"{p.level3} {fmt(p.value_raw)}", p.origin, p.provenance)
        for gi, pi in matched:
            g, p = ginds[gi], pinds[pi]
            same = {f: _gold_value(g, f) == _pred_value(p, f) for f in VALUES + EXTRA_FIELDS}
            wrong = [f for f in VALUES if not same[f]]
            for f, ok in same.items():
                score.field(f, ok)
            if wrong:
                score.wrong_fields(
                    f"{project} · {g['level3']}", wrong, g, p, p.origin, p.provenance, anchor=g["level3"]
                )
            else:
                score.tp += 1
    return score
