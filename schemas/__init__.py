"""Pydantic models: the single contract between ingest, parsing, validation, evals and exports."""

from schemas.audit import Audit, AuditCheck, AuditEvidence, AuditItem, AuditStatus
from schemas.columns import COLUMNS, ColumnDef
from schemas.document import BudgetDocument, Coverage, CoverageMiss, DocKind, DocumentMeta, TemplateFamily
from schemas.findings import Finding, Severity
from schemas.narrative import (
    REASON_CATEGORIES,
    Allocation,
    ChangeStatement,
    LlmRun,
    LlmUsage,
    Narrative,
    PolicyDocument,
    Project,
    Reason,
    TaskUsage,
)
from schemas.provenance import Origin, Provenance
from schemas.source import SourceDocument, SourceFormat, SourceLine, TableRegion
from schemas.tables import (
    Cell,
    Column,
    Indicator,
    PerformanceHeader,
    Row,
    Table,
    TableKind,
    Unit,
)

__all__ = [
    "Audit",
    "AuditCheck",
    "AuditEvidence",
    "AuditItem",
    "AuditStatus",
    "REASON_CATEGORIES",
    "Allocation",
    "ChangeStatement",
    "LlmRun",
    "LlmUsage",
    "TaskUsage",
    "Narrative",
    "Origin",
    "PolicyDocument",
    "Project",
    "Reason",
    "COLUMNS",
    "BudgetDocument",
    "Coverage",
    "CoverageMiss",
    "Cell",
    "Column",
    "ColumnDef",
    "DocKind",
    "DocumentMeta",
    "Finding",
    "Indicator",
    "PerformanceHeader",
    "Provenance",
    "Row",
    "Severity",
    "SourceDocument",
    "SourceFormat",
    "SourceLine",
    "Table",
    "TableRegion",
    "TableKind",
    "TemplateFamily",
    "Unit",
]
