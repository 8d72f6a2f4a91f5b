"""Exports: one JSON per document and tidy CSVs across documents."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import NamedTuple

from extractor.tables.checks import row_ref, table_ref
from schemas import (
    Audit,
    AuditCheck,
    AuditItem,
    BudgetDocument,
    Cell,
    ChangeStatement,
    DocumentMeta,
    Finding,
    Indicator,
    Narrative,
    PerformanceHeader,
    PolicyDocument,
    Project,
    Provenance,
    Reason,
    Row,
    Table,
    TableKind,
)

FAILURE_COLUMNS = ["file", "reason"]


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary name beside ``path`` to write to; renamed onto ``path`` when the block succeeds,
    removed either way, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        # mkstemp makes the file 0600; an output gets the mode any new file gets here (0666 less
        # the umask), as a plain open() would give it.
        if tmp.exists():
            os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def current_umask() -> int:
    """The process's umask: from /proc on Linux (a read); elsewhere by setting it and putting it
    back (not thread-safe for that instant, hence the read where there is one)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) so no reader sees half a file."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


def document_json(doc: BudgetDocument) -> str:
    """The full document as JSON (Decimals as strings, exact)."""
    return doc.model_dump_json(indent=1)


def _prov(p: Provenance | None) -> dict[str, object]:
    return {"page": p.page if p else None, "line": p.line if p else None}


def _origin_summary(origin: dict[str, str]) -> str:
    """ "rule" when every field came from the rules, else the fields that did not: "reasons=llm"."""
    others = {k: v for k, v in sorted(origin.items()) if v != "rule"}
    return "; ".join(f"{k}={v}" for k, v in others.items()) if others else "rule"


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def document_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """One row per document: metadata and counts."""
    m, llm = doc.meta, doc.narrative.llm
    yield {
        "doc_id": m.doc_id,
        "department": m.department,
        "year": m.year,
        "doc_kind": m.doc_kind,
        "template_family": m.template_family,
        "source_format": m.source_format,
        "page_count": m.page_count,
        "tables": len(doc.tables),
        "facts": fact_count(doc),
        "changes": len(doc.narrative.changes),
        "projects": len(doc.narrative.projects),
        "indicators": sum(len(t.indicators) for t in doc.tables),
        "findings": len(doc.findings),
        "disclosure_level": m.disclosure_level,
        "amounts_printed": m.coverage.amounts_printed,
        "amounts_captured": m.coverage.amounts_captured,
        "coverage": m.coverage.share,
        "identity_checks": m.coverage.identity_checks,
        "identity_holds": m.coverage.identity_holds,
        "llm_status": llm.status,
        "llm_model": llm.model,
        "llm_calls": llm.usage.calls,
        "llm_cache_hits": llm.usage.cache_hits,
        "llm_tokens": llm.usage.prompt_tokens + llm.usage.completion_tokens,
        "extractor_version": m.extractor_version,
        "source_file": m.source_file,
    }


def fact_count(doc: BudgetDocument) -> int:
    """The number of non-empty numeric cells (the rows ``fact_rows`` yields)."""
    return sum(1 for t in doc.tables for r in t.rows for c in r.cells if c.value is not None)


def fact_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """One row per non-empty numeric cell."""
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.value is None:
                    continue
                yield {
                    "doc_id": doc.meta.doc_id,
                    "department": doc.meta.department,
                    "year": doc.meta.year,
                    "table_no": table.table_no,
                    "table_kind": table.kind.value,
                    "table_title": table.title,
                    "section": row.section,
                    "row_name": row.label,
                    "code": row.code,
                    "project_name": row.project,
                    "column_id": cell.column_id,
                    "column_header": cell.header,
                    "value": str(cell.value),
                    "unit": cell.unit,
                    "value_wan": _plain(cell.value_wan),
                    **_prov(cell.provenance),
                    "source_file": cell.provenance.file,
                }


def finding_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """One row per finding."""
    for f in doc.findings:
        yield {
            "doc_id": doc.meta.doc_id,
            "check": f.check,
            "severity": f.severity,
            "tables": "; ".join(f.tables),
            "rows": "; ".join(f.rows),
            "column": f.column,
            "expected": _str(f.expected),
            "actual": _str(f.actual),
            "message": f.message,
            **_prov(f.provenance),
        }


