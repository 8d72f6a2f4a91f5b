"""The per-document work of a run, the same for every executor.

``run_document`` runs ``process_document`` in a child process and kills it at the time limit, so
one file can never stall a worker: a hard kill, because pdfminer can spend minutes inside one page.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import resource
import signal
import sys
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Every document runs in a fork of this process: what its work imports lazily (XlsxWriter for
# the 检查表 .xlsx) is imported here once, or each document would pay for it again.
import xlsxwriter  # noqa: F401

import extractor.datapackage  # noqa: F401
from extractor.audit.checklist import write_checklists
from extractor.errors import ExtractionError
from extractor.export import (
    TIDY_TABLES,
    DocumentTables,
    atomic_write_text,
    document_json,
    document_tables,
    fact_count,
    tidy_columns,
)
from extractor.limits import LimitExceeded, timeout_reason
from extractor.llm.options import client_from_settings
from extractor.log import configure as configure_logging
from extractor.pipeline import extract

NOTABLE_SEVERITIES = ("material", "warning", "error")
"""A document with a finding of one of these severities is ``ok_with_findings``; rounding-only is ``ok``."""


@dataclass(frozen=True)
class Task:
    """What a worker needs for one document (picklable, no open handles)."""

    path: str
    doc_id: str
    max_pages: int | None = None
    max_bytes: int | None = None
    timeout_s: float | None = None
    llm: Any = None  # extractor.llm.LlmSettings (picklable; the client is built where it runs) or None
    log_level: int = logging.WARNING  # the library logging shown by the process that runs it
    progress_file: str | None = None  # where to note "pages_done total" as the document is read
    checklist_dir: str | None = None  # where to write the document's 检查表 (checklists/<doc_id>.csv|.xlsx)
    # Where to write the document's JSON (<doc_id>.json) before handing back; None: hand the JSON
    # back instead (a Ray worker may run on another machine).
    json_dir: str | None = None
    start_method: str = "fork"


@dataclass
class Outcome:
    """A document's result: its manifest fields and, when extracted, its JSON and its tidy
    tables as columns and CSV lines (made here, in parallel, so the run's last step only joins
    them)."""

    entry: dict[str, Any]
    document_json: str | None = field(default=None, repr=False)
    tables: DocumentTables | None = field(default=None, repr=False)
    json_written: bool = False  # the worker wrote the JSON to the task's json_dir


def _page_writer(progress_file: str | None):  # noqa: ANN202 - an on_page callback or None
    """``on_page`` that notes "done total" in ``progress_file`` for the run's bar (None: none)."""
    if progress_file is None:
        return None
    path = Path(progress_file)

    def write(done: int, total: int) -> None:
        with suppress(OSError):  # progress is a nicety: never a reason to fail a document
            path.write_text(f"{done} {total}", encoding="utf-8")

    return write


def _peak_rss_mb() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(rss / (1 << 20 if sys.platform == "darwin" else 1 << 10), 1)


def _status(doc_findings: Counter[str]) -> str:
    return "ok_with_findings" if any(doc_findings[s] for s in NOTABLE_SEVERITIES) else "ok"


