"""Benchmark: our full extraction of one PDF beside a peer's analysis of it, each in a fresh process.

For every PDF, ``--warmup`` untimed rounds, then ``--repeat`` rounds of our full extraction
(``budget-extract extract PDF --out TMP -q --llm off``, rules only as the peer runs with its AI
off; run as ``extractor.cli.console_main``, the console script's entry point, in a fresh
``python -c`` so that it can also time its own work) and of the peer's command, the two taking turns at going first so that a noisy machine
slows both alike. Prints per PDF and in total the median and min–max wall seconds of each
(process start to exit) and the ratio ours/peer; then the same for the in-process work alone,
where both commands print ``work_s=<seconds>`` (or JSON ``"work_s": <seconds>``) on stdout (ours
times ``main()`` after importing the CLI). A command that fails stops the run with its output.

Default PDFs, five real documents from ../shared/corpus: Putuo 司法局 2026 预算, 万里街道 2024
预算 and 财政局 2024 决算; the Jiangsu 省委办公厅 2017 and 2018 table volumes.

The peer, GovBudgetChecker (github.com/zxj6827111-blip/GovBudgetChecker, pdfplumber-based), is
set up outside this repository; none of its code belongs here:

1. Copy its ``src/services/__init__.py``, ``src/services/pdf_parse_process.py`` and
   ``src/services/pdf_page_extract.py`` unchanged to ``/tmp/peer/src/services/`` (there is no
   ``src/__init__.py``: ``src`` is a namespace package).
2. ``python3 -m venv /tmp/peer/.venv && /tmp/peer/.venv/bin/pip install 'pdfplumber>=0.11.0'``
   (its requirements.txt leaves the version open).
3. Write a driver ``/tmp/peer/run_one.py`` that puts /tmp/peer on ``sys.path`` and makes the call
   its job pipeline (``_run_pipeline_inner`` in api/main.py) makes with parse isolation on, its
   production default: ``asyncio.run(parse_pdf_in_process(Path(pdf), resolve_limits()))`` (a
   forked child reads every page with pdfplumber: its visible text and its tables' cells, by the
   lines strategy or else the default one); time that call and print ``"work_s"`` with a
   summary of what it read (pages, tables, cells), to see that it really parsed the document.
4. ``python scripts/bench_peer.py --peer-cmd "/tmp/peer/.venv/bin/python /tmp/peer/run_one.py {pdf}"``

What that measures of the peer is its PDF reading stage: its rules (``build_document`` and the
rule sets of src/engine/) run after it in the same job and are not in the figure, so the peer's
whole analysis costs more than its column shows.

Both commands run with the same environment: ``--bytecode cached`` (the default) lets them
write and reuse bytecode in a private directory, as installed packages run; ``source`` keeps this
machine's ``PYTHONDONTWRITEBYTECODE=1``, under which every start compiles this project's modules
again (see ``bench_env.py``).

Usage: python scripts/bench_peer.py --peer-cmd TEMPLATE [PDF ...] [--repeat N] [--warmup N]
                                    [--bytecode cached|source]
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# The sibling scripts (run as `python scripts/bench_peer.py`, scripts/ is on sys.path).
from bench_env import MODES, child_env, describe, warm
from bench_pdf import pages_of

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT = [
    CORPUS / "putuo" / "putuo_justice_bureau_2026_department_budget.pdf",
    CORPUS / "putuo" / "putuo_wanli_subdistrict_2024_department_budget.pdf",
    CORPUS / "putuo" / "putuo_finance_bureau_2024_department_final_accounts.pdf",
    CORPUS / "jiangsu" / "js_swbgt_2017_budget_tables.pdf",
    CORPUS / "jiangsu" / "js_swbgt_2018_budget_tables.pdf",
]

# Ours, as the console script runs it, with the work after the CLI's import timed.
OURS = (
    "import sys, time\n"
    "from extractor.cli import console_main\n"
    "t = time.perf_counter()\n"
    "rc = console_main(['extract', sys.argv[1], '--out', sys.argv[2], '-q', '--llm', 'off'])\n"
    "print(f'work_s={time.perf_counter() - t:.6f}')\n"
    "sys.exit(rc)\n"
)
_WORK = re.compile(r'"?work_s"?\s*[=:]\s*([0-9]+(?:\.[0-9]+)?)')


@dataclass
class Times:
    wall: list[float] = field(default_factory=list)
    work: list[float] = field(default_factory=list)


ENV: dict[str, str] = {}  # the children's environment (main sets it from --bytecode)


def run(cmd: list[str]) -> tuple[float, float | None]:
    """Wall seconds of one fresh process, and the work seconds it printed (if any)."""
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=ENV or None)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {shlex.join(cmd)}\n{done.stdout}\n{done.stderr}")
    found = _WORK.findall(done.stdout)
    return wall, float(found[-1]) if found else None


def ours(pdf: Path) -> tuple[float, float | None]:
    out = Path(tempfile.mkdtemp(prefix="bench_peer_"))
    try:
        return run([sys.executable, "-c", OURS, str(pdf), str(out / "out")])
    finally:
        shutil.rmtree(out, ignore_errors=True)


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):7.3f} [{min(values):.3f}–{max(values):.3f}]"


def report(
    label: str, pdfs: list[Path], pages: list[int], mine: list[list[float]], peer: list[list[float]]
) -> None:
    print(f"\n{label}: seconds per document, median [min–max], and ours/peer (ratio of medians)")
    print(f"{'file':52} {'pages':>5} {'ours':>22} {'peer':>22} {'ratio':>6}")
    for path, n, a, b in zip(pdfs, pages, mine, peer, strict=True):
        ratio = statistics.median(a) / statistics.median(b)
        print(f"{path.name[:52]:52} {n:5d} {spread(a):>22} {spread(b):>22} {ratio:6.2f}")
    tot_a = sum(statistics.median(a) for a in mine)
    tot_b = sum(statistics.median(b) for b in peer)
    ratios = [statistics.median(a) / statistics.median(b) for a, b in zip(mine, peer, strict=True)]
    print(
        f"total ({len(pdfs)} PDFs, {sum(pages)} pages, sum of medians): ours {tot_a:.3f} s, "
        f"peer {tot_b:.3f} s, ours/peer {tot_a / tot_b:.2f} (per PDF {min(ratios):.2f}–{max(ratios):.2f})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--peer-cmd", required=True, help="command template with {pdf}, run by a fresh process")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1, help="untimed rounds per PDF (file cache, imports)")
    ap.add_argument("--bytecode", choices=MODES, default="cached", help="see bench_env.py")
    args = ap.parse_args()
    if args.repeat < 1 or args.warmup < 1 and args.bytecode == "cached":
        ap.error("--repeat must be at least 1, and --warmup at least 1 with --bytecode cached")
    pdfs = args.pdfs or DEFAULT
    cache = Path(tempfile.mkdtemp(prefix="bench_peer_pycache_"))
    try:
        ENV.update(child_env(args.bytecode, cache))
        warm(ENV)
        _bench(args, pdfs)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _bench(args: argparse.Namespace, pdfs: list[Path]) -> None:
    def peer(pdf: Path) -> tuple[float, float | None]:
        return run(shlex.split(args.peer_cmd.format(pdf=shlex.quote(str(pdf)))))

    print(f"ours: {sys.executable} -c <extractor.cli.console_main: extract PDF --out TMP -q --llm off>")
    print(f"peer: {args.peer_cmd}")
    print(f"{args.repeat} alternating rounds per PDF after {args.warmup} untimed; {describe(args.bytecode)}")
    pages = [pages_of(p) for p in pdfs]
    results: list[tuple[Times, Times]] = []
    for pdf in pdfs:
        for _ in range(args.warmup):
            ours(pdf)
            peer(pdf)
        mine, theirs = Times(), Times()
        for i in range(args.repeat):
            order = [(ours, mine), (peer, theirs)]
            for fn, times in order if i % 2 == 0 else reversed(order):
                wall, work = fn(pdf)
                times.wall.append(wall)
                if work is not None:
                    times.work.append(work)
        results.append((mine, theirs))

    report(
        "whole process (start to exit)",
        pdfs,
        pages,
        [m.wall for m, _ in results],
        [t.wall for _, t in results],
    )
    if all(len(m.work) == len(t.work) == args.repeat for m, t in results):
        report(
            "in-process work only (as each command timed it)",
            pdfs,
            pages,
            [m.work for m, _ in results],
            [t.work for _, t in results],
        )
    else:
        print("\n(in-process work not reported: a command printed no work_s)")


if __name__ == "__main__":
    main()
