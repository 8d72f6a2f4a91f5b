"""``budget-extract eval``: score a run against gold fixtures, or compare two runs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evals.report import compare_reports, evaluate, render_compare_markdown, write_report

DEFAULT_GOLD = Path(__file__).resolve().parent / "fixtures"


def cmd_eval(args: argparse.Namespace) -> int:
    gold = Path(args.gold)
    if not gold.is_dir():
        print(f"budget-extract eval: no gold directory {gold}", file=sys.stderr)
        return 2
    context = not args.no_context
    if args.compare:
        a, b = (Path(p) for p in args.compare)
        for p in (a, b):
            if not p.is_dir():
                print(f"budget-extract eval: no run directory {p}", file=sys.stderr)
                return 2
        result = compare_reports(evaluate(a, gold, context=False), evaluate(b, gold, context=context))
        text = render_compare_markdown(result)
        if args.out:
            out = Path(args.out)
            out.mkdir(parents=True, exist_ok=True)
            (out / "compare.json").write_text(
                json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
            )
            (out / "compare.md").write_text(text, encoding="utf-8")
        print(text)
        return 0
    if not args.pred or not Path(args.pred).is_dir():
        print("budget-extract eval: --pred RUN_DIR (a directory) or --compare RUN_A RUN_B", file=sys.stderr)
        return 2
    if not args.out:
        print("budget-extract eval: --out REPORT_DIR is required with --pred", file=sys.stderr)
        return 2
    report = evaluate(Path(args.pred), gold, context=context)
    if not report["documents"]:
        print(f"budget-extract eval: no document in {args.pred} has gold in {gold}", file=sys.stderr)
        return 1
    files = write_report(report, Path(args.out))
    merged = report["layers"]["merged"]
    for fam, s in merged["families"].items():
        m = s["micro"]
        print(f"{fam:20s} P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}")
    o = merged["overall"]["micro"]
    print(f"{'overall':20s} P {o['precision']:.3f} R {o['recall']:.3f} F1 {o['f1']:.3f}")
    print("wrote " + ", ".join(str(f) for f in files))
    return 0


def add_eval_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``eval`` on the ``budget-extract`` sub-command parser."""
    p = sub.add_parser("eval", help="score a run directory against gold fixtures, or compare two runs")
    p.add_argument("--pred", help="run directory holding <doc_id>.json files (searched recursively)")
    p.add_argument("--gold", default=str(DEFAULT_GOLD), help="gold fixtures directory (default: %(default)s)")
    p.add_argument("--out", help="report directory (report.json, report.md, report.html)")
    p.add_argument("--compare", nargs=2, metavar=("RUN_A", "RUN_B"), help="list what changed from A to B")
    p.add_argument("--no-context", action="store_true", help="do not read the sources for context")
    p.set_defaults(func=cmd_eval)
