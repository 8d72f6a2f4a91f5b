"""Ingest: any supported file → ``SourceDocument`` (one stream of lines and table rows)."""

from __future__ import annotations

from pathlib import Path

from extractor.errors import ExtractionError
from extractor.ingest.pdf import read_pdf
from extractor.ingest.text import read_text
from schemas import SourceDocument

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}


def ingest(path: str | Path) -> SourceDocument:
    """Read a PDF or a text rendering. Raises ``ExtractionError`` naming the file and reason."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise ExtractionError(name, "file not found")
    if p.is_dir():
        raise ExtractionError(name, "is a directory, not a file")
    size = p.stat().st_size
    if size == 0:
        raise ExtractionError(name, "empty file (0 bytes)")
    with p.open("rb") as fh:
        head = fh.read(1024)
    if head.lstrip().startswith(b"%PDF"):
        return read_pdf(p)
    if p.suffix.lower() == ".pdf":
        raise ExtractionError(name, "not a PDF (no %PDF header) although named .pdf")
    if p.suffix.lower() in TEXT_SUFFIXES or _looks_like_text(head):
        return read_text(p)
    raise ExtractionError(name, "unsupported file type (neither PDF nor UTF-8 text)")


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the 1024-byte boundary is still text.
        return exc.start >= len(head) - 3
    return True
