"""The ingested form of a document: one stream of lines, some of them table rows.

Every renderer (PDF with ruled tables, tab-separated text, plain flattened text) produces
this same shape, so segmentation and table parsing never look at the file format.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from schemas.provenance import Provenance

SourceFormat = Literal["pdf", "text"]


Word = tuple[str, float, float, float, float]
"""A printed word of a PDF line: text, x0, x1, top, bottom (PDF points)."""


class SourceLine(BaseModel):
    """One line of the document in reading order.

    ``cells`` is set when the renderer knew the table grid (a ruled PDF table or a
    tab-separated line): one entry per grid column, ``None`` for a cell covered by a merged
    neighbour. ``grid_start`` marks the first row of a grid as the renderer found it (a PDF
    table continued on a new page starts a new grid). ``words`` are the positioned words of a
    PDF line outside any ruled grid: the table stage lays unruled tables out from them.
    """

    text: str
    cells: list[str | None] | None = None
    grid_start: bool = False
    heading: bool = False
    words: list[Word] | None = None
    provenance: Provenance


class SourceDocument(BaseModel):
    """A whole ingested file."""

    path: str
    format: SourceFormat
    page_count: int | None = None
    lines: list[SourceLine]
    warnings: list[str] = []
    # PDFs: the library that read each page ("pdfium", or "pdfplumber" where pdfium could not
    # give the page faithfully); empty for text renderings.
    page_readers: list[str] = []


class TableRegion(BaseModel):
    """A located table: its title line, printed number, and the lines that belong to it.

    Produced by segmentation, consumed by the table parsers. ``lines`` excludes the title but
    includes the repeated "编制部门/单位" lines and header rows of continuation pages, which
    the parser recognises and skips.
    """

    table_no: str | None
    title: str
    kind: str
    unit: Literal["万元", "元"] | None = None
    title_line: SourceLine
    lines: list[SourceLine]
    empty_statement: SourceLine | None = None
