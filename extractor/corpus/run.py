"""One research run: discover, extract what is not done yet, journal it, build the outputs."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager, nullcontext, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from extractor.audit.checklist import write_checklists
from extractor.corpus.discover import InputFile, discover, doc_id_for
from extractor.corpus.executors import execute
from extractor.corpus.journal import Journal
from extractor.corpus.manifest import (
    MANIFEST_FORMAT,
    fingerprint,
    git_commit,
    llm_seen,
    now,
    package_versions,
    prompt_templates,
    read_manifest,
    totals,
    write_manifest,
)
from extractor.corpus.outputs import build_outputs, import_output_libraries
from extractor.corpus.worker import Outcome, Task
from extractor.export import TIDY_TABLES, DocumentTables, atomic_write_text, tables_of, tidy_rows
from extractor.limits import MAX_BYTES, MAX_PAGES, TIMEOUT_S
from extractor.llm.config import LlmSettings
from schemas import BudgetDocument


class RunError(Exception):
    """A run that cannot start (e.g. RUN_DIR belongs to another input or other settings)."""


RETRY_KINDS = ("failed", "timeout", "llm")
"""What ``--retry`` can redo on resume (``all``: every kind). By default nothing is redone: a
finished run started again changes nothing.

- ``failed``: status failed — broken files, internal errors, and workers that died (e.g.
  OOM-killed, "worker process died (exit code -9)"). Deaths are not retried automatically: a file
  that exhausts memory usually does so again, and a resume must stay a no-op when nothing changed.
- ``timeout``: skipped at the time limit (the limit itself is a result setting and stays).
- ``llm``: extracted, but the LLM layer failed or was partial (``narrative.llm.status``).
"""


def retry_kind(entry: dict[str, Any]) -> str | None:
    """Which ``--retry`` kind would redo this journal entry (None: none would)."""
    status = entry.get("status")
    if status == "failed":
        return "failed"
    if status == "skipped" and str(entry.get("reason") or "").startswith("timeout"):
        return "timeout"
    if str(status).startswith("ok") and (entry.get("llm") or {}).get("status") in ("failed", "partial"):
        return "llm"
    return None


@dataclass(frozen=True)
class RunSettings:
    input_dir: Path
    run_dir: Path
    workers: int = 2
    executor: str = "process"
    max_pages: int | None = MAX_PAGES
    max_bytes: int | None = MAX_BYTES
    timeout_s: float | None = TIMEOUT_S
    llm: LlmSettings | None = None  # None: rules only
    progress: bool = True
    retry: frozenset[str] = frozenset()  # RETRY_KINDS to redo on resume; empty: none
    log_level: int = logging.WARNING  # what the workers' library logging shows (extractor.log)

    def result_settings(self) -> dict[str, Any]:
        """The settings a document's result depends on: a resumed run must keep them."""
        return {
            "max_pages": self.max_pages,
            "max_bytes": self.max_bytes,
            "timeout_s": self.timeout_s,
            "llm": llm_label(self.llm),
        }


def llm_label(settings: LlmSettings | None) -> str | dict[str, Any]:
    """What the manifest records of the LLM settings: never the key."""
    if settings is None:
        return "off"
    return {
        "model": settings.model,
        "endpoint": settings.endpoint_host,
        "mode": settings.mode,
        "temperature": settings.temperature,
        "cache": settings.cache_dir is not None,
        "offline": settings.offline,
    }


def _is_done(
    entry: dict[str, Any] | None, f: InputFile, docs_dir: Path, retry: frozenset[str] = frozenset()
) -> bool:
    if entry is None or entry.get("sha256") != f.sha256:
        return False
    if retry_kind(entry) in retry:
        return False
    # An ok entry counts only while its JSON is there (deleted by hand → extract again).
    return not entry["status"].startswith("ok") or (docs_dir / f"{entry['doc_id']}.json").exists()


def _base_entry(f: InputFile) -> dict[str, Any]:
    return {"doc_id": f.doc_id, "relpath": f.relpath, "sha256": f.sha256, "size": f.size}


def _outputs_exist(run_dir: Path) -> bool:
    names = [f"tables/{n}.{ext}" for n in TIDY_TABLES for ext in ("csv", "parquet")] + ["corpus.duckdb"]
    return all((run_dir / n).exists() for n in names)


LOCK_NAME = ".lock"


@contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """Hold ``RUN_DIR/.lock`` (an exclusive ``flock``) for the whole run, so a second run on the same
    directory stops at once with a message instead of interleaving its writes. The kernel drops the
    lock when the holder exits, however it exits: a killed run leaves no stale lock."""
    import fcntl

    run_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(run_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    _HELD_LOCKS.add(fd)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunError(
                f"{run_dir} is in use by another budget-extract run (it holds {run_dir / LOCK_NAME}); "
                "wait for it to finish, or use another --out"
            ) from None
        yield  # the file stays empty and unchanged: a finished run started again changes no file
    finally:
        _HELD_LOCKS.discard(fd)
        os.close(fd)  # releases the lock


# The pool workers are forks of this process. A fork shares the lock's open file, and the lock
# holds while any process keeps it open: a worker orphaned by a killed run would keep the run
# directory locked. So a fork closes its copies at once.
_HELD_LOCKS: set[int] = set()


def _close_held_locks() -> None:
    for fd in _HELD_LOCKS:
        with suppress(OSError):
            os.close(fd)
    _HELD_LOCKS.clear()


os.register_at_fork(after_in_child=_close_held_locks)


def run_corpus(s: RunSettings) -> dict[str, Any]:
    """Run (or resume) a corpus extraction into ``s.run_dir``; returns the manifest.

    A finished run started again writes nothing. ``s.retry`` redoes the documents whose latest
    journal entry is of those kinds (see ``RETRY_KINDS``); each gets a new journal line (the journal
    stays append-only, the latest line of a document wins) and the manifest shows its new state.
    Only one run at a time may use ``s.run_dir`` (``run_lock``).
    """
    input_dir = s.input_dir.resolve()
    retry = _retry_kinds(s.retry)
    if not input_dir.is_dir():
        raise RunError(f"{s.input_dir}: not a directory")
    with run_lock(s.run_dir):
        return _run_locked(s, input_dir, retry)


def _run_locked(s: RunSettings, input_dir: Path, retry: frozenset[str]) -> dict[str, Any]:
    run_dir = s.run_dir
    previous = read_manifest(run_dir)
    if previous is not None:
        if previous.get("input_dir") != str(input_dir):
            raise RunError(f"{run_dir} holds a run of {previous.get('input_dir')}; use another --out")
        if previous.get("settings") != s.result_settings():
            raise RunError(
                f"{run_dir} was run with {previous.get('settings')}, now {s.result_settings()}: "
                "results would mix; use another --out"
            )
    try:
        files = discover(input_dir)
    except ValueError as exc:  # a doc_id collision
        raise RunError(str(exc)) from exc
    docs_dir = run_dir / "docs"
    for folder in (run_dir, docs_dir, run_dir / "tables", run_dir / "checklists"):
        for tmp in folder.glob(".*.tmp*"):  # left by a kill inside an atomic write (none if no folder)
            tmp.unlink()
    journal = Journal(run_dir / "journal.jsonl")
    done = journal.read()
    _check_doc_ids(journal, done)
    todo = [
        f
        for f in files
        if f.duplicate_of is None
        and f.unsupported is None
        and not _is_done(done.get(f.relpath), f, docs_dir, retry)
    ]

    sessions: list[dict[str, Any]] = list(previous["sessions"]) if previous else []
    started_at = previous["started_at"] if previous else now()
    commit = git_commit()  # asked once: for the session and both headers
    session_tables: dict[str, DocumentTables] = {}
    if todo:
        session = {
            "started_at": now(),
            "executor": s.executor,
            "workers": s.workers,
            "git_commit": commit,
            "documents": len(todo),
            **({"retry": sorted(retry)} if retry else {}),
        }
        header = _header(s, input_dir, started_at, [*sessions, session], commit)
        write_manifest(run_dir, {**header, "status": "running"})
        start = time.perf_counter()
        tasks = _tasks(s, todo, docs_dir)
        # The process pool starts its workers here, before this run starts a thread (so they can
        # be forks of it); then the outputs' libraries load on a thread while the workers extract.
        outcomes = execute(s.executor, tasks, s.workers)
        preload = threading.Thread(target=import_output_libraries, name="preload outputs")
        preload.start()
        try:
            with closing(outcomes):
                new, session_tables = _extract(s, todo, outcomes, journal, docs_dir)
        finally:
            preload.join()
        done.update(new)
        session["ended_at"] = now()
        session["seconds"] = round(time.perf_counter() - start, 3)
        sessions.append(session)

    by_doc_id = {f.relpath: f.doc_id for f in files}
    entries: list[dict[str, Any]] = []
    for f in files:
        if f.unsupported is not None:
            entries.append({**_base_entry(f), "status": "skipped", "reason": f.unsupported})
        elif f.duplicate_of is not None:
            reason = f"duplicate of {f.duplicate_of}"
            dup = {"status": "skipped", "reason": reason, "duplicate_of": by_doc_id[f.duplicate_of]}
            entries.append({**_base_entry(f), **dup})
        else:
            entries.append(done[f.relpath])
    fp = fingerprint(entries)
    if (
        not todo
        and previous
        and previous.get("outputs", {}).get("fingerprint") == fp
        and _outputs_exist(run_dir)
    ):
        return previous  # nothing new: leave every file as it is

    ok = sorted((e for e in entries if e["status"].startswith("ok")), key=lambda e: e["doc_id"])
    # This session's documents came with their tables (columns, CSV lines); earlier sessions'
    # are read back from their JSON.
    doc_tables = (session_tables.pop(e["doc_id"], None) or _tables_from_json(run_dir, e["doc_id"]) for e in ok)
    outputs = build_outputs(run_dir, doc_tables, entries)
    checklists = sum((run_dir / "checklists" / f"{e['doc_id']}.csv").exists() for e in ok)
    outputs = {**outputs, "checklists": checklists, "fingerprint": fp}
    models, used_prompts = llm_seen(entries)
    manifest = {
        **_header(s, input_dir, started_at, sessions, commit),
        "status": "finished",
        "finished_at": sessions[-1].get("ended_at") if sessions else now(),
        "run_time_s": round(sum(x.get("seconds", 0) for x in sessions), 3),
        "model": ", ".join(models) or None,
        "prompt_versions": used_prompts,
        "prompt_templates": prompt_templates(),
        "totals": totals(entries),
        "outputs": outputs,
        "documents": entries,
    }
    write_manifest(run_dir, manifest)
    return manifest


def _tables_from_json(run_dir: Path, doc_id: str) -> DocumentTables:
    """A document's tidy tables from its JSON; its 检查表 too where an earlier session left none."""
    doc = BudgetDocument.model_validate_json((run_dir / "docs" / f"{doc_id}.json").read_text(encoding="utf-8"))
    if doc.audit is not None and not (run_dir / "checklists" / f"{doc_id}.csv").exists():
        write_checklists(run_dir, [doc])
    return tables_of(tidy_rows(doc))


def _retry_kinds(kinds: frozenset[str] | set[str] | list[str] | tuple[str, ...]) -> frozenset[str]:
    out = set(kinds)
    if "all" in out:
        out = (out - {"all"}) | set(RETRY_KINDS)
    unknown = out - set(RETRY_KINDS)
    if unknown:
        raise RunError(
            f"unknown --retry {', '.join(sorted(unknown))} (choose from {', '.join(RETRY_KINDS)}, all)"
        )
    return frozenset(out)


def _check_doc_ids(journal: Journal, entries: dict[str, dict[str, Any]]) -> None:
    """Refuse a journal written with another doc-id scheme (before ids depended on the path alone,
    ``a.pdf`` was ``a`` unless ``a.txt`` was there too): its documents would be renamed half-way."""
    for relpath, entry in entries.items():
        if entry.get("doc_id") != (expected := doc_id_for(relpath)):
            raise RunError(
                f"{journal.path} was written by an older budget-extract with another doc-id scheme "
                f"({relpath} is {entry.get('doc_id')!r} there, now {expected!r}): results would mix; "
                "use another --out"
            )


def _header(
    s: RunSettings, input_dir: Path, started_at: str, sessions: list[dict[str, Any]], commit: str | None
) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "input_dir": str(input_dir),
        "settings": s.result_settings(),
        "config": {"executor": s.executor, "workers": s.workers, **s.result_settings()},
        "versions": package_versions(),
        "git_commit": commit,
        "started_at": started_at,
        "sessions": sessions,
    }


