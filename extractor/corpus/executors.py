"""Executors: run ``worker.run_document`` over tasks and yield outcomes as they finish.

``process`` (default): a ``concurrent.futures.ProcessPoolExecutor``. ``ray``: the same function as
Ray tasks (``pip install '.[ray]'``); ``ray.init()`` joins the cluster named by ``RAY_ADDRESS`` or
starts a local one. Input paths must be readable where the tasks run (a shared file system).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed

from extractor.corpus.worker import Outcome, Task, prepare_pool_worker, run_document

EXECUTORS = ("process", "ray")


def run_process_pool(tasks: list[Task], workers: int) -> Iterator[tuple[Task, Outcome]]:
    """Pool workers are spawned (the parent has threads: tqdm's monitor), then fork one child per
    document: they are single-threaded, so the fork is safe and reuses their imported modules."""
    ctx = multiprocessing.get_context("spawn")
    tasks = [dataclasses.replace(t, start_method="fork") for t in tasks]
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=prepare_pool_worker) as pool:
        futures = {pool.submit(run_document, t): t for t in tasks}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            for f in futures:  # on Ctrl-C or an error: don't start what is still queued
                f.cancel()


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


def execute(executor: str, tasks: list[Task], workers: int) -> Iterator[tuple[Task, Outcome]]:
    """Outcomes in completion order."""
    if executor == "process":
        return run_process_pool(tasks, workers)
    if executor == "ray":
        return run_ray(tasks, workers)
    raise ValueError(f"unknown executor {executor!r} (choose from {', '.join(EXECUTORS)})")
