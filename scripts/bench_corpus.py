"""Benchmark of ``budget-extract run``: documents/s, pages/s and peak memory with 1 and 2 workers,
next to a bare pdfplumber pass (``extract_tables()`` on every page) over the same PDFs, in the
same process and on the same machine state.

Each run is ``budget-extract run`` in a fresh process, timed alone; memory comes from a second,
untimed run of the same (sampling slows what it samples). Memory is shown two ways. "peak RSS" is
each document's own process (from the manifest); it counts the pages a document's fork shares
with its pool worker (the imported modules) in full. "run's peak Σ PSS" samples, every 50 ms,
the proportional set size (Linux ``/proc/PID/smaps_rollup``) of the run's processes — the
parent, its pool workers and their document forks — and sums it, so shared pages count once:
what the run really costs the machine, and (after the slash) what its workers cost.

The corpus is built from the samples (examples/ and, when present, ../shared/corpus/putuo/):
text renderings with their cents perturbed (so every copy is a distinct document with its own
arithmetic findings) and PDF copies made distinct by a trailing comment (readers ignore it; the
run's duplicate detection does not). Usage:

    python scripts/bench_corpus.py [--docs 200] [--pdf-share 0.15] [--workers 1 2] [--repeat 1]
                                   [--bytecode cached|source] [--keep DIR] [--no-memory]

With ``--repeat N`` the worker counts take turns N times (the order flips each round, so a
noisy machine slows each alike); each round is printed, then the median wall time per worker
count and, for every count, its speed-up over the first: the ratio of the medians and the range
of the rounds' own ratios. ``--bytecode``: see ``bench_env.py`` (default ``cached``, as an
installed package runs).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# The sibling script (run as `python scripts/bench_corpus.py`, scripts/ is on sys.path).
from bench_env import MODES, child_env, describe, warm
from bench_pdf import DEFAULT as PDFS
from bench_pdf import ROOT, bare_tables

TEXTS = sorted((ROOT / "examples").glob("*.txt"))
_CENTS = re.compile(r"(\d+\.)(\d\d)\b")


def build_corpus(folder: Path, docs: int, pdf_share: float, seed: int = 0) -> None:
    rng = random.Random(seed)
    n_pdf = round(docs * pdf_share)
    for i in range(n_pdf):
        src = PDFS[i % len(PDFS)]
        dst = folder / f"pdf_{i:04d}_{src.stem[:24]}.pdf"
        shutil.copy(src, dst)
        with dst.open("ab") as fh:
            fh.write(f"\n% bench copy {i}\n".encode())
    for i in range(docs - n_pdf):
        src = TEXTS[i % len(TEXTS)]
        text = _CENTS.sub(lambda m: m.group(1) + f"{rng.randrange(100):02d}", src.read_text(encoding="utf-8"))
        (folder / f"txt_{i:04d}_{src.stem[:24]}.txt").write_text(text, encoding="utf-8")


def _descendants(root: int) -> list[int]:
    """Every process under ``root`` (from each process's parent id in /proc/PID/stat)."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parent[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
    out, frontier = [], [root]
    while frontier:
        kids = [pid for pid, ppid in parent.items() if ppid in frontier]
        out += kids
        frontier = kids
    return out


def _pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class PssSampler:
    """The peaks, over the samples, of Σ PSS of process ``root`` with its descendants (``peak``)
    and of its descendants alone (``workers``: the pool workers and their document forks)."""

    def __init__(self, root: int, every_s: float = 0.05) -> None:
        self.root, self.peak, self.workers = root, 0.0, 0.0
        self._every, self._stop = every_s, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            workers = sum(map(_pss_mb, _descendants(self.root)))
            self.workers = max(self.workers, workers)
            self.peak = max(self.peak, workers + _pss_mb(self.root))

    def __enter__(self) -> PssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _wait(proc: subprocess.Popen) -> None:
    if proc.wait():
        raise SystemExit(f"budget-extract run failed ({proc.returncode}): {' '.join(map(str, proc.args))}")


def bare_pass(pdfs: list[Path]) -> tuple[float, int]:
    start = time.perf_counter()
    pages = sum(bare_tables(path) for path in pdfs)
    return time.perf_counter() - start, pages


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--pdf-share", type=float, default=0.15, help="share of PDFs among the documents")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--keep", type=Path, help="build the corpus and runs here (default: a temp dir)")
    ap.add_argument("--progress", action="store_true")
    ap.add_argument("--no-memory", dest="memory", action="store_false", help="skip the sampled memory runs")
    ap.add_argument("--repeat", type=int, default=1, help="rounds of all worker counts, taking turns")
    ap.add_argument("--bytecode", choices=MODES, default="cached", help="see bench_env.py")
    args = ap.parse_args()
    if args.repeat < 1 or len(set(args.workers)) != len(args.workers):
        ap.error("--repeat must be at least 1 and the worker counts distinct")
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench_corpus_"))
    corpus = base / "corpus"
    corpus.mkdir(parents=True)
    build_corpus(corpus, args.docs, args.pdf_share)
    pdfs = sorted(corpus.glob("*.pdf"))
    env = child_env(args.bytecode, base / "pycache")
    warm(env)
    # An untimed run over two of the documents, with the most workers: what a run imports, the
    # file cache, the bytecode (in cached mode) are then there for the first timed run as for the rest.
    sample = base / "warm"
    sample.mkdir()
    for f in [*pdfs[:1], *sorted(corpus.glob("*.txt"))[:1]]:
        shutil.copy(f, sample / f.name)
    command = [sys.executable, "-m", "extractor", "run", str(sample), "--workers", str(max(args.workers))]
    _wait(
        subprocess.Popen(
            [*command, "--llm", "off", "-q", "--no-progress", "--out", str(base / "warm_run")], env=env
        )
    )
    print(
        f"corpus: {args.docs} documents ({len(pdfs)} PDFs from {len(PDFS)} samples, text the rest) in {base}"
    )
    print(f"processes: {describe(args.bytecode)}")

    bare_s, bare_pages = bare_pass(pdfs)
    print(f"bare pdfplumber extract_tables(), 1 process: {bare_pages} pages in {bare_s:.1f} s")
    print(
        f"{'round':>5} {'workers':>7} {'wall s':>7} {'docs/s':>7} {'pages/s':>8} {'ok':>4} "
        f"{'peak RSS MB max/median':>23} {'peak ΣPSS MB run/workers':>25} {'Σ PDF doc s / bare s':>21} "
        f"{'wall / bare':>11}"
    )
    walls: dict[int, list[float]] = {w: [] for w in args.workers}
    for round_no in range(args.repeat):
        order = args.workers if round_no % 2 == 0 else list(reversed(args.workers))
        for workers in order:
            walls[workers].append(_one_run(args, base, corpus, env, workers, bare_s, round_no))
    first = args.workers[0]
    print(
        "\nmedian wall s: " + ", ".join(f"{w} worker(s) {statistics.median(v):.2f}" for w, v in walls.items())
    )
    for workers in args.workers[1:]:
        rounds = [a / b for a, b in zip(walls[first], walls[workers], strict=True)]
        print(
            f"speed-up of {workers} workers over {first}: {statistics.median(walls[first]) / statistics.median(walls[workers]):.2f}× "
            f"(ratio of medians; rounds {min(rounds):.2f}–{max(rounds):.2f}×)"
        )
    if not args.keep:
        shutil.rmtree(base)


