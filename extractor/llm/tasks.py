"""What the LLM layer asks, and how each answer is grounded before anyone sees it.

Each task takes the rules' output and the document text, makes a few batched calls, and
returns only items whose texts were found in the source (``Grounder``); everything else is
dropped and counted in ``usage.ungrounded_dropped``. Returned items carry ``origin="llm"``;
``extractor.narrative.merge`` decides what to keep.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar, get_args

from extractor.llm.client import LlmClient
from extractor.llm.grounding import Grounder, fold
from extractor.money import UNIT_PATTERN, to_wan
from extractor.narrative.reasons import categorize_with_confidence
from extractor.narrative.text import NarrativeText
from extractor.tables.performance import parse_target
from schemas import ChangeStatement, Indicator, LlmUsage, PolicyDocument, Provenance, Reason
from schemas.llm import (
    ChangeItem,
    Changes,
    IndicatorItem,
    Indicators,
    PolicyDocuments,
    ReasonItem,
    ReasonList,
    ReasonSplits,
)
from schemas.tables import Unit

A = TypeVar("A")
R = TypeVar("R")
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
            self.drop("not_in_source")
        else:
            self.usage.grounded += 1
        return span

    def drop(self, reason: str) -> None:
        """Count an item (or field) the grounding rejected, by reason."""
        self.usage.ungrounded_dropped += 1
        self.usage.dropped[reason] = self.usage.dropped.get(reason, 0) + 1

    def map(self, fn: Callable[[A], R], items: list[A]) -> list[R]:
        """``fn`` over ``items`` with at most ``concurrency`` requests in flight, results in order."""
        workers = min(self.client.settings.effective_concurrency, len(items))
        if workers <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(fn, items))


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


def reason_signal(change: ChangeStatement) -> str | None:
    """Why the rules' split of ``change``'s reason needs the LLM, or None when the rules are sure.

    ``no_rule_split``: a reason text the rules did not split (none found, or the LLM alone is
    asked); ``category_unsure``: a rule reason of category ``other`` or whose keywords match
    several categories.
    """
    if not change.reason_text:
        return None
    if not change.reasons:
        return "no_rule_split"
    if any(r.category == "other" or not categorize_with_confidence(r.text)[1] for r in change.reasons):
        return "category_unsure"
    return None


def split_reasons(
    ctx: LlmContext,
    changes: list[ChangeStatement],
    statements: list[tuple[int, int] | None] | None = None,
    only_unsure: bool = True,
) -> dict[int, list[Reason]]:
    """Atomic reasons with categories for the changes whose reason the rules are unsure of
    (``reason_signal``; every change with a reason text when ``only_unsure`` is False).
    ``statements``: their ``statement_spans``, when the caller has them already.

    One reason text per request (``batch_size`` in the settings for models that take more); a
    text printed for several statements is asked once. Returns change index → grounded reasons.
    A change whose request failed, or for which any returned reason is not in its reason text,
    is absent: a split is used whole or not at all.
    """
    if statements is None:
        statements = statement_spans(ctx, changes)
    windows = _reason_windows(ctx, changes, statements)
    todo: dict[str, list[tuple[int, tuple[int, int]]]] = {}
    for (i, c), w in zip(enumerate(changes), windows, strict=True):
        if w is not None and c.reason_text and (not only_unsure or reason_signal(c)):
            todo.setdefault(c.reason_text, []).append((i, w))
    texts = list(todo)
    size = ctx.client.settings.batch_size
    batches = [texts[b : b + size] for b in range(0, len(texts), size)]
    answers = ctx.map(lambda batch: _ask_reasons(ctx, batch), batches)
    out: dict[int, list[Reason]] = {}
    for batch, answer in zip(batches, answers, strict=True):
        for text, items in zip(batch, answer, strict=True):
            for i, window in todo[text]:
                reasons = _grounded_reasons(ctx, items, window)
                if reasons is not None:
                    out[i] = reasons
    return out


def _ask_reasons(ctx: LlmContext, batch: list[str]) -> list[list[ReasonItem] | None]:
    """The model's reasons for each text of ``batch`` (None where it gave none)."""
    if len(batch) == 1:
        one = ctx.client.ask("change_reasons", ReasonList, ctx.usage, text=batch[0])
        return [one.reasons if one is not None and one.reasons else None]
    items = "\n".join(f"[{n}] {t}" for n, t in enumerate(batch, 1))
    answer = ctx.client.ask("change_reasons", ReasonSplits, ctx.usage, prompt_version="v1", items=items)
    by_id = {item.id: item.reasons for item in answer.items} if answer is not None else {}
    return [by_id.get(n) or None for n in range(1, len(batch) + 1)]


