"""Write a run directory of documents extracted WITH the LLM layer, answered from a recorded
cassette (no server needed), so ``budget-extract eval`` can show rules, llm and merged side by side.

    python scripts/llm_replay_run.py OUT_DIR           # 002 txt, tests/cassettes/extract_002_txt.yaml
    budget-extract eval --pred OUT_DIR --out REPORT_DIR
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from llm_replay import recorded_client, replay  # noqa: E402

from extractor import extract  # noqa: E402
from extractor.export import atomic_write_text, document_json  # noqa: E402

RUNS = [("examples/002_e70514054a2d30bc.txt", "extract_002_txt.yaml")]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for source, cassette in RUNS:
        with tempfile.TemporaryDirectory() as cache, replay.use_cassette(cassette):
            t0 = time.perf_counter()
            doc = extract(ROOT / source, llm=recorded_client(Path(cache)), timeout_s=None)
        atomic_write_text(out / f"{doc.meta.doc_id}.json", document_json(doc))
        u = doc.narrative.llm.usage
        print(f"{doc.meta.doc_id}: {time.perf_counter() - t0:.1f} s replayed; recorded usage {u.model_dump()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
