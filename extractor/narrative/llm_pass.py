"""The LLM pass of the narrative stage: refine the rules' narrative and fill its gaps, in place.

Loaded only when an endpoint is configured (``stage.extract_narrative``).
"""

from __future__ import annotations

from extractor.llm.client import LlmClient
from extractor.llm.indicator_rows import indicator_rows, project_name
from extractor.llm.prompts import prompt_versions
from extractor.llm.tasks import (
    LlmContext,
    locate_in_order,
    policy_documents,
    split_reasons,
    statement_spans,
    unmatched_changes,
)
from extractor.narrative.merge import merge_policy_documents, merge_reasons
from extractor.narrative.text import NarrativeText
from extractor.tables.checks import table_finding
from extractor.tables.kinds import PERFORMANCE
from schemas import (
    Finding,
    LlmRun,
    Narrative,
    PerformanceHeader,
    Table,
    TableKind,
    TableRegion,
)


def refine(
    llm: LlmClient, text: NarrativeText, narrative: Narrative, tables: list[Table], regions: list[TableRegion]
) -> list[Finding]:
    """Record the run's settings in ``narrative.llm`` and run every LLM task; returns findings."""
    narrative.llm = _llm_run(llm)
    return _with_llm(LlmContext(text, llm, narrative.llm.usage), narrative, tables, regions)


def _llm_run(llm: LlmClient) -> LlmRun:
    s = llm.settings
    return LlmRun(
        enabled=True,
        status="ok",
        model=s.model,
        endpoint=s.endpoint_host,
        mode=s.mode,
        prompt_versions=prompt_versions(),
    )


def _with_llm(
    ctx: LlmContext, narrative: Narrative, tables: list[Table], regions: list[TableRegion]
) -> list[Finding]:
    findings: list[Finding] = []
    statements = statement_spans(ctx, narrative.changes)  # merging reasons leaves statements as they are
    reasons = split_reasons(ctx, narrative.changes, statements)
    for i, change in enumerate(narrative.changes):
        findings += merge_reasons(change, reasons.get(i))
    bases = locate_in_order(ctx.grounder, [p.policy_basis for p in narrative.projects])
    for project, window in zip(narrative.projects, bases, strict=True):
        if project.policy_basis:
            merge_policy_documents(project, policy_documents(ctx, project.policy_basis, window))
    narrative.changes += unmatched_changes(ctx, narrative.changes, statements)
    for table, region in zip(tables, regions, strict=True):
        if table.kind in PERFORMANCE and table.parse_status == "failed":
            findings += recover_indicators(ctx, table, region)
            if table.kind == TableKind.project_performance and not (
                table.performance_header and table.performance_header.project
            ):
                lines = [line.text for line in region.lines if line.text.strip()]
                if name := project_name(ctx, lines):
                    header = table.performance_header or PerformanceHeader()
                    table.performance_header = header.model_copy(update={"project": name})
    usage, run = ctx.usage, narrative.llm
    if usage.failures:
        failed = sum(usage.failures.values())
        sent_and_failed = failed - usage.failures.get("cache_miss_offline", 0)
        answered = usage.cache_hits + usage.calls - sent_and_failed
        run.status = "partial" if answered > 0 else "failed"
        findings.append(
            Finding(
                check="llm_fallback",
                severity="warning",
                message=f"LLM calls failed ({usage.failures}); the rules' results are used where it failed",
            )
        )
    if usage.ungrounded_dropped:
        run.notes.append(f"{usage.ungrounded_dropped} LLM items not found in the source text were dropped")
    return findings


def recover_indicators(ctx: LlmContext, table: Table, region: TableRegion) -> list[Finding]:
    """Indicators of a 绩效目标表 whose grid was lost, by the LLM one row at a time, in place."""
    lines = [line.text for line in region.lines if line.text.strip()]
    found = indicator_rows(ctx, lines, table.provenance)
    if found is None:
        return []
    table.indicators = found
    table.parse_status = "partial"
    what = f"{len(found)} indicator rows rebuilt by the LLM from flattened text; check them"
    return [table_finding(table, "indicators_from_llm", "warning", what)]
