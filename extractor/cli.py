"""``budget-extract``: the command line."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from extractor.errors import ExtractionError
from extractor.export import atomic_write_text, fact_count, json_schema, write_outputs
from extractor.llm.options import add_llm_arguments, client_from_settings, settings_from_args
from extractor.pipeline import doc_id_for, extract
from schemas import BudgetDocument

INPUT_SUFFIXES = {".pdf", ".txt", ".md"}


def _expand(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in INPUT_SUFFIXES))
        else:
            out.append(p)
    return out


def _doc_ids(files: list[Path]) -> list[str]:
    """File stems; where two inputs share a stem (a PDF and its text rendering) add the suffix."""
    stems = Counter(doc_id_for(f) for f in files)
    return [
        doc_id_for(f) if stems[doc_id_for(f)] == 1 else f"{doc_id_for(f)}-{f.suffix.lstrip('.').lower()}"
        for f in files
    ]


def cmd_extract(args: argparse.Namespace) -> int:
    files = _expand(args.files)
    if not files:
        print("budget-extract: no input files", file=sys.stderr)
        return 2
    docs: list[BudgetDocument] = []
    failures: list[tuple[str, str]] = []
    llm = client_from_settings(settings_from_args(args))
    print(
        f"LLM layer: {llm.settings.model} at {llm.settings.endpoint_host}"
        if llm
        else "LLM layer: off (rules only)"
    )
    for path, doc_id in zip(files, _doc_ids(files), strict=True):
        start = time.perf_counter()
        try:
            doc = extract(path, doc_id=doc_id, llm=llm)
        except ExtractionError as exc:
            failures.append((exc.path, exc.reason))
            print(f"error: {exc}", file=sys.stderr)
            continue
        except Exception as exc:  # a bug on one file must not stop the batch
            failures.append((str(path), f"internal error: {type(exc).__name__}: {exc}"))
            print(f"error: {path}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        docs.append(doc)
        sev = Counter(f.severity for f in doc.findings)
        n_cells = fact_count(doc)
        usage = doc.narrative.llm.usage
        llm_note = f", LLM {usage.calls} calls/{usage.cache_hits} cached" if doc.narrative.llm.enabled else ""
        print(
            f"ok: {path} → {doc.meta.doc_id}: {len(doc.tables)} tables, {n_cells} values, "
            f"{len(doc.narrative.changes)} changes, {len(doc.narrative.projects)} projects{llm_note}, "
            f"findings {dict(sev)} ({time.perf_counter() - start:.2f}s)"
        )
    out = Path(args.out)
    counts = write_outputs(out, docs, failures)
    print(
        f"wrote {out}/: {len(docs)} documents, {counts['facts']} facts, {counts['findings']} findings, "
        f"{len(failures)} failures"
    )
    if failures:
        print("failed:", file=sys.stderr)
        for f, r in failures:
            print(f"  {f}: {r}", file=sys.stderr)
    return 0 if docs else 1


def cmd_audit(args: argparse.Namespace) -> int:
    """``budget-extract audit FILE...``: a short verdict per document (rules only, no LLM)."""
    from extractor.audit.checklist import checklist_rows

    files = _expand(args.files)
    if not files:
        print("budget-extract: no input files", file=sys.stderr)
        return 2
    docs: list[BudgetDocument] = []
    failures: list[tuple[str, str]] = []
    for path, doc_id in zip(files, _doc_ids(files), strict=True):
        try:
            doc = extract(path, doc_id=doc_id)
        except ExtractionError as exc:
            failures.append((exc.path, exc.reason))
            print(f"error: {exc}", file=sys.stderr)
            continue
        docs.append(doc)
        rows = checklist_rows(doc)
        failed = [r for r in rows if r["compliant"] == "否"]
        audit = doc.audit
        n = len(audit.checks) if audit else 0
        verdict = "PASS" if not failed else "FAIL"
        said = Counter(str(r["compliant"]) for r in rows)
        print(
            f"{verdict} {doc.meta.doc_id} ({doc.meta.department}, {doc.meta.year}, {audit.template if audit else '?'}): "
            f"{said['是']} 是, {said['否']} 否, {said['无法判断']} 无法判断 of {len(rows)} items; {n} checks fired"
        )
        for r in failed:
            first = str(r["note"]).split("\n")
            more = f" (+{len(first) - 1} more)" if len(first) > 1 else ""
            print(f"  否 {r['label']}: {first[0][:160]}{more}")
    if args.out:
        counts = write_outputs(Path(args.out), docs, failures)
        print(f"wrote {args.out}/: audit.csv, checklists/ ({counts['checklists']} documents)")
    return 0 if docs else 1


def cmd_schema(args: argparse.Namespace) -> int:
    if args.out:
        atomic_write_text(Path(args.out), json_schema())
    else:
        print(json_schema())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="budget-extract",
        description="Extract tables and findings from Chinese department budget disclosures.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="extract PDFs / text renderings (files or directories)")
    p.add_argument("files", nargs="+")
    p.add_argument("--out", required=True, help="output directory")
    add_llm_arguments(p)
    p.set_defaults(func=cmd_extract)
    a = sub.add_parser("audit", help="audit disclosures: a 检查表 verdict per document")
    a.add_argument("files", nargs="+")
    a.add_argument("--out", help="also write the outputs of extract (audit.csv, checklists/) here")
    a.set_defaults(func=cmd_audit)
    s = sub.add_parser("schema", help="print the JSON Schema of <doc_id>.json")
    s.add_argument("--out", help="write to this file instead of stdout")
    s.set_defaults(func=cmd_schema)
    from evals.cli import add_eval_parser  # the eval harness owns its sub-command

    add_eval_parser(sub)
    from extractor.corpus.cli import add_run_parser  # corpus runs live in extractor/corpus/

    add_run_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``budget-extract`` and ``python -m extractor``."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))