PROGRESS_DIR = ".progress"
"""Where a worker notes the pages done of the document it reads ("done total"), for the bar."""
PROGRESS_EVERY_S = 0.5


class _PageProgress:
    """Shows, beside the run's bar, the pages done of the documents being read: the workers write
    them to ``RUN_DIR/.progress/<doc_id>`` (any executor on a shared file system can) and a thread
    here reads them twice a second. Gone when the run ends."""

    def __init__(self, folder: Path, bar: tqdm, stats: dict[str, int], lock: threading.Lock) -> None:
        self.folder, self.bar, self.stats, self.lock = folder, bar, stats, lock
        self.stop = threading.Event()
        folder.mkdir(parents=True, exist_ok=True)
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self.stop.wait(PROGRESS_EVERY_S):
            reading = []
            for f in sorted(self.folder.iterdir()):
                try:
                    done, total = f.read_text(encoding="utf-8").split()
                except (OSError, ValueError):  # gone, or caught half-written
                    continue
                reading.append(f"{f.name} p{done}/{total}")
            with self.lock:
                self.bar.set_postfix({**self.stats, "reading": ", ".join(reading) or "-"}, refresh=True)

    def __enter__(self) -> _PageProgress:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        shutil.rmtree(self.folder, ignore_errors=True)


