"""``budget-extract review FILE|JSON|RUN_DIR... --out DIR``: review pages and the dashboard."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def cmd_review(args: argparse.Namespace) -> int:
    from extractor.review.build import write_reviews

    inputs = [Path(p) for p in args.inputs]
    missing = [p for p in inputs if not p.exists()]
    if missing and len(missing) == len(inputs):
        print(f"budget-extract review: {missing[0]}: no such file or directory", file=sys.stderr)
        return 2
    if args.out:
        out = Path(args.out)
    elif len(inputs) == 1 and inputs[0].is_dir():
        out = inputs[0] / "review"
    else:
        print("budget-extract review: --out is needed unless one run or extract directory is given", file=sys.stderr)
        return 2

    def done(doc_id: str, stats: dict) -> None:
        if not args.quiet:
            print(f"ok: {doc_id}: {stats['path']} ({stats['bytes'] / 1e6:.2f} MB, {stats['pages']} page images, "
                  f"{stats['values']} values, {stats['values_exact']} in their own box, {stats['seconds']:.2f}s)")

    result = write_reviews(inputs, out, on_done=done)
    for name, reason in result.failures:
        print(f"error: {name}: {reason}", file=sys.stderr)
    if result.dashboard and not args.quiet:
        print(f"dashboard: {result.dashboard}")
    return 0 if result.pages else 1


def add_review_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``review`` on the ``budget-extract`` subcommands."""
    p = sub.add_parser(
        "review",
        help="self-contained HTML review pages (page images with every value's box) and a dashboard",
    )
    p.add_argument(
        "inputs",
        nargs="+",
        help="PDFs or text renderings (extracted with the rules), <doc_id>.json files, an extract --out "
        "folder or a run directory",
    )
    p.add_argument("--out", help="folder for <doc_id>.html and index.html (default: RUN_DIR/review)")
    p.add_argument("-q", "--quiet", action="store_true", help="only errors")
    p.set_defaults(func=cmd_review)
