"""Checks on the wording of the prose: placeholders, template leftovers, punctuation, paired marks."""

from __future__ import annotations

import re

from extractor.audit.context import AuditContext, evidence
from extractor.audit.rules import LEFTOVERS, MISSING_PERIOD, PAIRS, PLACEHOLDERS, PUNCTUATION, TextRule
from schemas import AuditCheck

_NEXT_STARTS = re.compile(r"^\s*(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[、.．](?!\d)|财政拨款|[^\s]{2,12}(主要内容|如下))")


def _rule_checks(ctx: AuditContext, rules: tuple[TextRule, ...], severity: str) -> list[AuditCheck]:
    out = []
    for text, start, _ in ctx.paragraphs():
        for rule in rules:
            for m in rule.pattern.finditer(text):
                span = text[max(0, m.start() - 20) : m.end() + 10]
                out.append(
                    AuditCheck(
                        name=rule.name,
                        severity=severity,  # type: ignore[arg-type]
                        message=rule.message.format(match=m.group(0)),
                        evidence=[ctx.evidence_at(start + m.start(), span)],
                    )
                )
    return out


def _closed_nearby(excess: list[int], k: int, reach: int = 3) -> bool:
    """Is paragraph ``k``'s excess of one mark undone by the nearest unbalanced paragraph within
    ``reach`` (a page footer or a heading may sit between the two halves)?"""
    n = excess[k]
    step = 1 if n > 0 else -1
    for j in range(k + step, k + step * (reach + 1), step):
        if not 0 <= j < len(excess):
            return False
        if excess[j] != 0:
            return excess[j] == -n
    return False


def check_placeholders(ctx: AuditContext) -> list[AuditCheck]:
    """XX / ×× / 某某 anywhere: prose, headings, table rows and 编制部门 lines."""
    out = []
    for line in ctx.lines:
        for m in PLACEHOLDERS.pattern.finditer(line.text):
            out.append(
                AuditCheck(
                    name="placeholder",
                    severity="material",
                    message=PLACEHOLDERS.message.format(match=m.group(0)),
                    evidence=[evidence(line)],
                )
            )
    return out


def check_leftovers(ctx: AuditContext) -> list[AuditCheck]:
    """Template wording left in (增加（减少）, 增长（下降）, an empty 主要原因, fill-in instructions)."""
    return _rule_checks(ctx, LEFTOVERS, "material")


def check_punctuation(ctx: AuditContext) -> list[AuditCheck]:
    """Doubled (。。) and stray (，。) punctuation, unbalanced quotes and brackets in a paragraph, and a
    reason that ends without its full stop."""
    out = _rule_checks(ctx, PUNCTUATION, "warning")
    for e in ctx.toc:  # 目录 entries are not in the paragraphs: each is checked alone
        for name, open_, close in PAIRS:
            if e.text.count(open_) != e.text.count(close):
                out.append(
                    AuditCheck(
                        name=name,
                        severity="warning",
                        message=f"{e.text.count(open_)} “{open_}” but {e.text.count(close)} “{close}” in the 目录 entry “{e.text}”",
                        evidence=[evidence(e.line, e.text)],
                    )
                )
    paragraphs = ctx.paragraphs()
    for name, open_, close in PAIRS:
        excess = [text.count(open_) - text.count(close) for text, _, _ in paragraphs]
        for k, (text, start, _) in enumerate(paragraphs):
            n = excess[k]
            # a paragraph split at a page break or a wrapped heading: an opening mark left open that
            # the next paragraph closes (or a closing mark the previous one opened) is balanced
            if n == 0 or _closed_nearby(excess, k):
                continue
            at = text.find(close if n < 0 else open_)
            out.append(
                AuditCheck(
                    name=name,
                    severity="warning",
                    message=f"{text.count(open_)} “{open_}” but {text.count(close)} “{close}” in one paragraph",
                    evidence=[ctx.evidence_at(start + at, text[max(0, at - 30) : at + 30])],
                )
            )
    paragraphs = ctx.paragraphs()
    for (text, start, _), (nxt, _s, _e) in zip(paragraphs, paragraphs[1:], strict=False):
        body = text.strip()
        m = MISSING_PERIOD.search(body)
        if m and _NEXT_STARTS.match(nxt):
            out.append(
                AuditCheck(
                    name="missing_period",
                    severity="warning",
                    message=f"the sentence ends without its full stop: “…{body[-30:]}”",
                    evidence=[ctx.evidence_at(start + len(text) - 1, body[-40:])],
                )
            )
    return out
