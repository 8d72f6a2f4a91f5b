"""Exports: one JSON per document and tidy CSVs across documents."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from extractor.validate import row_ref, table_ref
from schemas import BudgetDocument

FACT_COLUMNS = [
    "doc_id",
    "department",
    "year",
    "table_no",
    "table_kind",
    "table_title",
    "section",
    "row_name",
    "code",
    "project_name",
    "column_id",
    "column_header",
    "value",
    "unit",
    "value_wan",
    "page",
    "line",
    "source_file",
]
FINDING_COLUMNS = [
    "doc_id",
    "check",
    "severity",
    "tables",
    "rows",
    "column",
    "expected",
    "actual",
    "message",
    "page",
    "line",
]
FAILURE_COLUMNS = ["file", "reason"]


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def document_json(doc: BudgetDocument) -> str:
    """The full document as JSON (Decimals as strings, exact)."""
    return doc.model_dump_json(indent=1)


def fact_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """One dict per non-empty numeric cell."""
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
                    "page": cell.provenance.page,
                    "line": cell.provenance.line,
                    "source_file": cell.provenance.file,
                }


def finding_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """One dict per finding."""
    for f in doc.findings:
        yield {
            "doc_id": doc.meta.doc_id,
            "check": f.check,
            "severity": f.severity,
            "tables": "; ".join(f.tables),
            "rows": "; ".join(f.rows),
            "column": f.column,
            "expected": None if f.expected is None else str(f.expected),
            "actual": None if f.actual is None else str(f.actual),
            "message": f.message,
            "page": f.provenance.page if f.provenance else None,
            "line": f.provenance.line if f.provenance else None,
        }


def _plain(value: object) -> str | None:
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def write_csv(path: Path, columns: list[str], rows: Iterable[dict[str, object]]) -> int:
    """Write a CSV atomically; returns the number of data rows."""
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="raise")
    writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
        n += 1
    atomic_write_text(path, buf.getvalue())
    return n


def write_outputs(
    out_dir: Path, docs: list[BudgetDocument], failures: list[tuple[str, str]]
) -> dict[str, int]:
    """``<doc_id>.json`` per document plus facts.csv, findings.csv and failures.csv."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        atomic_write_text(out_dir / f"{doc.meta.doc_id}.json", document_json(doc))
    counts = {
        "facts": write_csv(out_dir / "facts.csv", FACT_COLUMNS, (r for d in docs for r in fact_rows(d))),
        "findings": write_csv(
            out_dir / "findings.csv", FINDING_COLUMNS, (r for d in docs for r in finding_rows(d))
        ),
        "failures": write_csv(
            out_dir / "failures.csv", FAILURE_COLUMNS, ({"file": f, "reason": r} for f, r in failures)
        ),
    }
    return counts


def json_schema() -> str:
    """The JSON Schema of ``<doc_id>.json``, generated from the pydantic models."""
    return json.dumps(BudgetDocument.model_json_schema(), ensure_ascii=False, indent=1)


__all__ = ["row_ref", "table_ref"]
