"""Indicator rows of a flattened 绩效目标表, asked one row at a time (prompt ``indicators`` v3).

A table whose grid was lost prints each row's cells on one line, separated by spaces, with the
wrapped parts of long cells on the lines above and below it. Each row is found by its *target
line*: a line printing a target value (an operator and a number: ">=12 次", "< =180 万") or the
row's tail columns (指标值设置依据 "计划标准", 赋分规则 "…赋分"). The model gets the table's header
lines and the lines around the row with every printed fragment (a run of non-blank characters)
numbered, and answers each cell of that one row as fragment numbers: a wrapped cell is several
fragments in reading order, joined. So every text is the source's by construction, and the
grounding checks meaning: a name made of no 一级/二级 label and no other column's fragment, not
printed only on a neighbouring row's line, not answered twice; a value starting on the row's own
target line; the other columns on it or next to it. What fails is dropped and counted by reason.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from extractor.llm.grounding import fold
from extractor.llm.tasks import (
    _LEVEL_KEYS,
    LEVEL1_LABELS,
    LEVEL2_LABELS,
    LlmContext,
    _indicator,
    _label_key,
)
from schemas import Indicator, Provenance
from schemas.llm import IndicatorRow, IndicatorRows, ProjectName

# A printed target: an operator (">=", "≥", "< =", "＝") and a number.
_TARGET = re.compile(r"[≥≤＞＜＝<>=]\s*=?\s*\d")
# The tail columns of a row: 指标值设置依据 and 赋分规则.
_ROW_TAIL = re.compile(r"赋分|(?:计划|历史|行业|其他)标准|预算支出")
# Characters of the header cells (一级指标 … 佐证资料), wrapped pieces included ("一级指", "标 置依据").
_HEADER_CHARS = frozenset("一二三级指标名称值设置定依据上年度完成分权重赋规则佐证资料")
_NAME_HEADERS = ("三级指标", "指标名称")
_CONTEXT_LINES = 3  # lines above and below a row that can hold its wrapped cells


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    folded: str


class FlatTable:
    """The lines of one flattened table, joined by newlines, with each line's printed fragments."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.text = "\n".join(lines)
        self.starts: list[int] = []
        at = 0
        for line in lines:
            self.starts.append(at)
            at += len(line) + 1
        self.tokens = [
            [_Token(s + m.start(), s + m.end(), fold(m.group()).text) for m in re.finditer(r"\S+", line)]
            for s, line in zip(self.starts, lines, strict=True)
        ]

    def line_of(self, offset: int) -> int:
        """Index of the line holding ``offset``."""
        return bisect.bisect_right(self.starts, offset) - 1

    def header(self) -> tuple[int, int] | None:
        """``[first, end)`` line indices of the header block: the line naming the 三级指标 column and
        the lines around it that hold only header-cell characters (its wrapped header cells)."""
        at = next((i for i, line in enumerate(self.lines) if any(h in line for h in _NAME_HEADERS)), None)
        if at is None:
            return None
        first, end = at, at + 1
        while first > 0 and self._header_like(self.lines[first - 1]):
            first -= 1
        while end < len(self.lines) and self._header_like(self.lines[end]):
            end += 1
        return first, end

    @staticmethod
    def _header_like(line: str) -> bool:
        chars = line.replace(" ", "")
        return bool(chars) and set(chars) <= _HEADER_CHARS and _label_key(chars) not in _LEVEL_KEYS

    def text_of(self, token: _Token) -> str:
        return self.text[token.start : token.end]

    def join(self, tokens: list[_Token]) -> str:
        """The text of a cell made of ``tokens`` (in reading order): fragments of one line as printed
        between them, a wrapped cell's lines joined without a break."""
        parts: list[tuple[int, int]] = []
        for t in tokens:
            if parts and self.line_of(parts[-1][0]) == self.line_of(t.start):
                parts[-1] = (parts[-1][0], t.end)
            else:
                parts.append((t.start, t.end))
        return "".join(self.text[a:b] for a, b in parts)