def _tasks(s: RunSettings, todo: list[InputFile], docs_dir: Path) -> list[Task]:
    progress_dir = s.run_dir / PROGRESS_DIR
    return [
        Task(
            path=str(f.path),
            doc_id=f.doc_id,
            max_pages=s.max_pages,
            max_bytes=s.max_bytes,
            timeout_s=s.timeout_s,
            llm=s.llm,
            log_level=s.log_level,
            progress_file=str(progress_dir / f.doc_id) if s.progress else None,
            checklist_dir=str(s.run_dir),
            json_dir=str(docs_dir) if s.executor == "process" else None,  # the pool runs on this machine
        )
        for f in todo
    ]


def _extract(
    s: RunSettings,
    todo: list[InputFile],
    outcomes: Iterable[tuple[Task, Outcome]],
    journal: Journal,
    docs_dir: Path,
) -> tuple[dict[str, dict[str, Any]], dict[str, DocumentTables]]:
    """Commit each of ``todo``'s outcomes (JSON, then journal line) as it lands. Returns the entries
    by relpath and the extracted documents' tables (columns, CSV lines) by doc_id."""
    files = {str(f.path): f for f in todo}
    progress_dir = s.run_dir / PROGRESS_DIR
    new: dict[str, dict[str, Any]] = {}
    tables: dict[str, DocumentTables] = {}
    stats = {"pages": 0, "llm_calls": 0, "tokens": 0, "failed": 0, "skipped": 0}
    bar = tqdm(total=len(todo), unit="doc", desc="extract", disable=not s.progress, dynamic_ncols=True)
    lock = threading.Lock()
    pages = _PageProgress(progress_dir, bar, stats, lock) if s.progress else nullcontext()
    with bar, pages:
        for task, outcome in outcomes:
            f = files[task.path]
            entry = {**_base_entry(f), **outcome.entry, "finished_at": now()}
            if outcome.document_json is not None:
                atomic_write_text(docs_dir / f"{f.doc_id}.json", outcome.document_json)
            elif not outcome.json_written:  # a retried document that now fails: its earlier JSON no longer stands
                (docs_dir / f"{f.doc_id}.json").unlink(missing_ok=True)
            journal.append(entry)
            if task.progress_file:
                Path(task.progress_file).unlink(missing_ok=True)
            new[f.relpath] = entry
            if outcome.tables is not None:
                tables[f.doc_id] = outcome.tables
            checklist = s.run_dir / "checklists" / f"{f.doc_id}.csv"
            if outcome.document_json is not None and not checklist.exists():
                # a worker on another machine (Ray) wrote its 检查表 there, or the document has none
                write_checklists(s.run_dir, [BudgetDocument.model_validate_json(outcome.document_json)])
            usage = entry.get("llm") or {}
            with lock:
                if entry["status"].startswith("ok"):
                    stats["pages"] += entry.get("pages") or 0
                stats["llm_calls"] += usage.get("calls", 0)
                stats["tokens"] += usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
                if entry["status"] in ("failed", "skipped"):
                    stats[entry["status"]] += 1
                bar.set_postfix(stats, refresh=False)
                bar.update()
    return new, tables


__all__ = ["RunError", "RunSettings", "run_corpus"]
