"""Corpus runs (``budget-extract run``): statuses, manifest, outputs, views, resume, rerun, limits."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from extractor import extract
from extractor.corpus import RunSettings, run_corpus
from extractor.corpus.journal import Journal
from extractor.corpus.run import RunError
from extractor.export import TIDY_TABLES, document_json, tidy_columns, write_csv
from extractor.limits import MAX_BYTES
from schemas import BudgetDocument
from tests.badfiles import encrypted_pdf, image_only_pdf, long_pdf
from tests.conftest import EXAMPLES, GOLD, SEEDS, text_corpus

duckdb = pytest.importorskip("duckdb")
pq = pytest.importorskip("pyarrow.parquet")

# The README's example queries, verbatim: they must keep working.
README_QUERIES = {
    "totals": "SELECT doc_id, department, year, income_total_wan, expenditure_total_wan "
    "FROM v_totals ORDER BY department, year, doc_id",
    "function": "SELECT code, function_class, total_wan, basic_wan, project_wan FROM v_spending_by_function "
    "WHERE doc_id = '001_6d2149f5b3f07333-pdf' ORDER BY code",
    "findings": 'SELECT "check", severity, findings, documents FROM v_findings_by_check ORDER BY findings DESC',
}


def _gold_cell(seed: str, table_no: str, label: str, column: str) -> Decimal:
    gold = json.loads((GOLD / seed / "tables.json").read_text(encoding="utf-8"))
    table = next(t for t in gold["tables"] if t["table_no"] == table_no)
    return Decimal(next(c["value"] for c in table["cells"] if c["label"] == label and c["column"] == column))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, Path, dict]:
    """The two seeds as PDF and text, an identical copy, and every kind of bad file; one run."""
    src = tmp_path_factory.mktemp("corpus")
    for f in EXAMPLES.iterdir():
        shutil.copy(f, src / f.name)
    (src / "again").mkdir()
    shutil.copy(EXAMPLES / f"{SEEDS[1]}.txt", src / "again" / "copy.txt")
    (src / "garbage.pdf").write_bytes(b"garbage")
    (src / "empty.pdf").write_bytes(b"")
    image_only_pdf(src / "scan.pdf")
    encrypted_pdf(src / "locked.pdf")
    long_pdf(src / "huge.pdf", pages=60)
    (src / "poem.txt").write_text("床前明月光，疑是地上霜。\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("run") / "run"
    manifest = run_corpus(RunSettings(src, out, workers=2, max_pages=50, timeout_s=120, progress=False))
    return src, out, manifest


def _by_path(manifest: dict) -> dict[str, dict]:
    return {e["relpath"]: e for e in manifest["documents"]}


def test_statuses_and_reasons(corpus):
    _, out, manifest = corpus
    docs = _by_path(manifest)
    expected = {
        f"{SEEDS[0]}.pdf": ("ok_with_findings", None),  # implausible_magnitude warnings
        f"{SEEDS[0]}.txt": ("ok_with_findings", None),
        f"{SEEDS[1]}.pdf": ("ok", None),  # rounding findings only
        f"{SEEDS[1]}.txt": ("ok", None),
        "again/copy.txt": ("skipped", f"duplicate of {SEEDS[1]}.txt"),
        "garbage.pdf": ("failed", "not a PDF"),
        "empty.pdf": ("failed", "empty file"),
        "scan.pdf": ("failed", "no text layer"),
        "locked.pdf": ("failed", "encrypted"),
        "poem.txt": ("failed", "not a budget disclosure"),
        "huge.pdf": ("skipped", "too many pages (60 > limit 50)"),
    }
    assert {p: docs[p]["status"] for p in docs} == {p: s for p, (s, _) in expected.items()}
    for path, (_, reason) in expected.items():
        if reason:
            assert reason in docs[path]["reason"], (path, docs[path]["reason"])
    assert docs["again/copy.txt"]["duplicate_of"] == f"{SEEDS[1]}-txt"
    assert docs["again/copy.txt"]["sha256"] == docs[f"{SEEDS[1]}.txt"]["sha256"]
    written = sorted(p.stem for p in (out / "docs").glob("*.json"))
    assert written == sorted(docs[p]["doc_id"] for p in docs if docs[p]["status"].startswith("ok"))


def test_manifest_content(corpus):
    from pypdf import PdfReader

    _, out, manifest = corpus
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert manifest["status"] == "finished"
    assert manifest["settings"] == {"max_pages": 50, "max_bytes": MAX_BYTES, "timeout_s": 120, "llm": "off"}
    assert manifest["config"]["workers"] == 2 and manifest["config"]["executor"] == "process"
    for pkg in ("python", "pdfplumber", "pydantic", "pyarrow", "duckdb"):
        assert manifest["versions"][pkg]
    assert manifest["started_at"] <= manifest["finished_at"]
    assert len(manifest["sessions"]) == 1 and manifest["sessions"][0]["documents"] == 10  # 11 − duplicate
    assert manifest["prompt_versions"] == {}  # the LLM layer was off
    assert manifest["model"] is None
    t = manifest["totals"]
    assert (t["documents"], t["ok"], t["ok_with_findings"], t["failed"], t["skipped"]) == (11, 2, 2, 5, 2)
    # pages of the extracted PDFs, as the files have them
    assert t["pages"] == sum(len(PdfReader(EXAMPLES / f"{s}.pdf").pages) for s in SEEDS)
    assert t["llm_calls"] == t["llm_cache_hits"] == t["llm_prompt_tokens"] == 0
    pdf = _by_path(manifest)[f"{SEEDS[0]}.pdf"]
    assert pdf["pages"] == len(PdfReader(EXAMPLES / f"{SEEDS[0]}.pdf").pages)
    assert pdf["seconds"] > 0 and pdf["peak_rss_mb"] > 10 and pdf["finished_at"]
    assert pdf["department"] == "克孜勒苏柯尔克孜自治州医疗保障局" and pdf["year"] == 2026
    assert sum(e.get("facts", 0) for e in manifest["documents"]) == manifest["outputs"]["tables"]["facts"]


def test_tables_csv_parquet(corpus):
    _, out, manifest = corpus
    for name in TIDY_TABLES:
        with (out / "tables" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            csv_rows = list(csv.DictReader(fh))
        parquet = pq.read_table(out / "tables" / f"{name}.parquet")
        assert len(csv_rows) == parquet.num_rows == manifest["outputs"]["tables"][name]
        assert parquet.column_names == tidy_columns(name)
    facts = pq.read_table(out / "tables" / "facts.parquet")
    assert str(facts.schema.field("value").type) == "decimal128(38, 6)"
    csv_text = (out / "tables" / "facts.csv").read_text(encoding="utf-8")
    assert ",996.43,万元,996.43," in csv_text  # exact Decimal strings, as printed


def test_duckdb_views_answer_from_gold(corpus):
    _, out, manifest = corpus
    con = duckdb.connect(str(out / "corpus.duckdb"), read_only=True)
    try:
        totals = {r[0]: r[1:] for r in con.execute(README_QUERIES["totals"]).fetchall()}
        assert len(totals) == 4  # the two seeds, each as PDF and as text
        for seed in SEEDS:
            total = _gold_cell(seed, "1", "收入总计", "amount")
            for suffix in ("pdf", "txt"):
                _, year, income, expenditure = totals[f"{seed}-{suffix}"]
                assert year == 2026 and income == expenditure == total
        assert _gold_cell(SEEDS[0], "1", "收入总计", "amount") == Decimal("996.43")  # as printed
        health = con.execute(README_QUERIES["function"]).fetchall()
        assert [r[0] for r in health] == ["208", "210", "221"]
        assert health[1][2:] == tuple(
            _gold_cell(SEEDS[0], "3", "卫生健康支出", col) for col in ("total", "basic", "project")
        )
        by_check = con.execute(README_QUERIES["findings"]).fetchall()
        per_doc = sum(sum(e["findings"].values()) for e in manifest["documents"] if "findings" in e)
        assert sum(r[2] for r in by_check) == per_doc == manifest["outputs"]["tables"]["findings"]
        reasons = con.execute("SELECT sum(reasons) FROM v_reasons_by_category").fetchone()[0]
        assert reasons == manifest["outputs"]["tables"]["reasons"] > 0  # the narrative stage's 主要原因
        status = dict(con.execute("SELECT status, sum(documents) FROM v_run_status GROUP BY 1").fetchall())
        assert status == {"ok": 2, "ok_with_findings": 2, "failed": 5, "skipped": 2}
        # Label-free coverage per document and in the run totals: every seed number reached facts.
        coverage = con.execute("SELECT doc_id, amounts_printed, amounts_captured, coverage FROM v_coverage").fetchall()
        assert {r[0] for r in coverage} == set(totals)
        assert all(r[1] == r[2] > 0 and r[3] == 1.0 for r in coverage)
        t = manifest["totals"]
        assert t["amounts_printed"] == sum(r[1] for r in coverage) and t["coverage"] == 1.0
    finally:
        con.close()


def _assert_tables_are_all_rows(out: Path, manifest: dict) -> None:
    """Each tables/<name>.csv is the CSV ``write_csv`` writes of every document's rows, read back
    from the run's JSON, in doc_id order (the workers make each document's CSV lines, the run
    joins them; documents of earlier sessions get theirs from their JSON)."""
    ok = sorted(e["doc_id"] for e in manifest["documents"] if e["status"].startswith("ok"))
    docs = [BudgetDocument.model_validate_json((out / "docs" / f"{d}.json").read_text(encoding="utf-8")) for d in ok]
    for name, rows_of in TIDY_TABLES.items():
        expected = out / f"{name}.expected.csv"
        n = write_csv(expected, tidy_columns(name), [r for doc in docs for r in rows_of(doc)])
        assert (out / "tables" / f"{name}.csv").read_bytes() == expected.read_bytes(), name
        assert n == manifest["outputs"]["tables"][name]
        expected.unlink()


def test_run_tables_are_the_csvs_of_all_rows_in_doc_id_order(corpus):
    _, out, manifest = corpus
    _assert_tables_are_all_rows(out, manifest)
    assert manifest["outputs"]["tables"]["facts"] > 0 and manifest["outputs"]["tables"]["reasons"] > 0


def test_pool_workers_freeze_their_objects_before_forking_documents():
    """A document's child must not copy its pool worker's pages by walking its objects in a
    collection: the worker's initializer freezes them, and the child forked after sees them frozen."""
    code = (
        "import gc, multiprocessing\n"
        "from extractor.corpus.worker import prepare_pool_worker\n"
        "def report(conn):\n"
        "    conn.send(gc.get_freeze_count())\n"
        "assert gc.get_freeze_count() == 0\n"
        "prepare_pool_worker()\n"
        "ctx = multiprocessing.get_context('fork')\n"
        "receiver, sender = ctx.Pipe(duplex=False)\n"
        "child = ctx.Process(target=report, args=(sender,))\n"
        "child.start()\n"
        "print(receiver.recv())\n"
        "child.join()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(done.stdout) > 10_000  # the imported modules' objects, at least


def _snapshot(run_dir: Path) -> dict[str, tuple[int, str]]:
    return {
        str(p.relative_to(run_dir)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(run_dir.rglob("*"))
        if p.is_file()
    }


def test_rerun_of_finished_run_changes_nothing(corpus):
    src, out, manifest = corpus
    before = _snapshot(out)
    again = run_corpus(RunSettings(src, out, workers=2, max_pages=50, timeout_s=120, progress=False))
    assert again == manifest
    assert _snapshot(out) == before


def test_other_settings_refused(corpus):
    src, out, _ = corpus
    with pytest.raises(RunError, match="results would mix"):
        run_corpus(RunSettings(src, out, max_pages=400, timeout_s=120, progress=False))


def test_resume_after_kill(tmp_path):
    """Kill a running ``budget-extract run`` (the whole process group), start it again: every
    document ends up done exactly once."""
    n = 30
    src = text_corpus(tmp_path / "in", n)
    out = tmp_path / "run"
    journal = out / "journal.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "extractor",
        "run",
        str(src),
        "--out",
        str(out),
        "--no-progress",
        "--llm",
        "off",
    ]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if journal.exists() and journal.read_text(encoding="utf-8").count("\n") >= 3:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_at_kill = len(Journal(journal).read())
    assert 3 <= done_at_kill < n, proc.stderr.read().decode() if proc.stderr else ""

    manifest = run_corpus(RunSettings(src, out, workers=2, progress=False))
    lines = [json.loads(x) for x in journal.read_text(encoding="utf-8").splitlines() if x.startswith("{")]
    assert sorted(e["relpath"] for e in lines) == sorted(f"dept_{i:03d}.txt" for i in range(n))  # once each
    assert manifest["totals"]["ok"] == n and len(manifest["sessions"]) == 2
    assert manifest["sessions"][1]["documents"] == n - done_at_kill
    assert len(list((out / "docs").glob("*.json"))) == n
    assert not list(out.rglob(".*.tmp*"))
    assert manifest["outputs"]["tables"]["documents"] == n
    _assert_tables_are_all_rows(out, manifest)  # the first session's documents, from their JSON


def test_journal_ignores_a_torn_line(tmp_path):
    j = Journal(tmp_path / "journal.jsonl")
    j.append({"relpath": "a.txt", "status": "ok"})
    with j.path.open("a", encoding="utf-8") as fh:
        fh.write('{"relpath": "b.txt", "sta')  # killed mid-write
    assert list(j.read()) == ["a.txt"]
    j.append({"relpath": "c.txt", "status": "failed"})
    assert list(j.read()) == ["a.txt", "c.txt"]


def test_time_limit_kills_the_document_and_the_run_goes_on(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    for _ in range(10):  # 370 pages (the page limit is 400): seconds over the time limit
        writer.append(str(EXAMPLES / f"{SEEDS[0]}.pdf"))
    writer.write(src / "slow.pdf")
    shutil.copy(EXAMPLES / f"{SEEDS[1]}.txt", src / "fast.txt")
    manifest = run_corpus(RunSettings(src, tmp_path / "run", workers=2, timeout_s=3.0, progress=False))
    docs = _by_path(manifest)
    assert docs["slow.pdf"]["status"] == "skipped"
    assert docs["slow.pdf"]["reason"] == "timeout (> 3 s)"
    assert docs["slow.pdf"]["seconds"] < 6  # stopped at the limit, not after the whole extraction
    assert docs["fast.txt"]["status"] == "ok"
    assert not (tmp_path / "run" / "docs" / "slow.json").exists()


def test_ray_executor_gives_the_same_documents(tmp_path):
    pytest.importorskip("ray")
    src = text_corpus(tmp_path / "in", 2)
    manifest = run_corpus(RunSettings(src, tmp_path / "run", workers=2, executor="ray", progress=False))
    assert manifest["totals"]["ok"] == 2 and manifest["config"]["executor"] == "ray"
    for e in manifest["documents"]:
        written = (tmp_path / "run" / "docs" / f"{e['doc_id']}.json").read_text(encoding="utf-8")
        assert written == document_json(extract(src / e["relpath"], doc_id=e["doc_id"]))


def test_doc_ids_unique_and_stable():
    from extractor.corpus.discover import doc_id_for, doc_ids

    paths = ["001.pdf", "001.txt", "a/x.pdf", "a__x.pdf", "b/y.md", "c.PDF", "a_/b.pdf", "a/_b.pdf"]
    ids = doc_ids(paths)
    assert ids[:6] == ["001-pdf", "001-txt", "a__x-pdf", ids[3], "b__y-md", "c-PDF"]
    # the ambiguous joins get a hash of their path, never a number that depends on the others
    assert (
        ids[3].startswith("a__x-pdf-") and ids[6].startswith("a___b-pdf-") and ids[7].startswith("a___b-pdf-")
    )
    assert len(set(ids)) == len(ids)
    assert [doc_id_for(p) for p in reversed(paths)] == ids[::-1]  # each from its own path alone
    assert doc_ids(["a__x.pdf"]) == [ids[3]]


def test_adding_a_sibling_renames_nothing(tmp_path, monkeypatch):
    from extractor.corpus.discover import discover

    src = text_corpus(tmp_path / "in", 1)
    (src / "sub").mkdir()
    assert [f.doc_id for f in discover(src)] == ["dept_000-txt"]
    out = tmp_path / "run"
    _inline_executor(monkeypatch)
    run_corpus(RunSettings(src, out, progress=False))
    first = _snapshot(out / "docs")

    seed = (src / "dept_000.txt").read_text(encoding="utf-8")
    (src / "dept_000.md").write_text(seed + "\n附注：另一份\n", encoding="utf-8")  # a sibling rendering
    (src / "sub" / "dept_000.txt").write_text(seed + "\n附注：子目录\n", encoding="utf-8")
    assert [f.doc_id for f in discover(src)] == ["dept_000-md", "dept_000-txt", "sub__dept_000-txt"]
    manifest = run_corpus(RunSettings(src, out, progress=False))
    assert manifest["sessions"][-1]["documents"] == 2  # only the new files
    assert {e["relpath"]: e["doc_id"] for e in manifest["documents"]}["dept_000.txt"] == "dept_000-txt"
    assert all(e["status"] == "ok" for e in manifest["documents"])
    assert _snapshot(out / "docs").items() >= first.items()  # the first document's JSON untouched


def test_journal_of_the_old_doc_id_scheme_refused(tmp_path):
    src = text_corpus(tmp_path / "in", 1)
    journal = Journal(tmp_path / "run" / "journal.jsonl")
    # before ids depended on the path alone, a file without a sibling was named by its stem
    journal.append({"relpath": "dept_000.txt", "doc_id": "dept_000", "sha256": "x", "status": "ok"})
    with pytest.raises(RunError, match="older budget-extract with another doc-id scheme.*'dept_000-txt'"):
        run_corpus(RunSettings(src, tmp_path / "run", progress=False))
    # nothing written but the (empty) lock file the refused run held
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [".lock", "journal.jsonl"]
    assert (tmp_path / "run" / ".lock").stat().st_size == 0


def _inline_executor(monkeypatch, die: tuple[str, ...] = ()) -> None:
    """Run the documents in this process (each in its forked, time-limited child as usual), no pool:
    fast, and the child can be made to die like an OOM-killed one (SIGKILL) for the files in ``die``."""
    import dataclasses

    from extractor.corpus import run as run_module
    from extractor.corpus import worker

    # This process forks the documents' children: no thread may be importing meanwhile.
    monkeypatch.setattr(run_module, "import_output_libraries", lambda: None)
    real_child = worker._child

    def child(task, conn):
        if Path(task.path).name in die:
            os.kill(os.getpid(), signal.SIGKILL)
        real_child(task, conn)

    def execute(executor, tasks, workers):
        for t in tasks:
            yield t, worker.run_document(dataclasses.replace(t, start_method="fork"))

    monkeypatch.setattr(worker, "_child", child)
    monkeypatch.setattr(run_module, "execute", execute)


def test_retry_failed_redoes_failed_documents_only(tmp_path, monkeypatch):
    src = text_corpus(tmp_path / "in", 2)
    (src / "garbage.pdf").write_bytes(b"garbage")
    out = tmp_path / "run"
    _inline_executor(monkeypatch, die=("dept_001.txt",))
    first = _by_path(run_corpus(RunSettings(src, out, progress=False)))
    died = first["dept_001.txt"]
    assert died["status"] == "failed"
    assert died["reason"].startswith("worker process died (exit code -9, SIGKILL)")
    assert "--retry failed" in died["reason"]
    assert first["garbage.pdf"]["status"] == "failed" and first["dept_000.txt"]["status"] == "ok"
    monkeypatch.undo()  # the cause is gone (memory freed); the real process pool from here on

    before = _snapshot(out)
    run_corpus(RunSettings(src, out, progress=False))
    assert _snapshot(out) == before  # not retried by default
    journal_before = (out / "journal.jsonl").read_text(encoding="utf-8")

    manifest = run_corpus(RunSettings(src, out, progress=False, retry=frozenset({"failed"})))
    docs = _by_path(manifest)
    assert docs["dept_001.txt"]["status"] == "ok" and docs["dept_001.txt"]["reason"] is None
    assert docs["garbage.pdf"]["status"] == "failed"  # done again, fails again
    assert docs["dept_000.txt"] == first["dept_000.txt"]
    assert manifest["sessions"][-1]["documents"] == 2 and manifest["sessions"][-1]["retry"] == ["failed"]
    assert (manifest["totals"]["ok"], manifest["totals"]["failed"]) == (2, 1)
    assert manifest["outputs"]["tables"]["documents"] == 2
    journal = (out / "journal.jsonl").read_text(encoding="utf-8")
    assert journal.startswith(journal_before)  # append-only; the latest line of a document wins
    added = [json.loads(x)["relpath"] for x in journal[len(journal_before) :].splitlines()]
    assert sorted(added) == ["dept_001.txt", "garbage.pdf"]
    after = _snapshot(out)
    assert after["docs/dept_000-txt.json"] == before["docs/dept_000-txt.json"]  # ok docs untouched
    assert "docs/dept_001-txt.json" in after

    run_corpus(RunSettings(src, out, progress=False))
    assert _snapshot(out) == after  # finished again: a plain rerun changes nothing


def test_retry_kinds():
    import argparse

    from extractor.corpus.cli import retry_kinds
    from extractor.corpus.run import retry_kind

    assert retry_kind({"status": "failed", "reason": "worker process died (exit code -9)"}) == "failed"
    assert retry_kind({"status": "skipped", "reason": "timeout (> 300 s)"}) == "timeout"
    assert retry_kind({"status": "skipped", "reason": "too many pages (60 > limit 50)"}) is None
    assert retry_kind({"status": "ok", "llm": {"status": "partial"}}) == "llm"
    assert retry_kind({"status": "ok_with_findings", "llm": {"status": "failed"}}) == "llm"
    assert retry_kind({"status": "ok", "llm": {"status": "ok"}}) is None
    assert retry_kind({"status": "ok", "llm": {"status": "off"}}) is None
    assert retry_kinds("failed, llm") == ["failed", "llm"] and retry_kinds("all") == ["all"]
    with pytest.raises(argparse.ArgumentTypeError, match="choose from failed, timeout, llm, all"):
        retry_kinds("died")
    with pytest.raises(RunError, match="unknown --retry"):
        run_corpus(RunSettings(Path("."), Path("unused"), retry=frozenset({"oops"})))


def test_retry_on_the_command_line(tmp_path, monkeypatch):
    import argparse

    from extractor.corpus import cli

    parser = argparse.ArgumentParser()
    cli.add_run_parser(parser.add_subparsers())
    seen = []

    def fake_run(settings):
        seen.append(settings.retry)
        raise RunError("stop here")

    monkeypatch.setattr(cli, "run_corpus", fake_run)
    for argv, retry in [
        ([], frozenset()),
        (["--retry", "failed,llm"], frozenset({"failed", "llm"})),
        (["--retry", "timeout", "--retry", "all"], frozenset({"timeout", "all"})),
    ]:
        args = parser.parse_args(["run", str(tmp_path), "--out", str(tmp_path / "r"), *argv])
        assert args.func(args) == 2 and seen[-1] == retry
    with pytest.raises(SystemExit):
        parser.parse_args(["run", str(tmp_path), "--out", "r", "--retry", "nope"])


def test_llm_settings_reach_the_workers_and_the_manifest(tmp_path, monkeypatch):
    """Offline with an empty cache: the LLM layer runs in the workers and can make no call."""
    from extractor.llm.config import LlmSettings

    src = text_corpus(tmp_path / "in", 1)
    settings = LlmSettings(
        base_url="http://127.0.0.1:9/v1",
        api_key="sk-secret",
        model="m-test",
        offline=True,
        cache_dir=tmp_path / "c",
    )
    manifest = run_corpus(RunSettings(src, tmp_path / "run", workers=1, llm=settings, progress=False))
    entry = manifest["documents"][0]
    assert entry["status"].startswith("ok") and entry["llm"]["status"] in ("partial", "failed")
    assert manifest["model"] == "m-test" and manifest["settings"]["llm"]["offline"] is True
    assert manifest["prompt_versions"]["change_reasons"] == "v3"
    assert manifest["totals"]["llm_calls"] == 0 and manifest["totals"]["llm_failures"] > 0
    assert "sk-secret" not in (tmp_path / "run" / "manifest.json").read_text(encoding="utf-8")

    # --retry llm redoes it (here in this process; still offline, so still partial)
    _inline_executor(monkeypatch)
    again = run_corpus(
        RunSettings(src, tmp_path / "run", workers=1, llm=settings, progress=False, retry=frozenset({"llm"}))
    )
    assert len(again["sessions"]) == 2 and again["sessions"][-1] == {
        **again["sessions"][-1],
        "retry": ["llm"],
    }
    assert again["documents"][0]["llm"]["status"] == entry["llm"]["status"]
    assert len((tmp_path / "run" / "journal.jsonl").read_text(encoding="utf-8").splitlines()) == 2
    # a retried document that now fails loses its earlier JSON: docs/ holds the ok documents only
    _inline_executor(monkeypatch, die=("dept_000.txt",))
    last = run_corpus(
        RunSettings(src, tmp_path / "run", workers=1, llm=settings, progress=False, retry=frozenset({"all"}))
    )
    assert last["documents"][0]["status"] == "failed" and last["totals"]["ok"] == 0
    assert not list((tmp_path / "run" / "docs").glob("*.json"))


def test_a_bug_in_the_rows_fails_that_document_before_anything_is_written(tmp_path, monkeypatch):
    from extractor.corpus import worker

    def broken(doc):
        raise ValueError("facts.csv: row has fields not in the columns: ['extra']")

    monkeypatch.setattr(worker, "document_tables", broken)
    src = text_corpus(tmp_path / "in", 1)
    task = worker.Task(
        path=str(next(src.iterdir())), doc_id="d", checklist_dir=str(tmp_path / "run"), json_dir=str(tmp_path / "docs")
    )
    outcome = worker.process_document(task)
    assert outcome.entry["status"] == "failed"
    assert outcome.entry["reason"] == "internal error: ValueError: facts.csv: row has fields not in the columns: ['extra']"
    assert outcome.tables is None and not (tmp_path / "run").exists() and not (tmp_path / "docs").exists()


def test_a_failure_while_the_tables_are_made_leaves_no_database(tmp_path, monkeypatch):
    """DuckDB builds its tables on a second thread as they are made: when making one fails, the
    error reaches the caller and neither a database nor a temporary file is left behind."""
    from extractor.corpus import outputs
    from extractor.export import document_tables

    made = outputs._arrow_table

    def fails_on_the_third(values, notes, name):
        if name == list(TIDY_TABLES)[2]:
            raise ValueError("a broken column")
        return made(values, notes, name)

    monkeypatch.setattr(outputs, "_arrow_table", fails_on_the_third)
    doc = extract(EXAMPLES / f"{SEEDS[1]}.txt")
    with pytest.raises(ValueError, match="a broken column"):
        outputs.build_outputs(tmp_path, [document_tables(doc)], [])
    assert not (tmp_path / "corpus.duckdb").exists()
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".")]