def _grounded_reasons(
    ctx: LlmContext, items: list[ReasonItem] | None, window: tuple[int, int]
) -> list[Reason] | None:
    """The reasons, each a span of the reason text at ``window``; None if any is not there."""
    if not items:
        return None
    spans = [ctx.ground(r.text, window) for r in items]
    if any(span is None for span in spans):
        return None
    return [
        Reason(
            text=ctx.text.text[span[0] : span[1]],
            category=r.category,
            origin="llm",
            provenance=ctx.text.provenance(*span),
        )
        for r, span in zip(items, spans, strict=True)
        if span is not None
    ]


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
        title_span = _titled(ctx, ctx.ground(d.title, window) if d.title else None, window)
        number_span = ctx.ground(d.doc_number, window) if d.doc_number else None
        if number_span is not None and not DOC_NUMBER_SHAPE.search(ctx.text.text[number_span[0] : number_span[1]]):
            ctx.drop("doc_number_shape")  # a phrase is no 文号
            number_span = None
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


# A 文号: issuer code, year in brackets, number, 号 ("苏财预〔2017〕19号", "沪府发[2020]5 号").
DOC_NUMBER_SHAPE = re.compile(r"^[^\s，。；、《》]{1,20}?[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*第?\s*\d{1,5}\s*号$")
_DOC_NUMBER_INSIDE = re.compile(r"[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*第?\s*\d{1,5}\s*号")
_OPEN_TITLE, _CLOSE_TITLE = "《“\"「", "》”\"」"


def _titled(ctx: LlmContext, span: tuple[int, int] | None, basis: tuple[int, int]) -> tuple[int, int] | None:
    """``span`` when it is a title: printed inside 《》 (or quotes), or the whole of the basis (a
    政策依据 cell that is only a document's name); else None (counted). Any other phrase of the
    basis is not a title."""
    if span is None:
        return None
    text = ctx.text.text
    whole = text[basis[0] : basis[1]].strip(" 　。；;，,\n")
    if text[span[0] : span[1]] == whole and not _DOC_NUMBER_INSIDE.search(whole) and "《" not in whole:
        return span
    a, b = span
    while a > 0 and text[a - 1] in " 　":
        a -= 1
    while b < len(text) and text[b] in " 　":
        b += 1
    inside = a > 0 and b < len(text) and text[a - 1] in _OPEN_TITLE and text[b] in _CLOSE_TITLE
    if span[0] > 0 and text[span[0]] in _OPEN_TITLE and text[span[1] - 1] in _CLOSE_TITLE:
        return span[0] + 1, span[1] - 1  # the model kept the 《》
    if not inside:
        ctx.drop("title_not_in_brackets")
        return None
    return span


def indicators(
    ctx: LlmContext, table_text: str, provenance: Provenance
) -> tuple[str | None, list[Indicator]] | None:
    """The project name and indicator rows of a 绩效目标表 whose grid was lost, grounded in
    ``table_text``, or None when the call failed.

    ``table_text`` is the flattened table (it is not part of the narrative text, so grounding
    is done against it); ``provenance`` is the table's.
    """
    answer = ctx.client.ask("indicators", Indicators, ctx.usage, prompt_version="v2", text=table_text)
    if answer is None:
        return None
    grounder = Grounder(table_text)
    project_span = grounder.find(answer.project) if answer.project else None
    project = _cut(table_text, project_span)
    names = locate_in_order(grounder, [item.level3 for item in answer.indicators])
    problems = [_name_problem(item, name) for item, name in zip(answer.indicators, names, strict=True)]
    starts = sorted({span[0] for span, p in zip(names, problems, strict=True) if span and p is None})
    out = []
    for item, name, problem in zip(answer.indicators, names, problems, strict=True):
        if problem is not None or name is None:
            ctx.drop(problem or "not_in_source")
            continue
        # A value must sit in its own row: after the previous indicator's name, before the next.
        prev = max((s for s in starts if s < name[0]), default=0)
        nxt = min((s for s in starts if s > name[0]), default=len(table_text))
        value = grounder.find(item.value, prev, nxt) if item.value else None
        if item.value and value is None:
            ctx.drop("value_outside_row")
            continue
        ctx.usage.grounded += 1
        row = {"value": _cut(table_text, value)}
        # The row's other columns follow its name; each is kept only if printed there.
        for field in _ROW_FIELDS:
            printed = getattr(item, field)
            span = grounder.find(printed, name[0], nxt) if printed else None
            if printed and span is None:
                ctx.drop("value_outside_row")
            row[field] = _cut(table_text, span)
        levels = _levels(ctx, item, table_text, name[0])
        out.append(_indicator(table_text[name[0] : name[1]], row, levels, provenance))
    return project, out