def row_targets(table: FlatTable, body: int) -> list[list[int]]:
    """The target line(s) of each row, from line ``body`` on.

    Two adjacent target lines are one row when a cell wrapped the row over both: a line printing
    only a value next to one printing only the tail columns ("<=132.33" over "医疗救助费用 历史标准
    0 万元 15 …"), or a line printing only the tail columns (a wrapped 赋分规则 "按照完成比例赋分 工")
    directly above the line printing the value and the rest of the row.
    """
    kind: dict[int, str] = {}
    for i, line in enumerate(table.lines[body:], body):
        value, tail = bool(_TARGET.search(line)), bool(_ROW_TAIL.search(line))
        if value or tail:
            kind[i] = "both" if value and tail else "value" if value else "tail"
    pair: dict[int, int] = {}
    for i in sorted(kind):
        if kind[i] != "value" or i in pair:
            continue
        for j in (i + 1, i - 1):
            if kind.get(j) == "tail" and j not in pair:
                pair[i], pair[j] = j, i
                break
    for i in sorted(kind):
        if kind[i] == "tail" and i not in pair and kind.get(i + 1) == "both" and i + 1 not in pair:
            pair[i], pair[i + 1] = i + 1, i
    rows: list[list[int]] = []
    for i in sorted(kind):
        if i in pair and pair[i] < i:
            continue
        rows.append(sorted({i, pair.get(i, i)}))
    return rows


def _shown(targets: list[int], lines: list[str]) -> list[int]:
    """The target lines shown to the model: the one printing the value first."""
    return sorted(targets, key=lambda i: not _TARGET.search(lines[i]))


_LABELS = LEVEL1_LABELS | LEVEL2_LABELS


def group_labels(table: FlatTable, body: int) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
    """The 一级 and the 二级 labels printed in the table body, each as (the line it is centred on,
    label), in order. A label cell is printed centred on its group's rows, so a wrapped label's
    pieces sit on the lines above and below a row ("产出指" / "标"): the pieces are joined and the
    label placed between them. 成本指标 and 满意度指标 name groups of both levels: beside a label
    of one level only, such a label is the other level's; two together, the first is the 一级;
    alone, it is a candidate of both."""
    used: set[_Token] = set()
    found: list[tuple[float, int, int, str]] = []  # (centre, first line, fragment order, label)
    for i in range(body, len(table.lines)):
        for k, t in enumerate(table.tokens[i]):
            if t in used:
                continue
            if t.folded in _LABELS:
                found.append((float(i), i, k, t.folded))
                continue
            if not _is_label_piece(t.folded):
                continue
            rest = next(
                (
                    (j, u)
                    for j in (i + 1, i + 2)
                    if j < len(table.lines)
                    for u in table.tokens[j]
                    if u not in used and t.folded + u.folded in _LABELS
                ),
                None,
            )
            if rest is not None:
                used.add(rest[1])
                found.append(((i + rest[0]) / 2, i, k, t.folded + rest[1].folded))
    level1: list[tuple[float, str]] = []
    level2: list[tuple[float, str]] = []
    for centre in sorted({f[0] for f in found}):
        together = sorted(f[1:] for f in found if f[0] == centre)
        only1 = any(x not in LEVEL2_LABELS for _, _, x in together)
        only2 = any(x not in LEVEL1_LABELS for _, _, x in together)
        ambiguous = [x for _, _, x in together if x in LEVEL1_LABELS and x in LEVEL2_LABELS]
        for n, (_, _, label) in enumerate(together):
            if label not in LEVEL2_LABELS or (label in ambiguous and (only2 or (n == 0 and len(together) > 1))):
                level1.append((centre, label))
            elif label not in LEVEL1_LABELS or only1 or len(together) > 1:
                level2.append((centre, label))
            else:
                level1.append((centre, label))
                level2.append((centre, label))
    return level1, level2


def place_groups(rows: list[float], labels: list[tuple[float, str]]) -> list[str | None]:
    """Each row's group label: the rows (their lines, in order) cut into one run per label, in
    order, so that each run's middle is as close as can be to where its label is centred."""
    m, n = len(rows), len(labels)
    if n == 0 or n > m:
        return [None] * m
    inf = float("inf")

    def cost(k: int, a: int, b: int) -> float:
        return abs((rows[a] + rows[b]) / 2 - labels[k][0])

    # best[k][b]: the least cost of giving rows 0..b to labels 0..k; cut[k][b]: where run k starts.
    best = [[inf] * m for _ in range(n)]
    cut = [[0] * m for _ in range(n)]
    for b in range(m):
        best[0][b] = cost(0, 0, b)
    for k in range(1, n):
        for b in range(k, m):
            for a in range(k, b + 1):
                c = best[k - 1][a - 1] + cost(k, a, b)
                if c < best[k][b]:
                    best[k][b], cut[k][b] = c, a
    out: list[str | None] = [None] * m
    b = m - 1
    for k in range(n - 1, -1, -1):
        a = cut[k][b] if k else 0
        out[a : b + 1] = [labels[k][1]] * (b - a + 1)
        b = a - 1
    return out