def test_arrow_columns_keep_every_decimal_exactly_or_fall_back_to_text():
    """A value past DECIMAL(38,6) (which Arrow's string cast would wrap into another number) or
    with more than six decimals, or no number at all, keeps the column as text, with a note."""
    import pyarrow as pa

    from extractor.corpus import outputs

    def table(values):
        notes: list[str] = []
        return outputs._arrow_table({"value": values}, notes, "facts").column("value"), notes

    column, notes = table(["996.43", "", None, "-0.50", "0E-8"])
    assert column.type == pa.decimal128(38, 6) and not notes
    assert column.to_pylist() == [Decimal("996.43"), None, None, Decimal("-0.5"), Decimal(0)]
    assert table([" 1.5"])[0].to_pylist() == [Decimal("1.5")]
    for unfit in ("12345678901234567890123456789012345.5", "1.1234567", "1,234"):
        column, notes = table(["1.00", unfit])
        assert column.type == pa.string() and column.to_pylist() == ["1.00", unfit]
        assert notes == ["facts.value: a value does not fit DECIMAL(38,6); stored as VARCHAR"]


@pytest.mark.parametrize(
    ("values", "arrow_type", "stored"),
    [
        ([True, None, False], "bool", [True, None, False]),
        ([1, None, 3], "int64", [1, None, 3]),
        ([1, 2.5, None], "double", [1.0, 2.5, None]),
        (["a", None], "string", ["a", None]),
        ([1, "a", None], "string", ["1", "a", None]),
        ([True, 1], "string", ["True", "1"]),
        ([None, None], "string", [None, None]),
    ],
)
def test_arrow_columns_take_the_type_all_their_values_share(values, arrow_type, stored):
    from extractor.corpus import outputs

    column = outputs._typed_array("note", values)
    assert str(column.type) == arrow_type and column.to_pylist() == stored