# The 一级/二级 labels of a 绩效目标表 (the national 指标体系 and its local spellings): header cells of
# a group of rows, never an indicator's name.
LEVEL1_LABELS = frozenset({"产出指标", "效益指标", "满意度指标", "成本指标"})
LEVEL2_LABELS = frozenset(
    {
        "数量指标",
        "质量指标",
        "时效指标",
        "成本指标",
        "经济成本指标",
        "社会成本指标",
        "生态环境成本指标",
        "经济效益指标",
        "社会效益指标",
        "生态效益指标",
        "可持续影响指标",
        "服务对象满意度指标",
        "满意度指标",
    }
)
_HEADER_WORDS = frozenset({"一级指标", "二级指标", "三级指标", "指标值", "指标名称", "绩效指标", "年度指标值"})


def _label_key(text: str | None) -> str:
    return fold(text or "").text


_LEVEL_KEYS = {_label_key(x) for x in LEVEL1_LABELS | LEVEL2_LABELS | _HEADER_WORDS}


def _name_problem(item: IndicatorItem, name: tuple[int, int] | None) -> str | None:
    """Why ``item.level3`` cannot be the name cell of its row (None when it can)."""
    if name is None:
        return "not_in_source"
    key = _label_key(item.level3)
    if key in _LEVEL_KEYS or any(k.startswith(key) for k in _LEVEL_KEYS if len(key) >= 2):
        return "name_is_a_level_label"  # a label, or the piece of one a wrapped cell left ("成本指")
    others = (item.value, item.basis, item.last_year_value, item.scoring_rule, item.evidence)
    if any(o and _label_key(o) == key for o in others) or parse_target(item.level3)[1] is not None:
        return "name_is_another_column"  # a value or 佐证资料 returned as the name
    return None


def _levels(ctx: LlmContext, item: IndicatorItem, table_text: str, at: int) -> tuple[str | None, str | None]:
    """一级/二级 of the row whose name starts at ``at``: the labels printed last before it in the
    table (the header cells of its group); the model's own only when they are such labels."""
    out: list[str | None] = []
    for given, labels in ((item.level1, LEVEL1_LABELS), (item.level2, LEVEL2_LABELS)):
        printed = _last_label_before(table_text, at, labels)
        if given and _label_key(given) not in {_label_key(x) for x in labels}:
            ctx.drop("level_not_a_header")
            given = None
        out.append(printed or given)
    return out[0], out[1]


def _last_label_before(text: str, at: int, labels: frozenset[str]) -> str | None:
    """The label printed last before ``at``: the one ending latest, the longest of those ending
    together ("经济成本指标" rather than the "成本指标" inside it)."""
    window = fold(text[:at]).text  # a label wrapped in its cell ("产出\n指标") is still the label
    found = [(i + len(label), len(label), label) for label in labels if (i := window.rfind(label)) >= 0]
    return max(found)[2] if found else None


_ROW_FIELDS = ("basis", "last_year_value", "weight", "scoring_rule", "evidence")


