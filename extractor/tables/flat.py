"""Numeric tables whose grid was lost (plain PDF text dumps): space-separated runs → typed rows.

A flattened row keeps its codes, its name and its numbers in order but not the blank cells, so
a row with fewer numbers than money columns is ambiguous. Each row's numbers are placed in
order-preserving positions that satisfy the table's row identities (合计 = 基本 + 项目, …); the
remaining choices are narrowed by the hierarchy (a 类 row is the sum of its 款 rows, …). Rows
still ambiguous after that are placed leftmost and reported as ``ambiguous_columns`` findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

from extractor.codes import FUNCTIONAL_CLASSES, code_level, join_code, parent_code, scheme_of
from extractor.labels import normalise_label
from extractor.money import CENT, is_number, parse_number, to_wan
from extractor.tables.columns import header_key
from extractor.tables.grid import TOTAL_LABELS, GridResult
from extractor.tables.kinds import TWO_SIDED
from extractor.tables.layouts import LAYOUTS, ROW_IDENTITIES
from schemas import COLUMNS, Cell, Column, Finding, Row, SourceLine, TableKind, Unit

MAX_SEARCH_STEPS = 50_000
_CODE3 = re.compile(r"^\d{3}$")
_CODE2 = re.compile(r"^\d{2}$")
_META = re.compile(r"编制部门|编制单位|单位[:：]|^[（(]\s*20\d{2}\s*年\s*[)）]$")
_EXPENSE_TOTALS = {"支出总计", "本年支出合计", "支出合计", "结余分配", "年末结转和结余"}


@dataclass
class FlatRow:
    """One parsed flattened line: codes, name text, numbers, and where it came from."""

    line: SourceLine
    code: str | None
    text: str
    numbers: list[str]
    section: str | None = None
    extra_text: list[str] = field(default_factory=list)
    candidates: list[tuple[int, ...]] = field(default_factory=list)


def _is_money_token(tok: str) -> bool:
    return (
        is_number(tok)
        and not (_CODE3.match(tok) or _CODE2.match(tok))
        or bool(re.fullmatch(r"\d+\.\d+|\d{1,3}(,\d{3})+(\.\d+)?|0|\d{4,}", tok))
    )


def _split_tokens(tokens: list[str]) -> tuple[str | None, str, list[str]]:
    """Leading codes, the name in between, trailing numbers."""
    parts: list[str] = []
    i = 0
    if tokens and _CODE3.match(tokens[0]):
        parts.append(tokens[0])
        i = 1
        while i < len(tokens) and len(parts) < 3 and _CODE2.match(tokens[i]):
            parts.append(tokens[i])
            i += 1
    j = len(tokens)
    while j > i and _is_money_token(tokens[j - 1]):
        j -= 1
    return join_code(parts), " ".join(tokens[i:j]), tokens[j:]


def _header_ids(kind: TableKind, header_text: str) -> list[str]:
    """Canonical ids whose printed names occur in the (wrapped, interleaved) header text.

    In the layout's order when they all belong to the kind's standard layout, else in the order
    they are printed.
    """
    joined = header_key(header_text)
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for col in sorted(COLUMNS, key=lambda c: -len(c.zh)):
        name = header_key(col.zh.split(" / ")[0])
        pos = joined.find(name)
        if pos >= 0 and not any(a <= pos < b for a, b in taken):
            found.append((pos, col.id))
            taken.append((pos, pos + len(name)))
    ids = [cid for _, cid in sorted(found)]
    layout = LAYOUTS.get(kind, [[]])[-1]
    if layout and set(ids) <= set(layout):
        return [cid for cid in layout if cid in ids]
    return ids


def parse_flat(kind: TableKind, lines: list[SourceLine], unit: Unit, table_ref: str) -> GridResult:
    """Parse a table whose rows are space-separated text lines."""
    findings: list[Finding] = []
    header_lines: list[str] = []
    rows: list[FlatRow] = []
    colnum: int | None = None
    pending: list[str] = []
    in_header = True
    two_sided = kind in TWO_SIDED
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        if _META.search(text):
            in_header = True  # a continuation page repeats its header block
            continue
        tokens = text.split()
        if tokens and all(t == "※" or re.fullmatch(r"\d{1,2}", t) for t in tokens) and "※" in tokens:
            colnum = sum(t != "※" for t in tokens)
            in_header = False
            continue
        code, name, numbers = _split_tokens(tokens)
        if two_sided:
            is_data = any(_is_money_token(t) for t in tokens) or _expense_start(tokens) < len(tokens)
        else:
            is_data = bool(numbers) or bool(code) or bool(TOTAL_LABELS.match(normalise_label(name)))
        if in_header and not is_data:
            if not rows:
                header_lines.append(text)
            continue
        in_header = False
        if not is_data:
            if rows and _needs_text(rows[-1], kind):
                rows[-1].extra_text.append(text)
            else:
                pending.append(text)
            continue
        if pending and not name and not code:
            name, pending = " ".join(pending), []  # a numbers-only line: its name wrapped above
        extra: list[str] = []
        if pending and _is_project_item(kind, code) and " " not in name:
            extra, pending = pending, []  # the project name wrapped above its row
        rows.extend(FlatRow(line=line, code=None, text=p, numbers=[]) for p in pending)
        pending = []
        rows.append(FlatRow(line=line, code=code, text=name, numbers=numbers, extra_text=extra))
    rows.extend(FlatRow(line=lines[-1], code=None, text=p, numbers=[]) for p in pending)
    if kind in TWO_SIDED:
        return _two_sided(kind, rows, unit, table_ref, findings)
    ids = _header_ids(kind, " ".join(header_lines))
    layout = LAYOUTS.get(kind, [[]])[-1]
    widest = max((len(r.numbers) for r in rows), default=0)
    width = colnum or (len(layout) if set(ids) <= set(layout) and widest <= len(layout) else widest)
    if not rows:
        ids, width = [], 0
    if len(ids) != width:
        if len(layout) == width:
            ids = layout
        else:
            ids = ids[:width] + [f"col_{i + 1}" for i in range(len(ids), width)]
            findings.append(
                Finding(
                    check="unknown_column",
                    severity="warning",
                    tables=[table_ref],
                    message=f"{table_ref}: flattened header names {len(ids)} known columns for "
                    f"{width} numeric columns; positional ids used",
                )
            )
    _solve(kind, rows, ids, findings, table_ref)
    columns = [Column(column_id=cid, header_path=[cid]) for cid in ids]
    out = [_to_row(kind, r, ids, unit, i) for i, r in enumerate(rows)]
    status = "partial" if any(f.check == "ambiguous_columns" for f in findings) else "ok"
    return GridResult(columns=columns, rows=out, findings=findings, status=status)


def _needs_text(row: FlatRow, kind: TableKind) -> bool:
    """A wrapped cell's tail follows the row whose name (or project name) is cut short."""
    if not row.text and row.numbers:
        return True
    if _is_project_item(kind, row.code) and (row.extra_text or " " not in row.text):
        return True
    if not row.code and row.numbers and len(row.text) >= 10:
        return True  # a long name over a numbers line wraps (e.g. the department row)
    return bool(re.search(r"[（(][^）)]*$", row.text))


