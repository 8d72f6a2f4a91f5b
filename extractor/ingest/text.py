"""Text renderings: converter output (tab-separated rows, markdown, ``<b>``) and plain dumps."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from extractor.errors import ExtractionError
from extractor.ingest.html_table import parse_html_table
from extractor.labels import clean_cell, strip_markup
from extractor.limits import check_pages
from schemas import Provenance, SourceDocument, SourceLine

_HEADING = re.compile(r"^\s*#{1,6}\s*")
_BULLET = re.compile(r"^\s*[-*+]\s+")


def read_text(path: Path, max_pages: int | None = None) -> SourceDocument:
    """Split a text rendering into lines, keeping 1-based line numbers and char offsets.

    Tab-separated lines, markdown pipe-table rows and the rows of HTML ``<table>`` blocks become
    table rows (``cells``); form feeds (as ``pdftotext`` writes them) advance the page number, and
    a text with more such pages than ``max_pages`` raises ``LimitExceeded``.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractionError(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if not text.strip():
        raise ExtractionError(str(path), "no text (file is blank)")
    if "\f" in text:
        check_pages(str(path), text.count("\f") + 1, max_pages)
    lines: list[SourceLine] = []
    warnings: list[str] = []
    pieces = _pieces(text)
    pipe_rows = _pipe_table_rows([p.raw for p in pieces])
    i = 0
    while i < len(pieces):
        p, i = pieces[i], i + 1
        end = p.start + len(p.raw)
        body = p.raw.replace("\f", "")
        table = _HTML_TABLE_START.search(body)
        if table is not None:
            _text_line(lines, body[: table.start()], path, p.page, p.line_no, p.start, end)
            # An HTML table may run over several lines: take them up to </table>. A line with
            # no tag at all ends an unclosed table, so the prose after it is not swallowed.
            block, last = body[table.start() :], p
            while not _HTML_TABLE_END.search(block) and i < len(pieces) and _inside_table(pieces[i].raw):
                last, i = pieces[i], i + 1
                block += "\n" + last.raw
            if not _HTML_TABLE_END.search(block):
                warnings.append(
                    f"{path}: line {p.line_no}: <table> not closed; rows read up to line {last.line_no}"
                )
            lines.extend(_html_rows(block, path, p.page, p.line_no, p.start + table.start()))
            continue
        if not body.strip():
            continue
        prov = Provenance(file=str(path), page=p.page, line=p.line_no, char_start=p.start, char_end=end)
        cells = _grid_cells(body, pipe_rows.get(i - 1))
        if cells is not None:
            if cells:  # a markdown separator row (|---|---|) has no cells
                lines.append(SourceLine(text=" ".join(c for c in cells if c), cells=cells, provenance=prov))
            continue
        _text_line(lines, body, path, p.page, p.line_no, p.start, end)
    # Consecutive table rows form one grid; mark where each grid starts.
    for prev, cur in zip([None, *lines], lines, strict=False):
        if cur.cells is not None and (prev is None or prev.cells is None):
            cur.grid_start = True
    page_count = pieces[-1].page  # the text is not blank, so there is a piece
    return SourceDocument(
        path=str(path), format="text", page_count=page_count, lines=lines, warnings=warnings
    )


class _Piece(NamedTuple):
    """One line of the text: without its line end, where it starts, its line and page number."""

    raw: str
    line_no: int
    start: int
    page: int | None  # None when the text has no form feeds


def _pieces(text: str) -> list[_Piece]:
    """The text's lines. Pieces end at "\n" and also before a form feed (a new page starts a new
    line of text), but line numbers count "\n" only, as an editor does: str.splitlines would
    count form feeds too. A piece's page counts the form feeds up to and including its own."""
    out: list[_Piece] = []
    page = 1 if "\f" in text else None
    offset, newlines = 0, 0
    for raw in re.split(r"(?<=\n)|(?=\f)", text):
        if not raw:
            continue
        if page is not None:
            page += raw.count("\f")
        out.append(_Piece(raw.rstrip("\r\n"), newlines + 1, offset, page))
        offset, newlines = offset + len(raw), newlines + raw.count("\n")
    return out


def _text_line(
    lines: list[SourceLine], body: str, path: Path, page: int | None, line_no: int, start: int, end: int
) -> None:
    """Append a prose line (markdown heading and bullet marks and ``<b>`` markup removed)."""
    heading = bool(_HEADING.match(body))
    clean = _BULLET.sub("", _HEADING.sub("", body))
    clean = _prose(clean)
    if clean:
        prov = Provenance(file=str(path), page=page, line=line_no, char_start=start, char_end=end)
        lines.append(SourceLine(text=clean, heading=heading, provenance=prov))


def _prose(text: str) -> str:
    """``text`` with ``<b>`` markup removed and runs of spaces collapsed."""
    return _SPACES.sub(" ", strip_markup(text)).strip()


_SPACES = re.compile(r"[ \u3000]+")
_PIPE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_PIPE_SPLIT = re.compile(r"(?<!\\)\|")  # "\|" is a pipe inside a cell
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
    return _PIPE_SPLIT.split(m[1])


def _pipe_table_rows(raw_lines: list[str]) -> dict[int, list[str]]:
    """Markdown pipe-table lines by index, split into their cells: from the header above a |---|
    separator row to the end of the run of "|…|" lines (a line that merely starts and ends with
    "|" is prose)."""
    rows: dict[int, list[str]] = {}
    run: list[tuple[int, list[str]]] = []
    for i, body in enumerate([*raw_lines, ""]):
        parts = _pipe_cells(body)
        if parts is not None:
            run.append((i, parts))
            continue
        first = next((j for j, cells in run if all(_PIPE_SEPARATOR.match(c) for c in cells)), None)
        if first is not None:  # the table starts at its header, the line above the first separator
            rows.update((j, cells) for j, cells in run if j >= first - 1)
        run = []
    return rows


def _grid_cells(body: str, pipe_parts: list[str] | None) -> list[str | None] | None:
    """Cells of a tab-separated line or of a markdown pipe-table row (``pipe_parts``, its split
    cells, when it is one); [] for a pipe separator row; None for a line that is not a table row."""
    if "\t" in body:
        return [clean_cell(c) for c in body.split("\t")]
    if pipe_parts is None:
        return None
    if all(_PIPE_SEPARATOR.match(p) for p in pipe_parts):
        return []
    return [clean_cell(c.replace("\\|", "|")) for c in pipe_parts]


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
    rest = _prose(after[: more.start()] if more else after)
    if rest:
        out.append(SourceLine(text=rest, provenance=Provenance(file=str(path), page=page, line=last_line)))
    if more:  # a second table on the same line
        out += _html_rows(
            after[more.start() :], path, page, last_line, block_start + len(block) - len(after) + more.start()
        )
    return out