def indicator_rows(ctx: LlmContext, lines: list[str], provenance: Provenance) -> list[Indicator] | None:
    """The indicator rows of a flattened 绩效目标表 (its lines), grounded, in table order; None when
    every request failed."""
    table = FlatTable(lines)
    header = table.header()
    body = header[1] if header else 0
    header_text = "\n".join(lines[header[0] : header[1]]) if header else "（未印出）"
    rows = row_targets(table, body)
    size = ctx.client.settings.indicator_batch_size
    batches = [list(range(b, min(b + size, len(rows)))) for b in range(0, len(rows), size)]

    def numbered(batch: list[int]) -> tuple[range, dict[int, _Token]]:
        """The lines around the batch's rows (down to the previous row's target line, up to the
        next one's) and their fragments by number."""
        first, last = rows[batch[0]][0], rows[batch[-1]][-1]
        lo = max(body, first - _CONTEXT_LINES, rows[batch[0] - 1][0] if batch[0] > 0 else body)
        hi = min(len(lines) - 1, last + _CONTEXT_LINES)
        if batch[-1] + 1 < len(rows):
            hi = min(hi, rows[batch[-1] + 1][-1])
        window = range(lo, hi + 1)
        # 一级/二级 labels (and their wrapped pieces) get no number: they are no cell of a row.
        cells = (t for i in window for t in table.tokens[i] if not _is_label_piece(table.text_of(t)))
        return window, dict(enumerate(cells, 1))

    def ask(batch: list[int]) -> IndicatorRows | None:
        window, by_number = numbered(batch)
        ids = {t: n for n, t in by_number.items()}

        def render(i: int) -> str:
            return " ".join(
                f"({ids[t]}){table.text_of(t)}" if t in ids else f"〔{table.text_of(t)}〕"
                for t in table.tokens[i]
            )

        return ctx.client.ask(
            "indicators",
            IndicatorRows,
            ctx.usage,
            header=header_text,
            context="\n".join(render(i) for i in window),
            # A row printed over two target lines shows both, the value's line first.
            targets="\n".join(
                f"[{k}] " + "\n    ".join(render(i) for i in _shown(rows[r], lines))
                for k, r in enumerate(batch, 1)
            ),
        )

    answers = ctx.map(ask, batches)
    if answers and all(a is None for a in answers):
        return None
    centres = [sum(r) / len(r) for r in rows]
    level1, level2 = group_labels(table, body)
    levels = list(zip(place_groups(centres, level1), place_groups(centres, level2), strict=True))
    target_line = {i: r for r, targets in enumerate(rows) for i in targets}
    taken: set[_Token] = set()
    out = []
    for batch, answer in zip(batches, answers, strict=True):
        if answer is None:
            continue
        by_number = numbered(batch)[1]
        for item in answer.rows:
            if not 1 <= item.id <= len(batch):
                ctx.drop("unknown_row")
                continue
            row = batch[item.id - 1]
            found = _grounded_row(
                ctx, table, item, by_number, (rows[row], target_line, row), taken, provenance, levels[row]
            )
            if found is not None:
                out.append(found)
    return out


_FIELDS = ("value", "basis", "last_year_value", "weight", "scoring_rule", "evidence")


def _is_label_piece(text: str) -> bool:
    """A 一级/二级 label, a header word, or a wrapped piece of one ("产出指", "标", "经济成本")."""
    key = _label_key(text)
    return bool(key) and any(k.startswith(key) or k.endswith(key) for k in _LEVEL_KEYS)


