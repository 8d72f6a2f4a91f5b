"""Review pages: size and time to write, as a ratio to extracting the same document in this process.

    python scripts/bench_review.py [--run-input ../shared/corpus] [FILE...]

Default files: the three Putuo PDFs and the seed 001 text rendering. With ``--run-input`` it also
makes a corpus run of that folder in a temporary directory, reviews the run directory (pages and
dashboard) and validates its ``datapackage.json`` with frictionless.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.ingest import ingest  # noqa: E402
from extractor.pipeline import doc_id_for, extract, extract_source  # noqa: E402
from extractor.review.build import write_reviews  # noqa: E402
from extractor.review.page import review_html  # noqa: E402

PUTUO = ROOT.parent / "shared" / "corpus" / "putuo"
DEFAULT = [*sorted(PUTUO.glob("*.pdf")), ROOT / "examples" / "001_6d2149f5b3f07333.txt"]


def bench_file(path: Path) -> tuple[float, float]:
    start = time.perf_counter()
    extract(path)
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    source = ingest(path)
    doc = extract_source(source, doc_id_for(path))
    after_extract = time.perf_counter()
    html, stats = review_html(doc, source, path)
    page_s = time.perf_counter() - after_extract
    size = len(html.encode("utf-8"))
    print(
        f"{path.name}: {stats['pages']} page images, {stats['values']} values ({stats['values_exact']} in their own box), "
        f"{size / 1e6:.2f} MB; extraction {baseline:.2f} s; the page alone {page_s:.2f} s = {page_s / baseline:.2f}× "
        f"extraction; review of the file (ingest, extract, page) {(after_extract - start + page_s) / baseline:.2f}×"
    )
    return baseline, page_s


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--run-input", type=Path, help="also run and review this corpus folder")
    args = ap.parse_args()
    for path in args.files or [p for p in DEFAULT if p.is_file()]:
        bench_file(path)
    if args.run_input:
        from extractor.corpus import RunSettings, run_corpus

        with tempfile.TemporaryDirectory() as tmp:
            run = Path(tmp) / "run"
            start = time.perf_counter()
            run_corpus(RunSettings(input_dir=args.run_input, run_dir=run, workers=1, progress=False))
            run_s = time.perf_counter() - start
            start = time.perf_counter()
            result = write_reviews([run], run / "review")
            review_s = time.perf_counter() - start
            total = sum(s["bytes"] for s in result.pages.values())
            dash = result.dashboard.stat().st_size if result.dashboard else 0
            print(
                f"run of {args.run_input}: {len(result.pages)} documents reviewed, pages {total / 1e6:.2f} MB, "
                f"dashboard {dash / 1e3:.0f} KB; review {review_s:.1f} s = {review_s / run_s:.2f}× the run (1 worker)"
            )
            from frictionless import validate

            start = time.perf_counter()
            report = validate(str(run / "datapackage.json"))
            rows = {t.name: t.stats.get("rows") for t in report.tasks}
            print(
                f"datapackage.json: valid={report.valid}, {len(report.tasks)} resources, errors "
                f"{report.stats['errors']}, rows {rows}; validated in {time.perf_counter() - start:.1f} s"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
