"""PDFs with a text layer: ruled tables as grids, everything else as lines with word boxes.

Each page is read once into ``PageObjects`` (characters and ruling edges) by pdfium, or by
pdfplumber where pdfium cannot give the page faithfully (``pdfium_page.read_page``); the layout
below runs pdfplumber's table finder, words and text lines on those objects whichever read them.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.text import DEFAULT_Y_TOLERANCE

from extractor.errors import ExtractionError
from extractor.ingest import text_runs
from extractor.ingest.page_objects import PageObjects, dedupe_chars, edges_of
from extractor.ingest.pdfium_page import read_page
from extractor.labels import clean_cell
from extractor.limits import MAX_PAGES, check_pages
from schemas import Provenance, SourceDocument, SourceLine
from schemas.source import Word

# Share of the smaller height two lines must overlap to be one line (pdfminer's LAParams.line_overlap).
LINE_OVERLAP = 0.5
_AMOUNT_LINE = re.compile(r"^-?[\d,]+\.\d+$")
Reader = Literal["pdfium", "pdfplumber"]
# pdfium's load errors (fpdfview.h FPDF_ERR_*) that say the file is locked.
_PDFIUM_PASSWORD, _PDFIUM_SECURITY = 4, 5
# pdfium is not thread-safe: every call into it (open, read a page, close) holds this lock, so
# the Python API may be used from threads; the layout after reading runs outside it.
_PDFIUM_LOCK = threading.Lock()


def read_pdf(
    path: Path,
    max_pages: int | None = MAX_PAGES,
    on_page: Callable[[int, int], None] | None = None,
    reader: Reader = "pdfium",
) -> SourceDocument:
    """Read every page: ruled tables become grid rows, other text becomes lines in order.

    ``reader`` "pdfium" (the default) reads pages natively and hands the rare page it cannot
    give faithfully to pdfplumber; "pdfplumber" reads every page with pdfplumber (the
    reference the pdfium reader is tested against). Doubled "fake bold" glyphs (the same
    character drawn twice at a small offset) are removed before anything else reads a page.
    ``on_page(done, total)`` is called after each page (progress, and the time limit's check
    between pages).
    """
    name = str(path)
    doc = _open_pdfium(name, path) if reader == "pdfium" else None
    plumber = None if doc is not None else _open_plumber(name, path)
    try:
        count = len(doc) if doc is not None else _plumber_count(name, plumber)
        check_pages(name, count, max_pages)
        lines: list[SourceLine] = []
        warnings: list[str] = []
        readers: list[str] = []
        chars_total = 0
        doctop = 0.0
        for number in range(1, count + 1):
            try:
                objects = _pdfium_page(doc, number, doctop) if doc is not None else None
                if objects is None:
                    plumber = plumber or _open_plumber(name, path)
                    objects = _plumber_page(plumber.pages[number - 1], number)
                doctop += objects.height
                readers.append(objects.reader)
                page_lines, n_chars = _read_page(name, number, objects)
            except Exception as exc:  # one bad page must not lose the document
                warnings.append(f"page {number}: could not be read ({type(exc).__name__}: {exc})")
                if len(readers) < number:
                    readers.append("none")
                continue
            chars_total += n_chars
            if n_chars == 0:
                warnings.append(f"page {number}: no text layer (image-only page)")
            lines.extend(page_lines)
            if on_page is not None:
                on_page(number, count)
        if chars_total == 0:
            raise ExtractionError(name, "no text layer (image-only or scanned PDF; OCR it first)")
        return SourceDocument(
            path=name, format="pdf", page_count=count, lines=lines, warnings=warnings, page_readers=readers
        )
    finally:
        if doc is not None:
            with _PDFIUM_LOCK:
                doc.close()
        if plumber is not None:
            _close_quietly(plumber)


def _pdfium_page(doc: pdfium.PdfDocument, number: int, doctop: float) -> PageObjects | None:
    """The page read by pdfium, or None where pdfplumber must read it (``read_page`` says when;
    a page pdfium fails on goes to pdfplumber too, which names what is wrong with it)."""
    with _PDFIUM_LOCK:
        try:
            page = doc[number - 1]
        except pdfium.PdfiumError:
            return None
        try:
            return read_page(page, number, doctop)
        except Exception:  # whatever pdfium cannot read, pdfplumber reads or names
            return None
        finally:
            page.close()


def _open_pdfium(name: str, path: Path) -> pdfium.PdfDocument | None:
    """The document in pdfium, or None when pdfium cannot load it (pdfplumber then tries, and
    names the damage if it cannot either)."""
    try:
        with _PDFIUM_LOCK:
            return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == _PDFIUM_PASSWORD:
            raise ExtractionError(name, "encrypted PDF (password required)") from exc
        if code == _PDFIUM_SECURITY:
            raise ExtractionError(name, "encrypted PDF (unsupported security handler)") from exc
        return None


def _open_plumber(name: str, path: Path) -> pdfplumber.PDF:
    try:
        return pdfplumber.open(path)
    except Exception as exc:  # pdfplumber wraps pdfminer's many error types
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(inner, PDFPasswordIncorrect):
            raise ExtractionError(name, "encrypted PDF (password required)") from exc
        if isinstance(inner, PDFEncryptionError):
            raise ExtractionError(name, f"encrypted PDF ({inner})") from exc
        if isinstance(inner, PDFSyntaxError):
            raise ExtractionError(name, f"damaged PDF ({inner})") from exc
        raise ExtractionError(name, f"unreadable PDF ({type(inner).__name__}: {inner})") from exc


def _plumber_count(name: str, pdf: pdfplumber.PDF) -> int:
    try:
        return len(pdf.pages)
    except Exception as exc:
        raise ExtractionError(name, f"unreadable PDF ({type(exc).__name__}: {exc})") from exc


def _plumber_page(page, number: int) -> PageObjects:
    """A page as pdfplumber (pdfminer) reads it; white background fills carry no edges."""
    try:
        rects = page.rects
        if any(map(_invisible_fill, rects)):
            rects = [r for r in rects if not _invisible_fill(r)]
        return PageObjects(
            number=number,
            width=page.width,
            height=page.height,
            chars=page.chars,
            edges=edges_of(page.lines, rects, page.curves),
            bbox=page.bbox,
            reader="pdfplumber",
        )
    finally:
        page.close()


def _close_quietly(pdf: pdfplumber.PDF) -> None:
    """Close, never raising: pdfplumber's ``close()`` walks the page tree again, and on a damaged
    file that would replace the one-line error being raised."""
    try:
        pdf.close()
    except Exception:
        if not pdf.stream_is_external:
            pdf.stream.close()


def _invisible_fill(obj: dict) -> bool:
    """A filled rectangle with no stroke painted white (a page or cell background): its edges are
    not rules a reader sees, so they must not make a table grid."""
    if obj.get("object_type") != "rect" or obj.get("stroke") or not obj.get("fill"):
        return False
    colour = obj.get("non_stroking_color")
    values = colour if isinstance(colour, (tuple, list)) else (colour,)
    return bool(values) and all(isinstance(v, (int, float)) and v >= 0.95 for v in values)


def _holds_records(rows: list[list[str | None]]) -> bool:
    """A found "grid" whose cells each stack several amounts on separate lines is a page with
    column rules but no row rules: its rows are not ruled, so it is laid out from words instead."""
    for row in rows:
        for cell in row:
            if cell and sum(bool(_AMOUNT_LINE.match(t.strip())) for t in cell.split("\n")) >= 3:
                return True
    return False


def _read_page(name: str, number: int, page: PageObjects) -> tuple[list[SourceLine], int]:
    page.chars = dedupe_chars(page.chars)
    n_chars = len(page.chars)
    if n_chars == 0:
        return [], 0
    # (top, x0, the line's fields, its box): lines are made once their order, and so their number, is known
    items: list[tuple[float, float, dict, tuple]] = []
    found = [(t, page.table_text(t)) for t in page.find_tables()]
    tables = [(t, rows) for t, rows in found if len(t.columns) >= 2 and not _holds_records(rows)]
    boxes = [t.bbox for t, _ in tables]
    for table, rows in tables:
        for i, (row, cells) in enumerate(zip(table.rows, rows, strict=True)):
            x0, top, x1, bottom = row.bbox
            clean = [None if c is None else clean_cell(c) for c in cells]
            text = " ".join(c for c in clean if c)
            items.append((top, x0, {"text": text, "cells": clean, "grid_start": i == 0}, (x0, top, x1, bottom)))
    free_lines = []
    # Characters inside a ruled grid are its cells' text, not lines or words of the page's own.
    outside = [c for c in page.chars if not _inside(c, boxes)] if boxes else page.chars
    plain = text_runs.is_plain(outside)  # tested once: every step below reads these characters
    for tl in _text_lines(outside, plain):
        mid = (tl["top"] + tl["bottom"]) / 2
        if any(b[1] <= mid <= b[3] and b[0] - 2 <= tl["x0"] <= b[2] + 2 for b in boxes):
            continue
        free_lines.append(tl)
    words_of = _words_by_line(outside, free_lines, boxes, plain)
    for tl, words in zip(free_lines, words_of, strict=True):
        bbox = (tl["x0"], tl["top"], tl["x1"], tl["bottom"])
        items.append((tl["top"], tl["x0"], {"text": tl["text"].strip(), "words": words}, bbox))
    items.sort(key=lambda it: (round(it[0], 1), it[1]))
    out = [
        SourceLine(**fields, provenance=Provenance(file=name, page=number, line=idx, bbox=bbox))
        for idx, (_, _, fields, bbox) in enumerate(items, start=1)
    ]
    return out, n_chars


def _words_by_line(chars: list[dict], lines: list[dict], boxes: list[tuple], plain: bool) -> list[list[Word]]:
    """The words of ``chars`` (a page's, outside ruled grids), each given to the text line it sits on.

    A word belongs to the line whose vertical extent holds the word's middle and whose x range
    covers it; lines were built with mixed-font baselines joined, so a small-font amount beside a
    large label lands on the label's line, as a reader sees it."""
    out: list[list[Word]] = [[] for _ in lines]
    if not lines:
        return out
    # Lines by top, so each word looks only at the lines within reach (6 pt) instead of all of them.
    order = sorted(range(len(lines)), key=lambda i: lines[i]["top"])
    tops = [lines[i]["top"] for i in order]
    tallest = max(tl["bottom"] - tl["top"] for tl in lines)
    # y_tolerance 1, not 3: header texts wrapped on staggered baselines (7 pt type, 4 pt apart)
    # must not chain into one "line" whose characters interleave by x.
    for w in text_runs.words(chars, 1, plain):
        if not w.get("upright", True):
            continue
        mid_y = (w["top"] + w["bottom"]) / 2
        mid_x = (w["x0"] + w["x1"]) / 2
        if any(b[0] <= mid_x <= b[2] and b[1] <= mid_y <= b[3] for b in boxes):
            continue
        lo, hi = bisect_left(tops, mid_y - 6 - tallest), bisect_right(tops, mid_y + 6)
        best, best_d = None, None
        for i in sorted(order[lo:hi]):
            tl = lines[i]
            if tl["x0"] - 1 <= mid_x <= tl["x1"] + 1:
                inside = tl["top"] - 1 <= mid_y <= tl["bottom"] + 1
                d = 0.0 if inside else min(abs(mid_y - tl["top"]), abs(mid_y - tl["bottom"]))
                if best_d is None or d < best_d:
                    best, best_d = i, d
        if best is not None and best_d is not None and best_d <= 6:
            out[best].append((w["text"], w["x0"], w["x1"], w["top"], w["bottom"]))
    for words in out:
        words.sort(key=lambda w: w[1])
    return out


def _inside(char: dict, boxes: list[tuple]) -> bool:
    x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)


