from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLD = ROOT / "evals" / "fixtures"
SHARED = ROOT.parent / "shared"
PUTUO = SHARED / "corpus" / "putuo"
SEEDS = ["001_6d2149f5b3f07333", "002_e70514054a2d30bc"]


@pytest.fixture(scope="session")
def extracted():
    """Extract each example once per test session (PDF extraction takes seconds)."""
    from extractor import extract

    cache: dict[Path, object] = {}

    def get(path: Path):
        if path not in cache:
            cache[path] = extract(path)
        return cache[path]

    return get


@pytest.fixture(scope="session")
def narrative_inputs():
    """(NarrativeText, tables, doc_kind) of a document, built once per test session."""
    from extractor.ingest import ingest
    from extractor.narrative.text import build_narrative_text
    from extractor.pipeline import extract_source
    from extractor.segment import prose_lines, segment

    cache: dict[Path, tuple] = {}

    def get(path: Path):
        if path not in cache:
            source = ingest(path)
            doc = extract_source(source, path.stem)
            seg = segment(source)
            cache[path] = (
                build_narrative_text(prose_lines(source, seg.regions)),
                doc.tables,
                doc.meta.doc_kind,
            )
        return cache[path]

    return get


@pytest.fixture(scope="session")
def flat_text_renderings(tmp_path_factory):
    """pdfplumber ``extract_text`` of each seed PDF, pages joined by \\f (prose wraps over lines)."""
    import pdfplumber

    out = {}
    base = tmp_path_factory.mktemp("flat_narrative")
    for doc in SEEDS:
        with pdfplumber.open(EXAMPLES / f"{doc}.pdf") as pdf:
            text = "\f".join(page.extract_text() or "" for page in pdf.pages)
        path = base / f"{doc}.txt"
        path.write_text(text, encoding="utf-8")
        out[doc] = path
    return out
