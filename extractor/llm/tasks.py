"""What the LLM layer asks, and how each answer is grounded before anyone sees it.

Each task takes the rules' output and the document text, makes a few batched calls, and
returns only items whose texts were found in the source (``Grounder``); everything else is
dropped and counted in ``usage.ungrounded_dropped``. Returned items carry ``origin="llm"``;
``extractor.narrative.merge`` decides what to keep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from extractor.llm.client import LlmClient
from extractor.llm.grounding import Grounder
from extractor.narrative.text import NarrativeText
from extractor.parse_performance import parse_target
from schemas import ChangeStatement, Indicator, LlmUsage, PolicyDocument, Provenance, Reason
from schemas.llm import Changes, IndicatorItem, Indicators, PolicyDocuments, ReasonSplits

REASON_BATCH = 6  # reason texts per call: small models lose track of longer lists
_CHANGE_HINT = re.compile(r"主要原因|比上年|比20\d\d年|较上年|与上年")


@dataclass
class LlmContext:
    """One document's text, grounder, client and usage record."""

    text: NarrativeText
    client: LlmClient
    usage: LlmUsage

    def __post_init__(self) -> None:
        self.grounder = Grounder(self.text.text)

    def ground(self, needle: str | None, window: tuple[int, int]) -> tuple[int, int] | None:
        """Span of ``needle`` inside ``window`` of the text; counts grounded/dropped."""
        if not needle or not needle.strip():
            return None
        span = self.grounder.find(needle, *window)
        if span is None:
            self.usage.ungrounded_dropped += 1
        else:
            self.usage.grounded += 1
        return span


def _window(ctx: LlmContext, text: str | None) -> tuple[int, int] | None:
    """Where a rules-found verbatim text sits in the narrative text."""
    return ctx.grounder.find(text) if text else None


def split_reasons(ctx: LlmContext, changes: list[ChangeStatement]) -> dict[int, list[Reason]]:
    """Atomic reasons with categories for every change with a reason text.

    Returns change index → grounded reasons; a change whose batch failed is absent.
    """
    todo = [(i, c.reason_text, _window(ctx, c.reason_text)) for i, c in enumerate(changes) if c.reason_text]
    todo = [(i, t, w) for i, t, w in todo if w is not None]
    out: dict[int, list[Reason]] = {}
    for b in range(0, len(todo), REASON_BATCH):
        batch = todo[b : b + REASON_BATCH]
        items = "\n".join(f"[{n}] {t}" for n, (_, t, _) in enumerate(batch, 1))
        answer = ctx.client.ask("change_reasons", ReasonSplits, ctx.usage, items=items)
        if answer is None:
            continue
        by_id = {item.id: item for item in answer.items}
        for n, (i, _, window) in enumerate(batch, 1):
            item = by_id.get(n)
            if item is None:
                continue
            reasons = []
            for r in item.reasons:
                span = ctx.ground(r.text, window)
                if span is not None:
                    reasons.append(
                        Reason(
                            text=ctx.text.text[span[0] : span[1]],
                            category=r.category,
                            origin="llm",
                            provenance=ctx.text.provenance(*span),
                        )
                    )
            out[i] = reasons
    return out


def policy_documents(ctx: LlmContext, policy_basis: str) -> list[PolicyDocument] | None:
    """Documents cited by one project's policy basis, or None when the call failed."""
    window = _window(ctx, policy_basis)
    if window is None:
        return None
    answer = ctx.client.ask("policy_documents", PolicyDocuments, ctx.usage, text=policy_basis)
    if answer is None:
        return None
    docs = []
    for d in answer.documents:
        title_span = ctx.ground(d.title, window) if d.title else None
        number_span = ctx.ground(d.doc_number, window) if d.doc_number else None
        issuer_span = ctx.ground(d.issuer, window) if d.issuer else None
        if title_span is None and number_span is None:
            continue
        first = min(s[0] for s in (title_span, number_span) if s)
        last = max(s[1] for s in (title_span, number_span) if s)
        docs.append(
            PolicyDocument(
                title=_cut(ctx, title_span),
                doc_number=_cut(ctx, number_span),
                issuer=_cut(ctx, issuer_span),
                origin="llm",
                provenance=ctx.text.provenance(first, last),
            )
        )
    return docs


def indicators(
    ctx: LlmContext, table_text: str, provenance: Provenance
) -> tuple[str | None, list[Indicator]] | None:
    """The project name and indicator rows of a 绩效目标表 whose grid was lost, grounded in
    ``table_text``, or None when the call failed.

    ``table_text`` is the flattened table (it is not part of the narrative text, so grounding
    is done against it); ``provenance`` is the table's.
    """
    answer = ctx.client.ask("indicators", Indicators, ctx.usage, text=table_text)
    if answer is None:
        return None
    grounder = Grounder(table_text)
    project_span = grounder.find(answer.project) if answer.project else None
    project = table_text[project_span[0] : project_span[1]] if project_span else None
    out = []
    for item in answer.indicators:
        span = grounder.find(item.level3)
        value_ok = item.value is None or grounder.find(item.value) is not None
        levels_ok = all(lv is None or grounder.find(lv) is not None for lv in (item.level1, item.level2))
        if span is None or not value_ok or not levels_ok:
            ctx.usage.ungrounded_dropped += 1
            continue
        ctx.usage.grounded += 1
        out.append((item, table_text[span[0] : span[1]]))
    return project, [_indicator(item, name, provenance) for item, name in out]


def _indicator(item: IndicatorItem, name: str, provenance: Provenance) -> Indicator:
    operator, number, unit = parse_target(item.value) if item.value else (None, None, None)
    return Indicator(
        level1=item.level1,
        level2=item.level2,
        level3=name,
        value_raw=item.value,
        operator=operator,  # type: ignore[arg-type]
        number=number,
        unit=unit,
        origin="llm",
        provenance=provenance,
    )


def unmatched_changes(ctx: LlmContext, covered: list[tuple[int, int]]) -> list[ChangeStatement]:
    """Change statements in paragraphs that look like comparisons but no rule matched."""
    out = []
    for start, end in ctx.text.paragraphs():
        para = ctx.text.text[start:end]
        if not _CHANGE_HINT.search(para) or any(s < end and start < e for s, e in covered):
            continue
        answer = ctx.client.ask("change_statements", Changes, ctx.usage, text=para)
        if answer is None:
            continue
        for item in answer.changes:
            subject = ctx.ground(item.subject, (start, end))
            numbers_ok = all(
                v is None or ctx.grounder.find(v.lstrip("-+"), start, end) is not None
                for v in (item.amount, item.delta, item.growth_percent)
            )
            if subject is None or not numbers_ok:
                continue
            reason = ctx.ground(item.reason_text, (start, end)) if item.reason_text else None
            out.append(
                ChangeStatement(
                    section="other",
                    subject=ctx.text.text[subject[0] : subject[1]],
                    subject_kind="other",
                    amount=_decimal(item.amount),
                    amount_wan=_decimal(item.amount),
                    delta=_decimal(item.delta),
                    delta_wan=_decimal(item.delta),
                    growth_percent=_decimal(item.growth_percent),
                    status="changed",
                    statement_text=para,
                    reason_text=_cut(ctx, reason),
                    origin={"subject": "llm", "amount": "llm", "delta": "llm", "growth_percent": "llm"},
                    provenance=ctx.text.provenance(start, end),
                )
            )
    return out


def _cut(ctx: LlmContext, span: tuple[int, int] | None) -> str | None:
    return ctx.text.text[span[0] : span[1]] if span else None


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(re.sub(r"[,，\s%万元]", "", text))
    except InvalidOperation:
        return None
