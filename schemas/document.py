"""The whole extracted document: the contract every stage and export shares."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

from schemas.findings import Finding
from schemas.narrative import Narrative
from schemas.tables import Table

DocKind = Literal["budget", "final_accounts"]
TemplateFamily = Literal["national", "shanghai", "final_accounts", "unknown"]


class DocumentMeta(BaseModel):
    """Document-level facts. ``doc_kind``: budget = 部门预算, final_accounts = 部门决算."""

    doc_id: str
    source_file: str
    source_format: Literal["pdf", "text"]
    department: str | None = None
    year: int | None = None
    doc_kind: DocKind | None = None
    template_family: TemplateFamily = "unknown"
    publication_date: date | None = None
    page_count: int | None = None
    extractor_version: str


class BudgetDocument(BaseModel):
    """Everything extracted from one disclosure."""

    meta: DocumentMeta
    tables: list[Table]
    narrative: Narrative = Narrative()
    findings: list[Finding]
