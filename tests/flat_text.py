"""Flattened-text renderings of PDFs: pdfplumber ``extract_text`` of every page, pages joined by
form feeds. This is how ``tests/data/*.flat.txt`` were made; corpus PDFs (../shared) are rendered
at run time into a temporary directory, because neither they nor their full text may be committed.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
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
