"""Benchmark: how extraction time and peak memory grow with the size of the input.

Text renderings of 0.25–8 MB are made by repeating a seed rendering; PDFs of 10–400 pages by
concatenating the pages of real PDFs (pypdf). Each size is extracted in a fresh subprocess
(``extract`` as the Python API runs it), which reports its wall seconds and its peak RSS
(``VmHWM`` on Linux — ``ru_maxrss`` would keep this script's own peak across the exec — else
``ru_maxrss``). The script prints a row per size and the exponent ``b`` of a log-log least-squares
fit ``seconds ∝ size^b`` (1.0 is linear), and the memory above the interpreter's baseline per MB or
per page.

Usage: python scripts/bench_scaling.py [--text-mb 0.25 0.5 1 2 4 8] [--pdf-pages 10 25 50 100 200 400]
       [--seed FILE.txt] [--pdf FILE.pdf ...] [--skip-text] [--skip-pdf]
Run it alone: the machine is shared and the largest sizes take minutes. BENCH_CODE=DIR measures
another checkout (e.g. ``git archive`` of an older commit) with the same inputs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = Path(os.environ.get("BENCH_CODE", ROOT))  # the checkout to measure (default: this one)
SHARED = ROOT.parent / "shared"
DEFAULT_SEED = ROOT / "examples" / "001_6d2149f5b3f07333.txt"
DEFAULT_PDFS = sorted((ROOT / "examples").glob("*.pdf")) + sorted((SHARED / "corpus" / "putuo").glob("*.pdf"))

# The child: extract one file, print seconds and peak RSS (KiB on Linux) as JSON. It imports the
# extractor before the clock starts, so the figures are the extraction's own.
CHILD = """
import json, resource, sys, time
from extractor.pipeline import extract

def peak_kib():
    # VmHWM: this process's own peak (ru_maxrss on Linux keeps the parent's peak across exec)
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

base = peak_kib()
t = time.perf_counter()
try:
    doc = extract(sys.argv[1], max_pages=None, max_bytes=None, timeout_s=None)
except TypeError:  # a checkout from before the limits (to measure a baseline)
    doc = extract(sys.argv[1])
seconds = time.perf_counter() - t
peak = peak_kib()
print(json.dumps({"seconds": seconds, "peak_kib": peak, "base_kib": base,
                  "pages": doc.meta.page_count, "tables": len(doc.tables),
                  "changes": len(doc.narrative.changes)}))
"""


def measure(path: Path) -> dict:
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=False, cwd=CODE
    )
    if run.returncode:
        raise SystemExit(f"{path}: child failed:\n{run.stderr[-2000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def fit_exponent(sizes: list[float], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) on log(size)."""
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def memory_slope(sizes: list[float], extra_mb: list[float]) -> float:
    """Least-squares slope of the extra RSS (MB above the interpreter) on the size."""
    mx, my = sum(sizes) / len(sizes), sum(extra_mb) / len(extra_mb)
    return sum((x - mx) * (y - my) for x, y in zip(sizes, extra_mb, strict=True)) / sum(
        (x - mx) ** 2 for x in sizes
    )


def text_input(seed: Path, mb: float, folder: Path) -> tuple[Path, float]:
    data = seed.read_text(encoding="utf-8")
    copies = max(1, round(mb * 1e6 / len(data.encode("utf-8"))))
    path = folder / f"text_{mb:g}mb.txt"
    path.write_text(data * copies, encoding="utf-8")
    return path, path.stat().st_size / 1e6


def pdf_input(sources: list[Path], pages: int, folder: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    readers = [PdfReader(p) for p in sources]
    pool = [page for r in readers for page in r.pages]
    writer = PdfWriter()
    for k in range(pages):
        writer.add_page(pool[k % len(pool)])
    path = folder / f"pdf_{pages}p.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def report(kind: str, unit: str, sizes: list[float], rows: list[dict]) -> None:
    seconds = [r["seconds"] for r in rows]
    extra = [(r["peak_kib"] - r["base_kib"]) / 1024 for r in rows]
    print(f"\n{kind}: {'size':>8} {unit:>6} {'seconds':>9} {'s/' + unit:>9} {'peak RSS MB':>12} {'+MB':>8}")
    for size, r, e in zip(sizes, rows, extra, strict=True):
        print(
            f"{'':{len(kind) + 1}} {size:8.2f} {unit:>6} {r['seconds']:9.2f} {r['seconds'] / size:9.3f} "
            f"{r['peak_kib'] / 1024:12.1f} {e:8.1f}"
        )
    if len(sizes) >= 2:
        print(f"{kind}: time exponent b = {fit_exponent(sizes, seconds):.2f} (seconds ∝ size^b; 1 is linear)")
        print(
            f"{kind}: memory {memory_slope(sizes, extra):.1f} MB per {unit} above the interpreter "
            f"(least squares; largest: {extra[-1] / sizes[-1]:.1f} MB/{unit})"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--text-mb", type=float, nargs="+", default=[0.25, 0.5, 1, 2, 4, 8])
    ap.add_argument("--pdf-pages", type=int, nargs="+", default=[10, 25, 50, 100, 200, 400])
    ap.add_argument("--seed", type=Path, default=DEFAULT_SEED)
    ap.add_argument("--pdf", type=Path, nargs="+", default=DEFAULT_PDFS)
    ap.add_argument("--skip-text", action="store_true")
    ap.add_argument("--skip-pdf", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_scaling_") as tmp:
        folder = Path(tmp)
        if not args.skip_text:
            sizes, rows = [], []
            for mb in args.text_mb:
                path, size = text_input(args.seed, mb, folder)
                rows.append(measure(path))
                sizes.append(size)
                path.unlink()
            print(f"text renderings: {args.seed.name} repeated")
            report("text", "MB", sizes, rows)
        if not args.skip_pdf:
            sizes, rows = [], []
            for pages in args.pdf_pages:
                path = pdf_input(args.pdf, pages, folder)
                rows.append(measure(path))
                sizes.append(float(pages))
                path.unlink()
            print(f"\nPDFs: pages of {', '.join(p.name for p in args.pdf)} in turn")
            report("pdf", "page", sizes, rows)


if __name__ == "__main__":
    main()
