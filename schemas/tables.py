"""Typed tables: the numeric grids of a budget disclosure."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel

from schemas.provenance import Origin, Provenance

Unit = Literal["万元", "元", "亿元", "千元"]


class TableKind(StrEnum):
    """Canonical table kinds, whatever the local title (see ``TABLE_TITLES`` in extractor)."""

    budget_summary = "budget_summary"  # 部门收支总体情况表 / 部门财务收支预算总表 / 收入支出决算总表
    revenue_summary = "revenue_summary"  # 部门收入总体情况表 / 部门收入预算总表 / 收入决算表
    expenditure_summary = "expenditure_summary"  # 部门支出总体情况表 / 部门支出预算总表 / 支出决算表
    fiscal_summary = "fiscal_summary"  # 财政拨款收支预算总体情况表 / 部门财政拨款收支预算总表
    general_public_expenditure = "general_public_expenditure"  # 一般公共预算支出(功能分类)…表
    basic_expenditure = "basic_expenditure"  # 一般公共预算基本支出(经济分类)…表
    project_expenditure = "project_expenditure"  # 一般公共预算项目支出情况表
    government_fund_expenditure = "government_fund_expenditure"  # 政府性基金预算支出…表
    state_capital_expenditure = "state_capital_expenditure"  # 国有资本经营预算支出…表
    three_public = "three_public"  # 财政拨款"三公"经费支出情况表 (+ 机关运行经费 where combined)
    entrusted_business = "entrusted_business"  # 财政拨款委托业务费支出情况表
    carryover = "carryover"  # 上年结转结余情况(明细)表
    department_performance = "department_performance"  # 部门整体绩效目标表
    project_performance = "project_performance"  # 项目支出绩效目标表
    fiscal_expenditure = "fiscal_expenditure"  # 财政拨款支出预算表（功能科目） (Jiangsu)
    fiscal_basic_expenditure = "fiscal_basic_expenditure"  # 财政拨款基本支出预算表（经济科目）
    admin_operation = "admin_operation"  # 一般公共预算机关运行经费支出预算表
    government_procurement = "government_procurement"  # 政府采购（支出）预算表
    state_assets = "state_assets"  # 国有资产占用情况表
    other = "other"  # a located table whose title names no known kind: still a table, kept whole


class Cell(BaseModel):
    """One numeric cell. ``value`` is in the table's printed ``unit``; blank stays ``None``."""

    column_id: str
    header: str
    raw: str
    value: Decimal | None
    unit: Unit
    value_wan: Decimal | None
    provenance: Provenance


class Row(BaseModel):
    """One data row of a numeric table.

    ``code`` is the normalised classification code (functional 类/款/项 → "2080505", economic
    类/款 → "30101"); ``label`` is the printed name with ordinals and "其中：" removed, and
    ``printed_label`` keeps the text as printed. ``section`` separates the halves of the
    two-sided summary tables ("income" / "expenditure").
    """

    index: int
    section: Literal["income", "expenditure"] | None = None
    code: str | None = None
    code_level: Literal["类", "款", "项"] | None = None
    code_scheme: Literal["functional", "economic"] | None = None
    label: str
    printed_label: str
    project: str | None = None
    is_total: bool = False
    cells: list[Cell]
    provenance: Provenance

    def value(self, column_id: str) -> Decimal | None:
        """The value of ``column_id`` in this row, or None when blank or absent."""
        for cell in self.cells:
            if cell.column_id == column_id:
                return cell.value
        return None


class Column(BaseModel):
    """A money column: canonical id (see ``schemas.columns``) and its printed header path."""

    column_id: str
    header_path: list[str]


class Indicator(BaseModel):
    """One row of a 绩效目标表 (一级/二级/三级指标 with merged cells filled down)."""

    level1: str | None
    level2: str | None
    level3: str
    value_raw: str | None = None
    operator: Literal[">=", "<=", "=", ">", "<", "qualitative"] | None = None
    number: Decimal | None = None
    unit: str | None = None
    basis: str | None = None
    last_year_value: str | None = None
    weight: Decimal | None = None
    scoring_rule: str | None = None
    evidence: str | None = None
    origin: Origin = "rule"
    provenance: Provenance


class PerformanceHeader(BaseModel):
    """Header fields of a 绩效目标表."""

    unit: str | None = None
    project: str | None = None
    owner: str | None = None
    phone: str | None = None
    budget_total: Decimal | None = None
    fiscal: Decimal | None = None
    other: Decimal | None = None
    goal: str | None = None


class Table(BaseModel):
    """A located and parsed table.

    ``empty`` is True when the document states the table is empty ("…为空表", "没有…支出");
    ``empty_statement`` keeps that sentence. ``parse_status`` is "ok", "partial" (some rows
    could not be placed; see findings) or "failed".
    """

    table_no: str | None
    title: str
    kind: TableKind
    unit: Unit | None
    pages: list[int] = []
    columns: list[Column] = []
    rows: list[Row] = []
    empty: bool = False
    empty_statement: str | None = None
    parse_status: Literal["ok", "partial", "failed"] = "ok"
    performance_header: PerformanceHeader | None = None
    indicators: list[Indicator] = []
    provenance: Provenance