def change_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """One row per change statement (``change_no`` numbers them within the document)."""
    for i, c in enumerate(doc.narrative.changes, 1):
        yield {
            "doc_id": doc.meta.doc_id,
            "change_no": i,
            "section": c.section,
            "subject": c.subject,
            "subject_kind": c.subject_kind,
            "code": c.code,
            "status": c.status,
            "amount": _str(c.amount),
            "unit": c.unit,
            "amount_wan": _plain(c.amount_wan),
            "share_percent": _str(c.share_percent),
            "delta": _str(c.delta),
            "delta_wan": _plain(c.delta_wan),
            "growth_percent": _str(c.growth_percent),
            "base": c.base,
            "reasons": len(c.reasons),
            "reason_text": c.reason_text,
            "table_rows": "; ".join(c.table_rows),
            "origin": _origin_summary(c.origin),
            **_prov(c.provenance),
            "statement_text": c.statement_text,
        }


def reason_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """One row per atomic reason, keyed by its change statement's ``change_no``."""
    for i, c in enumerate(doc.narrative.changes, 1):
        for j, r in enumerate(c.reasons, 1):
            yield {
                "doc_id": doc.meta.doc_id,
                "change_no": i,
                "reason_no": j,
                "section": c.section,
                "subject": c.subject,
                "code": c.code,
                "delta_wan": _plain(c.delta_wan),
                "category": r.category,
                "text": r.text,
                "origin": r.origin,
                **_prov(r.provenance or c.provenance),
            }


def project_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """One row per described project."""
    for i, p in enumerate(doc.narrative.projects, 1):
        yield {
            "doc_id": doc.meta.doc_id,
            "project_no": i,
            "name": p.name,
            "budget_amount": _str(p.budget_amount),
            "unit": p.unit,
            "budget_amount_wan": _plain(p.budget_amount_wan),
            "implementing_unit": p.implementing_unit,
            "start_date": _str(p.start_date),
            "end_date": _str(p.end_date),
            "policy_documents": len(p.policy_documents),
            "allocations": "; ".join(f"{a.purpose}={_str(a.amount) or ''}" for a in p.allocations),
            "table_row": p.table_row,
            "performance_table": p.performance_table,
            "origin": _origin_summary(p.origin),
            **_prov(p.provenance),
            "policy_basis": p.policy_basis,
        }


def policy_document_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """One row per policy document cited by a project."""
    for i, p in enumerate(doc.narrative.projects, 1):
        for d in p.policy_documents:
            yield {
                "doc_id": doc.meta.doc_id,
                "project_no": i,
                "project": p.name,
                "title": d.title,
                "doc_number": d.doc_number,
                "doc_number_normalized": d.doc_number_normalized,
                "issuer": d.issuer,
                "origin": d.origin,
                **_prov(d.provenance or p.provenance),
            }


def indicator_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """One row per performance indicator (部门整体 and 项目支出绩效目标表)."""
    for table in doc.tables:
        header = table.performance_header
        for ind in table.indicators:
            yield {
                "doc_id": doc.meta.doc_id,
                "table_no": table.table_no,
                "table_kind": table.kind.value,
                "project": header.project if header else None,
                "level1": ind.level1,
                "level2": ind.level2,
                "level3": ind.level3,
                "value_raw": ind.value_raw,
                "operator": ind.operator,
                "number": _str(ind.number),
                "unit": ind.unit,
                "basis": ind.basis,
                "last_year_value": ind.last_year_value,
                "weight": _str(ind.weight),
                "scoring_rule": ind.scoring_rule,
                "evidence": ind.evidence,
                "origin": ind.origin,
                **_prov(ind.provenance),
            }


def audit_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """One row per audit check (with its item's status), and one per item no check fired on."""
    if doc.audit is None:
        return
    status = {i.item: i.status for i in doc.audit.items}
    with_checks = {c.item for c in doc.audit.checks}
    for c in doc.audit.checks:
        ev = c.evidence[0] if c.evidence else None
        yield {
            "doc_id": doc.meta.doc_id,
            "item": c.item,
            "status": status.get(c.item or "", "defective"),
            "check": c.name,
            "severity": c.severity,
            "page": ev.page if ev else None,
            "line": ev.line if ev else None,
            "evidence": ev.text if ev else None,
            "message": c.message,
        }
    for i in doc.audit.items:
        if i.item not in with_checks:
            ev = i.evidence[0] if i.evidence else None
            yield {
                "doc_id": doc.meta.doc_id,
                "item": i.item,
                "status": i.status,
                "check": None,
                "severity": None,
                "page": ev.page if ev else None,
                "line": ev.line if ev else None,
                "evidence": ev.text if ev else None,
                "message": i.message or None,
            }


def checklist_table_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """The 检查表 rows (item → 是/否/无法判断 → 问题说明) of every document."""
    from extractor.audit.checklist import checklist_rows

    yield from checklist_rows(doc)


