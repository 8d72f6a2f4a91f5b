"""A longer fuzz run of ingest and parsing than the test suite's (same mutations: tests/mutations.py).

Each example is a damaged text rendering or PDF, extracted with a time limit; it must end in a
``BudgetDocument`` or a one-line ``ExtractionError``. Prints the counts of examples, results, errors
by reason, crashes (any other exception, with its traceback's last line) and the slowest examples,
and saves every crashing input under --crashes for a regression test.

Usage: python scripts/fuzz_ingest.py [--text 500] [--pdf 150] [--seed 0] [--timeout 20] [--crashes DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor import ExtractionError, extract  # noqa: E402
from tests.mutations import mutate_pdf, mutate_text, small_pdf  # noqa: E402

SEEDS = sorted((ROOT / "examples").glob("*.txt"))
PDFS = sorted((ROOT / "examples").glob("*.pdf"))


def reason_kind(reason: str) -> str:
    """The reason without its particulars (numbers, quoted parts): "damaged PDF (...)" → "damaged PDF"."""
    return re.sub(r"\s*[(（].*$", "", reason).strip() or reason


def run_one(path: Path, timeout: float) -> tuple[str, float, str]:
    start = time.monotonic()
    try:
        extract(path, timeout_s=timeout)
        outcome, detail = "ok", ""
    except ExtractionError as exc:
        outcome = "error"
        detail = reason_kind(exc.reason)
        if "\n" in str(exc):
            outcome, detail = "crash", f"multi-line error: {exc!r}"
    except Exception as exc:  # the property fails: report it
        outcome = "crash"
        detail = f"{type(exc).__name__}: {exc} @ {traceback.extract_tb(exc.__traceback__)[-1]}"
    return outcome, time.monotonic() - start, detail


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--text", type=int, default=500, help="text examples")
    ap.add_argument("--pdf", type=int, default=150, help="PDF examples")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--crashes", type=Path, default=Path("fuzz-crashes"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    # pages around the first tables of each sample (page 5 on: 说明 and 表1, 表2, …)
    pdfs = [small_pdf(p, pages=3, first=4) for p in PDFS]
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    crashes: list[tuple[str, str, Path]] = []
    slowest: list[tuple[float, str]] = []
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fuzz_ingest_") as tmp:
        jobs = [("text", i) for i in range(args.text)] + [("pdf", i) for i in range(args.pdf)]
        for kind, i in jobs:
            if kind == "text":
                seed = rng.choice(texts)
                a = rng.randrange(len(seed))
                data, what = mutate_text(seed[a : a + rng.randint(100, 60000)], rng)
                path = Path(tmp) / f"t{i}{rng.choice(['.txt', '.md'])}"
            else:
                data, what = mutate_pdf(rng.choice(pdfs), rng)
                path = Path(tmp) / f"p{i}.pdf"
            path.write_bytes(data)
            outcome, seconds, detail = run_one(path, args.timeout)
            counts[f"{kind} {outcome}"] += 1
            if outcome == "error":
                reasons[f"{kind}: {detail}"] += 1
            if outcome == "crash":
                args.crashes.mkdir(parents=True, exist_ok=True)
                keep = args.crashes / f"{kind}_{args.seed}_{i}{path.suffix}"
                keep.write_bytes(data)
                crashes.append((what, detail, keep))
            slowest.append((seconds, f"{kind} #{i} {what} → {outcome} {detail}"[:140]))
            path.unlink()
    total = time.monotonic() - start
    n = args.text + args.pdf
    print(f"{n} examples (seed {args.seed}) in {total:.0f} s: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print("errors by reason:")
    for r, c in reasons.most_common():
        print(f"  {c:5d}  {r}")
    print(f"crashes: {len(crashes)}")
    for what, detail, keep in crashes:
        print(f"  {what}: {detail} (input kept: {keep})")
    print("slowest:")
    for seconds, what in sorted(slowest, reverse=True)[:5]:
        print(f"  {seconds:6.2f} s  {what}")


if __name__ == "__main__":
    main()
