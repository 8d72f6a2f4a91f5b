"""Unruled tables (whitespace only) laid out from word positions into grid rows.

Columns come from the data: the x ranges the words of the data rows cover, merged where they
overlap, are the column blocks. Header cells (wrapped pieces stacked in one column joined) are
leaves or spanning parents: a parent has header cells below it on both sides of its centre, or one
right under it. Leaves are aligned to blocks in x order by a monotone alignment, each leaf owning
its stretch of the line (a header with no data under it is a column of its own; a block with no
header of its own takes what spans it); a spanning header covers the run of columns it is centred
over, or, printed at the left edge of its span, the columns up to the next header on its line.
Rows: lines stacked tightly are one block of wrapped text, in which each line of amounts (or of a
code and its name) anchors a row and the other lines join the nearest anchor. Column-number rows,
years before 年, page numbers and the header rows a continuation page repeats never become data.
The result is grid rows with explicit header paths, parsed like a ruled grid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from extractor.labels import squash
from extractor.money import is_number, is_year
from schemas import SourceLine
from schemas.source import Word

_META = re.compile(r"单位\s*[:：]|编制(部门|单位)|^部\s*门\s*[:：]|^注\s*[:：]|^说明\s*[:：]|^续表|^[（(]\s*20\d{2}\s*年\s*[)）]$")
_CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")
_COLNUM = re.compile(r"^(※|栏次|\d{1,2})$")
PAGE_NUMBER = re.compile(r"^\s*[-—－]?\s*\d{1,3}\s*[-—－]?\s*$|^\s*第\s*\d{1,3}\s*页")  # a page number, alone
_COLNUM_MARK = re.compile(r"^(※|栏次|行次)$")


@dataclass
class _Box:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    spaced: bool = False  # built from letter-spaced single characters ("合    计")

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class WordLayout:
    """Grid rows (``cells`` set) with one header path per column."""

    rows: list[SourceLine]
    paths: list[list[str]]
    notes: list[str] = field(default_factory=list)


def _is_amount(text: str) -> bool:
    return is_number(text) and not _CODE.match(text.replace(",", "")) or bool(re.fullmatch(r"\d[\d,]*\.\d+", text))


def _amount_words(line: SourceLine) -> list[Word]:
    """The words of a line that print amounts: not a code leading the row (2080505), not a year
    before 年, nothing on a column-number row ("※ ※ 1 2 3" / "栏次 1 2 3", which is header)."""
    words = line.words or []
    if _is_column_numbers([w[0] for w in words]):
        return []
    return [
        w
        for i, w in enumerate(words)
        if _is_amount(w[0]) and not (i == 0 and _CODE.match(w[0])) and not is_year(words, i)
    ]


def _data_line(line: SourceLine) -> bool:
    """A line printing an amount."""
    return bool(_amount_words(line))


def _label_start(body: list[SourceLine], first: int) -> int:
    """Move the data start up over the first row's wrapped label: lines stacked tightly above the
    first amounts' line whose words all sit in text blocks of the data (not under an amount)."""
    blocks = _blocks(body[first:])
    centres = [(w[1] + w[2]) / 2 for ln in body[first:] for w in _amount_words(ln)]
    amount_blocks = [b for b in blocks if any(b[0] <= c <= b[1] for c in centres)]
    while first > 0 and _tight(body[first - 1], body[first]):
        words = _boxes(body[first - 1])
        in_text = all(
            any(b[0] - 1 <= w.centre <= b[1] + 1 for b in blocks)
            and not any(b[0] - 1 <= w.centre <= b[1] + 1 for b in amount_blocks)
            for w in words
        )
        if not words or not in_text:
            break
        first -= 1
    return first


def _code_led(line: SourceLine) -> bool:
    """A row that starts with a classification code and its name ("201 一般公共服务支出"): data, even
    before its amounts' line; a header never starts so."""
    words = [w[0] for w in line.words or []]
    return any(_CODE.match(a) and re.match(r"[\u4e00-\u9fff]", b) for a, b in zip(words, words[1:], strict=False))