def fiscal_fact_table_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """The facts that are flows of money, in the Open Fiscal Data Package shape (``extractor.datapackage``)."""
    from extractor.datapackage import fiscal_fact_rows

    yield from fiscal_fact_rows(doc)


TidyRows = Callable[[BudgetDocument], Iterable[dict[str, object]]]
TIDY_TABLES: dict[str, TidyRows] = {
    "documents": document_rows,
    "facts": fact_rows,
    "findings": finding_rows,
    "changes": change_rows,
    "reasons": reason_rows,
    "projects": project_rows,
    "policy_documents": policy_document_rows,
    "indicators": indicator_rows,
    "audit": audit_rows,
    "checklist": checklist_table_rows,
    "fiscal_facts": fiscal_fact_table_rows,
}
"""Every tidy table, keyed by name: the CSVs of ``extract`` and the tables of a corpus run."""


def tidy_rows(doc: BudgetDocument) -> dict[str, list[dict[str, object]]]:
    """A document's rows of every tidy table (what a corpus run's worker hands back)."""
    return {name: list(rows(doc)) for name, rows in TIDY_TABLES.items()}


class DocumentTables(NamedTuple):
    """A document's tidy tables as a corpus run gathers them: each table's values by column (in
    the table's column order; what its Arrow table is built from) and its CSV lines (UTF-8, a
    third smaller than the same text as ``str``). Columns, not row dicts: the run holds every
    document's until its end, and they pickle and load back in a fraction of the time."""

    columns: dict[str, dict[str, list[object]]]
    csv: dict[str, bytes]


def document_tables(doc: BudgetDocument) -> DocumentTables:
    """A document's ``DocumentTables``, as a corpus worker hands them back."""
    return tables_of(tidy_rows(doc))


def tables_of(rows: dict[str, list[dict[str, object]]]) -> DocumentTables:
    """``DocumentTables`` of a document's ``tidy_rows``; a row with a field its table does not
    have raises (``csv_lines``)."""
    csv = {name: csv_lines(tidy_columns(name), rows[name], f"{name}.csv")[0].encode() for name in TIDY_TABLES}
    columns = {
        name: {col: [r.get(col) for r in rows[name]] for col in tidy_columns(name)} for name in TIDY_TABLES
    }
    return DocumentTables(columns, csv)


def tidy_columns(name: str) -> list[str]:
    """The column names of a tidy table (its row function applied to a one-of-everything document)."""
    if name == "fiscal_facts":
        from extractor.datapackage import FISCAL_COLUMNS

        return list(FISCAL_COLUMNS)
    return list(next(iter(TIDY_TABLES[name](_sample_document()))))


@cache
def _sample_document() -> BudgetDocument:
    """A document holding one item of every kind, so every row function yields one row."""
    prov = Provenance(file="sample")
    cell = Cell(
        column_id="total",
        header="合计",
        raw="1",
        value=Decimal(1),
        unit="万元",
        value_wan=Decimal(1),
        provenance=prov,
    )
    table = Table(
        table_no="1",
        title="sample",
        kind=TableKind.project_performance,
        unit="万元",
        rows=[Row(index=0, label="x", printed_label="x", cells=[cell], provenance=prov)],
        performance_header=PerformanceHeader(),
        indicators=[Indicator(level1=None, level2=None, level3="x", provenance=prov)],
        provenance=prov,
    )
    reason = Reason(text="x", category="other")
    change = ChangeStatement(
        section="other",
        subject="x",
        subject_kind="other",
        status="changed",
        statement_text="x",
        reasons=[reason],
        provenance=prov,
    )
    project = Project(name="x", policy_documents=[PolicyDocument(title="x")], provenance=prov)
    meta = DocumentMeta(doc_id="x", source_file="x", source_format="text", extractor_version="0")
    audit = Audit(
        template="x",
        items=[AuditItem(item="cover", label="x", required=True, status="present")],
        checks=[AuditCheck(name="x", severity="warning", item="cover", message="x")],
    )
    return BudgetDocument(
        meta=meta,
        tables=[table],
        narrative=Narrative(changes=[change], projects=[project]),
        findings=[Finding(check="x", severity="warning", message="x")],
        audit=audit,
    )


def _plain(value: object) -> str | None:
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def csv_header(columns: list[str]) -> str:
    """The header line ``write_csv`` writes."""
    buf = io.StringIO()
    csv.writer(buf).writerow(columns)
    return buf.getvalue()


