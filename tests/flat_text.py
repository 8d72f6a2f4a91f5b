"""Flattened-text renderings of PDFs: pdfplumber ``extract_text`` of every page, pages joined by
form feeds. This is how ``tests/data/*.flat.txt`` were made; corpus PDFs (../shared) are rendered
at run time into a temporary directory, because neither they nor their full text may be committed.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
DATA = ROOT / "tests" / "data"
# Corpus PDFs whose flattened rendering is recorded with the LLM layer (two per family).
FLAT_CORPUS = {
    name: CORPUS / family / f"{name}.pdf"
    for family, name in (
        ("putuo", "putuo_justice_bureau_2026_department_budget"),
        ("putuo", "putuo_finance_bureau_2024_department_final_accounts"),
        ("jiangsu", "js_swbgt_2018_budget_full"),
        ("jiangsu", "js_swbgt_2019_budget_full"),
    )
}


def flat_text(pdf: Path, out_dir: Path, name: str | None = None) -> Path:
    """Write ``name`` (default ``<pdf stem>.flat.txt``) in ``out_dir``: every page's
    ``extract_text``, joined by \\f."""
    import pdfplumber

    with pdfplumber.open(pdf) as doc:
        text = "\f".join(page.extract_text() or "" for page in doc.pages)
    out = out_dir / (name or f"{pdf.stem}.flat.txt")
    out.write_text(text, encoding="utf-8")
    return out


def flat_source(gold_id: str, out_dir: Path) -> Path:
    """The flattened-text rendering of a gold document: ``tests/data``'s, or its corpus PDF's
    rendered into ``out_dir``; the PDF's path (which does not exist) where ../shared is absent."""
    pdf = FLAT_CORPUS.get(gold_id)
    if pdf is None:
        return DATA / f"{gold_id}.flat.txt"
    return flat_text(pdf, out_dir) if pdf.exists() else pdf
