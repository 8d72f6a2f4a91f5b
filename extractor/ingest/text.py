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
    warnings: list[str] = []
    page = 1 if "\f" in text else None
    offset, newlines = 0, 0
    # Pieces end at "\n" and also before a form feed (a new page starts a new line of text), but
    # line numbers count "\n" only, as an editor does: str.splitlines would count form feeds too.
    raw_lines = [ln for ln in re.split(r"(?<=\n)|(?=\f)", text) if ln]
    pipe_rows = _pipe_table_rows([r.rstrip("\r\n") for r in raw_lines])
    i = 0
    while i < len(raw_lines):
        raw = raw_lines[i]
        line_no, i = newlines + 1, i + 1
        start, end = offset, offset + len(raw.rstrip("\r\n"))
        offset, newlines = offset + len(raw), newlines + raw.count("\n")
        if page is not None and "\f" in raw:
            page += raw.count("\f")
        body = raw.rstrip("\r\n").replace("\f", "")
        table = _HTML_TABLE_START.search(body)
        if table is not None:
            _text_line(lines, body[: table.start()], path, page, line_no, start, end)
            # An HTML table may run over several lines: take them up to </table>. A line with
            # no tag at all ends an unclosed table, so the prose after it is not swallowed.
            block, first_line, block_start = body[table.start() :], line_no, start + table.start()
            first_page = page
            while not _HTML_TABLE_END.search(block) and i < len(raw_lines) and _inside_table(raw_lines[i]):
                raw = raw_lines[i]
                line_no, i = newlines + 1, i + 1
                offset, newlines = offset + len(raw), newlines + raw.count("\n")
                if page is not None and "\f" in raw:
                    page += raw.count("\f")
                block += "\n" + raw.rstrip("\r\n")
            if not _HTML_TABLE_END.search(block):
                warnings.append(
                    f"{path}: line {first_line}: <table> not closed; rows read up to line {line_no}"
                )
            lines.extend(_html_rows(block, path, first_page, first_line, block_start))
            continue
        if not body.strip():
            continue
        prov = Provenance(file=str(path), page=page, line=line_no, char_start=start, char_end=end)
        cells = _grid_cells(body, i - 1 in pipe_rows)
        if cells is not None:
            if cells:  # a markdown separator row (|---|---|) has no cells
                lines.append(SourceLine(text=" ".join(c for c in cells if c), cells=cells, provenance=prov))
            continue
        _text_line(lines, body, path, page, line_no, start, end)
    # Consecutive table rows form one grid; mark where each grid starts.
    for prev, cur in zip([None, *lines], lines, strict=False):
        if cur.cells is not None and (prev is None or prev.cells is None):
            cur.grid_start = True
    return SourceDocument(path=str(path), format="text", page_count=page, lines=lines, warnings=warnings)


def _text_line(
    lines: list[SourceLine], body: str, path: Path, page: int | None, line_no: int, start: int, end: int
) -> None:
    """Append a prose line (markdown heading and bullet marks and ``<b>`` markup removed)."""
    heading = bool(_HEADING.match(body))
    clean = _BULLET.sub("", _HEADING.sub("", body))
    clean = re.sub(r"[ \u3000]+", " ", strip_markup(clean)).strip()
    if clean:
        prov = Provenance(file=str(path), page=page, line=line_no, char_start=start, char_end=end)
        lines.append(SourceLine(text=clean, heading=heading, provenance=prov))


_PIPE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_PIPE_SEPARATOR = re.compile(r"^\s*:?-+:?\s*$")
_HTML_TABLE_START = re.compile(r"<table\b", re.IGNORECASE)
_HTML_TABLE_END = re.compile(r"</table\s*>", re.IGNORECASE)


def _inside_table(raw: str) -> bool:
    """Can this line continue an HTML table? Tags or blank (a page break) yes; prose no."""
    return "<" in raw or not raw.strip()


def _pipe_cells(body: str) -> list[str] | None:
    m = _PIPE_ROW.match(body)
    if m is None or "|" not in m[1]:
        return None
    return re.split(r"(?<!\\)\|", m[1])  # "\|" is a pipe inside a cell


def _pipe_table_rows(raw_lines: list[str]) -> set[int]:
    """Indices of markdown pipe-table lines: from the header above a |---| separator row to the
    end of the run of "|…|" lines (a line that merely starts and ends with "|" is prose)."""
    rows: set[int] = set()
    run: list[int] = []
    for i, body in enumerate([*raw_lines, ""]):
        if _pipe_cells(body) is not None:
            run.append(i)
            continue
        separators = [
            j for j in run if all(_PIPE_SEPARATOR.match(c) for c in _pipe_cells(raw_lines[j]) or [])
        ]
        if separators:  # the table starts at its header, the line above the first separator
            rows.update(j for j in run if j >= separators[0] - 1)
        run = []
    return rows


def _grid_cells(body: str, pipe_row: bool) -> list[str | None] | None:
    """Cells of a tab-separated line or of a markdown pipe-table row; [] for a pipe separator
    row; None for a line that is not a table row."""
    if "\t" in body:
        return [clean_cell(c) for c in body.split("\t")]
    parts = _pipe_cells(body) if pipe_row else None
    if parts is None:
        return None
    if all(_PIPE_SEPARATOR.match(p) for p in parts):
        return []
    return [clean_cell(c.replace("\\|", "|")) for c in parts]


def _html_rows(
    block: str, path: Path, page: int | None, first_line: int, block_start: int
) -> list[SourceLine]:
    """One table row per ``<tr>`` of an HTML table block (text around the table is kept as text)."""
    end = _HTML_TABLE_END.search(block)
    html, after = (block[: end.end()], block[end.end() :]) if end else (block, "")
    out = []
    for row in parse_html_table(html):
        line = first_line + html.count("\n", 0, row.offset)
        row_page = page + html.count("\f", 0, row.offset) if page is not None else None
        prov = Provenance(file=str(path), page=row_page, line=line, char_start=block_start + row.offset)
        if any(row.cells):
            out.append(SourceLine(text=" ".join(c for c in row.cells if c), cells=row.cells, provenance=prov))
    last_line = first_line + block.count("\n")
    page = page + block.count("\f") if page is not None else None
    more = _HTML_TABLE_START.search(after)
    rest = re.sub(r"[ \u3000]+", " ", strip_markup(after[: more.start()] if more else after)).strip()
    if rest:
        out.append(SourceLine(text=rest, provenance=Provenance(file=str(path), page=page, line=last_line)))
    if more:  # a second table on the same line
        out += _html_rows(
            after[more.start() :], path, page, last_line, block_start + len(block) - len(after) + more.start()
        )
    return out
