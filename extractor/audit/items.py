"""The items a disclosure must contain, by template family and document kind, and how each is found.

Which template requires what (from the templates' own 目录 and the official 检查表):

* ``shanghai`` 预算 (上海市区级部门预算, e.g. 普陀区司法局 2026; the 17 items of the official
  《部门预算公开情况检查表》): 封面, 目录, 主要职能, 机构设置, 名词解释, 预算编制说明, the nine tables
  (财务收支预算总表 … “三公”经费和机关运行经费预算表), 其他相关情况说明 (holding “三公”经费, 机关运行经费,
  政府采购, 绩效目标, 国有资产占有使用) and 项目经费情况说明.
* ``national`` 预算 (the 财政部 template the Xinjiang seeds follow): 封面, 目录, 主要职能, 机构设置
  (人员情况 where printed: seed 001 has it, 002 not), the ten tables (收支总体 … 财政拨款“三公”经费支出情况表; 上年结转结余 and 委托业务费 where
  printed), 预算情况说明, “三公”经费, 机关(单位)运行经费, 政府采购, 国有资产占用, 预算绩效, 名词解释.
* ``jiangsu`` 预算 (江苏省级部门预算 2017–2019): 主要职能, 机构设置, 预算情况说明, the twelve tables
  (收支预算总表 … 政府采购支出预算表), “三公”经费, 机关运行经费, 政府采购, 名词解释. Its 目录 lists no
  封面 or 绩效/国有资产 item in every year, so those are checked where printed, not required.
  The province publishes the narrative and the tables as two volumes: a volume that says its tables
  are published separately ("具体公开表样附后") has its tables ``not-judged``, and a table volume
  (tables, no narrative part) has its narrative items ``not-judged``.
* 决算 (any family; 上海 普陀区财政局 2024): 封面, 目录, 主要职能, 机构设置/单位构成, the nine
  决算 tables, 决算情况说明, “三公”经费, 机关运行经费, 政府采购, 国有资产占有使用, 绩效管理, 名词解释.

及时性 (published on time) can never be judged from the text: it is always ``not-judged``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas import TableKind


@dataclass(frozen=True)
class ItemDef:
    """One item: ``heading`` finds a section item by its heading; ``table`` a table item by kind."""

    item: str
    label: str
    heading: re.Pattern[str] | None = None
    table: TableKind | None = None
    category: str = "内容规范性"


def _h(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


SECTION_ITEMS: dict[str, ItemDef] = {
    d.item: d
    for d in (
        ItemDef("timeliness", "及时公开", category="及时性"),
        ItemDef("cover", "封面"),
        ItemDef("toc", "目录", _h(r"^目\s*录$|^目\s*次$")),
        ItemDef("functions", "主要职能", _h(r"主要职能|主要职责|部门职责")),
        ItemDef("organisation", "机构设置", _h(r"机构设置|单位构成|机构情况")),
        ItemDef("staff", "人员情况", _h(r"人员情况|人员构成")),
        ItemDef("glossary", "名词解释", _h(r"名词解释|名称解释")),
        ItemDef(
            "explanation",
            "预算(决算)编制/情况说明",
            _h(r"部门(?:预算|决算)(?:编制|情况)(?:说明)?|(?:预算|决算)编制说明|(?:收支|部门)(?:预算|决算)情况的?总体说明"),
        ),
        ItemDef("three_public_note", "“三公”经费说明", _h(r"三公.{0,15}(?:预算|决算|支出).{0,10}说明|三公.{0,3}经费.{0,12}情况说明")),
        ItemDef("admin_operation_note", "机关运行经费说明", _h(r"(?:机关|单位)运行经费")),
        ItemDef("procurement", "政府采购", _h(r"政府采购")),
        ItemDef("state_assets", "国有资产占用", _h(r"国有资产占[用有]")),
        ItemDef("performance", "绩效目标", _h(r"绩效目标|预算绩效|绩效管理|绩效情况")),
        ItemDef("other_note", "其他相关说明", _h(r"其他相关(?:情况)?说明|其他重要事项")),
        ItemDef("project_note", "项目经费情况说明", _h(r"项目(?:经费)?情况说明|项目.{0,12}经费情况说明")),
    )
}

_T = TableKind
TABLE_LABELS: dict[str, dict[TableKind, str]] = {
    # label per family: the names the family's own 目录 and 检查表 use
    "shanghai": {
        _T.budget_summary: "《部门财务收支预算总表》",
        _T.revenue_summary: "《部门收入预算总表》",
        _T.expenditure_summary: "《部门支出预算总表》",
        _T.fiscal_summary: "《部门财政拨款收支预算总表》",
        _T.general_public_expenditure: "《部门一般公共预算支出功能分类预算表》",
        _T.government_fund_expenditure: "《部门政府性基金预算支出功能分类预算表》",
        _T.state_capital_expenditure: "《国有资本经营预算支出功能分类预算表》",
        _T.basic_expenditure: "《部门一般公共预算基本支出部门预算经济分类预算表》",
        _T.three_public: "《部门“三公”经费和机关运行经费预算表》",
    },
    "national": {
        _T.budget_summary: "《部门收支总体情况表》",
        _T.revenue_summary: "《部门收入总体情况表》",
        _T.expenditure_summary: "《部门支出总体情况表》",
        _T.fiscal_summary: "《财政拨款收支预算总体情况表》",
        _T.general_public_expenditure: "《一般公共预算支出情况表》",
        _T.basic_expenditure: "《一般公共预算基本支出情况表》",
        _T.project_expenditure: "《一般公共预算项目支出情况表》",
        _T.government_fund_expenditure: "《政府性基金预算支出情况表》",
        _T.state_capital_expenditure: "《国有资本经营预算支出情况表》",
        _T.three_public: "《财政拨款“三公”经费支出情况表》",
    },
    "jiangsu": {
        _T.budget_summary: "《收支预算总表》",
        _T.revenue_summary: "《收入预算总表》",
        _T.expenditure_summary: "《支出预算总表》",
        _T.fiscal_summary: "《财政拨款收支预算总表》",
        _T.fiscal_expenditure: "《财政拨款支出预算表》",
        _T.fiscal_basic_expenditure: "《财政拨款基本支出预算表》",
        _T.government_fund_expenditure: "《政府性基金支出预算表》",
        _T.general_public_expenditure: "《一般公共预算支出预算表》",
        _T.basic_expenditure: "《一般公共预算基本支出预算表》",
        _T.admin_operation: "《一般公共预算机关运行经费支出预算表》",
        _T.three_public: "《一般公共预算“三公”经费、会议费、培训费支出预算表》",
        _T.government_procurement: "《政府采购支出预算表》",
    },
    "final_accounts": {
        _T.budget_summary: "《收入支出决算总表》",
        _T.revenue_summary: "《收入决算表》",
        _T.expenditure_summary: "《支出决算表》",
        _T.fiscal_summary: "《财政拨款收入支出决算总表》",
        _T.general_public_expenditure: "《一般公共预算财政拨款支出决算表》",
        _T.basic_expenditure: "《一般公共预算财政拨款基本支出决算表》",
        _T.three_public: "《财政拨款“三公”经费支出决算表》",
        _T.government_fund_expenditure: "《政府性基金预算财政拨款收入支出决算表》",
        _T.state_capital_expenditure: "《国有资本经营预算财政拨款收入支出决算表》",
    },
}

OPTIONAL_TABLES: dict[str, tuple[TableKind, ...]] = {
    "national": (_T.carryover, _T.entrusted_business, _T.department_performance, _T.project_performance),
}
"""Tables a family prints in some volumes only: audited where printed, never required."""


@dataclass(frozen=True)
class Requirement:
    """The items one template family and kind requires, in the order of its 检查表; ``parents`` rolls
    sub-items up into the 检查表 row that holds them (上海: 其他相关说明)."""

    template: str
    sections: tuple[str, ...]
    optional: tuple[str, ...]
    parents: dict[str, str]


_NARRATIVE_NOTES = ("three_public_note", "admin_operation_note", "procurement", "state_assets", "performance")

REQUIREMENTS: dict[tuple[str, str], Requirement] = {
    ("shanghai", "budget"): Requirement(
        "shanghai/预算",
        ("timeliness", "cover", "toc", "functions", "organisation", "glossary", "explanation",
         "other_note", *_NARRATIVE_NOTES, "project_note"),
        (),
        {n: "other_note" for n in _NARRATIVE_NOTES},
    ),
    ("national", "budget"): Requirement(
        "national/预算",
        ("timeliness", "cover", "toc", "functions", "organisation", "explanation",
         *_NARRATIVE_NOTES, "glossary"),
        ("staff", "other_note", "project_note"),
        {},
    ),
    ("jiangsu", "budget"): Requirement(
        "jiangsu/预算",
        ("timeliness", "functions", "organisation", "explanation", "three_public_note",
         "admin_operation_note", "procurement", "glossary"),
        ("cover", "toc", "performance", "state_assets", "other_note", "project_note"),
        {},
    ),
    ("final_accounts", "final_accounts"): Requirement(
        "决算",
        ("timeliness", "cover", "toc", "functions", "organisation", "explanation", *_NARRATIVE_NOTES,
         "glossary"),
        ("other_note", "project_note"),
        {},
    ),
}

EXPLANATION_LABELS = {
    "shanghai/预算": "预算编制说明",
    "national/预算": "部门预算情况说明",
    "jiangsu/预算": "部门预算情况说明",
    "决算": "部门决算情况说明",
}


def item_label(template: str, item: str) -> str:
    """The label an item carries in a template's 检查表."""
    if item == "explanation":
        return EXPLANATION_LABELS.get(template, SECTION_ITEMS[item].label)
    return SECTION_ITEMS[item].label


NARRATIVE_ITEMS = frozenset(SECTION_ITEMS) - {"timeliness", "cover", "toc"}


def requirement_for(family: str, doc_kind: str | None) -> Requirement:
    """The requirement list of a document: its family's, a 决算 of any family the 决算 list; a family
    we have no list for gets the national list (the 财政部 template the others derive from)."""
    if doc_kind == "final_accounts":
        return REQUIREMENTS[("final_accounts", "final_accounts")]
    return REQUIREMENTS.get((family, "budget"), REQUIREMENTS[("national", "budget")])


def table_labels(family: str, doc_kind: str | None) -> dict[TableKind, str]:
    """The required tables of a family and kind, with their labels."""
    if doc_kind == "final_accounts":
        return TABLE_LABELS["final_accounts"]
    return TABLE_LABELS.get(family, TABLE_LABELS["national"])