def _is_project_item(kind: TableKind, code: str | None) -> bool:
    """A 项-level row of the project table: one project, whose name may wrap onto other lines."""
    return kind == TableKind.project_expenditure and len(code or "") == 7


def _candidates(kind: TableKind, values: list[Decimal], ids: list[str]) -> list[tuple[int, ...]]:
    width = len(ids)
    if len(values) > width:
        return []
    identities = [
        (whole, parts)
        for whole, parts in ROW_IDENTITIES.get(kind, [])
        if whole in ids and set(parts) <= set(ids)
    ]
    out = []
    for combo in combinations(range(width), len(values)):
        placed = {ids[c]: v for c, v in zip(combo, values, strict=True)}
        ok = True
        for whole, parts in identities:
            terms = [placed.get(p, Decimal(0)) for p in parts]
            if whole not in placed and any(terms):
                ok = False  # parts printed under a blank total: not how these tables are filled
                break
            if abs(placed.get(whole, Decimal(0)) - sum(terms, Decimal(0))) > CENT * len(parts):
                ok = False
                break
        if ok:
            out.append(combo)
    return out


def _solve(kind: TableKind, rows: list[FlatRow], ids: list[str], findings: list[Finding], ref: str) -> None:
    values = [[parse_number(n) or Decimal(0) for n in r.numbers] for r in rows]
    for r, v in zip(rows, values, strict=True):
        r.candidates = _candidates(kind, v, ids) or list(combinations(range(len(ids)), len(v)))[:1]
    families = _families(rows)
    for _ in range(6):
        changed = False
        for parent, children in families:
            sets = [rows[c].candidates for c in children]
            if len(rows[parent].candidates) * max((len(x) for x in sets), default=1) == 1:
                continue
            keep_parent: set[tuple[int, ...]] = set()
            keep_children: list[set[tuple[int, ...]]] = [set() for _ in children]
            tol = CENT * len(children)
            for pc in rows[parent].candidates:
                target = _vector(pc, values[parent], len(ids))
                for combo in _consistent(children, sets, values, target, tol, len(ids)):
                    keep_parent.add(pc)
                    for k, cand in enumerate(combo):
                        keep_children[k].add(cand)
            if not keep_parent:
                continue  # the document's own arithmetic is off here; leave the choices
            new_parent = [c for c in rows[parent].candidates if c in keep_parent]
            if new_parent != rows[parent].candidates:
                rows[parent].candidates, changed = new_parent, True
            for k, c in enumerate(children):
                new = [x for x in rows[c].candidates if x in keep_children[k]]
                if new != rows[c].candidates:
                    rows[c].candidates, changed = new, True
        if not changed:
            break
    for r in rows:
        if len(r.candidates) > 1:
            options = sorted({tuple(ids[i] for i in c) for c in r.candidates})
            findings.append(
                Finding(
                    check="ambiguous_columns",
                    severity="warning",
                    tables=[ref],
                    rows=[" ".join(x for x in (r.code, r.text) if x)],
                    message=f"{ref}: row “{r.text or r.code}” numbers {r.numbers} fit "
                    f"{len(options)} column placements, e.g. {options[:3]}; took the first",
                    provenance=r.line.provenance,
                )
            )


