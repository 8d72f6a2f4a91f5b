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
from typing import get_args

from extractor.llm.client import LlmClient
from extractor.llm.grounding import Grounder
from extractor.money import UNIT_PATTERN, to_wan
from extractor.narrative.text import NarrativeText
from extractor.tables.performance import parse_target
from schemas import ChangeStatement, Indicator, LlmUsage, PolicyDocument, Provenance, Reason
from schemas.llm import ChangeItem, Changes, IndicatorItem, Indicators, PolicyDocuments, ReasonSplits
from schemas.tables import Unit

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


def locate_in_order(grounder: Grounder, texts: list[str | None]) -> list[tuple[int, int] | None]:
    """Where each of a list of rules-found texts sits, taken in document order.

    The same sentence often appears in several sections (收入, 支出, 财政拨款 share a 主要原因), so
    each text is searched after where the previous one started.
    """
    spans: list[tuple[int, int] | None] = []
    last = -1
    for text in texts:
        span = None
        if text:
            # The next occurrence after the previous text's start; the same start (two items
            # read from one sentence); anywhere.
            span = grounder.find_from(text, (last + 1, max(last, 0), 0))
        if span is not None:
            last = span[0]
        spans.append(span)
    return spans


def statement_spans(ctx: LlmContext, changes: list[ChangeStatement]) -> list[tuple[int, int] | None]:
    """Where each change's statement sits in the text, in document order."""
    return locate_in_order(ctx.grounder, [c.statement_text for c in changes])


def _reason_windows(
    ctx: LlmContext, changes: list[ChangeStatement], statements: list[tuple[int, int] | None]
) -> list[tuple[int, int] | None]:
    """The span of each change's reason text: inside or after its own statement."""
    out = []
    for change, statement in zip(changes, statements, strict=True):
        if not change.reason_text:
            out.append(None)
            continue
        start = statement[0] if statement else 0
        out.append(ctx.grounder.find_from(change.reason_text, (start, 0)))
    return out


def split_reasons(
    ctx: LlmContext, changes: list[ChangeStatement], statements: list[tuple[int, int] | None] | None = None
) -> dict[int, list[Reason]]:
    """Atomic reasons with categories for every change with a reason text (``statements``: their
    ``statement_spans``, when the caller has them already).

    Returns change index → grounded reasons. A change whose batch failed, or for which any
    returned reason is not in its reason text, is absent: a split is used whole or not at all.
    """
    if statements is None:
        statements = statement_spans(ctx, changes)
    windows = _reason_windows(ctx, changes, statements)
    todo = [
        (i, c.reason_text, w) for (i, c), w in zip(enumerate(changes), windows, strict=True) if w is not None
    ]
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
            if item is None or not item.reasons:
                continue
            spans = [ctx.ground(r.text, window) for r in item.reasons]
            if any(span is None for span in spans):
                continue
            out[i] = [
                Reason(
                    text=ctx.text.text[span[0] : span[1]],
                    category=r.category,
                    origin="llm",
                    provenance=ctx.text.provenance(*span),
                )
                for r, span in zip(item.reasons, spans, strict=True)
                if span is not None
            ]
    return out


def policy_documents(
    ctx: LlmContext, policy_basis: str, window: tuple[int, int] | None
) -> list[PolicyDocument] | None:
    """Documents cited by one project's policy basis (at ``window`` in the text), or None when
    the call failed or the basis could not be located."""
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
                title=_cut(ctx.text.text, title_span),
                doc_number=_cut(ctx.text.text, number_span),
                issuer=_cut(ctx.text.text, issuer_span),
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
    project = _cut(table_text, project_span)
    names = locate_in_order(grounder, [item.level3 for item in answer.indicators])
    starts = sorted({span[0] for span in names if span})
    out = []
    for item, name in zip(answer.indicators, names, strict=True):
        # A value must sit in its own row: after the previous indicator's name, before the next.
        prev = max((s for s in starts if name and s < name[0]), default=0)
        nxt = min((s for s in starts if name and s > name[0]), default=len(table_text))
        value = grounder.find(item.value, prev, nxt) if item.value and name else None
        levels_ok = all(lv is None or grounder.find(lv) is not None for lv in (item.level1, item.level2))
        if name is None or (item.value and value is None) or not levels_ok:
            ctx.usage.ungrounded_dropped += 1
            continue
        ctx.usage.grounded += 1
        row = {"value": _cut(table_text, value)}
        # The row's other columns follow its name; each is kept only if printed there.
        for field in _ROW_FIELDS:
            printed = getattr(item, field)
            span = grounder.find(printed, name[0], nxt) if printed else None
            if printed and span is None:
                ctx.usage.ungrounded_dropped += 1
            row[field] = _cut(table_text, span)
        out.append(_indicator(item, table_text[name[0] : name[1]], row, provenance))
    return project, out


_ROW_FIELDS = ("basis", "last_year_value", "weight", "scoring_rule", "evidence")


