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
