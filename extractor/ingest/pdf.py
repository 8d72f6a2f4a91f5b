"""PDFs with a text layer, via pdfplumber: ruled tables as grids, everything else as lines."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError

from extractor.errors import ExtractionError
from extractor.labels import clean_cell
from schemas import Provenance, SourceDocument, SourceLine

MAX_PAGES = 400


def read_pdf(path: Path, max_pages: int = MAX_PAGES) -> SourceDocument:
    """Read every page: ruled tables become grid rows, other text becomes lines in order.

    Doubled "fake bold" glyphs (the same character drawn twice at a small offset) are removed
    with pdfplumber's ``dedupe_chars`` before anything else reads the page.
    """
    name = str(path)
    try:
        pdf = pdfplumber.open(path)
    except Exception as exc:  # pdfplumber wraps pdfminer's many error types
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(inner, PDFPasswordIncorrect):
            raise ExtractionError(name, "encrypted PDF (password required)") from exc
        if isinstance(inner, PDFEncryptionError):
            raise ExtractionError(name, f"encrypted PDF ({inner})") from exc
        if isinstance(inner, PDFSyntaxError):
            raise ExtractionError(name, f"damaged PDF ({inner})") from exc
        raise ExtractionError(name, f"unreadable PDF ({type(inner).__name__}: {inner})") from exc
    with pdf:
        try:
            pages = pdf.pages
        except Exception as exc:
            raise ExtractionError(name, f"unreadable PDF ({type(exc).__name__}: {exc})") from exc
        if len(pages) > max_pages:
            raise ExtractionError(name, f"too many pages ({len(pages)} > limit {max_pages})")
        lines: list[SourceLine] = []
        warnings: list[str] = []
        chars_total = 0
        for number, page in enumerate(pages, start=1):
            try:
                page_lines, n_chars = _read_page(name, number, page)
            except Exception as exc:  # one bad page must not lose the document
                warnings.append(f"page {number}: could not be read ({type(exc).__name__}: {exc})")
                continue
            chars_total += n_chars
            if n_chars == 0:
                warnings.append(f"page {number}: no text layer (image-only page)")
            lines.extend(page_lines)
            page.close()
        if chars_total == 0:
            raise ExtractionError(name, "no text layer (image-only or scanned PDF; OCR it first)")
        return SourceDocument(path=name, format="pdf", page_count=len(pages), lines=lines, warnings=warnings)


def _read_page(name: str, number: int, page) -> tuple[list[SourceLine], int]:
    page = page.dedupe_chars()
    n_chars = len(page.chars)
    if n_chars == 0:
        return [], 0
    items: list[tuple[float, float, SourceLine]] = []
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]
    for table in tables:
        rows = table.extract()
        for i, (row, cells) in enumerate(zip(table.rows, rows, strict=True)):
            x0, top, x1, bottom = row.bbox
            prov = Provenance(file=name, page=number, bbox=(x0, top, x1, bottom))
            clean = [None if c is None else clean_cell(c) for c in cells]
            text = " ".join(c for c in clean if c)
            items.append((top, x0, SourceLine(text=text, cells=clean, grid_start=i == 0, provenance=prov)))
    for tl in page.extract_text_lines(strip=True, return_chars=False):
        mid = (tl["top"] + tl["bottom"]) / 2
        if any(b[1] <= mid <= b[3] and b[0] - 2 <= tl["x0"] <= b[2] + 2 for b in boxes):
            continue
        prov = Provenance(file=name, page=number, bbox=(tl["x0"], tl["top"], tl["x1"], tl["bottom"]))
        items.append((tl["top"], tl["x0"], SourceLine(text=tl["text"].strip(), provenance=prov)))
    items.sort(key=lambda it: (round(it[0], 1), it[1]))
    out = []
    for idx, (_, _, line) in enumerate(items, start=1):
        line.provenance = line.provenance.model_copy(update={"line": idx})
        out.append(line)
    return out, n_chars