def _indicator(
    item: IndicatorItem, name: str, row: dict[str, str | None], provenance: Provenance
) -> Indicator:
    value_raw = row["value"]
    operator, number, unit = parse_target(value_raw) if value_raw else (None, None, None)
    return Indicator(
        level1=item.level1,
        level2=item.level2,
        level3=name,
        value_raw=value_raw,
        operator=operator,  # type: ignore[arg-type]
        number=number,
        unit=unit,
        basis=row["basis"],
        last_year_value=row["last_year_value"],
        weight=_decimal(row["weight"]),
        scoring_rule=row["scoring_rule"],
        evidence=row["evidence"],
        origin="llm",
        provenance=provenance,
    )


def unmatched_changes(ctx: LlmContext, covered: list[tuple[int, int]]) -> list[ChangeStatement]:
    """Change statements in paragraphs that look like comparisons but no rule matched.

    The subject and reason must be spans of the paragraph; every number must be a printed
    number of the paragraph (as a whole token, not a digit run inside "2025年"), and its unit
    and sign are read from the source (增加/减少 before it), never taken from the model.
    """
    out = []
    for start, end in ctx.text.paragraphs():
        para = ctx.text.text[start:end]
        if not _CHANGE_HINT.search(para) or any(s < end and start < e for s, e in covered):
            continue
        answer = ctx.client.ask("change_statements", Changes, ctx.usage, text=para)
        if answer is None:
            continue
        tokens = _number_tokens(para)
        for item in answer.changes:
            change = _grounded_change(ctx, item, tokens, start, end)
            if change is None:
                ctx.usage.ungrounded_dropped += 1
                continue
            ctx.usage.grounded += 1
            out.append(change)
    return out


@dataclass(frozen=True)
class _Number:
    value: Decimal  # signed by the direction word before it
    unit: str | None  # 万元, 元, 亿元, 千元, % or None
    start: int


_NUMBER = re.compile(
    r"(?P<dir>增加|增长|上升|减少|下降|降低)?\s*(?P<num>(?<![\d.])[-－]?\d[\d,]*(?:\.\d+)?(?![\d.]))"
    rf"\s*(?P<unit>{UNIT_PATTERN}|%)?"
)


_MONEY_UNITS: tuple[str, ...] = get_args(Unit)


def _number_tokens(text: str) -> list[_Number]:
    out = []
    for m in _NUMBER.finditer(text):
        value = Decimal(m["num"].replace(",", "").replace("－", "-"))
        if m["dir"] in ("减少", "下降", "降低") and value > 0:
            value = -value
        out.append(_Number(value, m["unit"], m.start("num")))
    return out


def _pick(tokens: list[_Number], printed: str | None, units: tuple[str, ...], after: int) -> _Number | None:
    """The source number a model's value stands for: same magnitude, one of ``units``."""
    magnitude = _decimal(printed)
    if magnitude is None:
        return None
    for t in tokens:
        if t.start >= after and t.unit in units and abs(t.value) == abs(magnitude):
            return t
    return None


def _grounded_change(
    ctx: LlmContext, item: ChangeItem, tokens: list[_Number], start: int, end: int
) -> ChangeStatement | None:
    subject = ctx.grounder.find(item.subject, start, end) if item.subject else None
    if subject is None:
        return None
    after = subject[0] - start
    picked = {
        "amount": _pick(tokens, item.amount, _MONEY_UNITS, after),
        "delta": _pick(tokens, item.delta, _MONEY_UNITS, after),
        "growth_percent": _pick(tokens, item.growth_percent, ("%",), after),
    }
    printed = {"amount": item.amount, "delta": item.delta, "growth_percent": item.growth_percent}
    if any(printed[k] is not None and picked[k] is None for k in picked):
        return None  # a number the paragraph does not print
    reason = ctx.grounder.find(item.reason_text, start, end) if item.reason_text else None
    amount, delta, growth = picked["amount"], picked["delta"], picked["growth_percent"]
    unit = (amount or delta).unit if (amount or delta) else "万元"
    return ChangeStatement(
        section="other",
        subject=ctx.text.text[subject[0] : subject[1]],
        subject_kind="other",
        amount=abs(amount.value) if amount else None,
        unit=unit,  # type: ignore[arg-type]
        amount_wan=to_wan(abs(amount.value), unit) if amount else None,  # type: ignore[arg-type]
        delta=delta.value if delta else None,
        delta_wan=to_wan(delta.value, unit) if delta else None,  # type: ignore[arg-type]
        growth_percent=growth.value if growth else None,
        status="changed",
        statement_text=ctx.text.text[start:end],
        reason_text=_cut(ctx.text.text, reason),
        origin={k: "llm" for k in ("subject", "amount", "delta", "growth_percent", "reason_text")},
        provenance=ctx.text.provenance(subject[0], end),
    )


def _cut(text: str, span: tuple[int, int] | None) -> str | None:
    """The text at ``span``, or None."""
    return text[span[0] : span[1]] if span else None


_NOT_NUMBER = re.compile(r"[,，\s%万元亿千+]")  # separators, units and a plus sign around a printed number


def _decimal(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(_NOT_NUMBER.sub("", text).replace("－", "-"))
    except InvalidOperation:
        return None
