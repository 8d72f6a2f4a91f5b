"""Table titles → canonical kinds, across template families."""

from __future__ import annotations

import re

from schemas import TableKind

# Ordered: the first pattern that matches the title (whitespace removed, year prefix dropped)
# wins, so the specific titles come first.
TITLE_RULES: tuple[tuple[str, TableKind], ...] = (
    (r"部门整体(支出)?绩效目标", TableKind.department_performance),
    (r"项目(支出)?绩效目标", TableKind.project_performance),
    (r"三公.*经费", TableKind.three_public),
    (r"委托业务费", TableKind.entrusted_business),
    (r"上年结转结余|年初结转结余", TableKind.carryover),
    (r"政府性基金预算.*(支出|收入)", TableKind.government_fund_expenditure),
    (r"国有资本经营预算.*(支出|收入)", TableKind.state_capital_expenditure),
    (r"一般公共预算.*基本支出", TableKind.basic_expenditure),
    (r"一般公共预算.*项目支出", TableKind.project_expenditure),
    (r"一般公共预算.*支出", TableKind.general_public_expenditure),
    (r"财政拨款收支|财政拨款收入支出", TableKind.fiscal_summary),
    (r"部门收支总体|财务收支|收支预算总表|收入支出决算总表|收支总表", TableKind.budget_summary),
    (r"部门收入|收入预算总表|收入决算表|收入总体", TableKind.revenue_summary),
    (r"部门支出|支出预算总表|支出决算表|支出总体", TableKind.expenditure_summary),
)

_TITLE_SHAPE = re.compile(r"(情况|明细|预算|决算|总体|总|分类|目标|经费)?表$")
_PREFIX = re.compile(r"^(表\s*\d+\s*)?((\d{4})\s*年(度)?)?\s*")


def normalise_title(text: str) -> str:
    """Drop markup, whitespace, a "表 N" and a leading year, and stray quote marks."""
    s = re.sub(r"\s+", "", text)
    s = re.sub(r"[（(]\d{4}年?[）)]$", "", s)
    s = _PREFIX.sub("", s)
    return s.strip("：:")


def title_kind(text: str) -> TableKind | None:
    """The canonical kind of a table title line, or None if the line is not a table title.

    A title is short, ends in 表, and is not a sentence (no "，" "。", no "为空表").
    """
    s = normalise_title(text)
    if not s or len(s) > 40 or not s.endswith("表") or "为空表" in s:
        return None
    if re.search(r"[，。；]|说明|^[一二三四五六七八九十]+、", s):
        return None
    if not _TITLE_SHAPE.search(s):
        return None
    for pattern, kind in TITLE_RULES:
        if re.search(pattern, s):
            return kind
    return None


TWO_SIDED = {TableKind.budget_summary, TableKind.fiscal_summary}
PERFORMANCE = {TableKind.department_performance, TableKind.project_performance}