def _consistent(
    children: list[int],
    sets: list[list[tuple[int, ...]]],
    values: list[list[Decimal]],
    target: list[Decimal],
    tol: Decimal,
    width: int,
) -> list[tuple[tuple[int, ...], ...]]:
    """Child placements whose column sums equal the parent's, by depth-first search.

    Amounts are non-negative, so a partial sum above the target prunes the branch. The search
    stops after ``MAX_SEARCH_STEPS`` steps; what it found by then is kept.
    """
    found: list[tuple[tuple[int, ...], ...]] = []
    steps = 0

    def dfs(k: int, acc: list[Decimal], chosen: list[tuple[int, ...]]) -> None:
        nonlocal steps
        steps += 1
        if steps > MAX_SEARCH_STEPS:
            return
        if k == len(children):
            if all(abs(a - b) <= tol for a, b in zip(target, acc, strict=True)):
                found.append(tuple(chosen))
            return
        for cand in sets[k]:
            nxt = list(acc)
            for pos, val in zip(cand, values[children[k]], strict=True):
                nxt[pos] += val
            if any(n > t + tol for n, t in zip(nxt, target, strict=True)):
                continue
            dfs(k + 1, nxt, [*chosen, cand])

    dfs(0, [Decimal(0)] * width, [])
    return found


def _vector(cand: tuple[int, ...], values: list[Decimal], width: int) -> list[Decimal]:
    vec = [Decimal(0)] * width
    for pos, val in zip(cand, values, strict=True):
        vec[pos] = val
    return vec


