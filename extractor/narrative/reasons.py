"""Reasons given for a change: split a reason text into atomic reasons and categorise them.

Splitting and categorising are keyword rules; whatever they cannot decide is left to the LLM
layer (``categorize_with_confidence`` says when a rule is sure).
"""

from __future__ import annotations

import re

from extractor.narrative.text import NarrativeText
from schemas.narrative import Reason, ReasonCategory

# Enumerators that open an atomic reason: 一是/二是…, 其一, （1）, 1、, ①.
_ENUM = re.compile(
    r"(?:(?<=^)|(?<=[；;，,。：:\s]))"
    r"(?:[一二三四五六七八九十]是|其[一二三四五六七八九十]|[（(]\d{1,2}[)）]|\d{1,2}[、．.](?!\d)|[①-⑩])\s*"
)
_TRIM = "。；;，,、：: \t\n"
# Words that make a clause a reason of its own (used to split on "及" only between two reasons).
_CHANGE_VERB = re.compile(r"增加|减少|增长|下降|调整|下调|上调|增资|调资|调增|调减|新增|压减|变化|变动|取消|结束")
# A clause that tells the effect of the cause before it ("…增加了在职人数，住房公积金有所增长"):
# the two clauses are one reason.
_EFFECT = re.compile(
    r"^(?:所以|因此|从而|故|致使|导致|使得?)|有所(?:增长|增加|减少|下降|上升)|相应(?:增加|减少|增长|下降)|该项支出|可比性"
    r"|^(?:减少|增加|节约|节省)[^，,。；]{0,10}(?:开支|支出)$"  # "人员进出及退休变化，减少人员经费开支"
)
# A connective that opens the second of two listed causes ("…变化，以及项目支出中…"): not part of it.
_CONNECTIVE = re.compile(r"^(?:以及|并且|同时|此外|另外|及|和)")

# Keyword rules by category, tried in this order; the first category that matches wins.
# Order matters where wordings overlap: 结转 before 支付完毕 (a carry-over spent), 转移支付 /
# 不确定 before personnel words, 工资调整 before 人员 (pay rises mention 在职人员), 测算 before
# 人数 (an amount computed from headcounts of beneficiaries is not a staffing change).
CATEGORY_KEYWORDS: list[tuple[ReasonCategory, re.Pattern[str]]] = [
    # 结转结余变化: the carry-over itself is the reason.
    ("carryover_change", re.compile(r"结转|结余[^，,。；]{0,6}上缴")),
    # 上级转移支付 / 资金下达不确定.
    (
        "transfer_uncertainty",
        re.compile(r"转移支付|不确定|资金下达|提前下达|上级(拨付|下达|补助)|(中央|自治区|省|市)(财政)?拨付"),
    ),
    # 科目调整、列支口径、会计核算变化.
    (
        "classification_change",
        re.compile(
            r"科目|列入|列支|口径|核算|款项|功能分类|经济分类|调整至|调整到|调至|归口|划转"
            r"|改由[^，,。；]{0,12}(?:发放|支付|承担|负担)"  # 退休人员工资改由社保发放
        ),
    ),
    # 项目结束、一次性经费、本年无此预算.
    (
        "project_ended",
        re.compile(r"无此(项)?预算|一次性|支付完毕|已完成|项目(结束|完成|到期|终止)|不再安排|本年(度)?无"),
    ),
    # 工资调整、缴费基数/标准调整.
    (
        "pay_standard_adjustment",
        re.compile(
            r"工资调整|调整工资|调资|增资|基数调整|缴费基数|(标准|基数)(提高|调整|上调)|提标|工资标准"
            r"|政策性调(?:整|增|标)"  # 住房公积金和房贴政策性调增
        ),
    ),
    # 增设机构、在职人数增加 (before 项目 words: "因新增…等机构增加了人员经费" is a staffing change).
    ("personnel_change", re.compile(r"(?:新增|增设|新设|撤销|合并)[^，,。；]{0,12}机构|在职人数")),
    # 项目规模/内容变化; "增加(了)…经费": more money for an existing line.
    (
        "project_changed",
        re.compile(
            r"项目(调整|规模|内容|变化)|计算|测算|实施进度|建设进度|任务(增加|减少)"
            r"|^增加了?[^，,。；]*(?:经费|费)"
        ),
    ),
    # 人员增减、在职转退休、编制变化.
    (
        "personnel_change",
        re.compile(r"人员(增加|减少|增|减|变化|变动|退休)|\d+\s*人|退休|人数|编制|调入|调出|离职|新进人员"),
    ),
    # 新增项目.
    ("project_added", re.compile(r"新增[^，。；]*(项目|经费|(?<!缴)费$)|新设|新上|新建项目")),
    # 厉行节约、压减、与上年持平.
    ("austerity_unchanged", re.compile(r"厉行节约|勤俭|压减|压缩|节约|持平|无变化|保持不变|没有变化")),
]


