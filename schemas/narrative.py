"""The narrative part of a disclosure: change statements and their reasons, projects and their
policy bases, and how the LLM layer (if any) took part.

Every extracted text is verbatim from the document and carries a ``Provenance``; every field
that a rule or the LLM can fill records which one did (``origin``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from schemas.provenance import Origin, Provenance
from schemas.tables import Unit

ReasonCategory = Literal[
    "personnel_change",  # 人员增减、在职转退休、编制变化
    "pay_standard_adjustment",  # 工资调整、缴费基数/标准调整
    "classification_change",  # 科目调整、列支口径、会计核算变化
    "project_added",  # 新增项目
    "project_ended",  # 项目结束、一次性经费、本年无此预算
    "project_changed",  # 项目规模/内容变化
    "transfer_uncertainty",  # 上级转移支付/资金下达不确定
    "carryover_change",  # 结转结余变化
    "austerity_unchanged",  # 厉行节约、压减、与上年持平
    "other",
]
REASON_CATEGORIES: tuple[str, ...] = ReasonCategory.__args__  # type: ignore[attr-defined]

ChangeSection = Literal[
    "revenue",  # 收入预算情况说明
    "expenditure",  # 支出预算情况说明
    "fiscal",  # 财政拨款收支总体情况
    "general_public_appropriation",  # 一般公共预算当年拨款 (基本/项目支出)
    "functional_item",  # 一般公共预算当年拨款 by 功能分类 (类)(款)(项)
    "three_public",  # "三公"经费
    "admin_operation",  # 机关运行经费
    "carryover",  # 上年结转结余
    "other",
]
SubjectKind = Literal[
    "revenue_total",
    "revenue_source",
    "expenditure_total",
    "basic_expenditure",
    "project_expenditure",
    "fiscal_total",
    "functional_item",
    "three_public_total",
    "three_public_item",
    "admin_operation",
    "carryover",
    "other",
]
ChangeStatus = Literal["changed", "unchanged", "not_arranged"]
ComparisonBase = Literal["上年预算", "上年预算执行数", "上年决算", "年初预算"]


class Reason(BaseModel):
    """One atomic reason: a verbatim span of the reason text and its category."""

    text: str
    category: ReasonCategory
    origin: Origin = "rule"
    provenance: Provenance | None = None


class ChangeStatement(BaseModel):
    """A statement explaining an amount against last year.

    Amounts are in ``unit`` as printed (``*_wan`` normalised to 万元); ``delta`` is signed
    (减少 → negative); ``growth_percent`` is signed and in percent. Anything the text does
    not print stays None.
    """

    section: ChangeSection
    subject: str
    subject_kind: SubjectKind
    code: str | None = None
    amount: Decimal | None = None
    unit: Unit = "万元"
    amount_wan: Decimal | None = None
    share_percent: Decimal | None = None
    previous_amount: Decimal | None = Field(
        default=None, description="last year's amount where printed (预算执行数为 p 万元), in ``unit``"
    )
    delta: Decimal | None = None
    delta_wan: Decimal | None = None
    growth_percent: Decimal | None = None
    base: ComparisonBase | None = None
    status: ChangeStatus
    statement_text: str
    reason_text: str | None = None
    reasons: list[Reason] = []
    table_rows: list[str] = Field(
        default=[], description="row references (see validate.row_ref) of the table rows this matches"
    )
    origin: dict[str, Origin] = Field(default={}, description="field name → who filled it")
    provenance: Provenance


class PolicyDocument(BaseModel):
    """A document cited as policy basis: title (inside 《》), 文号 verbatim and normalised."""

    title: str | None = None
    doc_number: str | None = None
    doc_number_normalized: str | None = None
    issuer: str | None = None
    origin: Origin = "rule"
    provenance: Provenance | None = None


class Allocation(BaseModel):
    """One 资金分配 item of a project."""

    purpose: str
    amount: Decimal | None = None
    unit: Unit = "万元"
    amount_wan: Decimal | None = None
    provenance: Provenance | None = None


class Project(BaseModel):
    """A funded project as described in the 项目支出情况说明 / 项目经费情况说明."""

    name: str
    policy_basis: str | None = None
    policy_documents: list[PolicyDocument] = []
    budget_amount: Decimal | None = None
    unit: Unit = "万元"
    budget_amount_wan: Decimal | None = None
    implementing_unit: str | None = None
    allocations: list[Allocation] = []
    start_date: date | None = None
    end_date: date | None = None
    table_row: str | None = Field(default=None, description="row reference in the 项目支出表, if found")
    performance_table: str | None = Field(
        default=None, description="table reference of its 项目支出绩效目标表, if found"
    )
    origin: dict[str, Origin] = {}
    provenance: Provenance


class TaskUsage(BaseModel):
    """What one task of the LLM layer cost for one document."""

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0
    failures: int = 0
    seconds: float = 0.0


class LlmUsage(BaseModel):
    """What the LLM layer cost for one document. ``calls`` counts requests made (a cache hit is
    not a call); ``retries`` counts the extra HTTP attempts inside them (transport retries and
    validation re-asks)."""

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    retries: int = 0
    failures: dict[str, int] = Field(
        default={}, description="failure kind (timeout, rate_limit, invalid_json, schema, empty, …) → count"
    )
    grounded: int = Field(default=0, description="LLM items found verbatim in the source")
    ungrounded_dropped: int = Field(default=0, description="LLM items not found in the source, dropped")
    dropped: dict[str, int] = Field(
        default={},
        description="LLM items or fields dropped by grounding, by reason (not_in_source, title_not_in_brackets, "
        "doc_number_shape, name_is_a_level_label, name_is_another_column, level_not_a_header, "
        "value_outside_row, number_not_printed, duplicate_of_rule)",
    )
    tasks: dict[str, TaskUsage] = Field(default={}, description="the same counts per task (change_reasons, …)")


class LlmRun(BaseModel):
    """How the LLM layer took part in extracting this document."""

    enabled: bool = False
    status: Literal["off", "ok", "partial", "failed"] = "off"
    model: str | None = None
    endpoint: str | None = Field(default=None, description="base URL host (never the key)")
    mode: str | None = None
    prompt_versions: dict[str, str] = {}
    usage: LlmUsage = LlmUsage()
    notes: list[str] = []


class Narrative(BaseModel):
    """Everything extracted from the explanatory text."""

    changes: list[ChangeStatement] = []
    projects: list[Project] = []
    llm: LlmRun = LlmRun()
