"""Write a run directory of documents extracted WITH the LLM layer, answered from a recorded
cassette (no server needed), so ``budget-extract eval`` can show rules, llm and merged side by side.

    python scripts/llm_replay_run.py OUT_DIR           # every run of tests/llm_replay.py, from its cassette
    python scripts/llm_replay_run.py --rules OUT_DIR   # the same documents, rules only (baseline)
    budget-extract eval --pred OUT_DIR --out REPORT_DIR

The runs are ``DOCUMENT_RUNS`` and ``FLAT_RUNS`` of tests/llm_replay.py (the tests replay the
same): the two seeds (text), Putuo (司法局, 财政局, 万里), Jiangsu full volumes (2017, 2018, 2019),
and flattened-text renderings (``flat_text.flat_source``: seeds 002 and 001 from tests/data; Putuo
司法局 and 财政局, Jiangsu 2018 and 2019 full rendered at run time from ../shared into a temporary
directory). Documents under ../shared are skipped when it is absent. With ``BUDGET_EXTRACT_RECORD=1`` and the local server running, a missing cassette is
recorded or completed (see README "Recording cassettes").
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from flat_text import flat_source  # noqa: E402
from llm_replay import DOCUMENT_RUNS, FLAT_RUNS, RECORDING, recorded_client, replay  # noqa: E402

from extractor import extract  # noqa: E402
from extractor.export import atomic_write_text, document_json  # noqa: E402


def main(argv: list[str]) -> int:
    rules_only = argv[:1] == ["--rules"]
    argv = argv[1:] if rules_only else argv
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as rendered:
        runs = [(source, cassette, gold_id) for gold_id, (source, cassette) in DOCUMENT_RUNS.items()]
        runs += [(flat_source(gold_id, Path(rendered)), c, f"{gold_id}-text") for gold_id, c in FLAT_RUNS.items()]
        for source, cassette, doc_id in runs:
            if not source.exists():
                print(f"{source}: skipped (not found; ../shared absent?)")
                continue
            _run(source, None if rules_only else cassette, doc_id, out)
    return 0


def _run(source: Path, cassette: str | None, doc_id: str, out: Path) -> None:
    if cassette is None:
        t0 = time.perf_counter()
        doc = extract(source, timeout_s=None)
        doc.meta.doc_id = doc_id
        atomic_write_text(out / f"{doc.meta.doc_id}.json", document_json(doc))
        print(f"{doc.meta.doc_id}: {time.perf_counter() - t0:.1f} s, rules only")
        return
    # Recording: requests the cassette lacks are added to it (one seeded with the same
    # requests from a test's cassette is only completed).
    mode = "new_episodes" if RECORDING else "none"
    with tempfile.TemporaryDirectory() as cache, replay.use_cassette(cassette, record_mode=mode):
        t0 = time.perf_counter()
        doc = extract(source, llm=recorded_client(Path(cache)), timeout_s=None)
    doc.meta.doc_id = doc_id
    atomic_write_text(out / f"{doc.meta.doc_id}.json", document_json(doc))
    u = doc.narrative.llm.usage
    print(f"{doc.meta.doc_id}: {time.perf_counter() - t0:.1f} s; recorded usage {u.model_dump()}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