def _grounded_row(
    ctx: LlmContext,
    table: FlatTable,
    item: IndicatorRow,
    by_number: dict[int, _Token],
    where: tuple[list[int], dict[int, int], int],
    taken: set[_Token],
    provenance: Provenance,
    levels: tuple[str | None, str | None],
) -> Indicator | None:
    """One answered row, every cell made of fragments where its meaning requires, or None (counted).
    ``where``: the row's target lines, every target line's row, and the row."""
    targets, target_line, row = where
    cells: dict[str, list[_Token]] = {}
    for field in ("name", *_FIELDS):
        numbers = getattr(item, field)
        problem = (
            "unknown_fragment"
            if any(n not in by_number for n in numbers)
            else "fragments_out_of_order"
            if numbers != sorted(set(numbers))
            else None
        )
        if problem is not None:
            ctx.drop(problem)
            if field == "name":
                return None
            numbers = []
        cells[field] = [by_number[n] for n in numbers]
    name = cells["name"]
    if not name:
        ctx.drop("no_name")
        return None
    texts = [table.text_of(t) for t in name]
    if any(_is_label_piece(x) for x in texts):
        ctx.drop("name_is_a_level_label")
        return None
    others = {t for f in _FIELDS for t in cells[f]}
    if any(t in others or _TARGET.search(x) or _ROW_TAIL.search(x) for t, x in zip(name, texts, strict=True)):
        ctx.drop("name_is_another_column")  # a value, 依据 or 赋分规则 fragment in the name
        return None
    if all(target_line.get(table.line_of(t.start), row) != row for t in name):
        ctx.drop("name_of_another_row")  # printed on the lines of the neighbouring rows only
        return None
    if taken & set(name):
        ctx.drop("duplicate_row")  # the same name cell, answered for a second target line
        return None
    # The value starts on the row's own target line; the other columns sit on it or next to it.
    if cells["value"] and table.line_of(cells["value"][0].start) not in range(targets[0], targets[-1] + 1):
        ctx.drop("value_outside_row")
        return None
    # A value cell holds no 依据 or 赋分规则 text: the model ran the value on into the next columns
    # (seed 002 "雇员满意度": ">=95% 历史标准 100% 10 满意度赋分") or answered the 依据 as the value;
    # the value ends where they start (no value when it starts with one).
    tail = next((k for k, t in enumerate(cells["value"]) if _ROW_TAIL.search(table.text_of(t))), None)
    if tail is not None:
        ctx.drop("value_is_another_column")
        cells["value"] = cells["value"][:tail]
    near = range(targets[0] - 1, targets[-1] + 2)
    values: dict[str, str | None] = {}
    for field in _FIELDS:
        tokens = cells[field]
        if tokens and field != "value" and table.line_of(tokens[0].start) not in near:
            ctx.drop("value_outside_row")
            tokens = []
        values[field] = table.join(tokens) if tokens else None
    taken.update(name)
    ctx.usage.grounded += 1
    return _indicator(table.join(name), values, levels, provenance)


_PROJECT_LABEL = "项目名称"
_NOT_PROJECT = re.compile(r"项目名称|项目负责|负责人|^人$|预算单位|项目资金|^其中")


def project_name(ctx: LlmContext, lines: list[str]) -> str | None:
    """The 项目名称 of a flattened 项目支出绩效目标表: the fragments the model names among the line
    printing the label and the lines next to it (a wrapped name), never a label's fragment; None
    when the label is not printed, the call failed or nothing grounded."""
    table = FlatTable(lines)
    at = next((i for i, line in enumerate(lines) if _PROJECT_LABEL in line), None)
    if at is None:
        return None
    window = [i for i in (at - 1, at, at + 1) if 0 <= i < len(lines)]
    window = [i for i in window if i == at or not re.search(r"预算单位|项目资金|其中", lines[i])]
    by_number = dict(enumerate((t for i in window for t in table.tokens[i]), 1))
    ids = {t: n for n, t in by_number.items()}
    context = "\n".join(" ".join(f"({ids[t]}){table.text_of(t)}" for t in table.tokens[i]) for i in window)
    answer = ctx.client.ask("performance_project", ProjectName, ctx.usage, context=context)
    if answer is None or not answer.project:
        return None
    numbers = answer.project
    if any(n not in by_number for n in numbers) or numbers != sorted(set(numbers)):
        ctx.drop("unknown_fragment")
        return None
    tokens = [by_number[n] for n in numbers]
    if any(_NOT_PROJECT.search(table.text_of(t)) for t in tokens):
        ctx.drop("project_is_a_label")  # a header label (or the 项目负责人 label's piece) in the name
        return None
    ctx.usage.grounded += 1
    return table.join(tokens)