def _indicator(
    name: str,
    row: dict[str, str | None],
    levels: tuple[str | None, str | None],
    provenance: Provenance,
) -> Indicator:
    value_raw = re.sub(r"\s*\n\s*", "", row["value"]) if row["value"] else None  # wrapped in its cell
    operator, number, unit = parse_target(value_raw) if value_raw else (None, None, None)
    return Indicator(
        level1=levels[0],
        level2=levels[1],
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


def unmatched_changes(
    ctx: LlmContext, changes: list[ChangeStatement], statements: list[tuple[int, int] | None]
) -> list[ChangeStatement]:
    """Change statements in paragraphs whose amounts the rules' statements do not all account for.

    A paragraph that looks like a comparison goes to the LLM when it prints an amount with a
    money unit that no rule statement overlapping it claims (as its amount, change or previous
    amount): two items the rules read as one, a wording no rule knows. What comes back must be
    new (a statement equal to a rule's is dropped) and grounded: the subject and reason are spans
    of the paragraph; every number a printed number of it (as a whole token, not a digit run
    inside "2025年"), its unit and sign read from the source (增加/减少 before it), never taken
    from the model.
    """
    placed = [(span, c) for span, c in zip(statements, changes, strict=True) if span is not None]
    todo = []
    for start, end in ctx.text.paragraphs():
        para = ctx.text.text[start:end]
        if not _CHANGE_HINT.search(para):
            continue
        own = [c for (s, e), c in placed if s < end and start < e]
        claimed = {abs(v) for c in own for v in (c.amount, c.delta, c.previous_amount) if v is not None}
        tokens = _number_tokens(para)
        if any(t.unit in _MONEY_UNITS and abs(t.value) not in claimed for t in tokens):
            todo.append((start, end, own, tokens))
    answers = ctx.map(
        lambda job: ctx.client.ask("change_statements", Changes, ctx.usage, text=ctx.text.text[job[0] : job[1]]),
        todo,
    )
    out = []
    for (start, end, own, tokens), answer in zip(todo, answers, strict=True):
        if answer is None:
            continue
        known = {(c.amount, c.delta) for c in own}
        # A change number (delta, growth) a rule statement of the paragraph already reads is that
        # statement's: an LLM statement pairing it with another amount re-reads the same change
        # (seed 001: the total 996.43 paired with 基本支出's +130.41), so the rules' pairing stands.
        ruled = {(k, abs(v)) for c in own for k, v in (("d", c.delta), ("g", c.growth_percent)) if v is not None}
        for item in answer.changes:
            change = _grounded_change(ctx, item, tokens, start, end)
            if change is None:
                continue  # counted by _grounded_change
            if (change.amount, change.delta) in known:
                ctx.drop("duplicate_of_rule")
                continue
            if any(v is not None and (k, abs(v)) in ruled for k, v in (("d", change.delta), ("g", change.growth_percent))):
                ctx.drop("change_read_by_rule")
                continue
            known.add((change.amount, change.delta))
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


def _pick(
    tokens: list[_Number], printed: str | None, units: tuple[str, ...], after: int, taken: tuple[_Number | None, ...] = ()
) -> _Number | None:
    """The source number a model's value stands for: same magnitude, one of ``units``, and not a
    printed number already standing for another field of the statement (``taken``)."""
    magnitude = _decimal(printed)
    if magnitude is None:
        return None
    for t in tokens:
        if t.start >= after and t.unit in units and abs(t.value) == abs(magnitude) and t not in taken:
            return t
    return None


def _grounded_change(
    ctx: LlmContext, item: ChangeItem, tokens: list[_Number], start: int, end: int
) -> ChangeStatement | None:
    subject = ctx.grounder.find(item.subject, start, end) if item.subject else None
    if subject is None:
        ctx.drop("not_in_source")
        return None
    after = subject[0] - start
    # One printed number is one field: Jiangsu 2018 flattened, "…总计0万元。与上年相比减" (the
    # change wrapped onto the next paragraph) came back as amount 0 and delta "-0万元", both the one "0万元".
    amount = _pick(tokens, item.amount, _MONEY_UNITS, after)
    picked = {
        "amount": amount,
        "delta": _pick(tokens, item.delta, _MONEY_UNITS, after, taken=(amount,)),
        "growth_percent": _pick(tokens, item.growth_percent, ("%",), after),
    }
    printed = {"amount": item.amount, "delta": item.delta, "growth_percent": item.growth_percent}
    if any(printed[k] is not None and picked[k] is None for k in picked):
        ctx.drop("number_not_printed")  # a number the paragraph does not print
        return None
    amount, delta, growth = picked["amount"], picked["delta"], picked["growth_percent"]
    if delta is None and growth is None:
        # No change printed for it, so nothing says it changed: Jiangsu 2019 flattened,
        # "…总计0万元，与上年相比无" (its "变化" wrapped onto the next paragraph) came back as an amount alone.
        ctx.drop("no_change_printed")
        return None
    reason = ctx.grounder.find(item.reason_text, start, end) if item.reason_text else None
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
