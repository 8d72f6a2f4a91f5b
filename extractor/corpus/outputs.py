"""Corpus outputs from the per-document JSONs: every tidy table as CSV and Parquet, and one DuckDB
file holding them, the run's document list and researcher views.

Numbers stay exact. CSV: the Decimal strings of ``extractor.export``. Parquet and DuckDB:
``DECIMAL(38,6)`` — wide enough for amounts in 元, and 6 places hold every 元 amount converted to
万元 exactly. A column with a value that does not fit stays VARCHAR (noted in the manifest), never
rounded.
"""

from __future__ import annotations

import queue
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from extractor.datapackage import MEASURES
from extractor.export import (
    TIDY_TABLES,
    DocumentTables,
    atomic_path,
    tidy_columns,
    write_csv_lines,
)

DECIMAL_TYPE = "DECIMAL(38,6)"
DECIMAL_COLUMNS = frozenset(
    {
        "value",
        "value_wan",
        "expected",
        "actual",
        "amount",
        "amount_wan",
        "share_percent",
        "delta",
        "delta_wan",
        "growth_percent",
        "budget_amount",
        "budget_amount_wan",
        "number",
        "weight",
        *MEASURES,
    }
)
"""Columns the row functions give as Decimal strings."""
INT_COLUMNS = frozenset({"year", "page", "line", "page_count"})
"""Integer columns that may be empty in a whole corpus (others are typed from their values)."""

RUN_DOCUMENT_COLUMNS = [
    "doc_id",
    "relpath",
    "status",
    "reason",
    "duplicate_of",
    "pages",
    "seconds",
    "department",
    "year",
    "doc_kind",
]

VIEWS = {
    "v_totals": """
        -- 收支总计 of the 部门收支总表 (表1) per document, in 万元
        SELECT f.department, f.year, d.doc_kind, f.doc_id,
               max(f.value_wan) FILTER (WHERE f.section = 'income') AS income_total_wan,
               max(f.value_wan) FILTER (WHERE f.section = 'expenditure') AS expenditure_total_wan,
               any_value(f.unit) AS printed_unit
        FROM facts f JOIN documents d USING (doc_id)
        WHERE f.table_kind = 'budget_summary' AND f.column_id = 'amount'
          AND f.row_name IN ('收入总计', '支出总计', '总计')
        GROUP BY ALL""",
    "v_spending_by_function": """
        -- 支出 by 功能分类 类 (3-digit code) per document, in 万元
        SELECT department, year, doc_id, code, row_name AS function_class,
               max(value_wan) FILTER (WHERE column_id = 'total') AS total_wan,
               max(value_wan) FILTER (WHERE column_id = 'basic') AS basic_wan,
               max(value_wan) FILTER (WHERE column_id = 'project') AS project_wan
        FROM facts
        WHERE table_kind = 'expenditure_summary' AND length(code) = 3
        GROUP BY ALL""",
    "v_reasons_by_category": """
        SELECT r.category, d.year, count(*) AS reasons,
               count(DISTINCT (r.doc_id, r.change_no)) AS changes,
               count(DISTINCT r.doc_id) AS documents
        FROM reasons r JOIN documents d USING (doc_id)
        GROUP BY ALL""",
    "v_findings_by_check": """
        SELECT "check", severity, count(*) AS findings, count(DISTINCT doc_id) AS documents
        FROM findings
        GROUP BY ALL""",
    "v_coverage": """
        SELECT doc_id, department, year, template_family, amounts_printed, amounts_captured, coverage,
               identity_checks, identity_holds
        FROM documents
        ORDER BY coverage NULLS LAST, doc_id""",
    "v_audit_pass_rate": """
        -- share of documents passing each 检查表 item (是 of those judged: 是 or 否)
        SELECT item, any_value(label) AS label,
               count(*) FILTER (WHERE compliant IN ('是', '否')) AS documents_judged,
               count(*) FILTER (WHERE compliant = '是') AS documents_passing,
               round(count(*) FILTER (WHERE compliant = '是')
                     / nullif(count(*) FILTER (WHERE compliant IN ('是', '否')), 0), 4) AS pass_share
        FROM checklist
        GROUP BY item
        ORDER BY pass_share NULLS LAST, item""",
    "v_run_status": """
        SELECT status, coalesce(reason, '') AS reason, count(*) AS documents
        FROM run_documents
        GROUP BY ALL""",
}


def import_output_libraries() -> None:
    """Import what ``build_outputs`` needs (pyarrow, duckdb: ~0.25 s), e.g. on a thread while
    the documents are extracted."""
    import duckdb  # noqa: F401
    import pyarrow  # noqa: F401
    import pyarrow.parquet  # noqa: F401


