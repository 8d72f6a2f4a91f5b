"""Ingest: any supported file → ``SourceDocument`` (one stream of lines and table rows)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from extractor.errors import ExtractionError
from extractor.ingest.pdf import read_pdf
from extractor.ingest.text import read_text
from extractor.limits import MAX_BYTES, MAX_PAGES, check_bytes, check_pages
from schemas import SourceDocument

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
PDF_MAGIC = b"%PDF-"
MAGIC_WINDOW = 1024
"""A PDF is a file with ``%PDF-`` within its first 1024 bytes (where the PDF specification lets the
header sit); only then are its pages counted."""


def is_pdf(head: bytes) -> bool:
    """Do these first bytes of a file make it a PDF?"""
    return PDF_MAGIC in head[:MAGIC_WINDOW]


def ingest(
    path: str | Path,
    max_pages: int | None = MAX_PAGES,
    max_bytes: int | None = MAX_BYTES,
    on_page: Callable[[int, int], None] | None = None,
) -> SourceDocument:
    """Read a PDF or a text rendering. Raises ``ExtractionError`` naming the file and reason
    (``LimitExceeded`` for a file over ``max_bytes`` or ``max_pages``; None: no limit). Pages are
    counted only once the file is known to be a PDF (or text: its form-feed pages)."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise ExtractionError(name, "file not found")
    if p.is_dir():
        raise ExtractionError(name, "is a directory, not a file")
    size = p.stat().st_size
    if size == 0:
        raise ExtractionError(name, "empty file (0 bytes)")
    check_bytes(name, size, max_bytes)
    with p.open("rb") as fh:
        head = fh.read(MAGIC_WINDOW)
    if is_pdf(head):
        check_pages(name, pdf_page_count(p) or 0, max_pages)
        return read_pdf(p, max_pages=max_pages, on_page=on_page)
    if p.suffix.lower() == ".pdf":
        raise ExtractionError(name, "not a PDF (no %PDF- header in its first 1024 bytes) although named .pdf")
    if p.suffix.lower() in TEXT_SUFFIXES or _looks_like_text(head):
        return read_text(p, max_pages=max_pages)
    raise ExtractionError(name, "unsupported file type (neither PDF nor UTF-8 text)")


def pdf_page_count(path: Path) -> int | None:
    """Pages of a PDF by pdfium (cheap: before pdfminer parses anything); None when pdfium cannot
    open it (``read_pdf`` then names the reason)."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(str(path))
    except Exception:
        return None
    try:
        return len(pdf)
    finally:
        pdf.close()


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the 1024-byte boundary is still text.
        return exc.start >= len(head) - 3
    return True