def test_the_pool_lets_go_of_each_outcome_it_hands_on(tmp_path):
    """The run frees each document's tables once written; the pool must hold none of them (its
    futures did: +30 MB of peak memory in an 80-document run)."""
    import gc
    import weakref

    from extractor.corpus.executors import PoolOutcomes
    from extractor.corpus.worker import Task

    src = text_corpus(tmp_path / "in", 2)
    tasks = [Task(path=str(p), doc_id=p.stem) for p in sorted(src.glob("*.txt"))]
    pool = PoolOutcomes(tasks, 1)
    try:
        handed = [weakref.ref(outcome) for _, outcome in pool]
        gc.collect()
        assert len(handed) == 2 and all(ref() is None for ref in handed)
    finally:
        pool.close()


def test_the_pool_forks_its_workers_only_from_a_caller_without_threads(tmp_path):
    """A fork copies another thread's held locks: a caller with a thread gets spawned workers."""
    import sys
    import threading

    from extractor.corpus.executors import PoolOutcomes

    threads = threading.active_count()
    alone = PoolOutcomes([], 1)
    alone.close()
    stop = threading.Event()
    busy = threading.Thread(target=stop.wait)
    busy.start()
    try:
        with_thread = PoolOutcomes([], 1)
        with_thread.close()
    finally:
        stop.set()
        busy.join()
    assert with_thread.start_method == "spawn"
    assert alone.start_method == ("fork" if sys.platform == "linux" and threads == 1 else "spawn")
