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
def ingested():
    """Ingest each file once per test session (PDF ingest takes seconds); the stages never modify
    the ``SourceDocument``, so ``extracted`` and ``narrative_inputs`` share it."""
    from extractor.ingest import ingest

    cache: dict[Path, object] = {}

    def get(path: Path):
        if path not in cache:
            cache[path] = ingest(path)
        return cache[path]

    return get


@pytest.fixture(scope="session")
def extracted(ingested):
    """Extract each example once per test session: ``extract(path)`` on the shared ingest."""
    from extractor.pipeline import doc_id_for, extract_source

    cache: dict[Path, object] = {}

    def get(path: Path):
        if path not in cache:
            cache[path] = extract_source(ingested(path), doc_id_for(path))
        return cache[path]

    return get


@pytest.fixture(scope="session")
def narrative_inputs(ingested, extracted):
    """(NarrativeText, tables, doc_kind) of a document, built once per test session from the
    session's shared ingest and extraction."""
    from extractor.narrative.text import build_narrative_text
    from extractor.tables.locate import prose_lines, segment

    cache: dict[Path, tuple] = {}

    def get(path: Path):
        if path not in cache:
            source, doc = ingested(path), extracted(path)
            text = build_narrative_text(prose_lines(source, segment(source).regions))
            cache[path] = (text, doc.tables, doc.meta.doc_kind)
        return cache[path]

    return get


@pytest.fixture(scope="session")
def flat_text_renderings(tmp_path_factory):
    """pdfplumber ``extract_text`` of each seed PDF, pages joined by \\f (prose wraps over lines)."""
    from tests.flat_text import flat_text

    base = tmp_path_factory.mktemp("flat_narrative")
    return {doc: flat_text(EXAMPLES / f"{doc}.pdf", base, f"{doc}.txt") for doc in SEEDS}


def text_corpus(folder: Path, n: int) -> Path:
    """``n`` distinct text documents: the seed with a different number in a note line each."""
    folder.mkdir()
    seed = (EXAMPLES / f"{SEEDS[1]}.txt").read_text(encoding="utf-8")
    for i in range(n):
        (folder / f"dept_{i:03d}.txt").write_text(seed + f"\n附注：编号 {i}\n", encoding="utf-8")
    return folder
