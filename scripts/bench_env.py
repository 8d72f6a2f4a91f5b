"""The environment of the processes a benchmark starts: with or without cached bytecode.

An installed package runs from bytecode pip compiled at install time; this project's machines set
``PYTHONDONTWRITEBYTECODE=1``, so a process started here compiles every module of the project
from source again: ~0.45 s of the ~0.8 s start-up of ``budget-extract``, measured, and once more
in each pool worker it spawns. ``cached`` (the default of the benchmarks) lets the processes
write and reuse bytecode in a private directory (``PYTHONPYCACHEPREFIX``; the source tree stays
clean), as an installed package runs; ``source`` keeps the inherited setting.

Under ``PYTHONPYCACHEPREFIX`` Python looks for bytecode only in that directory, so the first
process compiles every module it imports (standard library and site-packages too) into it: the
benchmarks run warm-up processes first (``warm``, and untimed rounds), so no timed run pays that.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MODES = ("cached", "source")
WARM = (
    "import extractor.cli, extractor.corpus.run, extractor.corpus.worker, pyarrow.parquet, duckdb, runpy, "
    "concurrent.futures.process, multiprocessing.spawn, multiprocessing.popen_fork, "
    "multiprocessing.popen_spawn_posix, multiprocessing.resource_tracker, multiprocessing.synchronize"
)


def child_env(mode: str, cache_dir: Path) -> dict[str, str]:
    """The environment for the benchmark's child processes in ``mode``."""
    env = dict(os.environ)
    if mode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache_dir)
    return env


def warm(env: dict[str, str]) -> None:
    """Compile (and so cache, in ``cached`` mode) the modules the timed processes import; a
    benchmark's own untimed run catches any this list misses."""
    subprocess.run([sys.executable, "-c", WARM], env=env, check=True)


def describe(mode: str) -> str:
    if mode == "cached":
        return "bytecode cached in a private PYTHONPYCACHEPREFIX, as an installed package runs"
    return (
        f"bytecode as inherited (PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r})"
    )