def _collide(a: list[dict], b: list[dict]) -> bool:
    """Would ``b``'s characters overprint ``a``'s (then they are stacked lines, not one)?"""
    for cb in b:
        for ca in a:
            width = min(ca["x1"] - ca["x0"], cb["x1"] - cb["x0"])
            if min(ca["x1"], cb["x1"]) - max(ca["x0"], cb["x0"]) > 0.5 * width:
                return True
    return False


def _shifted_lines(chars: list[dict], plain: bool) -> dict[int, float]:
    """Characters on a shifted baseline (numbers set in another font) → the top of the line they
    belong to. pdfplumber clusters lines by ``top`` within ``y_tolerance`` (3 pt), so a run that
    sits 4–5 pt lower becomes a line of its own; here a line whose vertical extent overlaps the
    line above it by ≥ ``LINE_OVERLAP`` of the smaller height joins it."""
    lines = text_runs.line_clusters(chars, DEFAULT_Y_TOLERANCE, plain)  # as pdfplumber's own first pass
    snap: dict[int, float] = {}
    anchor: list[dict] | None = None
    a_top = a_bottom = 0.0  # the anchor's vertical extent
    for line in lines:
        top, bottom = min(c["top"] for c in line), max(c["bottom"] for c in line)
        if anchor is not None:
            overlap = min(bottom, a_bottom) - max(top, a_top)
            # Compared with the anchor (first line of a group), never chained line to line.
            if overlap >= LINE_OVERLAP * min(bottom - top, a_bottom - a_top) and not _collide(anchor, line):
                snap.update((id(c), a_top) for c in line)
                continue
        anchor, a_top, a_bottom = line, top, bottom
    return snap


def _text_lines(outside: list[dict], plain: bool) -> list[dict]:
    """The text lines (pdfplumber's ``extract_text_lines`` dicts) of the page's characters
    ``outside`` its ruled grids; characters whose line overlaps another substantially are moved
    onto it, so mixed-font runs read in x order."""
    snap = _shifted_lines([c for c in outside if c["upright"]], plain)
    chars = [{**c, "top": snap[id(c)]} if id(c) in snap else c for c in outside] if snap else outside
    return text_runs.text_lines(chars, plain)
