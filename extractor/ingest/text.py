"""Text renderings: converter output (tab-separated rows, markdown, ``<b>``) and plain dumps."""

from __future__ import annotations

import re
from pathlib import Path

from extractor.errors import ExtractionError
from extractor.labels import clean_cell, strip_markup
from schemas import Provenance, SourceDocument, SourceLine

_HEADING = re.compile(r"^\s*#{1,6}\s*")
_BULLET = re.compile(r"^\s*[-*+]\s+")


def read_text(path: Path) -> SourceDocument:
    """Split a text rendering into lines, keeping 1-based line numbers and char offsets.

    Tab-separated lines become table rows (``cells``); form feeds (as ``pdftotext`` writes
    them) advance the page number.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractionError(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if not text.strip():
        raise ExtractionError(str(path), "no text (file is blank)")
    lines: list[SourceLine] = []
    offset = 0
    page = 1 if "\f" in text else None
    for line_no, raw in enumerate(text.splitlines(keepends=True), start=1):
        start, end = offset, offset + len(raw.rstrip("\r\n"))
        offset += len(raw)
        if page is not None and "\f" in raw:
            page += raw.count("\f")
        body = raw.rstrip("\r\n").replace("\f", "")
        if not body.strip():
            continue
        prov = Provenance(file=str(path), page=page, line=line_no, char_start=start, char_end=end)
        if "\t" in body:
            cells: list[str | None] = [clean_cell(c) for c in body.split("\t")]
            lines.append(SourceLine(text=" ".join(c for c in cells if c), cells=cells, provenance=prov))
            continue
        heading = bool(_HEADING.match(body))
        clean = _BULLET.sub("", _HEADING.sub("", body))
        clean = re.sub(r"[ \u3000]+", " ", strip_markup(clean)).strip()
        if clean:
            lines.append(SourceLine(text=clean, heading=heading, provenance=prov))
    # Consecutive tab rows form one grid; mark where each grid starts.
    for prev, cur in zip([None, *lines[:-1]], lines, strict=True):
        if cur.cells is not None and (prev is None or prev.cells is None):
            cur.grid_start = True
    return SourceDocument(path=str(path), format="text", page_count=page, lines=lines)
