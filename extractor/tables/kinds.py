"""Table titles → canonical kinds and printed numbers, across template families.

The vocabulary is data: ``TITLE_RULES`` maps title patterns to kinds, each with titles printed in
real documents of the national, Shanghai and Jiangsu families (预算 and 决算 forms) beside it; the
tests run every example. A title that looks like a table title but matches no rule is still a
table (kind ``other``), so an unknown table is never lost.
"""

from __future__ import annotations

import re
from functools import lru_cache

from extractor.labels import squash
from schemas import TableKind

# Ordered: the first pattern that matches the title (whitespace removed, number and year prefix
# dropped) wins, so the specific titles come first. Each rule: (pattern, kind, real examples).
TITLE_RULES: tuple[tuple[str, TableKind, tuple[str, ...]], ...] = (
    (r"部门整体(支出)?绩效目标", TableKind.department_performance, ("部门整体支出绩效目标表",)),
    (r"项目(支出)?绩效目标", TableKind.project_performance, ("项目支出绩效目标表",)),
    (
        r"三公",
        TableKind.three_public,
        (
            "财政拨款“三公”经费支出情况表",
            "部门“三公”经费和机关运行经费预算表",
            "一般公共预算“三公”经费、会议费、培训费支出预算表",
            "财政拨款“三公”经费支出决算表",
        ),
    ),
    (r"委托业务费", TableKind.entrusted_business, ("财政拨款委托业务费支出情况表",)),
    (r"上年结转结余|年初结转结余", TableKind.carryover, ("上年结转结余情况表",)),
    (r"政府采购", TableKind.government_procurement, ("2018年政府采购预算表", "政府采购支出预算表")),
    (r"国有资产占用", TableKind.state_assets, ("国有资产占用情况表",)),
    (
        r"机关运行经费",
        TableKind.admin_operation,
        ("一般公共预算机关运行经费支出预算表", "机关运行经费支出预算表"),
    ),
    (
        r"政府性基金.*(支出|收入|预算表|决算表)",
        TableKind.government_fund_expenditure,
        (
            "政府性基金预算支出情况表",
            "财政拨款政府性基金支出预算表",
            "政府性基金财政拨款支出预算表",
            "部门政府性基金预算支出功能分类预算表",
            "政府性基金预算财政拨款收入支出决算表",
        ),
    ),
    (
        r"国有资本经营.*(支出|收入|预算表|决算表)",
        TableKind.state_capital_expenditure,
        ("国有资本经营预算支出情况表", "部门国有资本经营预算支出功能分类预算表"),
    ),
    (
        r"一般公共预算.*基本支出",
        TableKind.basic_expenditure,
        (
            "一般公共预算基本支出情况表",
            "部门一般公共预算基本支出经济分类预算表",
            "一般公共预算基本支出预算表（经济科目）",
            "一般公共预算财政拨款基本支出决算表",
        ),
    ),
    (
        r"财政拨款基本支出",
        TableKind.fiscal_basic_expenditure,
        ("财政拨款基本支出预算表", "财政拨款基本支出预算表（经济科目）"),
    ),
    (
        r"一般公共预算.*项目支出|^项目支出(预算|情况|明细)*表",
        TableKind.project_expenditure,
        ("一般公共预算项目支出情况表", "项目支出预算表"),
    ),
    (
        r"一般公共预算.*支出",
        TableKind.general_public_expenditure,
        (
            "一般公共预算支出情况表",
            "部门一般公共预算支出功能分类预算表",
            "一般公共预算支出预算表（功能科目）",
            "一般公共预算财政拨款支出决算表",
        ),
    ),
    (
        r"财政拨款收支|财政拨款收入支出",
        TableKind.fiscal_summary,
        ("财政拨款收支预算总体情况表", "部门财政拨款收支预算总表", "财政拨款收入支出决算总表"),
    ),
    (
        r"财政拨款支出",
        TableKind.fiscal_expenditure,
        ("财政拨款支出预算表", "财政拨款支出预算表（功能科目）"),
    ),
    (
        r"部门收支总体|财务收支|收支预算总表|收入支出决算总表|收支总表|收支决算总表",
        TableKind.budget_summary,
        ("部门收支总体情况表", "部门财务收支预算总表", "收支预算总表", "收入支出决算总表"),
    ),
    (
        r"部门收入|收入预算总表|收入决算表|收入总体|收入预算表",
        TableKind.revenue_summary,
        ("部门收入总体情况表", "部门收入预算总表", "收入预算总表", "收入决算表"),
    ),
    (
        r"部门支出|支出预算总表|支出决算表|支出总体|支出预算表",
        TableKind.expenditure_summary,
        ("部门支出总体情况表", "部门支出预算总表", "支出预算总表", "支出决算表"),
    ),
)

