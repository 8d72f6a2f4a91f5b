"""Harder PDF renderings of the seed disclosures: tables laid out with whitespace only (no ruling
lines, no rectangles), to test the table layer on layouts it was not built on.

The input is a seed text rendering (``examples/*.txt``): each table row is one line of
tab-separated cells, header rows first; a numbered table is preceded by a ``表 N`` line, a title
line and the 编制部门 / 单位 lines; ``#`` starts a markdown heading and ``<b>…</b>`` marks bold.
Every cell is printed exactly as the text prints it (numbers keep or lack their thousands
separators as in the text).

Styles (see ``STYLES``):

``unruled``
    A4 portrait, or landscape for wide tables; "表N 标题" centred on one line; columns sized from
    their contents (wide tables wrap their header texts first, then their longest labels);
    header texts centred over their column, spanning parents centred over the columns they
    span; labels left, amounts right-aligned; tables 9 pt, prose 10.5 pt. A table that does not
    fit on the page goes on over the next one with its header rows repeated.
``narrow``
    As ``unruled`` but tables 8 pt, text columns about 7 CJK characters wide so long labels and
    header texts wrap over two or three tightly stacked lines (the other cells of the row are
    centred vertically on them), and the title printed as "表 N：标题".
``continued``
    As ``unruled`` but every table with more than 8 data rows is broken over pages with neither
    title nor header rows repeated (a table whose last row is a 合计/总计 row has that row alone
    at the top of the next page); an extra 目录 page lists the table titles (no leaders, no page
    numbers).
``topaligned``
    Tables 8.5 pt with columns only about 0.8 of a CJK character apart, text columns about 8
    characters wide; every cell of a row is top-aligned, so a wrapped label's first line carries
    the row's amounts and its continuation lines hang below them; header texts are top-aligned
    in their header row, and a header cell reaching down over empty header rows is bottom-aligned
    in that span, directly above the data (or the ※ numbering row). Amounts of 1000 or more in
    the numbered tables are printed with thousands separators ("1,234.56": the same number); the
    title is printed as "表一 标题"; landscape pages for wide tables.
``sparse``
    Columns 3 to 4 CJK characters apart (the table font goes down from 9 pt until that fits on a
    landscape page); header texts, spanning parents included, left-aligned at the left edge of
    their column (span); labels left, amounts right-aligned; the 编制部门 line and the
    "单位：万元" line (right-aligned) on two lines of their own above the header; "附表N：标题"
    as the title; "第 N 页" at the foot of every page; a table that does not fit goes on over
    the next page with its header rows repeated.

CLI: ``python -m tests.renderings.pdf_renderings OUTDIR`` writes ``OUTDIR/<stem>.<style>.pdf``
for both seeds and every style.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
STYLES = ("unruled", "narrow", "continued", "topaligned", "sparse")
ROOT = Path(__file__).resolve().parents[2]
SEEDS = ("001_6d2149f5b3f07333", "002_e70514054a2d30bc")

PROSE_FS = 10.5
PROSE_LEAD = 1.7
HEADING_FS = {1: 18.0, 2: 15.0, 3: 13.0, 4: 12.0}
MARGIN = {"P": (62.0, 62.0, 56.0, 56.0), "L": (48.0, 48.0, 48.0, 48.0)}  # top, bottom, left, right
CONTINUED_MAX_ROWS = 8
TABLE_FS = {"narrow": 8.0, "topaligned": 8.5}  # table font size of a style (else 9 pt)
SPARSE_FS = (9.0, 8.5, 8.0, 7.5, 7.0)  # sparse: first that fits with 3-character gaps

_TABLE_NO = re.compile(r"^表\s*(\d+)$")
_TAGS = re.compile(r"</?(?:b|p|strong|span|br)\s*/?>", re.I)
_AMOUNT = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?%?$")
_CODE = re.compile(r"^\d{2,3}$")
# unbreakable runs (ASCII words and numbers), spaces, and single other characters
_TOKEN = re.compile(r"[!-~]+|\s+|.", re.S)
_NO_LINE_START = set("，。、；：？！）》」』”’〕%,.;:?!)]")
_NO_LINE_END = set("（《「『“‘〔([")
_TOTAL = re.compile(r"(总计|合计)")
_PLAIN_NUMBER = re.compile(r"^([-+]?)(\d+)(\.\d+)?$")

_registered = False


def _font() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True


def sw(text: str, fs: float) -> float:
    _font()
    return pdfmetrics.stringWidth(text, FONT, fs)


# ---------------------------------------------------------------------------- the text rendering


@dataclass
class Cell:
    text: str
    bold: bool = False


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str
    bold: bool = False
    listed: bool = False  # a "- " list item: no first-line indent


@dataclass
class Table:
    rows: list[list[Cell]]
    n_header: int = 0
    number: str | None = None
    title: str | None = None
    meta: list[str] = field(default_factory=list)
    caption: list[str] = field(default_factory=list)  # title lines of an un-numbered table

    @property
    def ncols(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    @property
    def header(self) -> list[list[Cell]]:
        return self.rows[: self.n_header]

    @property
    def data(self) -> list[list[Cell]]:
        return self.rows[self.n_header :]


def _clean(raw: str) -> Cell:
    bold = "<b>" in raw.lower() or "**" in raw
    text = _TAGS.sub("", raw).replace("**", "")
    return Cell(re.sub(r"[ \u3000]+", " ", text).strip(), bold)


def _is_meta(text: str) -> bool:
    return text.startswith(("编制部门", "编制单位", "单位：", "单位:"))


def _is_numbering(row: list[Cell]) -> bool:
    return any(c.text == "※" for c in row)


def grouped(text: str) -> str:
    """An amount of 1000 or more with thousands separators ("1234.5" -> "1,234.5"); anything
    else (smaller amounts, percentages, amounts already grouped, text) unchanged."""
    m = _PLAIN_NUMBER.match(text)
    if not m or int(m.group(2)) < 1000:
        return text
    return f"{m.group(1)}{int(m.group(2)):,}{m.group(3) or ''}"


def _with_separators(table: Table) -> Table:
    """A numbered table with its amounts grouped (code and text columns left as they are)."""
    if table.number is None:
        return table
    numeric, code = _column_kinds(table)
    rows = [
        [
            Cell(grouped(cell.text), cell.bold)
            if r >= table.n_header and numeric[c] and not code[c]
            else cell
            for c, cell in enumerate(row)
        ]
        for r, row in enumerate(table.rows)
    ]
    return Table(rows, table.n_header, table.number, table.title, list(table.meta), list(table.caption))


def _header_rows(rows: list[list[Cell]]) -> int:
    """Leading header rows of a numbered table: up to the ※ column-numbering row, else up to the
    first row with an amount or a 类 code, or with at most one printed cell (a label row)."""
    for i, row in enumerate(rows):
        if _is_numbering(row):
            return i + 1
        filled = [c.text for c in row if c.text]
        if i and (len(filled) <= 1 or any(_AMOUNT.match(t) and "." in t for t in filled)):
            return i
        if i and row and _CODE.match(row[0].text):
            return i
    return len(rows)


def parse(text: str) -> list[Heading | Para | Table]:
    lines = text.split("\n")
    n = len(lines)
    blocks: list[Heading | Para | Table] = []

    def next_nonblank(i: int) -> int:
        while i < n and not lines[i].strip():
            i += 1
        return i

    def read_rows(i: int) -> tuple[list[list[Cell]], int]:
        rows: list[list[Cell]] = []
        while i < n and "\t" in lines[i]:
            rows.append([_clean(c) for c in lines[i].split("\t")])
            j = next_nonblank(i + 1)
            i = j if j < n and "\t" in lines[j] else i + 1
        return rows, i

    i = 0
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if "\t" in line:
            rows, i = read_rows(i)
            # an indicator table's title ("…绩效目标表") and year line "(2026 年)" go with it
            caption: list[str] = []
            for k in (1, 2):
                before = blocks[-k:] if len(blocks) >= k else []
                if (
                    before
                    and isinstance(before[0], Heading | Para)
                    and before[0].text.endswith("表")
                    and all(isinstance(b, Para) and len(b.text) <= 12 for b in before[1:])
                ):
                    caption = [b.text for b in before]
                    break
            del blocks[len(blocks) - len(caption) :]
            blocks.append(Table(rows, caption=caption))
            continue
        cell = _clean(line.lstrip("#").strip())
        m = _TABLE_NO.match(cell.text)
        if m:
            table = Table([], number=m.group(1))
            i = next_nonblank(i + 1)
            if i < n and "\t" not in lines[i]:
                table.title = _clean(lines[i].lstrip("#").strip()).text
                i += 1
            while (i := next_nonblank(i)) < n and "\t" not in lines[i] and _is_meta(_clean(lines[i]).text):
                table.meta.append(_clean(lines[i]).text)
                i += 1
            table.rows, i = read_rows(i)
            table.n_header = _header_rows(table.rows)
            # a page break of the source: 编制部门/单位 lines and the same header rows again
            while True:
                j, seen_meta = next_nonblank(i), False
                while j < n and "\t" not in lines[j] and _is_meta(_clean(lines[j]).text):
                    seen_meta, j = True, next_nonblank(j + 1)
                if not (seen_meta and j < n and "\t" in lines[j]):
                    break
                more, k = read_rows(j)
                head = [[c.text for c in r] for r in table.header]
                if [[c.text for c in r] for r in more[: table.n_header]] != head:
                    break
                table.rows += more[table.n_header :]
                i = k
            blocks.append(table)
            continue
        stripped = line.strip()
        if stripped.startswith("#"):
            level = len(stripped) - len(stripped.lstrip("#"))
            blocks.append(Heading(min(level, 4), cell.text))
        elif stripped.startswith("- "):
            blocks.append(Para(_clean(stripped[2:]).text, cell.bold, listed=True))
        else:
            blocks.append(Para(cell.text, cell.bold))
        i += 1
    return blocks


# ---------------------------------------------------------------------------------- line breaking


def _longest_token(text: str, fs: float) -> float:
    return max((sw(t, fs) for t in _TOKEN.findall(text) if not t.isspace()), default=0.0)


def wrap(text: str, width: float, fs: float, first_width: float | None = None) -> list[str]:
    """Greedy line breaking between CJK characters and at spaces; ASCII runs (numbers) are never
    split, a closing punctuation mark never starts a line and an opening one never ends it (the
    previous token goes down with it)."""
    lines: list[str] = []
    cur: list[str] = []
    limit = width if first_width is None else first_width
    for tok in _TOKEN.findall(text):
        if tok.isspace():
            if cur and cur[-1] != " ":
                cur.append(" ")
            continue
        if cur and sw("".join(cur) + tok, fs) > limit + 0.01:
            carry: list[str] = []
            while cur and cur[-1] == " ":
                cur.pop()
            if len(cur) > 1 and (tok[0] in _NO_LINE_START or cur[-1][-1] in _NO_LINE_END):
                carry = [cur.pop()]
            lines.append("".join(cur).strip())
            cur, limit = carry, width
        cur.append(tok)
    if cur:
        lines.append("".join(cur).strip())
    return lines or [""]


# ------------------------------------------------------------------------------------ table layout


@dataclass
class Placed:
    row: int
    c0: int
    c1: int
    lines: list[str]
    align: str  # l, r, c
    bold: bool
    rowspan_end: int  # last header row this cell covers (== row for data cells)


@dataclass
class Layout:
    widths: list[float]
    gap: float
    fs: float
    lead: float
    pad: float
    orient: str
    placed: list[list[Placed]]  # per row
    heights: list[float]  # per row

    @property
    def width(self) -> float:
        return sum(self.widths) + self.gap * (len(self.widths) - 1)

    def x(self, c: int, x0: float) -> float:
        return x0 + sum(self.widths[:c]) + self.gap * c

    def span_width(self, c0: int, c1: int) -> float:
        return sum(self.widths[c0 : c1 + 1]) + self.gap * (c1 - c0)


def _spans(table: Table) -> list[list[tuple[int, int, int, Cell]]]:
    """(c0, c1, rowspan_end, cell) of the printed cells of every row. In header rows a cell spans
    the empty cells to its right that have sub-headers below (a spanning parent), and reaches down
    over header rows that are empty under it; in tables without a header (the indicator tables)
    a cell spans the empty cells to its right."""
    ncols = table.ncols
    rows = [r + [Cell("")] * (ncols - len(r)) for r in table.rows]
    last = table.n_header - 1
    while last >= 0 and _is_numbering(rows[last]):
        last -= 1
    out: list[list[tuple[int, int, int, Cell]]] = []
    for r, row in enumerate(rows):
        cells: list[tuple[int, int, int, Cell]] = []
        header = r < table.n_header
        for c, cell in enumerate(row):
            if not cell.text:
                continue
            c1 = c
            while c1 + 1 < ncols and not row[c1 + 1].text:
                below = any(rows[r2][c1 + 1].text for r2 in range(r + 1, last + 1))
                if (header and not below) or (not header and table.number is not None):
                    break
                c1 += 1
            end = r
            if header and r <= last:
                while end + 1 <= last and not any(rows[end + 1][k].text for k in range(c, c1 + 1)):
                    end += 1
            cells.append((c, c1, end, cell))
        out.append(cells)
    return out


def _column_kinds(table: Table) -> tuple[list[bool], list[bool]]:
    """(numeric, code) per column from the data rows."""
    ncols = table.ncols
    numeric, code = [False] * ncols, [False] * ncols
    for c in range(ncols):
        vals = [r[c].text for r in table.data if c < len(r) and r[c].text]
        numeric[c] = bool(vals) and all(_AMOUNT.match(v) for v in vals)
        code[c] = bool(vals) and all(_CODE.match(v) for v in vals)
        if table.header and any(c < len(r) and r[c].text in ("类", "款", "项") for r in table.header):
            code[c] = True
    return numeric, code


def _fill(lo: list[float], hi: list[float], budget: float) -> list[float]:
    """Column widths between lo and hi summing to budget: the widest columns give way first."""
    lo = [min(a, b) for a, b in zip(lo, hi, strict=True)]
    if sum(hi) <= budget:
        return hi
    if sum(lo) >= budget:
        return lo
    a, b = 0.0, max(hi)
    for _ in range(60):
        t = (a + b) / 2
        if sum(max(lw, min(hw, t)) for lw, hw in zip(lo, hi, strict=True)) > budget:
            b = t
        else:
            a = t
    return [max(lw, min(hw, a)) for lw, hw in zip(lo, hi, strict=True)]


def _measure(table: Table, spans, fs: float) -> tuple[list[float], list[float], list[float], list[float]]:
    """(natural data width, least data width, natural header width, least header width) per
    column, from the cells that sit in one column."""
    ncols = table.ncols
    nat_d, min_d, nat_h, min_h = ([0.0] * ncols for _ in range(4))
    for r, cells in enumerate(spans):
        for c0, c1, _end, cell in cells:
            if c0 != c1:
                continue
            w, tok = sw(cell.text, fs), _longest_token(cell.text, fs)
            if r < table.n_header:
                nat_h[c0] = max(nat_h[c0], w)
                min_h[c0] = max(min_h[c0], tok, min(w, 2 * fs))
            else:
                nat_d[c0] = max(nat_d[c0], w)
                min_d[c0] = max(min_d[c0], tok, min(w, 4 * fs))
    return nat_d, min_d, nat_h, min_h


def _sparse_widths(table: Table, spans, numeric: list[bool], avail: dict[str, float]):
    """(font size, orientation, column widths, gap) of a ``sparse`` table: gaps of 3 characters
    (opened up to 4 where there is room); portrait when the labels need not wrap there, else
    landscape with header texts wrapped, then labels wrapped to 8 characters; the font goes down
    until that fits, and at the smallest font labels wrap as far as they must."""
    ncols = table.ncols
    for fs in SPARSE_FS:
        nat_d, min_d, nat_h, min_h = _measure(table, spans, fs)
        floor = [max(a, b) for a, b in zip(min_d, min_h, strict=True)]
        floor = [max(floor[c], nat_d[c]) if numeric[c] else floor[c] for c in range(ncols)]
        hi = [max(a, b) for a, b in zip(nat_d, nat_h, strict=True)]
        lo1 = [max(nat_d[c], min_h[c], min(nat_h[c], 4 * fs)) for c in range(ncols)]
        lo2 = [lo1[c] if numeric[c] else max(floor[c], min(lo1[c], 8 * fs)) for c in range(ncols)]
        gaps = 3 * fs * max(ncols - 1, 0)
        stages = [("P", lo1, hi), ("L", lo1, hi), ("L", lo2, lo1)]
        fits = [st for st in stages if sum(st[1]) + gaps <= avail[st[0]]]
        if fits or fs == SPARSE_FS[-1]:
            orient, lo, top = fits[0] if fits else ("L", floor, lo2)
            widths = _fill(lo, top, avail[orient] - gaps)
            spare = avail[orient] - sum(widths) - gaps
            gap = 3 * fs + (max(0.0, min(spare / (ncols - 1), fs)) if ncols > 1 else 0.0)
            return fs, orient, widths, gap
    raise AssertionError("unreachable")


def plan(table: Table, style: str) -> Layout:
    fs = TABLE_FS.get(style, 9.0)
    ncols = table.ncols
    spans = _spans(table)
    numeric, code = _column_kinds(table)
    avail = {o: (landscape(A4) if o == "L" else A4)[0] - MARGIN[o][2] - MARGIN[o][3] for o in "PL"}
    if style == "sparse":
        fs, orient, widths, gap = _sparse_widths(table, spans, numeric, avail)
    else:
        nat_d, min_d, nat_h, min_h = _measure(table, spans, fs)
        floor = [max(a, b) for a, b in zip(min_d, min_h, strict=True)]
        if style in ("narrow", "topaligned"):
            gap = 1.4 * fs if style == "narrow" else 0.8 * fs
            chars = 7 if style == "narrow" else 8
            hi = [
                max(floor[c], nat_d[c], min(nat_h[c], 5 * fs))
                if numeric[c]
                else max(floor[c], min(max(nat_d[c], nat_h[c]), chars * fs))
                for c in range(ncols)
            ]
            stages = [(hi, hi), (floor, hi)]
        else:
            gap = 1.5 * fs
            hi = [max(a, b) for a, b in zip(nat_d, nat_h, strict=True)]
            lo1 = [max(nat_d[c], min_h[c], min(nat_h[c], 4 * fs)) for c in range(ncols)]
            stages = [(lo1, hi), (floor, lo1)]
        gaps = gap * max(ncols - 1, 0)
        # landscape when portrait would have to wrap the labels (narrow: when 7 characters do not fit)
        orient = "P" if sum(stages[0][0]) + gaps <= avail["P"] else "L"
        budget = avail[orient] - gaps
        lo, hi = stages[0] if sum(stages[0][0]) <= budget else stages[1]
        widths = _fill(lo, hi, budget)
        if style != "topaligned":  # topaligned keeps its 0.8-character gaps
            if sum(widths) > budget:  # still too wide: close the gaps down to one character
                gap = max(fs * 1.05, (avail[orient] - sum(widths)) / max(ncols - 1, 1))
            # tables much narrower than the page: open the gaps up a little (then the table is centred)
            if ncols > 1:
                spare = avail[orient] - sum(widths) - gap * (ncols - 1)
                if spare > 0:
                    gap += min(spare / (ncols - 1), 1.5 * fs)

    lead = {"narrow": 1.05, "topaligned": 1.15}.get(style, 1.25) * fs
    pad = {"narrow": 0.8, "topaligned": 0.7}.get(style, 0.55) * fs
    layout = Layout(widths, gap, fs, lead, pad, orient, [], [])
    for r, cells in enumerate(spans):
        header = r < table.n_header
        row_placed = []
        for c0, c1, end, cell in cells:
            text = cell.text
            if header or _is_numbering(table.rows[r]):
                align = "l" if style == "sparse" else "c"
            elif _AMOUNT.match(text) and not all(code[c0 : c1 + 1]):
                align = "r"
            else:
                align = "l"
            lines = wrap(text, layout.span_width(c0, c1), fs)
            row_placed.append(Placed(r, c0, c1, lines, align, cell.bold, end))
        layout.placed.append(row_placed)
    heights = []
    for r, cells in enumerate(layout.placed):
        n = max([len(p.lines) for p in cells if p.rowspan_end == r] or [1])
        heights.append(n * lead + pad)
    for cells in layout.placed:  # header cells reaching down: make the rows they cover tall enough
        for p in cells:
            if p.rowspan_end > p.row:
                need = len(p.lines) * lead + pad
                have = sum(heights[p.row : p.rowspan_end + 1])
                if need > have:
                    heights[p.rowspan_end] += need - have
    layout.heights = heights
    return layout


# ------------------------------------------------------------------------------------ the writer


def _cn_numeral(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


class Writer:
    def __init__(self, out_pdf: Path, style: str):
        _font()
        self.style = style
        self.c = canvas.Canvas(str(out_pdf), pagesize=A4, invariant=1)
        self.c.setTitle(out_pdf.stem)
        self.orient = "P"
        self.page_open = False
        self.pageno = 0
        self.y = 0.0

    # page geometry
    @property
    def size(self) -> tuple[float, float]:
        return landscape(A4) if self.orient == "L" else A4

    @property
    def left(self) -> float:
        return MARGIN[self.orient][2]

    @property
    def right(self) -> float:
        return self.size[0] - MARGIN[self.orient][3]

    @property
    def bottom(self) -> float:
        return MARGIN[self.orient][1]

    def new_page(self, orient: str | None = None) -> None:
        if self.page_open:
            self._finish_page()
        self.orient = orient or self.orient
        self.c.setPageSize(self.size)
        self.page_open = True
        self.pageno += 1
        self.y = self.size[1] - MARGIN[self.orient][0]

    def _finish_page(self) -> None:
        folio = f"第 {self.pageno} 页" if self.style == "sparse" else str(self.pageno)
        self.text(self.size[0] / 2, self.bottom / 2, folio, 9, "c")
        self.c.showPage()
        self.page_open = False

    def need(self, height: float, orient: str | None = None) -> None:
        if not self.page_open or (orient and orient != self.orient) or self.y - height < self.bottom:
            self.new_page(orient)

    def save(self) -> None:
        if self.page_open:
            self._finish_page()
        self.c.save()

    def text(self, x: float, y: float, s: str, fs: float, align: str = "l", bold: bool = False) -> None:
        s = s.replace("\u00b7", "\u30fb")  # STSong-Light has no U+00B7; U+30FB reads back as "·"
        w = sw(s, fs)
        if align == "r":
            x -= w
        elif align == "c":
            x -= w / 2
        t = self.c.beginText(x, y)
        t.setFont(FONT, fs)
        t.setTextRenderMode(2 if bold else 0)  # fill+stroke: a bold face without a bold font
        if bold:
            self.c.setLineWidth(fs * 0.035)
        t.textOut(s)
        self.c.drawText(t)

    # prose
    def portrait(self) -> None:
        """Prose after a landscape table goes on a new portrait page."""
        if self.page_open and self.orient == "L":
            self.new_page("P")

    def heading(self, h: Heading) -> None:
        self.portrait()
        fs = HEADING_FS[h.level]
        width = self.right - self.left
        lines = wrap(h.text, width, fs)
        lead = fs * 1.6
        self.need(lead * len(lines) + fs * 0.6 + 3 * PROSE_FS * PROSE_LEAD)
        self.y -= fs * 0.6
        for line in lines:
            self.y -= lead
            if h.level == 1:
                self.text((self.left + self.right) / 2, self.y + lead * 0.3, line, fs, "c", True)
            else:
                self.text(self.left, self.y + lead * 0.3, line, fs, "l", True)

    def para(self, p: Para, fs: float = PROSE_FS) -> None:
        self.portrait()
        width = self.right - self.left
        indent = 0.0 if p.listed else 2 * fs
        lines = wrap(p.text, width, fs, first_width=width - indent)
        lead = fs * PROSE_LEAD
        for k, line in enumerate(lines):
            self.need(lead if k else min(2, len(lines)) * lead)
            self.y -= lead
            self.text(self.left + (indent if k == 0 else 0), self.y + lead * 0.3, line, fs, "l", p.bold)
        self.y -= fs * 0.35

    # tables
    def _title(self, table: Table, layout: Layout) -> None:
        """Draw the title, caption and unit lines (those the table has)."""
        if table.number:
            fs = 12.0 if self.style == "narrow" else 14.0
            if self.style == "narrow":
                title = f"表 {table.number}：{table.title or ''}"
            elif self.style == "topaligned":
                title = f"表{_cn_numeral(int(table.number))} {table.title or ''}"
            elif self.style == "sparse":
                title = f"附表{table.number}：{table.title or ''}"
            else:
                title = f"表{table.number} {table.title or ''}"
            self.y -= fs * 2.0
            self.text((self.left + self.right) / 2, self.y + fs * 0.5, title, fs, "c", True)
            self.y -= fs * 0.3
        for k, line in enumerate(table.caption):
            fs = 14.0 if k == 0 else PROSE_FS
            self.y -= fs * 1.9
            self.text((self.left + self.right) / 2, self.y + fs * 0.5, line, fs, "c", k == 0)
        if table.meta:
            fs = layout.fs
            left = " ".join(m for m in table.meta if not m.startswith("单位"))
            right = " ".join(m for m in table.meta if m.startswith("单位"))
            tw = max(layout.width, sw(left, fs) + sw(right, fs) + 4 * fs)
            x0 = max(self.left, (self.left + self.right - tw) / 2)
            x1 = min(self.right, x0 + tw)
            if self.style == "sparse":  # 编制部门 and 单位 on lines of their own
                tw = max(layout.width, sw(left, fs), sw(right, fs))
                x0 = max(self.left, (self.left + self.right - tw) / 2)
                x1 = min(self.right, x0 + tw)
                for line, x, align in ((left, x0, "l"), (right, x1, "r")):
                    if line:
                        self.y -= fs * 1.8
                        self.text(x, self.y + fs * 0.5, line, fs, align)
                self.y -= fs * 0.3
                return
            self.y -= fs * 1.8
            if left:
                self.text(x0, self.y + fs * 0.5, left, fs)
            if right:
                self.text(x1, self.y + fs * 0.5, right, fs, "r")
            self.y -= fs * 0.3

    def _rows(self, table: Table, layout: Layout, rows: range) -> None:
        x0 = (self.left + self.right - layout.width) / 2
        top = self.y
        tops = {}
        for r in rows:
            tops[r] = top
            top -= layout.heights[r]
        for r in rows:
            for p in layout.placed[r]:
                end = p.rowspan_end if p.rowspan_end in tops else r
                height = tops[r] - (tops[end] - layout.heights[end])
                block = len(p.lines) * layout.lead
                y = tops[r] - (height - block) / 2
                if self.style == "topaligned":  # top-aligned; a header reaching down: at its foot
                    y = tops[r] - layout.pad / 2
                    if p.rowspan_end > r:
                        y = tops[r] - height + block + layout.pad / 2
                xa = layout.x(p.c0, x0)
                xb = xa + layout.span_width(p.c0, p.c1)
                for line in p.lines:
                    y -= layout.lead
                    base = y + (layout.lead - layout.fs) / 2 + layout.fs * 0.12
                    if p.align == "r":
                        self.text(xb, base, line, layout.fs, "r", p.bold)
                    elif p.align == "c":
                        self.text((xa + xb) / 2, base, line, layout.fs, "c", p.bold)
                    else:
                        self.text(xa, base, line, layout.fs, "l", p.bold)
        self.y = top

    def table(self, table: Table) -> None:
        if self.style == "topaligned":
            table = _with_separators(table)
        layout = plan(table, self.style)
        h = layout.heights
        nh = table.n_header
        header_h = sum(h[:nh])
        title_h = (2.6 * 14 if table.number else 0) + (2.1 * layout.fs if table.meta else 0)
        if self.style == "sparse" and len(table.meta) > 1:
            title_h += 1.8 * layout.fs
        title_h += sum(1.9 * (14.0 if k == 0 else PROSE_FS) for k in range(len(table.caption)))
        first = sum(h[nh : nh + 2])
        gap_before = PROSE_FS * 0.8 if self.page_open else 0
        self.need(gap_before + title_h + header_h + first, layout.orient)
        if self.y < self.size[1] - MARGIN[self.orient][0]:
            self.y -= gap_before
        self._title(table, layout)
        self._rows(table, layout, range(nh))
        n = len(table.rows)
        forced: set[int] = set()
        n_data = n - nh
        if self.style == "continued" and n_data > CONTINUED_MAX_ROWS:
            last = table.rows[-1]
            forced = {n - 1} if any(_TOTAL.search(c.text) for c in last) else {nh + n_data // 2}
        for r in range(nh, n):
            if r in forced or self.y - h[r] < self.bottom:
                self.new_page(layout.orient)
                if self.style != "continued":
                    self._rows(table, layout, range(nh))
            self._rows(table, layout, range(r, r + 1))
        self.y -= layout.fs * 0.8

    def toc(self, tables: list[Table]) -> None:
        self.new_page("P")
        self.y -= 30
        self.text((self.left + self.right) / 2, self.y, "目  录", 18, "c", True)
        self.y -= 24
        for t in tables:
            self.y -= PROSE_FS * 2.2
            self.text(self.left + 2 * PROSE_FS, self.y, f"{_cn_numeral(int(t.number or 0))}、{t.title}", 12)
        self.new_page("P")


def render(txt_path: Path, out_pdf: Path, style: str) -> Path:
    """Render the text rendering ``txt_path`` as a PDF in ``style`` (one of ``STYLES``)."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; expected one of {STYLES}")
    txt_path, out_pdf = Path(txt_path), Path(out_pdf)
    blocks = parse(txt_path.read_text(encoding="utf-8"))
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    w = Writer(out_pdf, style)
    toc_at = None
    if style == "continued":
        toc_at = next(
            (
                k
                for k, b in enumerate(blocks)
                if isinstance(b, Heading | Para) and b.text.replace(" ", "") == "目录"
            ),
            2,
        )
    numbered = [b for b in blocks if isinstance(b, Table) and b.number]
    for k, block in enumerate(blocks):
        if k == toc_at:
            w.toc(numbered)
        if isinstance(block, Table):
            w.table(block)
        elif isinstance(block, Heading):
            w.heading(block)
        else:
            w.para(block)
    w.save()
    return out_pdf


def render_all(outdir: Path) -> list[Path]:
    outdir = Path(outdir)
    return [
        render(ROOT / "examples" / f"{doc}.txt", outdir / f"{doc}.{style}.pdf", style)
        for doc in SEEDS
        for style in STYLES
    ]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m tests.renderings.pdf_renderings OUTDIR", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    for path in render_all(Path(argv[0])):
        print(path)
    print(f"rendered in {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