def _is_column_numbers(tokens: list[str]) -> bool:
    """ "※ ※ 1 2 3 …" or "栏次 1 2 3": small integers counting up from 1, after optional markers."""
    numbers = [t for t in tokens if not _COLNUM_MARK.match(t)]
    if len(numbers) < 2 or not all(t.isdigit() for t in numbers):
        return False
    start, markers = int(numbers[0]), len(tokens) - len(numbers)
    return [int(t) for t in numbers] == list(range(start, start + len(numbers))) and start <= 1 + markers


def _boxes(line: SourceLine) -> list[_Box]:
    return [_Box(*w) for w in (line.words or [])]


def _header_cells(lines: list[SourceLine], blocks: list[list[float]]) -> list[_Box]:
    """Header words with the wrapped pieces of one cell (stacked tightly, overlapping in x) joined,
    and letter-spaced characters of one cell ("合    计") joined, but never across a column block
    of the data (类 款 项 over three code columns stay three headers)."""

    def block_of(x: float) -> int | None:
        return next((i for i, (x0, x1) in enumerate(blocks) if x0 - 1 <= x <= x1 + 1), None)

    def between(a: _Box, b: _Box) -> bool:
        return any(a.x1 < x0 and x1 < b.x0 for x0, x1 in blocks)

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
                single = re.fullmatch(r"[\u4e00-\u9fff]", w.text) and (c.spaced or re.fullmatch(r"[\u4e00-\u9fff]", c.text))
                apart = block_of(c.centre) != block_of(w.centre) or between(c, w)
                if beside and single and not apart:
                    host = c
                    c.spaced = True
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
    """A spanning header: header cells below it on both sides of its centre, or one right under it
    (a left-aligned parent stands over its first child)."""
    reach = 3 * (cell.x1 - cell.x0) + 20
    below = [c for c in cells if c is not cell and c.top >= cell.bottom - 1]
    near = [c for c in below if c.x1 >= cell.x0 - reach and c.x0 <= cell.x1 + reach]
    left = any(c.centre < cell.centre - 1 for c in near)
    right = any(c.centre > cell.centre + 1 for c in near)
    under = any(min(c.x1, cell.x1) - max(c.x0, cell.x0) > 0.5 * min(c.x1 - c.x0, cell.x1 - cell.x0) for c in near)
    return len(near) >= 2 and left and right or under


def _align(leaves: list[_Box], blocks: list[list[float]]) -> list[tuple[_Box | None, list[float] | None]]:
    """Monotone alignment of header leaves with data blocks, in x order. Each leaf owns the stretch
    of the line up to halfway to its neighbours (columns from the header cells' positions); a block
    inside its leaf's stretch costs nothing, partly inside a little, outside by its distance. A leaf
    or a block may stay alone (a header with no data under it; data under no header of its own)."""
    centres = [leaf.centre for leaf in leaves]
    bounds = [
        (
            (centres[i - 1] + centres[i]) / 2 if i else float("-inf"),
            (centres[i] + centres[i + 1]) / 2 if i + 1 < len(centres) else float("inf"),
        )
        for i in range(len(centres))
    ]
    pitch = [b - a for a, b in zip(centres, centres[1:], strict=False)]
    block_pitch = [(b[0] + b[1]) / 2 - (a[0] + a[1]) / 2 for a, b in zip(blocks, blocks[1:], strict=False)]
    skip = 0.3 * median(pitch) if pitch else 0.6 * median(block_pitch) if block_pitch else 60.0
    skip = max(skip, 8.0)

    def distance(i: int, block: list[float]) -> float:
        lo, hi = bounds[i]
        if min(leaves[i].x1, block[1]) > max(leaves[i].x0, block[0]) and lo <= (block[0] + block[1]) / 2 <= hi:
            return 0.0
        inside = max(0.0, min(hi, block[1]) - max(lo, block[0]))
        if inside > 0:
            return (1 - inside / max(block[1] - block[0], 1e-6)) * skip
        return skip + min(abs(block[0] - hi), abs(block[1] - lo))

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
                d = distance(i, blocks[j])
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


