"""Benchmark: seconds per page of the full extraction beside what the PDF libraries cost alone.

For every PDF, in this process, alternating so that a noisy machine slows every contender
alike, ``--repeat`` rounds of:

- ``extract``: the full extraction (``extractor.extract``: read, layout, tables, narrative,
  checks), with the default pdfium reader;
- ``extract/ctypes``: the same with the pdfium reader's C loop off (every pdfium call through
  ctypes, as where no C compiler was found at install); left out where the loop is not built;
- ``extract/plumber``: the same with every page read by pdfplumber (the previous reader);
- ``extract_tables``: pdfplumber's bare ``page.extract_tables()`` on every page;
- ``chars``: pdfplumber merely reading ``page.chars`` (pdfminer's parse);
- ``pdfium text``: pypdfium2's text extraction of every page (the floor for reading a text layer).

Prints per PDF the median seconds per page of each (min–max in brackets) and the ratio of the
full extraction to ``extract_tables``; then the totals over all PDFs (sum of medians / pages).

Then, with ``--memory``, the peak resident memory of a fresh process extracting every PDF with
each reader (a worker's footprint).

Usage: python scripts/bench_pdf.py [PDF ...] [--repeat N] [--memory]
(default: the bundled examples and every PDF under ../shared/corpus and ../shared/fixtures)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium

from extractor.ingest import pdfium_calls
from extractor.ingest.pdf import read_pdf
from extractor.pipeline import doc_id_for, extract_source

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DEFAULT = sorted((ROOT / "examples").glob("*.pdf")) + sorted(
    p for sub in ("corpus", "fixtures") for p in (SHARED / sub).rglob("*.pdf")
)


def full(reader: str) -> Callable[[Path], None]:
    def run(path: Path) -> None:
        extract_source(read_pdf(path, reader=reader), doc_id_for(path))  # type: ignore[arg-type]

    return run


def without_loop(path: Path) -> None:
    """The full extraction with the C loop off: the pdfium reader's calls made through ctypes."""
    loops, pdfium_calls.loops = pdfium_calls.loops, None
    try:
        full("pdfium")(path)
    finally:
        pdfium_calls.loops = loops


def bare_tables(path: Path) -> int:
    """pdfplumber's bare ``extract_tables()`` on every page; returns the page count."""
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_tables()
        return len(pdf.pages)


def plumber_chars(path: Path) -> None:
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            len(page.chars)


def pdfium_text(path: Path) -> None:
    doc = pdfium.PdfDocument(path)
    try:
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            textpage.get_text_bounded()
            textpage.close()
            page.close()
    finally:
        doc.close()


CONTENDERS: dict[str, Callable[[Path], object]] = {
    "extract": full("pdfium"),
    **({"extract/ctypes": without_loop} if pdfium_calls.loops is not None else {}),
    "extract/plumber": full("pdfplumber"),
    "extract_tables": bare_tables,
    "chars": plumber_chars,
    "pdfium text": pdfium_text,
}


def pages_of(path: Path) -> int:
    doc = pdfium.PdfDocument(path)
    try:
        return len(doc)
    finally:
        doc.close()


def peak_rss_mb(reader: str, pdfs: list[Path]) -> float:
    """Peak resident memory (MB) of a fresh process extracting ``pdfs`` with ``reader``.

    Read from the process's own high-water mark (``VmHWM`` in /proc/self/status, Linux), which
    starts afresh with the executed program. ``getrusage``'s ``ru_maxrss`` would not do: Linux
    carries it over from the forked copy of this benchmark's process, so it reported this
    process's size whenever that was the larger (as it is after the timed rounds)."""
    code = (
        "import sys\n"
        "from extractor.ingest.pdf import read_pdf\n"
        "from extractor.pipeline import doc_id_for, extract_source\n"
        "for p in sys.argv[2:]:\n"
        "    extract_source(read_pdf(p, reader=sys.argv[1]), doc_id_for(p))\n"
        "print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, reader, *map(str, pdfs)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.split()[-1]) / 1024  # kB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory", action="store_true", help="also measure each reader's peak memory")
    args = ap.parse_args()
    pdfs = args.pdfs or DEFAULT
    names = list(CONTENDERS)
    print(f"{'file':44} {'pages':>5} " + " ".join(f"{n + ' s/page':>24}" for n in names) + f" {'ratio':>6}")
    totals = dict.fromkeys(names, 0.0)
    all_pages = 0
    ratios = []
    for path in pdfs:
        pages = pages_of(path)
        times: dict[str, list[float]] = {n: [] for n in names}
        for _ in range(args.repeat):
            for name in names:
                t = time.perf_counter()
                CONTENDERS[name](path)
                times[name].append(time.perf_counter() - t)
        med = {n: statistics.median(times[n]) for n in names}
        for n in names:
            totals[n] += med[n]
        all_pages += pages
        ratio = med["extract"] / med["extract_tables"]
        ratios.append(ratio)
        cells = " ".join(
            f"{med[n] / pages:9.4f} [{min(times[n]) / pages:.4f}–{max(times[n]) / pages:.4f}]" for n in names
        )
        print(f"{path.name[:44]:44} {pages:5d} {cells} {ratio:6.2f}")
    print(f"\ntotal over {len(pdfs)} PDFs, {all_pages} pages (sum of medians / pages):")
    for n in names:
        print(
            f"  {n:16} {totals[n] / all_pages:.4f} s/page  ({totals[n] / totals['extract_tables']:.2f}× extract_tables)"
        )
    print(f"median per-PDF ratio, full extraction / bare extract_tables: {statistics.median(ratios):.2f}")
    print(
        f"full extraction, pdfium reader / pdfplumber reader: {totals['extract'] / totals['extract/plumber']:.2f}"
    )
    if "extract/ctypes" in totals:
        print(f"full extraction, with the C loop / through ctypes alone: {totals['extract'] / totals['extract/ctypes']:.2f}")
    if args.memory:
        for reader in ("pdfium", "pdfplumber"):
            print(
                f"peak memory of a process extracting all {len(pdfs)} PDFs, {reader} reader: "
                f"{peak_rss_mb(reader, pdfs):.0f} MB"
            )


if __name__ == "__main__":
    main()