_COMPILED = tuple((re.compile(p), kind) for p, kind, _ in TITLE_RULES)
_TITLE_SHAPE = re.compile(r"(情况|明细|预算|决算|总体|总|分类|目标|经费|科目|计划)?表$")
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# A printed table number before the title: 表1 / 表 1 / 表一 / 表1-1 / 公开01表 / 附表1 / 一、 / 1.
_NUMBER = re.compile(
    r"^(?:附?表\s*(?P<a>\d+(?:\s*[-－—]\s*\d+)?|[一二三四五六七八九十]+)\s*[:：.、]?"
    r"|公开\s*(?P<b>\d+)\s*表\s*[:：]?"
    r"|(?P<c>[一二三四五六七八九十]+)\s*、"
    r"|(?P<d>\d{1,2})\s*[.、．](?!\d))\s*"
)
_YEAR = re.compile(r"^(\d{4})\s*年(度)?\s*")
_FISCAL_WORDS = re.compile(r"预算|决算|收支|收入|支出|经费|资金|资产|汇总|统计")
_TRAILING_YEAR = re.compile(r"[（(]\s*\d{4}\s*年?\s*[）)]$")


def chinese_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 二十一 → 21 (the ordinals that number tables)."""
    if not text or any(ch not in _CN_DIGITS for ch in text):
        return None
    if text == "十":
        return 10
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return _CN_DIGITS[text] if len(text) == 1 else None


def split_number(text: str) -> tuple[str | None, str]:
    """A title line → (printed table number normalised to digits, rest). "表 3 部门支出总体情况表"
    → ("3", "部门支出总体情况表"); "公开01表 …" → ("1", …); "一、收支预算总表" → ("1", …)."""
    s = re.sub(r"\s+", " ", text).strip()
    m = _NUMBER.match(s)
    if not m:
        return None, s
    raw = next(g for g in m.group("a", "b", "c", "d") if g)
    raw = squash(raw)
    if raw.isdigit():
        number: str | None = str(int(raw))
    elif re.fullmatch(r"\d+[-－—]\d+", raw):
        number = re.sub(r"[－—]", "-", raw)
    else:
        n = chinese_number(raw)
        number = str(n) if n is not None else None
    return number, s[m.end() :]


def normalise_title(text: str) -> str:
    """Drop markup, whitespace, a printed number, a leading year and a trailing "(2026年)"."""
    _, rest = split_number(text)
    s = squash(rest)
    s = _TRAILING_YEAR.sub("", s)
    s = _YEAR.sub("", s)
    return s.strip("：:")


def kind_of_title(title: str) -> TableKind:
    """The canonical kind of a normalised title; ``other`` when no rule names it."""
    for pattern, kind in _COMPILED:
        if pattern.search(title):
            return kind
    return TableKind.other


@lru_cache(maxsize=8192)
def title_kind(text: str) -> TableKind | None:
    """The canonical kind of a table title line, or None if the line is not a table title.

    A title is short, ends in 表 (or 表 and a bracketed qualifier such as "（功能科目）"), and is
    not a sentence (no "，" "。", no "为空表", no "说明").
    """
    s = normalise_title(text)
    core = re.sub(r"[（(][^（()）]{1,8}[)）]$", "", s)
    if not core or len(core) > 60 or not core.endswith("表") or "为空表" in core:
        return None
    if re.search(r"[，。；]|说明|[:：]", core) or re.search(r"\d[\d,]*\.\d", core):
        return None
    if not _TITLE_SHAPE.search(core):
        return None
    kind = kind_of_title(core)
    if kind is TableKind.other and (not _FISCAL_WORDS.search(core) or re.search(r"公开|报表$", core)):
        return None
    return kind


TWO_SIDED = {TableKind.budget_summary, TableKind.fiscal_summary}
PERFORMANCE = {TableKind.department_performance, TableKind.project_performance}