def _left_aligned_span(
    parent: _Box,
    parents: list[_Box],
    columns: list[tuple[_Box | None, list[float] | None]],
    extents: list[tuple[float, float]],
    allowed: list[bool],
) -> tuple[int, int] | None:
    """A parent printed at the left edge of its span (its x0 on its first child's): it covers the
    columns from there up to the next header on its own line."""
    first = next((i for i, (leaf, _) in enumerate(columns) if leaf and abs(leaf.x0 - parent.x0) <= 2), None)
    if first is None or not allowed[first]:
        return None
    same_line = [c.x0 for c in parents if c is not parent and abs(c.top - parent.top) <= 2 and c.x0 > parent.x0 + 2]
    end = min(same_line, default=float("inf"))
    last = first
    while last + 1 < len(extents) and allowed[last + 1] and (extents[last + 1][0] + extents[last + 1][1]) / 2 < end:
        last += 1
    return first, last


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
    body = [
        ln
        for ln in lines
        if ln.words and not _META.search(squash(ln.text)) and not PAGE_NUMBER.match(ln.text)
    ]
    first = next((i for i, ln in enumerate(body) if _data_line(ln) or _code_led(ln)), None)
    if first is None:
        return WordLayout(rows=[], paths=[], notes=notes)
    first = _label_start(body, first)
    header_lines = body[:first]
    data_lines = _without_repeated_headers(body[first:], header_lines)
    blocks = _blocks(data_lines)
    cells = _header_cells(header_lines, blocks)
    parents = [c for c in cells if _is_parent(c, cells)]
    leaves = sorted((c for c in cells if c not in parents), key=lambda c: c.centre)
    columns = _align(leaves, blocks)
    extents = [_extent(leaf, blk) for leaf, blk in columns]
    paths = _paths(columns, parents, extents, notes)
    return WordLayout(rows=_rows(data_lines, extents), paths=paths, notes=notes)


def _without_repeated_headers(data: list[SourceLine], header: list[SourceLine]) -> list[SourceLine]:
    """Data lines less the header rows a continuation page repeats before its first data row; a
    page without them simply continues."""
    header_texts = {b.text for ln in header for b in _boxes(ln)}
    kept: list[SourceLine] = []
    page, seen_data = data[0].provenance.page, True
    for ln in data:
        if ln.provenance.page != page:
            page, seen_data = ln.provenance.page, False
        if not seen_data and not _data_line(ln):
            texts = {b.text for b in _boxes(ln)}
            if texts and texts <= header_texts | {t for t in texts if _COLNUM.match(t)}:
                continue
        seen_data = seen_data or _data_line(ln)
        kept.append(ln)
    return kept


def _extent(leaf: _Box | None, block: list[float] | None) -> tuple[float, float]:
    """A column's x range: its header leaf and its data block together."""
    xs = [*((leaf.x0, leaf.x1) if leaf else ()), *(block or ())]
    return min(xs), max(xs)


def _paths(
    columns: list[tuple[_Box | None, list[float] | None]],
    parents: list[_Box],
    extents: list[tuple[float, float]],
    notes: list[str],
) -> list[list[str]]:
    """Each column's header path: the spanning headers centred over it (top to bottom), then its leaf."""
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
        span = _left_aligned_span(parent, parents, columns, extents, below) or _span(parent, extents, below)
        if span is None:
            notes.append(f"header “{parent.text}” spans no column; left out of the header paths")
            continue
        for i in range(span[0], span[1] + 1):
            paths[i].append((parent.top, parent.text))
    return [[t for _, t in sorted(p)] for p in paths]


