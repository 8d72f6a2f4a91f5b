"""The narrative stage: change statements, reasons and projects, by rules and (optionally) the LLM."""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractor.narrative.changes import find_changes
from extractor.narrative.checks import check_changes, check_project_years
from extractor.narrative.projects import find_projects
from extractor.narrative.text import build_narrative_text
from schemas import Finding, Narrative, SourceLine, Table, TableRegion

if TYPE_CHECKING:
    from extractor.llm.client import LlmClient


def extract_narrative(
    text_lines: list[SourceLine],
    tables: list[Table],
    regions: list[TableRegion],
    doc_kind: str | None,
    llm: LlmClient | None = None,
    year: int | None = None,
) -> tuple[Narrative, list[Finding]]:
    """Rules first; then, if an endpoint is configured, the LLM refines and fills gaps.
    ``year`` is the document's year, for the checks of printed years.

    ``tables`` and ``regions`` are parallel (one table per region); performance tables whose
    grid was lost get their indicators from the LLM, in place.
    """
    text = build_narrative_text(text_lines)
    changes = find_changes(text, tables, doc_kind)
    projects, findings = find_projects(text, tables)
    narrative = Narrative(changes=changes, projects=projects)
    if llm is None:
        narrative.llm.notes.append("no LLM endpoint configured: rules only")
    else:
        # Imported here: rules-only runs, and every pool worker of one, never load the LLM layer.
        from extractor.narrative.llm_pass import refine

        findings += refine(llm, text, narrative, tables, regions)
    # After the merge, so statements the LLM added are checked like the rules' ones.
    findings += check_changes(narrative.changes, tables, doc_kind, year)
    findings += check_project_years(narrative.projects, year)
    return narrative, findings
