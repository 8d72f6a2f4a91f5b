"""Response models of the LLM layer: what a model must return, validated before use.

Kept small and flat because small and JSON-mode models follow flat schemas best. Every text
field is meant to be copied from the document; the grounding step rejects what is not.
Numbers come back as strings and are parsed by the caller, so "1,085" or "12.50" never
round-trip through a float.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from schemas.narrative import ReasonCategory


class ReasonItem(BaseModel):
    """One atomic reason copied from the reason text, with its category."""

    text: str = Field(description="copied verbatim from the reason text")
    category: ReasonCategory


class ReasonSplit(BaseModel):
    """The atomic reasons of one numbered reason text."""

    id: int = Field(description="the number given to the reason text in the request")
    reasons: list[ReasonItem]


class ReasonList(BaseModel):
    """Answer of the ``change_reasons`` prompt for one reason text (v2: one item per request)."""

    reasons: list[ReasonItem]


class ReasonSplits(BaseModel):
    """Answer of the ``change_reasons`` prompt."""

    items: list[ReasonSplit]


class PolicyDocumentItem(BaseModel):
    """A cited document: title without 《》, 文号 as printed, issuer if the text names it."""

    title: str | None = None
    doc_number: str | None = None
    issuer: str | None = None


class PolicyDocuments(BaseModel):
    """Answer of the ``policy_documents`` prompt."""

    documents: list[PolicyDocumentItem]


class IndicatorItem(BaseModel):
    """One indicator row of a 绩效目标表 whose grid was lost."""

    level1: str | None = Field(default=None, description="一级指标")
    level2: str | None = Field(default=None, description="二级指标")
    level3: str = Field(description="三级指标 (the indicator name)")
    value: str | None = Field(default=None, description="指标值 as printed, e.g. '≥95%'")
    basis: str | None = Field(default=None, description="指标值设置依据")
    last_year_value: str | None = Field(default=None, description="上年完成值")
    weight: str | None = Field(default=None, description="指标分值权重")
    scoring_rule: str | None = Field(default=None, description="赋分规则")
    evidence: str | None = Field(default=None, description="佐证资料")


class Indicators(BaseModel):
    """Answer of the ``indicators`` prompt."""

    project: str | None = Field(default=None, description="项目名称 as printed; null for 部门整体绩效目标表")
    indicators: list[IndicatorItem]


class ChangeItem(BaseModel):
    """A change statement the rules did not match."""

    subject: str = Field(description="what changed, copied from the text")
    amount: str | None = Field(default=None, description="this year's amount as printed")
    delta: str | None = Field(default=None, description="the change in amount as printed, '-' if decreased")
    growth_percent: str | None = Field(default=None, description="the growth percent, '-' if decreased")
    reason_text: str | None = Field(default=None, description="the reason, copied verbatim")


class Changes(BaseModel):
    """Answer of the ``change_statements`` prompt."""

    changes: list[ChangeItem]


class IndicatorRow(BaseModel):
    """One indicator row of a flattened 绩效目标表, as the numbers of the printed fragments that
    make each cell (v3): a wrapped cell is several fragments, in reading order; [] if not printed."""

    id: int = Field(description="the number of the target line")
    name: list[int] = Field(description="三级指标")
    value: list[int] = Field(default_factory=list, description="指标值")
    basis: list[int] = Field(default_factory=list, description="指标值设置依据")
    last_year_value: list[int] = Field(default_factory=list, description="上年完成值")
    weight: list[int] = Field(default_factory=list, description="指标分值权重")
    scoring_rule: list[int] = Field(default_factory=list, description="赋分规则")
    evidence: list[int] = Field(default_factory=list, description="佐证资料")


class IndicatorRows(BaseModel):
    """Answer of the ``indicators`` prompt v3."""

    rows: list[IndicatorRow]


class ProjectName(BaseModel):
    """Answer of the ``performance_project`` prompt: the fragments of the 项目名称 cell."""

    project: list[int]
