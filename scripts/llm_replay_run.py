"""Write a run directory of documents extracted WITH the LLM layer, answered from a recorded
cassette (no server needed), so ``budget-extract eval`` can show rules, llm and merged side by side.

    python scripts/llm_replay_run.py OUT_DIR           # every document of RUNS, from its cassette
    budget-extract eval --pred OUT_DIR --out REPORT_DIR

One document per family recorded: the two seeds (text), Putuo (司法局, 财政局), Jiangsu full
volumes (2018, 2019) and a flattened-text rendering (seed 002, pdfplumber text: its 绩效表 grids
lost). With ``BUDGET_EXTRACT_RECORD=1`` and the local server running, a missing cassette is
recorded or completed (see README "Recording cassettes").
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from llm_replay import RECORDING, recorded_client, replay  # noqa: E402

from extractor import extract  # noqa: E402
from extractor.export import atomic_write_text, document_json  # noqa: E402

CORPUS = "../shared/corpus"
RUNS = [
    ("examples/002_e70514054a2d30bc.txt", "extract_002_txt.yaml"),
    ("examples/001_6d2149f5b3f07333.txt", "extract_001_txt.yaml"),
    (f"{CORPUS}/putuo/putuo_justice_bureau_2026_department_budget.pdf", "extract_putuo_justice.yaml"),
    (f"{CORPUS}/putuo/putuo_finance_bureau_2024_department_final_accounts.pdf", "extract_putuo_finance.yaml"),
    (f"{CORPUS}/jiangsu/js_swbgt_2018_budget_full.pdf", "extract_js_2018_full.yaml"),
    (f"{CORPUS}/jiangsu/js_swbgt_2019_budget_full.pdf", "extract_js_2019_full.yaml"),
    ("tests/data/002_e70514054a2d30bc.flat.txt", "extract_002_flat.yaml"),
]
# A rendering is scored against its document's gold under the id ``<gold id>-text``.
RENDERING_IDS = {"tests/data/002_e70514054a2d30bc.flat.txt": "002_e70514054a2d30bc-text"}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for source, cassette in RUNS:
        # Recording: requests the cassette lacks are added to it (one seeded with the same
        # requests from a test's cassette is only completed).
        mode = "new_episodes" if RECORDING else "none"
        with tempfile.TemporaryDirectory() as cache, replay.use_cassette(cassette, record_mode=mode):
            t0 = time.perf_counter()
            doc = extract(ROOT / source, llm=recorded_client(Path(cache)), timeout_s=None)
        doc.meta.doc_id = RENDERING_IDS.get(source, doc.meta.doc_id)
        atomic_write_text(out / f"{doc.meta.doc_id}.json", document_json(doc))
        u = doc.narrative.llm.usage
        print(f"{doc.meta.doc_id}: {time.perf_counter() - t0:.1f} s replayed; recorded usage {u.model_dump()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