def process_document(task: Task) -> Outcome:
    """``extract`` with the page and size limits (the time limit is ``run_document``'s kill); every
    failure becomes an entry, never an exception."""
    start = time.perf_counter()
    path = Path(task.path)
    configure_logging(task.log_level)  # a fresh worker process logs as the command asked

    def done(**fields: Any) -> dict[str, Any]:
        return {
            **fields,
            "seconds": round(time.perf_counter() - start, 3),
            "peak_rss_mb": _peak_rss_mb(),
        }

    try:
        doc = extract(
            path,
            doc_id=task.doc_id,
            llm=client_from_settings(task.llm),
            max_pages=task.max_pages,
            max_bytes=task.max_bytes,
            timeout_s=None,  # run_document kills the child at the limit: harder than a timer
            on_page=_page_writer(task.progress_file),
        )
    except LimitExceeded as exc:  # over a limit: skipped, not a broken file
        extra = {"pages": exc.value} if exc.limit == "pages" else {}
        return Outcome(done(status="skipped", reason=exc.reason, **extra))
    except ExtractionError as exc:
        return Outcome(done(status="failed", reason=exc.reason))
    except Exception as exc:  # a bug on one file must not stop the run
        return Outcome(done(status="failed", reason=_internal(exc)))
    try:  # before anything is written: a bug in a row function fails this document alone
        tables = document_tables(doc)
    except Exception as exc:
        return Outcome(done(status="failed", reason=_internal(exc)))
    severities = Counter(f.severity for f in doc.findings)
    usage = doc.narrative.llm.usage
    entry = done(
        status=_status(severities),
        reason=None,
        pages=doc.meta.page_count,
        department=doc.meta.department,
        year=doc.meta.year,
        doc_kind=doc.meta.doc_kind,
        tables=len(doc.tables),
        facts=fact_count(doc),
        coverage={
            "amounts_printed": doc.meta.coverage.amounts_printed,
            "amounts_captured": doc.meta.coverage.amounts_captured,
            "identity_checks": doc.meta.coverage.identity_checks,
            "identity_holds": doc.meta.coverage.identity_holds,
        },
        findings=dict(sorted(severities.items())),
        llm={
            "status": doc.narrative.llm.status,
            "model": doc.narrative.llm.model,
            "prompt_versions": doc.narrative.llm.prompt_versions,
            "calls": usage.calls,
            "cache_hits": usage.cache_hits,
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "failures": dict(usage.failures),
        },
    )
    if task.checklist_dir is not None:
        write_checklists(Path(task.checklist_dir), [doc])
    text = document_json(doc)
    if task.json_dir is not None:
        # Written here, in parallel, not by the parent: it would be a third process on the cores.
        atomic_write_text(Path(task.json_dir) / f"{task.doc_id}.json", text)
        return Outcome(entry, None, tables, json_written=True)
    return Outcome(entry, text, tables)


def _internal(exc: Exception) -> str:
    return f"internal error: {type(exc).__name__}: {exc}"


def _child(task: Task, conn: Any) -> None:
    conn.send(process_document(task))
    conn.close()


def _signal_name(exitcode: int | None) -> str:
    """ ", SIGKILL" for -9: the child was killed by a signal (SIGKILL: usually the OOM killer)."""
    if exitcode is None or exitcode >= 0:
        return ""
    try:
        return f", {signal.Signals(-exitcode).name}"
    except ValueError:
        return ""


def prepare_pool_worker() -> None:
    """Initializer of a process-pool worker, before it forks any document's child: build the
    sample document the tidy tables' columns come from (cached; each child would build it
    again), then move the worker's objects (its imported modules, mostly) out of the
    collector's reach. A child then never walks them in a collection, which would write to
    every page holding one and copy it. Measured on an 80-document run: Σ PSS of the workers
    and their children 88 → 75 MB with one worker, 150 → 129 MB with two."""
    tidy_columns(next(iter(TIDY_TABLES)))
    gc.collect()
    gc.freeze()


def run_document(task: Task) -> Outcome:
    """``process_document`` in a child process, killed when ``task.timeout_s`` runs out.

    ``start_method`` is "fork" in single-threaded pool workers (cheap: modules already imported)
    and "forkserver" where the caller has threads (Ray workers), where fork is unsafe.
    """
    start = time.perf_counter()
    ctx = multiprocessing.get_context(task.start_method)
    if task.start_method == "forkserver":
        # the server imports the extractor once; each child is then a cheap fork of it
        ctx.set_forkserver_preload([__name__])
    if task.llm is not None:
        # imported once here, not by every document's child (rules-only runs never load it)
        import extractor.narrative.llm_pass  # noqa: F401
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(task, sender), daemon=True)
    child.start()
    sender.close()  # so a dead child shows up as EOF here
    outcome: Outcome | None = None
    timed_out = False
    try:
        if receiver.poll(task.timeout_s):
            try:
                outcome = receiver.recv()
            except EOFError:
                outcome = None
        else:
            timed_out = True
    finally:
        if child.is_alive() and outcome is None:
            child.kill()
        child.join()
        receiver.close()
    if outcome is not None:
        return outcome
    seconds = round(time.perf_counter() - start, 3)
    if timed_out:
        return Outcome(
            {"status": "skipped", "reason": timeout_reason(task.timeout_s or 0), "seconds": seconds}
        )
    return Outcome(
        {
            "status": "failed",
            "reason": f"worker process died (exit code {child.exitcode}{_signal_name(child.exitcode)}); "
            "not retried automatically: rerun with --retry failed",
            "seconds": seconds,
        }
    )
