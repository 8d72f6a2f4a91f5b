"""Years: in headings and titles, in "截至…" dates and in comparisons, against the document's year and kind."""

from __future__ import annotations

import re

from extractor.audit.context import AuditContext, evidence
from schemas import AuditCheck

_YEAR = re.compile(r"(20\d\d)\s*年")
_SELF = re.compile(r"预算|决算|表|说明|概况|情况")
_AS_OF = re.compile(r"截[至止]\s*(20\d\d)\s*年")
_COMPARE = re.compile(r"(?:比|较|与|同)\s*(20\d\d)\s*年\s*(?:度)?\s*(?:当年)?\s*(预算|决算)")
# A heading may name an earlier year where it is about that year: the 上年 execution of a budget,
# a 中期 plan, a period "2024-2026年".
_OTHER_YEAR_OK = re.compile(r"执行|完成|规划|计划|[-—~至到]\s*20\d\d|20\d\d\s*[-—~至到]")


def check_heading_years(ctx: AuditContext) -> list[AuditCheck]:
    """Every year in a heading or table title (and 目录 entry) equals the document's year."""
    if ctx.year is None:
        return []
    out = []
    entries = [(e.line, e.text) for e in ctx.toc]
    heads = [(line, text) for _, line, text in ctx.body_headings]
    for line, text in entries + heads:
        if not _SELF.search(text) or _OTHER_YEAR_OK.search(text):
            continue
        for m in _YEAR.finditer(text):
            y = int(m[1])
            if y != ctx.year:
                out.append(
                    AuditCheck(
                        name="heading_year",
                        severity="material",
                        message=f"the heading says {y}年 in a {ctx.year} document: “{text.strip()[:60]}”",
                        evidence=[evidence(line, text)],
                    )
                )
    return out


def check_as_of_dates(ctx: AuditContext) -> list[AuditCheck]:
    """"截至 Y年…": a year-N 预算 is drawn up in year N−1 and counts its assets as of a date in N−1 or
    the end of N−2 (the last closed year: "截至2024年底" in a 2026 budget); a year-N 决算 as of a date
    in N or in N+1 (when it is drawn up)."""
    if ctx.year is None:
        return []
    final = ctx.doc.meta.doc_kind == "final_accounts"
    allowed = (ctx.year, ctx.year + 1) if final else (ctx.year - 2, ctx.year - 1)
    out = []
    for text, start, _ in ctx.paragraphs():
        for m in _AS_OF.finditer(text):
            y = int(m[1])
            if y not in allowed:
                out.append(
                    AuditCheck(
                        name="as_of_year",
                        severity="material",
                        message=(
                            f"“{m.group(0)}…” in a {ctx.year} {'决算' if final else '预算'}: "
                            f"the date should be in {allowed[0]} or {allowed[1]}"
                        ),
                        evidence=[ctx.evidence_at(start + m.start(), text[m.start() : m.end() + 12])],
                    )
                )
    return out


def check_comparison_years(ctx: AuditContext, taken: list[tuple[int, int]]) -> list[AuditCheck]:
    """A comparison "比 Y年预算" whose base is not an earlier year (预算: Y < N; 决算: 比 N年决算 is
    itself). The ``wrong_year`` findings of the narrative checks (at ``taken``) already report the
    comparisons of the change statements they parsed: a paragraph gets only the matches beyond them."""
    if ctx.year is None:
        return []
    final = ctx.doc.meta.doc_kind == "final_accounts"
    out = []
    for text, start, end in ctx.paragraphs():
        bad = []
        for m in _COMPARE.finditer(text):
            y, what = int(m[1]), m[2]
            wrong = (y > ctx.year or (y == ctx.year and what == "决算")) if final else y >= ctx.year
            if wrong:
                bad.append(m)
        if not bad:
            continue
        first = ctx.narrative.line_at(start).provenance
        last = ctx.narrative.line_at(max(start, end - 1)).provenance
        lo, hi = (first.page or 0, first.line or 0), (last.page or 0, last.line or 0)
        already = sum(1 for t in taken if lo <= t <= hi)
        for m in bad[already:]:
            out.append(
                AuditCheck(
                    name="comparison_year",
                    severity="material",
                    message=f"a {ctx.year} document compares with “{m.group(0)}”: the base should be an earlier year",
                    evidence=[ctx.evidence_at(start + m.start(), text[max(0, m.start() - 15) : m.end() + 10])],
                )
            )
    return out
