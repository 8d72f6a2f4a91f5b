"""Benchmark: seconds per page of the full extraction next to pdfplumber's own extract_tables().

Both run in this process over the same PDFs, alternating, so the ratio is meaningful on a noisy
machine. Usage: python scripts/bench_pdf.py [PDF ...] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pdfplumber

from extractor import extract

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = sorted((ROOT / "examples").glob("*.pdf")) + sorted(
    (ROOT.parent / "shared" / "corpus" / "putuo").glob("*.pdf")
)


def bare_tables(path: Path) -> int:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()
        return len(pdf.pages)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pdfs = args.pdfs or DEFAULT
    print(f"{'file':58} {'pages':>5} {'extract s/page':>15} {'extract_tables s/page':>22} {'ratio':>6}")
    ratios = []
    for path in pdfs:
        ours, base = [], []
        pages = 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            pages = bare_tables(path)
            base.append(time.perf_counter() - t)
            t = time.perf_counter()
            extract(path)
            ours.append(time.perf_counter() - t)
        o, b = statistics.median(ours) / pages, statistics.median(base) / pages
        ratios.append(o / b)
        print(f"{path.name[:58]:58} {pages:5d} {o:15.4f} {b:22.4f} {o / b:6.2f}")
    print(f"median ratio (full extraction / bare extract_tables): {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