def categorize_with_confidence(reason: str) -> tuple[ReasonCategory, bool]:
    """The category of one atomic reason and whether the rule is sure (exactly one category's
    keywords matched). Unmatched reasons are ("other", False)."""
    hits = list(dict.fromkeys(cat for cat, pattern in CATEGORY_KEYWORDS if pattern.search(reason)))
    if not hits:
        return "other", False
    return hits[0], len(hits) == 1


def categorize(reason: str) -> ReasonCategory:
    """The category of one atomic reason by keyword rules; "other" when no rule decides."""
    return categorize_with_confidence(reason)[0]


def _pieces(reason_text: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each atomic reason within ``reason_text`` (enumerators excluded)."""
    marks = list(_ENUM.finditer(reason_text))
    if marks:
        bounds = [(0, marks[0].start())] if reason_text[: marks[0].start()].strip(_TRIM) else []
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(reason_text)
            bounds.append((m.end(), end))
        return bounds
    if re.search(r"[；;]", reason_text):
        out, pos = [], 0
        for m in re.finditer(r"[；;]", reason_text):
            out.append((pos, m.start()))
            pos = m.end()
        out.append((pos, len(reason_text)))
        return out
    # "A，B、C": causes listed with commas or 、, each with a change verb of its own and none the
    # effect of the one before ("人员经费政策性调增、新增…运维费、增加了…经费").
    listed = _listed_causes(reason_text, 0, len(reason_text))
    if len(listed) > 1:
        return listed
    # "A及B" where both sides state a change of their own, in one comma-free clause.
    if reason_text.count("及") == 1 and not re.search(r"[，,]", reason_text):
        i = reason_text.index("及")
        left, right = reason_text[:i], reason_text[i + 1 :]
        if _CHANGE_VERB.search(left) and _CHANGE_VERB.search(right) and len(left) >= 4 and len(right) >= 4:
            return [(0, i), (i + 1, len(reason_text))]
    return [(0, len(reason_text))]


def _causes(text: str, a: int, b: int, marks: str) -> list[tuple[int, int]] | None:
    """``text[a:b]`` cut at each of ``marks`` when every piece is a cause of its own (a change
    verb, at least 4 characters, not an effect clause); None otherwise."""
    cuts = [i for i in range(a, b) if text[i] in marks]
    if not cuts:
        return None
    bounds = []
    for x, y in zip([a, *(c + 1 for c in cuts)], [*cuts, b], strict=True):
        while x < y and text[x] in _TRIM:
            x += 1
        if x > a and (m := _CONNECTIVE.match(text, x, y)):
            x = m.end()
        piece = text[x:y].strip(_TRIM)
        if len(piece) < 4 or not _CHANGE_VERB.search(piece) or _EFFECT.search(piece):
            return None
        bounds.append((x, y))
    return bounds


def _listed_causes(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Pieces of a reason listed with ，/, (then 、 inside each piece), or the whole."""
    body_end = len(text[a:b].rstrip(_TRIM)) + a
    top = _causes(text, a, body_end, "，,") or [(a, body_end)]
    out: list[tuple[int, int]] = []
    for x, y in top:
        out += _causes(text, x, y, "、") or [(x, y)]
    return out


def _raw_offset(raw: str, start: int, index: int) -> int:
    """Offset in ``raw`` (from ``start``) of character ``index`` of ``raw`` with newlines removed."""
    pos, seen = start, 0
    while pos < len(raw) and seen < index:
        if raw[pos] != "\n":
            seen += 1
        pos += 1
    while pos < len(raw) and raw[pos] == "\n":
        pos += 1
    return pos


def split_reasons(reason_text: str, start: int, text: NarrativeText) -> list[Reason]:
    """Atomic reasons of ``reason_text``, which begins at offset ``start`` of ``text`` (line
    breaks of the source removed). Each reason is a verbatim substring with its provenance."""
    out: list[Reason] = []
    for a, b in _pieces(reason_text):
        piece = reason_text[a:b]
        lead = len(piece) - len(piece.lstrip(_TRIM))
        body = piece.strip(_TRIM)
        if not body:
            continue
        a += lead
        b = a + len(body)
        prov = text.provenance(_raw_offset(text.text, start, a), _raw_offset(text.text, start, b))
        out.append(Reason(text=body, category=categorize(body), provenance=prov))
    return out
