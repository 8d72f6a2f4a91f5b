"""One document end to end: ingest → segment → parse tables → validate → narrative → audit → BudgetDocument."""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from extractor import __version__
from extractor.audit import audit_document
from extractor.errors import ExtractionError
from extractor.ingest import ingest
from extractor.limits import MAX_BYTES, MAX_PAGES, TIMEOUT_S, time_limit
from extractor.log import llm_summary
from extractor.money import DECIMAL_AMOUNT
from extractor.narrative.stage import extract_narrative
from extractor.tables.checks import CheckTally, table_finding, table_ref, validate
from extractor.tables.coverage import measure
from extractor.tables.flat import parse_flat
from extractor.tables.grid import parse_grid
from extractor.tables.kinds import PERFORMANCE
from extractor.tables.locate import prose_lines, segment
from extractor.tables.performance import flat_project, parse_performance
from extractor.tables.words import lay_out
from schemas import (
    BudgetDocument,
    DocumentMeta,
    Finding,
    PerformanceHeader,
    SourceDocument,
    Table,
    TableKind,
    TableRegion,
)

if TYPE_CHECKING:
    from extractor.llm.client import LlmClient

log = logging.getLogger(__name__)
_BUDGET_WORDS = re.compile(r"部门预算|部门决算|预算公开|决算公开|单位预算|预算表|决算表")
_DISCLOSURE_PARTS = re.compile(r"部门概况|单位概况|主要职能|机构设置|(预算|决算)情况说明|名词解释")
_STATED_AMOUNT = re.compile(r"\d[\d,]*(?:\.\d+)?\s*(?:万元|元|亿元)")


def doc_id_for(path: str | Path) -> str:
    """The default document id: the file name without its suffix."""
    return Path(path).stem


def extract(
    path: str | Path,
    doc_id: str | None = None,
    llm: LlmClient | None = None,
    *,
    max_pages: int | None = MAX_PAGES,
    max_bytes: int | None = MAX_BYTES,
    timeout_s: float | None = TIMEOUT_S,
    on_page: Callable[[int, int], None] | None = None,
) -> BudgetDocument:
    """Extract one disclosure (PDF or text rendering) into a validated ``BudgetDocument``.

    With ``llm`` (an ``extractor.llm.LlmClient``) the LLM layer refines the narrative; without
    it the rules run alone. Raises ``ExtractionError`` (one line: file and reason) when the
    file cannot be read or is not a budget disclosure, and its subclass
    ``extractor.limits.LimitExceeded`` when it has more than ``max_pages`` pages (default 400), more
    than ``max_bytes`` bytes (default 32 MiB) or takes more than ``timeout_s`` seconds (default
    300); None lifts a limit. ``on_page(done, total)`` is called after each PDF page.
    """
    name = str(path)
    with time_limit(name, timeout_s) as check:

        def page_done(done: int, total: int) -> None:
            if on_page is not None:
                on_page(done, total)
            check()  # where no timer signal can be used, the limit is checked between pages

        start = time.perf_counter()
        source = ingest(path, max_pages=max_pages, max_bytes=max_bytes, on_page=page_done)
        log.debug(
            "%s: ingested %d lines, %s pages (%.2f s)",
            name,
            len(source.lines),
            source.page_count,
            time.perf_counter() - start,
        )
        check()
        doc = extract_source(source, doc_id or doc_id_for(path), llm)
        log.debug("%s: extracted (%.2f s in all)", name, time.perf_counter() - start)
        return doc


