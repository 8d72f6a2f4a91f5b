"""Text renderings: converter output (tab-separated rows, markdown, ``<b>``) and plain dumps."""

from __future__ import annotations

import re
from pathlib import Path

from extractor.errors import ExtractionError
from extractor.ingest.html_table import parse_html_table
from extractor.labels import clean_cell, strip_markup
from schemas import Provenance, SourceDocument, SourceLine

_HEADING = re.compile(r"^\s*#{1,6}\s*")
_BULLET = re.compile(r"^\s*[-*+]\s+")


def read_text(path: Path) -> SourceDocument:
    """Split a text rendering into lines, keeping 1-based line numbers and char offsets.

    Tab-separated lines, markdown pipe-table rows and the rows of HTML ``<table>`` blocks become
    table rows (``cells``); form feeds (as ``pdftotext`` writes them) advance the page number.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractionError(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if not text.strip():
        raise ExtractionError(str(path), "no text (file is blank)")
    lines: list[SourceLine] = []
    page = 1 if "\f" in text else None
    offset, line_no = 0, 0
    raw_lines = text.splitlines(keepends=True)
    i = 0
    while i < len(raw_lines):
        raw = raw_lines[i]
        line_no, i = line_no + 1, i + 1
        start, end = offset, offset + len(raw.rstrip("\r\n"))
        offset += len(raw)
        if page is not None and "\f" in raw:
            page += raw.count("\f")
        body = raw.rstrip("\r\n").replace("\f", "")
        table = _HTML_TABLE_START.search(body)
        if table is not None:
            # An HTML table may run over several lines: take them all, then its rows.
            block, first_line, block_start = body[table.start() :], line_no, start + table.start()
            while not _HTML_TABLE_END.search(block) and i < len(raw_lines):
                raw = raw_lines[i]
                line_no, i = line_no + 1, i + 1
                offset += len(raw)
                block += "\n" + raw.rstrip("\r\n")
            lines.extend(_html_rows(block, path, page, first_line, block_start))
            continue
        if not body.strip():
            continue
        prov = Provenance(file=str(path), page=page, line=line_no, char_start=start, char_end=end)
        cells = _grid_cells(body)
        if cells is not None:
            if cells:  # a markdown separator row (|---|---|) has no cells
                lines.append(SourceLine(text=" ".join(c for c in cells if c), cells=cells, provenance=prov))
            continue
        heading = bool(_HEADING.match(body))
        clean = _BULLET.sub("", _HEADING.sub("", body))
        clean = re.sub(r"[ \u3000]+", " ", strip_markup(clean)).strip()
        if clean:
            lines.append(SourceLine(text=clean, heading=heading, provenance=prov))
    # Consecutive table rows form one grid; mark where each grid starts.
    for prev, cur in zip([None, *lines[:-1]], lines, strict=True):
        if cur.cells is not None and (prev is None or prev.cells is None):
            cur.grid_start = True
    return SourceDocument(path=str(path), format="text", page_count=page, lines=lines)


_PIPE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_PIPE_SEPARATOR = re.compile(r"^\s*:?-{3,}:?\s*$")
_HTML_TABLE_START = re.compile(r"<table\b", re.IGNORECASE)
_HTML_TABLE_END = re.compile(r"</table\s*>", re.IGNORECASE)


def _grid_cells(body: str) -> list[str | None] | None:
    """Cells of a tab-separated or markdown pipe-table line; [] for a pipe separator row; None
    for a line that is not a table row."""
    if "\t" in body:
        return [clean_cell(c) for c in body.split("\t")]
    m = _PIPE_ROW.match(body)
    if m is None or "|" not in m[1]:
        return None
    parts = m[1].split("|")
    if all(_PIPE_SEPARATOR.match(p) for p in parts):
        return []
    return [clean_cell(c) for c in parts]


def _html_rows(
    block: str, path: Path, page: int | None, first_line: int, block_start: int
) -> list[SourceLine]:
    """One table row per ``<tr>`` of an HTML table block (text around the table is kept as text)."""
    end = _HTML_TABLE_END.search(block)
    html, after = (block[: end.end()], block[end.end() :]) if end else (block, "")
    out = []
    for row in parse_html_table(html):
        line = first_line + html.count("\n", 0, row.offset)
        prov = Provenance(file=str(path), page=page, line=line, char_start=block_start + row.offset)
        if any(row.cells):
            out.append(SourceLine(text=" ".join(c for c in row.cells if c), cells=row.cells, provenance=prov))
    rest = re.sub(r"[ \u3000]+", " ", strip_markup(after)).strip()
    if rest:
        prov = Provenance(file=str(path), page=page, line=first_line + block.count("\n"))
        out.append(SourceLine(text=rest, provenance=prov))
    return out
