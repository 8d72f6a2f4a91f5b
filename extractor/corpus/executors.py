"""Executors: run ``worker.run_document`` over tasks and yield outcomes as they finish.

``process`` (default): a ``concurrent.futures.ProcessPoolExecutor`` (``PoolOutcomes``). ``ray``: the same function as
Ray tasks (``pip install '.[ray]'``); ``ray.init()`` joins the cluster named by ``RAY_ADDRESS`` or
starts a local one. Input paths must be readable where the tasks run (a shared file system).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed

from extractor.corpus.worker import Outcome, Task, prepare_pool_worker, run_document

EXECUTORS = ("process", "ray")


class PoolOutcomes:
    """The documents' outcomes from a process pool, in completion order. Made eagerly: the pool's
    workers are forked and every task submitted when this is built, so the caller can start
    threads after it. ``close`` cancels what has not started and waits for the workers.

    On Linux, from a caller with no other thread (the command line), the workers are forks of
    the caller: nothing to import again, ~1 s per worker saved at a run's start. A caller with
    threads (a notebook kernel, a server) gets spawned workers, as does every other platform:
    a fork copies another thread's held locks, never their release. Either way each worker,
    single-threaded, forks one child per document, which reuses its imported modules."""

    def __init__(self, tasks: list[Task], workers: int) -> None:
        method = "fork" if sys.platform == "linux" and threading.active_count() == 1 else "spawn"
        self.start_method = method
        self._pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context(method), initializer=prepare_pool_worker
        )
        try:
            # The first submit forks every worker, before the pool's own threads start.
            tasks = [dataclasses.replace(t, start_method="fork") for t in tasks]
            self._futures = {self._pool.submit(run_document, t): t for t in tasks}
        except BaseException:
            self._pool.shutdown(cancel_futures=True)
            raise

    def __iter__(self) -> Iterator[tuple[Task, Outcome]]:
        for future in as_completed(self._futures):
            # Let go of each future as it is handed on: it holds its outcome (a document's
            # tables), which the run frees table by table once written.
            yield self._futures.pop(future), future.result()

    def close(self) -> None:
        """On Ctrl-C or an error: don't start what is still queued; then wait for the workers."""
        self._pool.shutdown(cancel_futures=True)


def run_ray(tasks: list[Task], workers: int) -> Iterator[tuple[Task, Outcome]]:
    """Each document is one Ray task (no retries: a crash is reported, not repeated).

    ``workers`` sets ``num_cpus`` only when this starts a local Ray instance. Ray workers are
    multi-threaded, hence forkserver for the timed child.
    """
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError("--executor ray needs Ray: pip install 'budget-extract[ray]'") from exc
    started_here = not ray.is_initialized()
    if started_here:
        import os

        local = "RAY_ADDRESS" not in os.environ
        ray.init(
            num_cpus=workers if local else None,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    remote = ray.remote(max_retries=0, num_cpus=1)(run_document)
    tasks = [dataclasses.replace(t, start_method="forkserver") for t in tasks]
    refs = {remote.remote(t): t for t in tasks}
    pending = list(refs)
    try:
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield refs[done[0]], ray.get(done[0])
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        if started_here:
            ray.shutdown()


def execute(executor: str, tasks: list[Task], workers: int) -> PoolOutcomes | Iterator[tuple[Task, Outcome]]:
    """Outcomes in completion order; close the result when done (a process pool starts here)."""
    if executor == "process":
        return PoolOutcomes(tasks, workers)
    if executor == "ray":
        return run_ray(tasks, workers)
    raise ValueError(f"unknown executor {executor!r} (choose from {', '.join(EXECUTORS)})")