def _families(rows: list[FlatRow]) -> list[tuple[int, list[int]]]:
    """(parent, children) by code; uncoded total rows are parents of the 类 rows."""
    index_by_code: dict[str, int] = {}
    for i, r in enumerate(rows):
        if r.code and not (r.extra_text and index_by_code.get(r.code) is not None):
            index_by_code.setdefault(r.code, i)
    children: dict[int, list[int]] = {}
    for i, r in enumerate(rows):
        if not r.code:
            continue
        parent = parent_code(r.code)
        if parent and parent in index_by_code and index_by_code[parent] != i:
            children.setdefault(index_by_code[parent], []).append(i)
    # Project rows repeat a 项 code: the 款 row is the parent of all of them.
    tops = [i for i, r in enumerate(rows) if r.code and len(r.code) == 3]
    for i, r in enumerate(rows):
        if not r.code and r.numbers and tops:
            children[i] = tops
    return sorted(children.items())


def _to_row(kind: TableKind, r: FlatRow, ids: list[str], unit: Unit, index: int) -> Row:
    placed = dict(zip(r.candidates[0], r.numbers, strict=True)) if r.candidates else {}
    cells = []
    for pos, cid in enumerate(ids):
        raw = placed.get(pos, "")
        value = parse_number(raw) if raw else None
        cells.append(
            Cell(
                column_id=cid,
                header=cid,
                raw=raw,
                value=value,
                unit=unit,
                value_wan=to_wan(value, unit),
                provenance=r.line.provenance,
            )
        )
    label, project = r.text, None
    if kind == TableKind.project_expenditure and r.code:
        head, _, tail = r.text.partition(" ")
        label, project = head, " ".join([tail, *r.extra_text]).strip() or None
    elif r.extra_text:
        label = " ".join([r.text, *r.extra_text]).strip()
    norm = normalise_label(label)
    return Row(
        index=index,
        section=r.section,
        code=r.code,  # type: ignore[arg-type]
        code_level=code_level(r.code, scheme_of(r.code)) if r.code and len(r.code) in (3, 5, 7) else None,
        code_scheme=scheme_of(r.code) if r.code else None,
        label=norm,
        printed_label=label,
        project=normalise_label(project) if project else None,
        is_total=bool(TOTAL_LABELS.match(norm)) and not r.code,
        cells=cells,
        provenance=r.line.provenance,
    )


def _two_sided(
    kind: TableKind, rows: list[FlatRow], unit: Unit, ref: str, findings: list[Finding]
) -> GridResult:
    """收支总表-style lines: an income item and an expenditure item side by side."""
    out: list[Row] = []
    right_ids = LAYOUTS[kind][1]
    for r in rows:
        tokens = r.line.text.split()
        split = _expense_start(tokens)
        halves = [("income", tokens[:split], ["amount"]), ("expenditure", tokens[split:], right_ids)]
        for section, toks, ids in halves:
            if not toks:
                continue
            code, name, numbers = _split_tokens(toks)
            fr = FlatRow(line=r.line, code=code, text=name, numbers=numbers, section=section)
            if len(ids) == 1:
                fr.candidates = [tuple(range(len(numbers)))][:1] if len(numbers) <= 1 else []
                if len(numbers) > 1:
                    findings.append(
                        Finding(
                            check="unparseable_row",
                            severity="error",
                            tables=[ref],
                            rows=[name],
                            message=f"{ref}: {section} item “{name}” has {len(numbers)} numbers for one column",
                            provenance=r.line.provenance,
                        )
                    )
                    continue
            else:
                values = [parse_number(n) or Decimal(0) for n in numbers]
                fr.candidates = (
                    _candidates(kind, values, ids) or list(combinations(range(len(ids)), len(values)))[:1]
                )
            out.append(_to_row(kind, fr, ids if section == "expenditure" else ["amount"], unit, len(out)))
    columns = [Column(column_id="amount", header_path=["amount"])] + [
        Column(column_id=c, header_path=[c]) for c in right_ids if c != "amount"
    ]
    return GridResult(columns=columns, rows=out, findings=findings, status="ok")


def _expense_start(tokens: list[str]) -> int:
    for j, tok in enumerate(tokens):
        label = normalise_label(tok)
        if _CODE3.match(tok) and j + 1 < len(tokens) and not _is_money_token(tokens[j + 1]):
            return j
        if label in FUNCTIONAL_CLASSES or label in _EXPENSE_TOTALS:
            return j
    return len(tokens)