def extract_source(source: SourceDocument, doc_id: str, llm: LlmClient | None = None) -> BudgetDocument:
    """The stages after ingest, on an already ingested document."""
    seg = segment(source)
    if not seg.regions:
        text = " ".join(line.text for line in source.lines[:400])
        if not _BUDGET_WORDS.search(text):
            raise ExtractionError(
                source.path, "not a budget disclosure (no 部门预算/决算 tables or wording found)"
            )
        # Without tables, a disclosure still has its parts and its amounts: a file that merely
        # talks about budgets (a README, a notice) is not a narrative-only volume.
        if not (_DISCLOSURE_PARTS.search(text) and _STATED_AMOUNT.search(text)):
            raise ExtractionError(
                source.path,
                "not a budget disclosure (no table, and no 部门概况/情况说明 part stating amounts)",
            )
    findings: list[Finding] = [
        Finding(check="ingest_warning", severity="warning", message=w) for w in source.warnings
    ]
    units = Counter(r.unit for r in seg.regions if r.unit)
    default_unit = units.most_common(1)[0][0] if units else "万元"
    tables = [_parse_region(r, default_unit, findings) for r in seg.regions]
    if not seg.regions:
        where = seg.separately
        findings.append(
            Finding(
                check="no_tables",
                severity="warning",
                message=(
                    f"narrative-only volume: no table in this file; it says “{where.text.strip()}”"
                    if where
                    else "narrative-only volume: budget wording found but no table is printed in this file"
                ),
                provenance=where.provenance if where else None,
            )
        )
    for conflict in seg.conflicts:
        findings.append(Finding(check="metadata_conflict", severity="warning", message=conflict))
    text_lines = prose_lines(source, seg.regions)
    tally = CheckTally()
    findings += validate(tables, text_lines, seg.doc_kind, tally)
    narrative, narrative_findings = extract_narrative(
        text_lines, tables, seg.regions, seg.doc_kind, llm, seg.year
    )
    findings += narrative_findings
    meta = DocumentMeta(
        doc_id=doc_id,
        source_file=source.path,
        source_format=source.format,
        department=seg.department,
        year=seg.year,
        doc_kind=seg.doc_kind,  # type: ignore[arg-type]
        disclosure_level=seg.disclosure_level,  # type: ignore[arg-type]
        template_family=seg.template_family,  # type: ignore[arg-type]
        tables_published_separately=seg.separately.text.strip() if seg.separately else None,
        page_count=source.page_count,
        extractor_version=__version__,
        coverage=measure(source, seg.regions, tables, tally),
    )
    summary = llm_summary(source.path, narrative.llm)
    if summary is not None:
        log.log(*summary)
    doc = BudgetDocument(meta=meta, tables=tables, narrative=narrative, findings=findings)
    doc.audit = audit_document(doc, source)
    return doc


def _parse_region(region: TableRegion, default_unit: str, findings: list[Finding]) -> Table:
    kind = TableKind(region.kind)
    pages = sorted({line.provenance.page for line in region.lines if line.provenance.page})
    table = Table(
        table_no=region.table_no,
        title=region.title,
        kind=kind,
        unit=region.unit,
        pages=pages,
        empty=region.empty_statement is not None,
        empty_statement=region.empty_statement.text if region.empty_statement else None,
        provenance=region.title_line.provenance,
    )
    ref = table_ref(table)
    if kind in PERFORMANCE:
        if not any(line.cells for line in region.lines):
            table.parse_status = "failed"
            # The header row's fields still read in column order (the LLM is asked only without one).
            lines = [line.text for line in region.lines]
            if kind == TableKind.project_performance and (project := flat_project(lines)):
                table.performance_header = PerformanceHeader(project=project)
            findings.append(
                table_finding(
                    table,
                    "performance_grid_lost",
                    "warning",
                    "the indicator grid was flattened in this rendering; rows need the LLM layer",
                )
            )
            return table
        header, indicators, problems = parse_performance(region.lines)
        table.performance_header, table.indicators = header, indicators
        for p in problems:
            findings.append(Finding(check="performance_row", severity="warning", tables=[ref], message=p))
        return table
    unit = region.unit
    if unit is None:
        unit = default_unit  # type: ignore[assignment]
        table.unit = unit
        findings.append(
            table_finding(
                table,
                "unit_assumed",
                "warning",
                f"no 单位 line; assumed {unit} (the document's other tables)",
            )
        )
    has_grid = any(line.cells is not None for line in region.lines)
    if not has_grid and any(line.words for line in region.lines):
        layout = lay_out(region.lines)
        result = parse_grid(kind, layout.rows, unit, ref, paths=layout.paths)  # type: ignore[arg-type]
        result.findings.extend(
            Finding(check="layout_warning", severity="warning", tables=[ref], message=f"{ref}: {m}")
            for m in layout.notes
        )
    elif has_grid:
        result = parse_grid(kind, region.lines, unit, ref)  # type: ignore[arg-type]
    else:
        result = parse_flat(kind, region.lines, unit, ref)  # type: ignore[arg-type]
    table.columns, table.rows = result.columns, result.rows
    table.parse_status = result.status  # type: ignore[assignment]
    findings.extend(result.findings)
    has_values = any(c.value is not None for r in table.rows for c in r.cells)
    if table.empty and has_values:
        findings.append(
            table_finding(
                table,
                "empty_table_has_values",
                "warning",
                f"stated empty (“{table.empty_statement}”) but has values",
                located=False,
            )
        )
    if not table.empty and not has_values and not _prints_amounts(region):
        # Headers (and perhaps an empty 合计 row) with no amount anywhere: printed empty.
        table.empty = True
        findings.append(
            table_finding(
                table,
                "empty_table_unexplained",
                "warning",
                "printed with headers only: no amount and no sentence saying why it is empty",
            )
        )
    elif not table.empty and not table.rows:
        table.parse_status = "failed"
        findings.append(
            table_finding(table, "table_unparsed", "error", "located but no data row could be parsed")
        )
    return table


def _prints_amounts(region: TableRegion) -> bool:
    """Does any line of the region print a money amount (a number with decimals)?"""
    return any(DECIMAL_AMOUNT.search(line.text) for line in region.lines)