def _column_of(box: _Box, extents: list[tuple[float, float]]) -> int:
    best, best_key = 0, None
    for i, (x0, x1) in enumerate(extents):
        overlap = min(x1, box.x1) - max(x0, box.x0)
        key = (overlap > 0, overlap if overlap > 0 else -min(abs(box.x0 - x1), abs(box.x1 - x0)))
        if best_key is None or key > best_key:
            best, best_key = i, key
    return best


def _rows(lines: list[SourceLine], extents: list[tuple[float, float]]) -> list[SourceLine]:
    """Grid rows from lines. Lines stacked tightly (gap under half a line) are one block of wrapped
    text; in a block, each line printing amounts (or a code and its name) anchors a row, and every
    other line (a wrapped piece of a label, or amounts alone on a line beside a label that wraps
    around them) joins the nearest anchor — a label centred on its amounts starts above them. A block with no anchor is one row (a blank row's wrapped label). Texts of one
    column join in top-to-bottom order."""
    blocks: list[list[SourceLine]] = []
    for ln in lines:
        if blocks and _tight(blocks[-1][-1], ln):
            blocks[-1].append(ln)
        else:
            blocks.append([ln])
    merged: list[list[SourceLine]] = []
    for block in blocks:
        anchors = [k for k, ln in enumerate(block) if _data_line(ln) or _code_led(ln)]
        # Amounts alone on a line, centred on a label that wraps around them, are that label's row.
        labelled = [k for k in anchors if not _amounts_only(block[k])]
        if labelled:
            anchors = labelled
        if not anchors:
            merged.append(block)
            continue
        groups: dict[int, list[SourceLine]] = {k: [] for k in anchors}
        for ln in block:
            nearest = min(anchors, key=lambda a: (abs(_middle(block[a]) - _middle(ln)), a))
            groups[nearest].append(ln)
        merged.extend(groups[k] for k in anchors)
    out: list[SourceLine] = []
    for g in merged:
        cells: list[list[_Box]] = [[] for _ in extents]
        for ln in g:
            for b in _boxes(ln):
                cells[_column_of(b, extents)].append(b)
        texts = []
        for col in cells:
            col.sort(key=lambda b: (round(b.top), b.x0))
            texts.append(_join(col))
        boxes = [b for ln in g for b in _boxes(ln)]
        bbox = (min(b.x0 for b in boxes), min(b.top for b in boxes), max(b.x1 for b in boxes), max(b.bottom for b in boxes))
        prov = g[0].provenance.model_copy(update={"bbox": bbox})
        out.append(SourceLine(text=" ".join(t for t in texts if t), cells=texts, grid_start=not out, provenance=prov))
    return out


def _join(boxes: list[_Box]) -> str:
    """A cell's words in reading order: words apart on one line keep a space ("208 社会保障和就业支出",
    as printed), the wrapped lines of a CJK cell join without one."""
    text = ""
    prev: _Box | None = None
    for b in boxes:
        if prev is not None:
            same_line = abs(b.top - prev.top) < 0.5 * (b.bottom - b.top)
            ascii_edge = re.match(r"[A-Za-z0-9]", b.text) and re.search(r"[A-Za-z0-9]$", text)
            if same_line or ascii_edge:
                text += " "
        text += b.text
        prev = b
    return text


def _amounts_only(line: SourceLine) -> bool:
    return bool(line.words) and all(_is_amount(w[0]) for w in line.words or [])


def _middle(line: SourceLine) -> float:
    bbox = line.provenance.bbox
    return (bbox[1] + bbox[3]) / 2 if bbox else 0.0


def _tight(a: SourceLine, b: SourceLine) -> bool:
    """Two lines stacked as the wrapped lines of one cell: same page, gap under half a line."""
    if a.provenance.page != b.provenance.page or not a.provenance.bbox or not b.provenance.bbox:
        return False
    height = min(a.provenance.bbox[3] - a.provenance.bbox[1], b.provenance.bbox[3] - b.provenance.bbox[1])
    gap = b.provenance.bbox[1] - a.provenance.bbox[3]
    return -0.5 * height < gap < 0.45 * height
