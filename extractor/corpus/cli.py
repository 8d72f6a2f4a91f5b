"""``budget-extract run INPUT_DIR --out RUN_DIR``: the command line of a corpus run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from extractor.corpus.executors import EXECUTORS
from extractor.corpus.run import RETRY_KINDS, RunError, RunSettings, run_corpus
from extractor.llm.options import add_llm_arguments, settings_from_args


def retry_kinds(text: str) -> list[str]:
    """``--retry`` value: one kind or a comma list (``failed,llm``); ``all`` for every kind."""
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in (*RETRY_KINDS, "all")]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(
            f"{text!r}: choose from {', '.join(RETRY_KINDS)}, all (comma-separated or repeated)"
        )
    return kinds


def cmd_run(args: argparse.Namespace) -> int:
    from extractor.cli import EXIT_NOTHING_EXTRACTED, EXIT_OK, EXIT_USAGE, limits_from_args, log_level
    from extractor.log import configure as configure_logging

    level = log_level(args)
    configure_logging(level)
    max_pages, max_bytes, timeout_s = limits_from_args(args)
    settings = RunSettings(
        input_dir=Path(args.input_dir),
        run_dir=Path(args.out),
        workers=args.workers,
        executor=args.executor,
        max_pages=max_pages,
        max_bytes=max_bytes,
        timeout_s=timeout_s,
        llm=settings_from_args(args),
        progress=not (args.no_progress or args.quiet),
        retry=frozenset(k for kinds in args.retry or [] for k in kinds),
        log_level=level,
    )
    try:
        manifest = run_corpus(settings)
    except RunError as exc:
        print(f"budget-extract run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted: run the same command again to continue", file=sys.stderr)
        return 130
    t = manifest["totals"]
    if not args.quiet:
        print(
            f"{args.out}: {t['documents']} documents — {t['ok']} ok, {t['ok_with_findings']} ok with findings, "
            f"{t['failed']} failed, {t['skipped']} skipped; {t['pages']} pages; "
            f"LLM {t['llm_calls']} calls, {t['llm_cache_hits']} cache hits"
        )
    for e in manifest["documents"]:
        if e["status"] in ("failed", "skipped"):
            print(f"  {e['status']}: {e['relpath']}: {e['reason']}", file=sys.stderr)
    return EXIT_OK if t["ok"] + t["ok_with_findings"] else EXIT_NOTHING_EXTRACTED


def add_run_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``run`` on the ``budget-extract`` subcommands."""
    p = sub.add_parser("run", help="extract a corpus in parallel into a resumable run directory")
    p.add_argument("input_dir", help="folder of PDFs / text renderings (.pdf .txt .md), searched recursively")
    p.add_argument("--out", required=True, help="run directory (created; rerun to resume)")
    p.add_argument("--workers", type=int, default=2, help="parallel documents (default 2)")
    p.add_argument("--executor", choices=EXECUTORS, default="process", help="process pool (default) or Ray")
    p.add_argument(
        "--retry",
        action="append",
        type=retry_kinds,
        metavar="KIND[,KIND]",
        help="on resume, redo documents whose latest result is: failed (incl. a worker that died, "
        "e.g. OOM-killed), timeout, llm (LLM layer failed or partial), or all; repeatable. "
        "Default: redo nothing",
    )
    from extractor.cli import add_limit_arguments, add_log_arguments

    add_limit_arguments(p, skipped=True)  # the same limits as extract; a timeout kills the worker
    add_llm_arguments(p)  # the same --llm options as extract; the settings go to the workers
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_log_arguments(p)
    p.set_defaults(func=cmd_run)