def _arrow_table(values: dict[str, list[Any]], notes: list[str], name: str):
    """The table of ``values`` (column name → values, in column order), each column typed."""
    import pyarrow as pa

    arrays, fields = [], []
    for col, column in values.items():
        typed = _typed_array(col, column)
        if typed is None:  # does not fit DECIMAL(38,6): keep the exact text
            notes.append(f"{name}.{col}: a value does not fit {DECIMAL_TYPE}; stored as VARCHAR")
            typed = pa.array([None if v is None else str(v) for v in column], pa.string())
        arrays.append(typed)
        fields.append(pa.field(col, typed.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _typed_array(col: str, values: list[Any]):
    """``values`` as one typed Arrow array; None when a decimal column's value does not fit."""
    import pyarrow as pa

    if col in DECIMAL_COLUMNS:
        # Not Arrow's string cast: it is faster, but it wraps a value past 32 integer digits into
        # another number instead of failing, and it raised the run's peak memory by ~25 MB.
        try:
            return pa.array(
                [None if v in (None, "") else Decimal(str(v)) for v in values], pa.decimal128(38, 6)
            )
        except (pa.ArrowInvalid, ArithmeticError):
            return None
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if kinds == {bool}:
        return pa.array(values, pa.bool_())
    if kinds == {int} or (not kinds and col in INT_COLUMNS):
        return pa.array(values, pa.int64())
    if kinds and kinds <= {int, float}:
        return pa.array(values, pa.float64())
    if kinds <= {str}:
        return pa.array(values, pa.string())
    return pa.array([None if v is None else str(v) for v in values], pa.string())


def write_parquet(path: Path, table) -> None:
    import pyarrow.parquet as pq

    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def write_duckdb(path: Path, tables: Iterable[tuple[str, Any]]) -> None:
    """Build the database beside its final name from (name, Arrow table) pairs as they come, then
    rename it into place; if ``tables`` raises, no database is left."""
    import duckdb

    with atomic_path(path) as tmp:
        tmp.unlink()  # duckdb creates the file itself
        try:
            con = duckdb.connect(str(tmp))
            try:
                for name, arrow in tables:
                    con.register("_src", arrow)
                    con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _src')
                    con.unregister("_src")
                for name, sql in VIEWS.items():
                    con.execute(f"CREATE VIEW {name} AS {sql}")
                con.execute("CHECKPOINT")
            finally:
                con.close()
        finally:
            Path(f"{tmp}.wal").unlink(missing_ok=True)


_END = object()


def _handed(feed: queue.Queue) -> Iterator[tuple[str, Any]]:
    """The (name, table) pairs put on ``feed`` up to ``_END``; an exception put there is raised."""
    while (item := feed.get()) is not _END:
        if isinstance(item, BaseException):
            raise item
        yield item


def build_outputs(
    run_dir: Path, documents: Iterable[DocumentTables], run_documents: list[dict[str, Any]]
) -> dict[str, Any]:
    """``tables/<name>.csv|.parquet`` for every tidy table and ``corpus.duckdb`` from each
    document's tables (``extractor.export.DocumentTables``, in doc_id order); returns row counts
    and notes for the manifest."""
    values: dict[str, dict[str, list[Any]]] = {n: {c: [] for c in tidy_columns(n)} for n in TIDY_TABLES}
    lines: dict[str, list[bytes]] = {name: [] for name in TIDY_TABLES}
    for one in documents:
        for name in TIDY_TABLES:
            for col, column in one.columns[name].items():
                values[name][col].extend(column)
            lines[name].append(one.csv[name])
    notes: list[str] = []
    counts = {name: len(next(iter(columns.values()))) for name, columns in values.items()}
    # DuckDB builds each table on a thread of its own (its work, in C++, does not hold the GIL)
    # while this one makes the next table's Arrow, CSV and Parquet: the run's last step is not
    # the sum of the three.
    feed: queue.Queue = queue.Queue()
    with ThreadPoolExecutor(max_workers=1) as pool:
        database = pool.submit(write_duckdb, run_dir / "corpus.duckdb", _handed(feed))
        try:
            for name in TIDY_TABLES:
                # piece by piece: no second copy of the whole table
                write_csv_lines(run_dir / "tables" / f"{name}.csv", tidy_columns(name), lines.pop(name))
                # Each table's values and lines are let go once written: the peak is where it starts.
                arrow = _arrow_table(values.pop(name), notes, name)
                feed.put((name, arrow))
                write_parquet(run_dir / "tables" / f"{name}.parquet", arrow)
            run_columns = {c: [d.get(c) for d in run_documents] for c in RUN_DOCUMENT_COLUMNS}
            feed.put(("run_documents", _arrow_table(run_columns, notes, "run_documents")))
            feed.put(_END)
        except BaseException as exc:
            feed.put(RuntimeError(f"the run's tables were not all made: {exc!r}"))  # no database then
            raise
        database.result()
    from extractor.datapackage import write_datapackage

    write_datapackage(run_dir, "tables", {n: tidy_columns(n) for n in TIDY_TABLES}, f"budget-extract run {run_dir.name}")
    return {
        "tables": counts,
        "numeric_type": DECIMAL_TYPE,
        "views": list(VIEWS),
        "notes": notes,
    }