def csv_lines(columns: list[str], rows: Iterable[dict[str, object]], where: str) -> tuple[str, int]:
    """The CSV lines of ``rows`` under ``columns`` (no header) and their number; a row with a field
    not in ``columns`` raises, naming ``where``. Lines of consecutive row batches concatenate to
    the lines of all the rows: a corpus worker makes its document's, the run joins them."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    known = set(columns)
    n = 0
    for row in rows:  # csv.DictWriter(extrasaction="raise", restval=""), without its per-row dict work
        if not known.issuperset(row):
            raise ValueError(f"{where}: row has fields not in the columns: {sorted(set(row) - known)}")
        writer.writerow(["" if (v := row.get(k)) is None else v for k in columns])
        n += 1
    return buf.getvalue(), n


def write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, object]]) -> int:
    """Write a CSV atomically; returns the number of data rows."""
    lines, n = csv_lines(columns, rows, path.name)
    write_csv_lines(path, columns, [lines.encode()])
    return n


def write_csv_lines(path: Path, columns: list[str], pieces: Iterable[bytes]) -> None:
    """Write a CSV atomically from its header and ``csv_lines`` pieces (UTF-8), one after another."""
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        fh.write(csv_header(columns).encode())
        fh.writelines(pieces)


class OutDirError(Exception):
    """An ``--out`` directory that ``extract`` will not write into."""


def previous_outputs(out_dir: Path) -> set[str]:
    """The doc_ids a previous ``extract`` wrote into ``out_dir`` (empty for a new or empty folder).

    Policy: a folder ``extract`` wrote before (it holds documents.csv and failures.csv) is reused —
    every output is rewritten and the JSON files of documents this run no longer produces are
    removed (``remove_stale_outputs``), so no stale result sits beside the new CSVs. Any other
    non-empty folder (a ``run`` directory, a folder of one's own files) is refused: nothing in it
    is overwritten or deleted.
    """
    if not out_dir.exists():
        return set()
    if not out_dir.is_dir():
        raise OutDirError(f"--out {out_dir}: exists and is not a directory")
    if not any(out_dir.iterdir()):
        return set()
    if (out_dir / "manifest.json").exists() and (out_dir / "journal.jsonl").exists():
        raise OutDirError(f"--out {out_dir}: a `budget-extract run` directory; use another --out")
    listing = out_dir / "documents.csv"
    if not (listing.exists() and (out_dir / "failures.csv").exists()):
        raise OutDirError(
            f"--out {out_dir}: not empty and not written by budget-extract extract "
            "(no documents.csv and failures.csv); use a new or empty folder"
        )
    with listing.open(encoding="utf-8", newline="") as fh:
        return {row["doc_id"] for row in csv.DictReader(fh) if row.get("doc_id")}


def remove_stale_outputs(out_dir: Path, previous: set[str], docs: list[BudgetDocument]) -> list[str]:
    """Delete ``<doc_id>.json`` of the previous run's documents this run did not produce (a file
    that now fails, or was removed from the input); returns the names removed."""
    now = {d.meta.doc_id for d in docs}
    removed = []
    for doc_id in sorted(previous - now):
        path = out_dir / f"{doc_id}.json"
        if path.exists():
            path.unlink()
            removed.append(path.name)
    return removed


def write_outputs(
    out_dir: Path, docs: list[BudgetDocument], failures: list[tuple[str, str]]
) -> dict[str, int]:
    """``<doc_id>.json`` per document, one CSV per tidy table (``TIDY_TABLES``) and failures.csv."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        atomic_write_text(out_dir / f"{doc.meta.doc_id}.json", document_json(doc))
    counts = {
        name: write_csv(out_dir / f"{name}.csv", tidy_columns(name), (r for d in docs for r in rows(d)))
        for name, rows in TIDY_TABLES.items()
    }
    from extractor.audit.checklist import write_checklists  # the 检查表 per document, CSV + .xlsx

    counts["checklists"] = write_checklists(out_dir, docs)
    counts["failures"] = write_csv(
        out_dir / "failures.csv", FAILURE_COLUMNS, ({"file": f, "reason": r} for f, r in failures)
    )
    from extractor.datapackage import write_datapackage

    write_datapackage(out_dir, "", {**{n: tidy_columns(n) for n in TIDY_TABLES}, "failures": FAILURE_COLUMNS},
                      "budget-extract extract output")
    return counts


def json_schema() -> str:
    """The JSON Schema of ``<doc_id>.json``, generated from the pydantic models."""
    return json.dumps(BudgetDocument.model_json_schema(), ensure_ascii=False, indent=1)


__all__ = ["row_ref", "table_ref"]
