"""The whole extracted document: the contract every stage and export shares."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

from schemas.audit import Audit
from schemas.findings import Finding
from schemas.narrative import Narrative
from schemas.tables import Table

DocKind = Literal["budget", "final_accounts"]
TemplateFamily = Literal["national", "shanghai", "jiangsu", "final_accounts", "unknown"]
DisclosureLevel = Literal["department", "unit"]


class CoverageMiss(BaseModel):
    """A money amount printed on a table page that no fact holds."""

    page: int | None
    line: int | None
    text: str
    bbox: tuple[float, float, float, float] | None = None


class Coverage(BaseModel):
    """Label-free coverage of one document: of the money amounts printed on the pages (or, in a
    text rendering, the lines) that hold tables, how many reached a fact; and of the identity checks
    that could run, how many hold. Needs no gold: this is how a corpus nobody labelled shows where
    extraction fell short."""

    amounts_printed: int = 0
    amounts_captured: int = 0
    share: float | None = None
    misses: list[CoverageMiss] = []
    identity_checks: int = 0
    identity_holds: int = 0
    identity_share: float | None = None


class DocumentMeta(BaseModel):
    """Document-level facts. ``doc_kind``: budget = 部门预算, final_accounts = 部门决算;
    ``disclosure_level``: a 部门 (department, consolidated) or 单位 (one unit) disclosure.
    ``tables_published_separately`` keeps the sentence of a narrative-only volume that says where
    its tables are ("具体公开表样附后")."""

    doc_id: str
    source_file: str
    source_format: Literal["pdf", "text"]
    department: str | None = None
    year: int | None = None
    doc_kind: DocKind | None = None
    disclosure_level: DisclosureLevel | None = None
    template_family: TemplateFamily = "unknown"
    tables_published_separately: str | None = None
    publication_date: date | None = None
    page_count: int | None = None
    extractor_version: str
    coverage: Coverage = Coverage()


class BudgetDocument(BaseModel):
    """Everything extracted from one disclosure."""

    meta: DocumentMeta
    tables: list[Table]
    narrative: Narrative = Narrative()
    findings: list[Finding]
    audit: Audit | None = None
