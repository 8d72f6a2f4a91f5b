"""One PDF page as the objects the layout needs: characters and ruling edges, in pdfplumber's shape.

Two readers fill it: pdfium (``pdfium_page.py``, fast, the default) and pdfplumber/pdfminer (the
reference, and the fallback for pages pdfium cannot give faithfully). Everything after reading —
pdfplumber's table finder, its words and text lines — runs on these plain dicts, so both readers
feed the same algorithms.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from pdfplumber.table import Table, TableSettings, cells_to_tables, edges_to_intersections
from pdfplumber.utils import curve_to_edges, extract_words, line_to_edge, obj_to_bbox, rect_to_edges
from pdfplumber.utils.text import DEFAULT_X_TOLERANCE, DEFAULT_Y_TOLERANCE, LIGATURES

from extractor.ingest import text_runs
from extractor.ingest.ruled_edges import ruled_edges
from extractor.ingest.text_runs import Obj


@dataclass
class PageObjects:
    """A page's characters (``text``, ``x0``, ``x1``, ``top``, ``bottom``, ``doctop``, ``upright``,
    ``fontname``, ``size``) and edges (pdfplumber's edge dicts), in top-left page coordinates."""

    number: int
    width: float
    height: float
    chars: list[Obj]
    edges: list[Obj] = field(default_factory=list)
    bbox: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    reader: str = "pdfium"
    _by_mid: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.bbox == (0.0, 0.0, 0.0, 0.0):
            self.bbox = (0.0, 0.0, self.width, self.height)

    def extract_words(self, **kwargs: Any) -> list[Obj]:
        """pdfplumber's words over this page's characters (the table finder's text strategy calls it)."""
        return extract_words(self.chars, **kwargs)

    def find_tables(self) -> list:
        """pdfplumber's ruled-table finder (default "lines" settings) over this page's edges:
        the steps of ``TableFinder.__init__``, with the edge and cell steps replaced by equal,
        faster ones."""
        if not self.edges:
            return []  # no ruling: nothing to find, and no need to build the finder
        settings = TableSettings.resolve(None)
        edges = ruled_edges(self.edges)  # finder.get_edges(), faster
        points = edges_to_intersections(edges, settings.intersection_x_tolerance, settings.intersection_y_tolerance)
        return [Table(self, group) for group in cells_to_tables(intersections_to_cells(points))]

    def table_text(self, table) -> list[list[str | None]]:
        """pdfplumber's ``Table.extract()`` (each cell's text, None for a spanned cell), looking
        at each row's characters only instead of every character of the page for every row."""
        x0, top, x1, bottom = table.bbox  # a property pdfplumber computes from all the cells on every access
        by_mid = self._chars_by_mid()
        v_all = by_mid[0]
        lo, hi = bisect_left(v_all, top), bisect_left(v_all, bottom)
        # The table's characters (middle in [x0, x1) × [top, bottom)), by vertical middle.
        inside = [t for t in by_mid[1][lo:hi] if x0 <= t[2] < x1]
        v_mids = [t[0] for t in inside]
        rows: list[list[str | None]] = []
        for row in table.rows:
            r_x0, r_top, r_x1, r_bottom = row.bbox
            lo, hi = bisect_left(v_mids, r_top), bisect_left(v_mids, r_bottom)
            # The row's characters in page order, with their middles (as pdfplumber tests them).
            row_chars = sorted((t for t in inside[lo:hi] if r_x0 <= t[2] < r_x1), key=itemgetter(1))
            cells: list[str | None] = []
            for cell in row.cells:
                if cell is None:
                    cells.append(None)
                    continue
                c_x0, c_top, c_x1, c_bottom = cell
                cell_chars = [c for v, _, h, c in row_chars if c_x0 <= h < c_x1 and c_top <= v < c_bottom]
                cells.append(cell_text(cell_chars) if cell_chars else "")
            rows.append(cells)
        return rows

    def _chars_by_mid(self) -> tuple[list[float], list[tuple]]:
        """The page's characters as (vertical middle, page index, horizontal middle, char), by
        vertical middle, and those middles: computed once for all of a page's tables."""
        if self._by_mid is None or self._by_mid[0] is not self.chars:
            mids = sorted(
                (((c["top"] + c["bottom"]) / 2, i, (c["x0"] + c["x1"]) / 2, c) for i, c in enumerate(self.chars)),
                key=itemgetter(0, 1),
            )
            self._by_mid = (self.chars, ([t[0] for t in mids], mids))
        return self._by_mid[1]


def cell_text(chars: list[Obj]) -> str:
    """pdfplumber's ``extract_text(chars)``, short-cut for the usual cell: one line of upright
    characters, no spaces or ligatures, each within ``x_tolerance`` of the one before — one
    word, so the text is the characters in x order. Anything else: ``text_runs.text``."""
    tops = [c["top"] for c in chars]
    if max(tops) - min(tops) <= DEFAULT_Y_TOLERANCE and all(
        c["upright"] and not c["text"].isspace() and c["text"] not in LIGATURES for c in chars
    ):
        ordered = sorted(chars, key=itemgetter("x0"))
        if all(
            b["x0"] >= a["x0"] and b["x0"] <= a["x1"] + DEFAULT_X_TOLERANCE
            for a, b in zip(ordered, ordered[1:], strict=False)
        ):
            return "".join(c["text"] for c in ordered)
    return text_runs.text(chars)


def intersections_to_cells(intersections: dict) -> list[tuple]:
    """pdfplumber's ``intersections_to_cells``: the same cells in the same order.

    pdfplumber, for each point, scans every later point for those below and to the right of it
    and rebuilds the sets of edges through both ends of each candidate side (quadratic in the
    points of a page: 70% of finding its tables). Here each point's edge sets are built once and
    the points on its column and row are looked up, in the order pdfplumber meets them."""
    vertical = {p: {obj_to_bbox(e) for e in i["v"]} for p, i in intersections.items()}
    horizontal = {p: {obj_to_bbox(e) for e in i["h"]} for p, i in intersections.items()}

    def connects(p1: tuple, p2: tuple) -> bool:
        if p1[0] == p2[0] and not vertical[p1].isdisjoint(vertical[p2]):
            return True
        return p1[1] == p2[1] and not horizontal[p1].isdisjoint(horizontal[p2])

    points = sorted(intersections)
    column: dict[float, list[tuple]] = {}  # points of one x, by y (as the sort leaves them)
    row: dict[float, list[tuple]] = {}  # points of one y, by x
    for pt in points:
        column.setdefault(pt[0], []).append(pt)
        row.setdefault(pt[1], []).append(pt)
    at_column = {pt: i for pts in column.values() for i, pt in enumerate(pts)}
    at_row = {pt: i for pts in row.values() for i, pt in enumerate(pts)}
    cells = []
    for pt in points[:-1]:  # pdfplumber's last point starts no cell
        below = column[pt[0]][at_column[pt] + 1 :]
        right = row[pt[1]][at_row[pt] + 1 :]
        cell = _smallest_cell(pt, below, right, intersections, connects)
        if cell is not None:
            cells.append(cell)
    return cells


def _smallest_cell(pt: tuple, below: list, right: list, intersections: dict, connects) -> tuple | None:
    for below_pt in below:
        if not connects(pt, below_pt):
            continue
        for right_pt in right:
            if not connects(pt, right_pt):
                continue
            corner = (right_pt[0], below_pt[1])
            if corner in intersections and connects(corner, right_pt) and connects(corner, below_pt):
                return (pt[0], pt[1], corner[0], corner[1])
    return None


def edges_of(lines: list[Obj], rects: list[Obj], curves: list[Obj]) -> list[Obj]:
    """A page's edges as pdfplumber's ``page.edges`` orders them: lines, rectangles', curves'."""
    return (
        [line_to_edge(o) for o in lines]
        + [e for o in rects for e in rect_to_edges(o)]
        + [e for o in curves for e in curve_to_edges(o)]
    )


def dedupe_chars(chars: list[Obj], tolerance: float = 1) -> list[Obj]:
    """pdfplumber's ``dedupe_chars``: of characters with the same text, font and size whose
    positions chain within ``tolerance`` (the doubled glyphs of "fake bold"), keep the first.

    The same clusters and the same survivors as pdfplumber's, without its cost: pdfplumber
    restores the order with ``sorted(kept, key=chars.index)``, a list search per character
    (quadratic: 14–26% of reading a page), and clusters through general helpers. Here the
    characters are grouped by a dict, clusters are runs of a sorted list, and the survivors are
    picked out of the input in one pass.
    """
    key = itemgetter("upright", "text", "fontname", "size")
    groups: dict[tuple, list[Obj]] = {}
    for c in chars:  # members in input order, as a stable sort by the key leaves them
        groups.setdefault(key(c), []).append(c)
    kept: set[int] = set()
    keep = kept.add
    for same in groups.values():
        if len(same) == 1:
            keep(id(same[0]))
            continue
        for y_cluster in _runs(same, _DOCTOP, tolerance):
            if len(y_cluster) == 1:  # most characters: nothing near them to double them
                keep(id(y_cluster[0]))
                continue
            for x_cluster in _runs(y_cluster, _X0, tolerance):
                # min keeps the first of equals in input order, as pdfplumber's sorted(...)[0]
                keep(id(x_cluster[0] if len(x_cluster) == 1 else min(x_cluster, key=_POSITION)))
    return [c for c in chars if id(c) in kept]


_DOCTOP, _X0, _POSITION = itemgetter("doctop"), itemgetter("x0"), itemgetter("doctop", "x0")


def _runs(objs: list[Obj], attr: itemgetter, tolerance: float) -> list[list[Obj]]:
    """pdfplumber's ``cluster_objects`` by one attribute: sorted values chained while each is
    within ``tolerance`` of the one before. Members come in value order, equal values in input
    order (the sort is stable), so the first of equal positions is still the first printed."""
    runs: list[list[Obj]] = []
    run: list[Obj] = []
    last = 0.0
    for obj in sorted(objs, key=attr):
        value = attr(obj)
        if not run or value > last + tolerance:
            run = []
            runs.append(run)
        run.append(obj)
        last = value
    return runs