def _one_run(
    args: argparse.Namespace,
    base: Path,
    corpus: Path,
    env: dict[str, str],
    workers: int,
    bare_s: float,
    round_no: int,
) -> float:
    """One timed ``budget-extract run`` (then, with memory on, a sampled one); prints its row."""
    command = [
        sys.executable,
        "-m",
        "extractor",
        "run",
        str(corpus),
        "--workers",
        str(workers),
        "--llm",
        "off",
    ]
    command += ["-q"] + ([] if args.progress else ["--no-progress"])
    run_dir = base / f"run_w{workers}_r{round_no}"
    start = time.perf_counter()
    _wait(subprocess.Popen([*command, "--out", str(run_dir)], env=env))
    wall = time.perf_counter() - start
    # Memory in a second run: reading smaps_rollup every 50 ms slows the processes it reads
    # (by a quarter of a 2-worker run's wall time, measured), so it never shares a timed run;
    # once per worker count (the first round).
    memory = "not measured"
    if args.memory and round_no == 0:
        proc = subprocess.Popen([*command, "--out", str(base / f"mem_w{workers}_r{round_no}")], env=env)
        with PssSampler(proc.pid) as pss:
            _wait(proc)
        memory = f"{pss.peak:.0f} / {pss.workers:.0f}"
    m = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    docs = m["documents"]
    ok = [d for d in docs if d["status"].startswith("ok")]
    pdf_s = sum(d["seconds"] for d in docs if d["relpath"].endswith(".pdf"))
    rss = [d["peak_rss_mb"] for d in docs if d.get("peak_rss_mb")]
    pages = m["totals"]["pages"]
    print(
        f"{round_no + 1:5d} {workers:7d} {wall:7.1f} {len(docs) / wall:7.2f} {pages / wall:8.1f} {len(ok):4d} "
        f"{max(rss):11.0f} / {statistics.median(rss):<9.0f} {memory:>25} "
        f"{pdf_s / bare_s:21.2f} {wall / bare_s:11.2f}",
        flush=True,
    )
    return wall


if __name__ == "__main__":
    main()
