"""Two runs on one run directory, and a run killed while it writes Parquet or DuckDB."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import textwrap
import time

import pytest

from extractor.corpus import RunSettings, run_corpus
from extractor.corpus.run import RunError, run_lock
from extractor.export import TIDY_TABLES
from tests.conftest import ROOT, text_corpus

duckdb = pytest.importorskip("duckdb")
pq = pytest.importorskip("pyarrow.parquet")


def test_a_second_run_on_a_locked_directory_is_refused(tmp_path):
    src = text_corpus(tmp_path / "in", 2)
    out = tmp_path / "run"
    with run_lock(out), pytest.raises(RunError, match=r"is in use by another budget-extract run"):
        run_corpus(RunSettings(src, out, workers=1, progress=False))
    assert not (out / "journal.jsonl").exists()  # the refused run wrote nothing
    manifest = run_corpus(RunSettings(src, out, workers=1, progress=False))  # the lock is free again
    assert manifest["totals"]["ok"] == 2


def test_two_run_processes_on_one_directory(tmp_path):
    src = text_corpus(tmp_path / "in", 12)
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "extractor", "run", str(src), "--out", str(out), "--llm", "off", "--workers", "1"]
    first = subprocess.Popen([*cmd, "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out / "journal.jsonl").exists():
        time.sleep(0.05)
    assert first.poll() is None, "the first run ended before the second could start"
    second = subprocess.run([*cmd, "--quiet"], capture_output=True, text=True, check=False)
    assert second.returncode == 2
    assert f"budget-extract run: {out} is in use by another budget-extract run" in second.stderr
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["totals"]["ok"] == 12 and len(manifest["sessions"]) == 1
    lines = (out / "journal.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(x)["relpath"] for x in lines) == sorted(f"dept_{i:03d}.txt" for i in range(12))


# A run in a subprocess that SIGKILLs itself in the middle of writing the outputs: halfway through
# the third Parquet file, or between two CREATE TABLEs of the DuckDB file.
KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import duckdb
    from extractor.corpus import RunSettings, run_corpus

    import pyarrow.parquet as pq

    where = sys.argv[3]
    written = {"parquet": 0, "tables": 0}
    real_write_table = pq.write_table

    def write_table(table, where_to, *a, **k):
        real_write_table(table, where_to, *a, **k)
        written["parquet"] += 1
        if where == "parquet" and written["parquet"] == 3:  # half the third file is on disk
            size = os.path.getsize(where_to)
            os.truncate(where_to, size // 2)
            os.kill(os.getpid(), signal.SIGKILL)

    real_connect = duckdb.connect

    class Connection:
        def __init__(self, con):
            self.con = con
        def __getattr__(self, name):
            return getattr(self.con, name)
        def execute(self, sql, *a):
            out = self.con.execute(sql, *a)
            if sql.startswith("CREATE TABLE"):
                written["tables"] += 1
                if where == "duckdb" and written["tables"] == 2:
                    os.kill(os.getpid(), signal.SIGKILL)
            return out

    pq.write_table = write_table
    duckdb.connect = lambda *a, **k: Connection(real_connect(*a, **k))
    run_corpus(RunSettings(Path(sys.argv[1]), Path(sys.argv[2]), workers=1, progress=False))
    """
)


@pytest.mark.parametrize("where", ["parquet", "duckdb"])
def test_a_run_killed_while_writing_outputs_resumes_to_a_correct_database(tmp_path, where):
    src = text_corpus(tmp_path / "in", 3)
    out = tmp_path / "run"
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(src), str(out), where], capture_output=True, text=True, cwd=ROOT
    )
    assert killed.returncode == -9, killed.stderr  # it died where asked
    assert not (out / "corpus.duckdb").exists()  # the half-built database never took the real name
    assert list(out.rglob(".*.tmp*"))  # ... it is left beside it, as a kill leaves it
    manifest = run_corpus(RunSettings(src, out, workers=1, progress=False))
    assert manifest["status"] == "finished" and manifest["totals"]["ok"] == 3
    assert len(manifest["sessions"]) == 1  # every document was journaled before the kill: none redone
    assert not list(out.rglob(".*.tmp*"))
    con = duckdb.connect(str(out / "corpus.duckdb"), read_only=True)
    try:
        for name in TIDY_TABLES:
            with (out / "tables" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
                n_csv = sum(1 for _ in csv.DictReader(fh))
            n_db = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            assert n_db == n_csv == pq.read_table(out / "tables" / f"{name}.parquet").num_rows
            assert n_db == manifest["outputs"]["tables"][name]
        assert con.execute("SELECT count(*) FROM run_documents").fetchone()[0] == 3
        totals = con.execute("SELECT count(*) FROM v_totals").fetchone()[0]
        assert totals == 3
    finally:
        con.close()


def _wait_killed(ready) -> None:
    ready.set()
    time.sleep(30)


def test_a_fork_of_the_run_does_not_hold_its_lock(tmp_path):
    """Pool workers are forks of the run: one left behind by a killed run must not keep the run
    directory locked (a fork shares the lock's open file, and the lock holds while it is open)."""
    import multiprocessing

    out = tmp_path / "run"
    ctx = multiprocessing.get_context("fork")
    ready = ctx.Event()
    with run_lock(out):
        survivor = ctx.Process(target=_wait_killed, args=(ready,), daemon=True)
        survivor.start()
        assert ready.wait(30)  # the fork is running: past its at-fork handlers
    try:
        with run_lock(out):  # the run is gone, its fork lives on: the directory is free
            pass
    finally:
        survivor.kill()
        survivor.join()
