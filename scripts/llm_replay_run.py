"""Write a run directory of documents extracted WITH the LLM layer, answered from a recorded
cassette (no server needed), so ``budget-extract eval`` can show rules, llm and merged side by side.

    python scripts/llm_replay_run.py OUT_DIR           # every document of RUNS, from its cassette
    python scripts/llm_replay_run.py --rules OUT_DIR   # the same documents, rules only (baseline)
    budget-extract eval --pred OUT_DIR --out REPORT_DIR

One document per family recorded: the two seeds (text), Putuo (司法局, 财政局, 万里), Jiangsu full
volumes (2017, 2018, 2019), and a flattened-text rendering of each family (pdfplumber text, tables
flattened into runs: seeds 002 and 001 from tests/data; Putuo 司法局 and 财政局, Jiangsu 2018 and
2019 full rendered at run time from ../shared into a temporary directory). Documents under ../shared are skipped when it is
absent. With ``BUDGET_EXTRACT_RECORD=1`` and the local server running, a missing cassette is
recorded or completed (see README "Recording cassettes").
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from flat_text import FLAT_CORPUS, flat_text  # noqa: E402
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
    # The change_reasons prompt's few-shot texts come from these two, so their reason scores are
    # not a measure of the model (their changes, policy documents and projects are).
    (f"{CORPUS}/putuo/putuo_wanli_subdistrict_2024_department_budget.pdf", "extract_putuo_wanli.yaml"),
    (f"{CORPUS}/jiangsu/js_swbgt_2017_budget_full.pdf", "extract_js_2017_full.yaml"),
    ("tests/data/002_e70514054a2d30bc.flat.txt", "extract_002_flat.yaml"),
    ("tests/data/001_6d2149f5b3f07333.flat.txt", "extract_001_flat.yaml"),
]
# Flattened renderings of corpus PDFs, made at run time: (gold id, cassette).
FLAT_RUNS = [
    ("putuo_justice_bureau_2026_department_budget", "extract_putuo_justice_flat.yaml"),
    ("putuo_finance_bureau_2024_department_final_accounts", "extract_putuo_finance_flat.yaml"),
    ("js_swbgt_2018_budget_full", "extract_js_2018_full_flat.yaml"),
    ("js_swbgt_2019_budget_full", "extract_js_2019_full_flat.yaml"),
]
# A rendering is scored against its document's gold under the id ``<gold id>-text``.
RENDERING_IDS = {
    "tests/data/002_e70514054a2d30bc.flat.txt": "002_e70514054a2d30bc-text",
    "tests/data/001_6d2149f5b3f07333.flat.txt": "001_6d2149f5b3f07333-text",
}


def main(argv: list[str]) -> int:
    rules_only = argv[:1] == ["--rules"]
    argv = argv[1:] if rules_only else argv
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as rendered:
        runs = [(ROOT / source, cassette, RENDERING_IDS.get(source)) for source, cassette in RUNS]
        for gold_id, cassette in FLAT_RUNS:
            pdf = FLAT_CORPUS[gold_id]
            text = flat_text(pdf, Path(rendered)) if pdf.exists() else pdf
            runs.append((text, cassette, f"{gold_id}-text"))
        for source, cassette, doc_id in runs:
            if not source.exists():
                print(f"{source}: skipped (not found; ../shared absent?)")
                continue
            _run(source, None if rules_only else cassette, doc_id, out)
    return 0


def _run(source: Path, cassette: str | None, doc_id: str | None, out: Path) -> None:
    if cassette is None:
        t0 = time.perf_counter()
        doc = extract(source, timeout_s=None)
        doc.meta.doc_id = doc_id or doc.meta.doc_id
        atomic_write_text(out / f"{doc.meta.doc_id}.json", document_json(doc))
        print(f"{doc.meta.doc_id}: {time.perf_counter() - t0:.1f} s, rules only")
        return
    # Recording: requests the cassette lacks are added to it (one seeded with the same
    # requests from a test's cassette is only completed).
    mode = "new_episodes" if RECORDING else "none"
    with tempfile.TemporaryDirectory() as cache, replay.use_cassette(cassette, record_mode=mode):
        t0 = time.perf_counter()
        doc = extract(source, llm=recorded_client(Path(cache)), timeout_s=None)
    doc.meta.doc_id = doc_id or doc.meta.doc_id
    atomic_write_text(out / f"{doc.meta.doc_id}.json", document_json(doc))
    u = doc.narrative.llm.usage
    print(f"{doc.meta.doc_id}: {time.perf_counter() - t0:.1f} s; recorded usage {u.model_dump()}")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
