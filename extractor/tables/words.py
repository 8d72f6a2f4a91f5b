"""Unruled tables (whitespace only) laid out from word positions into grid rows.

Columns come from the data: the x ranges the words of the data rows cover, merged where they
overlap, are the column blocks. Header cells (wrapped pieces stacked in one column joined) are
leaves or spanning parents: a parent has header cells below it on both sides of its centre. Leaves
are aligned to blocks in x order by a monotone alignment (a header with no data under it is a
column of its own; a block with no header of its own takes what spans it), and each spanning
header covers the run of columns it is centred over. Rows are the ingest lines (mixed-font
baselines already joined); a line of label text with no amount stacked tightly on a neighbour is a
wrapped label and joins it. The result is grid rows with explicit header paths, parsed like a
ruled grid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from extractor.money import is_number
from schemas import SourceLine

_META = re.compile(r"单位\s*[:：]|编制(部门|单位)|^部\s*门\s*[:：]|^注\s*[:：]|^说明\s*[:：]|^续表|^[（(]\s*20\d{2}\s*年\s*[)）]$")
_CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")
_COLNUM = re.compile(r"^(※|栏次|\d{1,2})$")


@dataclass
class _Box:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class WordLayout:
    """Grid rows (``cells`` set) with one header path and one content hint per column."""

    rows: list[SourceLine]
    paths: list[list[str]]
    hints: list[str | None]
    notes: list[str] = field(default_factory=list)


def _is_amount(text: str) -> bool:
    return is_number(text) and not _CODE.match(text.replace(",", "")) or bool(re.fullmatch(r"\d[\d,]*\.\d+", text))


def _data_line(line: SourceLine) -> bool:
    """A line printing an amount (a code such as 2080505 at the start of a row is not one)."""
    words = line.words or []
    return any(_is_amount(w[0]) and not (i == 0 and _CODE.match(w[0])) for i, w in enumerate(words))


def _boxes(line: SourceLine) -> list[_Box]:
    return [_Box(*w) for w in (line.words or [])]


def _header_cells(lines: list[SourceLine]) -> list[_Box]:
    """Header words with the wrapped pieces of one cell (stacked tightly, overlapping in x) joined."""
    cells: list[_Box] = []
    words = sorted((b for line in lines for b in _boxes(line) if not _COLNUM.match(b.text)), key=lambda b: b.top)
    for w in words:
        h = w.bottom - w.top
        host = None
        for c in cells:
            overlap = min(c.x1, w.x1) - max(c.x0, w.x0)
            narrow = min(c.x1 - c.x0, w.x1 - w.x0)
            if overlap > 0.5 * narrow and 0 <= w.top - c.bottom < 0.6 * h:
                host = c
        if host is None:
            # Letter-spaced words of one cell on one line ("合    计") are one cell.
            for c in cells:
                beside = abs(c.top - w.top) < 1 and 0 <= w.x0 - c.x1 < 2.5 * (w.bottom - w.top)
                if beside and (re.fullmatch(r"[\u4e00-\u9fff]", w.text) or re.fullmatch(r"[\u4e00-\u9fff]", c.text[-1:])):
                    host = c
                    break
        if host is None:
            cells.append(_Box(w.text, w.x0, w.x1, w.top, w.bottom))
        else:
            host.text += w.text
            host.x0, host.x1 = min(host.x0, w.x0), max(host.x1, w.x1)
            host.bottom = max(host.bottom, w.bottom)
    return cells


def _blocks(lines: list[SourceLine]) -> list[list[float]]:
    """Column blocks: the x ranges covered by the words of the data rows, merged where they overlap."""
    spans = sorted((b.x0, b.x1) for line in lines for b in _boxes(line))
    blocks: list[list[float]] = []
    for x0, x1 in spans:
        if blocks and x0 <= blocks[-1][1] + 1.0:
            blocks[-1][1] = max(blocks[-1][1], x1)
        else:
            blocks.append([x0, x1])
    return blocks


def _is_parent(cell: _Box, cells: list[_Box]) -> bool:
    """A spanning header: header cells below it on both sides of its centre (or right under it)."""
    reach = 3 * (cell.x1 - cell.x0) + 20
    below = [c for c in cells if c is not cell and c.top >= cell.bottom - 1]
    near = [c for c in below if c.x1 >= cell.x0 - reach and c.x0 <= cell.x1 + reach]
    left = any(c.centre < cell.centre - 1 for c in near)
    right = any(c.centre > cell.centre + 1 for c in near)
    under = any(min(c.x1, cell.x1) - max(c.x0, cell.x0) > 0.5 * min(c.x1 - c.x0, cell.x1 - cell.x0) for c in near)
    return len(near) >= 2 and (left and right or under)


def _align(leaves: list[_Box], blocks: list[list[float]]) -> list[tuple[_Box | None, list[float] | None]]:
    """Monotone alignment of header leaves with data blocks, in x order (minimum total distance
    of centres; a leaf or a block may stay alone at a fixed cost)."""
    centres = [(b[0] + b[1]) / 2 for b in blocks]
    spacing = [b - a for a, b in zip(centres, centres[1:], strict=False)]
    skip = max(30.0, 0.6 * median(spacing)) if spacing else 60.0
    n, m = len(leaves), len(blocks)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if cost[i][j] == inf:
                continue
            if i < n and j < m:
                leaf, block = leaves[i], blocks[j]
                d = 0.0 if min(leaf.x1, block[1]) > max(leaf.x0, block[0]) else abs(leaf.centre - centres[j])
                if cost[i][j] + d < cost[i + 1][j + 1]:
                    cost[i + 1][j + 1], back[i + 1][j + 1] = cost[i][j] + d, (i, j)
            if i < n and cost[i][j] + skip < cost[i + 1][j]:
                cost[i + 1][j], back[i + 1][j] = cost[i][j] + skip, (i, j)
            if j < m and cost[i][j] + skip < cost[i][j + 1]:
                cost[i][j + 1], back[i][j + 1] = cost[i][j] + skip, (i, j)
    out: list[tuple[_Box | None, list[float] | None]] = []
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj = back[i][j]  # type: ignore[misc]
        out.append((leaves[pi] if pi < i else None, blocks[pj] if pj < j else None))
        i, j = pi, pj
    return out[::-1]


def _span(cell: _Box, extents: list[tuple[float, float]], allowed: list[bool]) -> tuple[int, int] | None:
    """The run of columns a spanning header is centred over (among runs it overlaps or sits in)."""
    best: tuple[float, int, int] | None = None
    for a in range(len(extents)):
        for b in range(a, len(extents)):
            if not all(allowed[a : b + 1]):
                break
            x0, x1 = extents[a][0], extents[b][1]
            if cell.x1 < x0 - 2 or cell.x0 > x1 + 2:
                continue
            d = abs((x0 + x1) / 2 - cell.centre)
            if best is None or d < best[0] - 0.5 or abs(d - best[0]) <= 0.5 and b - a > best[2] - best[1]:
                best = (d, a, b)
    return (best[1], best[2]) if best else None


def lay_out(lines: list[SourceLine]) -> WordLayout:
    """Positioned lines of one table region → grid rows with header paths (see module doc)."""
    notes: list[str] = []
    body = [ln for ln in lines if ln.words and not _META.search(ln.text.strip())]
    first = next((i for i, ln in enumerate(body) if _data_line(ln)), None)
    if first is None:
        return WordLayout(rows=[], paths=[], hints=[], notes=notes)
    header_lines, data_lines = body[:first], body[first:]
    header_texts = {b.text for ln in header_lines for b in _boxes(ln)}
    # Repeated headers of continuation pages are dropped; a page without them simply continues.
    kept: list[SourceLine] = []
    page, seen_data = data_lines[0].provenance.page, True
    for ln in data_lines:
        if ln.provenance.page != page:
            page, seen_data = ln.provenance.page, False
        if not seen_data and not _data_line(ln):
            texts = {b.text for b in _boxes(ln)}
            if texts and texts <= header_texts | {t for t in texts if _COLNUM.match(t)}:
                continue
        seen_data = seen_data or _data_line(ln)
        kept.append(ln)
    data_lines = kept
    cells = _header_cells(header_lines)
    parents = [c for c in cells if _is_parent(c, cells)]
    leaves = sorted((c for c in cells if c not in parents), key=lambda c: c.centre)
    columns = _align(leaves, _blocks(data_lines))
    extents = [
        (min(v for v in (leaf.x0 if leaf else None, blk[0] if blk else None) if v is not None),
         max(v for v in (leaf.x1 if leaf else None, blk[1] if blk else None) if v is not None))
        for leaf, blk in columns
    ]
    paths: list[list[tuple[float, str]]] = [[(leaf.top, leaf.text)] if leaf else [] for leaf, _ in columns]
    # A block with no header of its own beside a leaf centred over both shares the leaf (merged cell).
    for k, (leaf, _) in enumerate(columns):
        if leaf is None:
            continue
        allowed = [columns[i][0] is None or i == k for i in range(len(columns))]
        span = _span(leaf, extents, allowed)
        if span:
            for i in range(span[0], span[1] + 1):
                if i != k and not paths[i]:
                    paths[i] = [(leaf.top, leaf.text)]
    for parent in sorted(parents, key=lambda c: c.top):
        below = [bool(leaf is None or leaf.top >= parent.bottom - 1) for leaf, _ in columns]
        span = _span(parent, extents, below)
        if span is None:
            notes.append(f"header “{parent.text}” spans no column; left out of the header paths")
            continue
        for i in range(span[0], span[1] + 1):
            paths[i].append((parent.top, parent.text))
    header_paths = [[t for _, t in sorted(p)] for p in paths]
    rows = _rows(data_lines, extents)
    hints = _hints(rows, len(columns))
    return WordLayout(rows=rows, paths=header_paths, hints=hints, notes=notes)


def _column_of(box: _Box, extents: list[tuple[float, float]]) -> int:
    best, best_key = 0, None
    for i, (x0, x1) in enumerate(extents):
        overlap = min(x1, box.x1) - max(x0, box.x0)
        key = (overlap > 0, overlap if overlap > 0 else -min(abs(box.x0 - x1), abs(box.x1 - x0)))
        if best_key is None or key > best_key:
            best, best_key = i, key
    return best


def _rows(lines: list[SourceLine], extents: list[tuple[float, float]]) -> list[SourceLine]:
    """One grid row per data line; a label-only line stacked tightly on a neighbour (a wrapped label)
    joins that neighbour, texts of one column in top-to-bottom order."""
    groups: list[list[SourceLine]] = []
    for ln in lines:
        if groups and _wraps(groups[-1], ln):
            groups[-1].append(ln)
        else:
            groups.append([ln])
    # A wrapped label's first line may stand above the amounts' line: a label-only group stacked
    # tightly on the next group joins it.
    merged: list[list[SourceLine]] = []
    for g in groups:
        if merged and not any(_data_line(x) for x in merged[-1]) and _tight(merged[-1][-1], g[0]) and _data_line(g[0]):
            merged[-1].extend(g)
        else:
            merged.append(g)
    out: list[SourceLine] = []
    for g in merged:
        cells: list[list[_Box]] = [[] for _ in extents]
        for ln in g:
            for b in _boxes(ln):
                cells[_column_of(b, extents)].append(b)
        texts = []
        for col in cells:
            col.sort(key=lambda b: (round(b.top), b.x0))
            texts.append(_join([b.text for b in col]))
        boxes = [b for ln in g for b in _boxes(ln)]
        bbox = (min(b.x0 for b in boxes), min(b.top for b in boxes), max(b.x1 for b in boxes), max(b.bottom for b in boxes))
        prov = g[0].provenance.model_copy(update={"bbox": bbox})
        out.append(SourceLine(text=" ".join(t for t in texts if t), cells=texts, grid_start=not out, provenance=prov))
    return out


def _join(parts: list[str]) -> str:
    text = ""
    for p in parts:
        if text and re.match(r"[A-Za-z0-9]", p) and re.search(r"[A-Za-z0-9]$", text):
            text += " "
        text += p
    return text


def _tight(a: SourceLine, b: SourceLine) -> bool:
    """Two lines stacked as the wrapped lines of one cell: same page, gap under half a line."""
    if a.provenance.page != b.provenance.page or not a.provenance.bbox or not b.provenance.bbox:
        return False
    height = min(a.provenance.bbox[3] - a.provenance.bbox[1], b.provenance.bbox[3] - b.provenance.bbox[1])
    gap = b.provenance.bbox[1] - a.provenance.bbox[3]
    return -0.5 * height < gap < 0.45 * height


def _wraps(group: list[SourceLine], line: SourceLine) -> bool:
    """``line`` continues the wrapped labels of ``group``: it prints no amount and sits tight below."""
    return not _data_line(line) and _tight(group[-1], line)


def _hints(rows: list[SourceLine], width: int) -> list[str | None]:
    out: list[str | None] = []
    for i in range(width):
        cells = [r.cells[i] for r in rows if r.cells and i < len(r.cells) and r.cells[i]]
        if not cells:
            out.append(None)
        elif all(_CODE.match(c.replace(" ", "")) for c in cells):
            out.append("code")
        elif any(is_number(c) for c in cells):
            out.append("money")
        else:
            out.append("label")
    return out



