"""Canonical ids of the money columns, with the printed headers they stand for.

A column's id is the same in every template and document, so facts from different departments
and years line up. ``patterns`` are regular expressions tried, in registry order, against the
column's printed header path joined with ">" (whitespace removed, brackets made full-width);
the first match wins, so specific ids come before general ones. A header that matches nothing
keeps a positional id ``col_<n>`` and raises an ``unknown_column`` finding.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ColumnDef:
    """One canonical money column."""

    id: str
    zh: str
    description: str
    patterns: tuple[str, ...]


def _c(id_: str, zh: str, description: str, *patterns: str) -> ColumnDef:
    return ColumnDef(id_, zh, description, patterns)


COLUMNS: tuple[ColumnDef, ...] = (
    # Shanghai-style 三公 table: items are columns.
    _c("three_public_total", "“三公”经费合计", "三公 total where items are columns", r"三公[^>]*>(合计|小计)$"),
    _c("abroad", "因公出国（境）费", "三公 item as a column", r"三公.*因公出国"),
    _c("reception", "公务接待费", "三公 item as a column", r"三公.*公务接待"),
    _c("vehicle_purchase", "公务用车购置费", "三公 item as a column", r"三公.*(购置费|公务用车购置)$"),
    _c("vehicle_operation", "公务用车运行费", "三公 item as a column", r"三公.*运行(维护)?费$"),
    _c("vehicle", "公务用车购置及运行费（小计）", "三公 item as a column", r"三公.*公务用车购置及运行"),
    _c("admin_operation", "机关运行经费", "机关运行经费 where combined with 三公", r"机关运行经费"),
    # Jiangsu 三公 table: 会议费 and 培训费 beside the 三公 items.
    _c("meeting", "会议费", "meeting expenses as a column", r"会议费$"),
    _c("training", "培训费", "training expenses as a column", r"培训费$"),
    # Carry-over table halves.
    _c("nonfiscal_subtotal", "非财政拨款小计", "carry-over: non-fiscal subtotal", r"非财政拨款>小计$"),
    _c("nonfiscal_personnel", "非财政拨款基本支出人员经费", "carry-over", r"非财政拨款>.*人员经费$"),
    _c("nonfiscal_public_use", "非财政拨款基本支出公用经费", "carry-over", r"非财政拨款>.*公用经费$"),
    _c("nonfiscal_project", "非财政拨款项目支出", "carry-over", r"非财政拨款>.*项目支出$"),
    _c("fiscal_personnel", "财政拨款基本支出人员经费", "carry-over", r"^财政拨款>.*人员经费$"),
    _c("fiscal_public_use", "财政拨款基本支出公用经费", "carry-over", r"^财政拨款>.*公用经费$"),
    _c("fiscal_project", "财政拨款项目支出", "carry-over", r"^财政拨款>.*项目支出$"),
    # Revenue sources.
    _c(
        "fiscal_subtotal",
        "财政拨款（补助）小计",
        "fiscal appropriation subtotal",
        r"财政拨款(（补助）)?>?(（补助）)?小计$",
        r"^财政拨款>小计$",
    ),
    _c(
        "general_public_transfer",
        "上级一般公共预算安排的转移支付",
        "transfer from the upper level",
        r"上级一般公共预算安排",
    ),
    _c(
        "government_fund_transfer",
        "上级政府性基金安排的转移支付",
        "transfer from the upper level",
        r"上级政府性基金安排",
    ),
    _c(
        "state_capital_transfer",
        "上级国有资本经营预算安排的转移支付",
        "transfer from the upper level",
        r"上级国有资本经营预算安排",
    ),
    _c("special_account", "财政专户（教育收费）", "special fiscal account", r"财政专户"),
    _c(
        "public_finance_appropriation",
        "公共财政拨款（补助）资金",
        "general-budget appropriation proper (Jiangsu)",
        r"公共财政拨款（补助）资金$",
    ),
    _c("special_revenue", "专项收入", "earmarked revenue within the general budget (Jiangsu)", r"专项收入$"),
    _c("other_funds", "其他资金", "other funds (Jiangsu)", r"^其他资金$"),
    _c("unit_reserve", "单位预留机动经费", "the unit's contingency reserve (Jiangsu)", r"单位预留机动经费$"),
    _c("carry_forward", "结转下年资金", "funds carried forward to next year", r"结转下年(资金)?$"),
    _c("unit_funds", "单位资金", "the unit's own funds", r"单位资金$"),
    _c("nonfiscal_carryover", "非财政拨款结转结余", "non-fiscal carry-over", r"非财政拨款结转"),
    _c("fiscal_carryover", "财政拨款结转", "fiscal carry-over", r"财政拨款结转"),
    _c("fiscal_appropriation", "财政拨款收入", "fiscal appropriation revenue", r"财政拨款收入$"),
    _c("operating_income", "事业单位经营收入", "operating revenue", r"经营收入$"),
    _c("business_income", "事业收入", "public-institution revenue", r"事业收入$"),
    _c("superior_subsidy", "上级补助收入", "subsidy from the upper level", r"上级补助收入$"),
    _c("affiliated_remittance", "附属单位上缴收入", "remittance of affiliated units", r"附属单位上缴收入$"),
    _c("other_income", "其他收入", "other revenue", r"其他收入$"),
    _c(
        "general_public_budget",
        "一般公共预算",
        "general public budget (source or column)",
        r"一般公共预算(财政拨款|资金)?$",
    ),
    _c("government_fund", "政府性基金预算", "government fund budget", r"政府性基金(预算)?(财政拨款)?$"),
    _c(
        "state_capital",
        "国有资本经营预算",
        "state capital operation budget",
        r"国有资本经营(预算)?(财政拨款)?$",
    ),
    # Final-accounts expenditure columns.
    _c("remit_superior", "上缴上级支出", "remittance to the upper level", r"上缴上级支出$"),
    _c("operating_expense", "经营支出", "operating expenditure", r"经营支出$"),
    _c("subsidy_affiliated", "对附属单位补助支出", "subsidies to affiliated units", r"对附属单位补助"),
    _c("opening_balance", "年初结转和结余", "opening carry-over", r"年初结转和结余$"),
    _c("closing_balance", "年末结转和结余", "closing carry-over", r"年末结转和结余$"),
    _c("income", "本年收入", "revenue of the year (fund tables)", r"本年收入$"),
    _c("expenditure_subtotal", "本年支出小计", "expenditure of the year", r"本年支出>小计$"),
    # Project expenditure by economic class (部门预算支出经济分类 类).
    _c("econ_301", "工资福利支出", "economic class 301", r"工资福利支出$"),
    _c("econ_302", "商品和服务支出", "economic class 302", r"商品和服务支出$"),
    _c("econ_303", "对个人和家庭的补助", "economic class 303", r"对个人和家庭的补助$"),
    _c("econ_307", "债务利息及费用支出", "economic class 307", r"债务利息及费用支出$"),
    _c("econ_309", "资本性支出（基本建设）", "economic class 309", r"资本性支出（基本建设）$"),
    _c("econ_310", "资本性支出", "economic class 310", r"资本性支出$"),
    _c("econ_311", "对企业补助（基本建设）", "economic class 311", r"对企业补助（基本建设）$"),
    _c("econ_312", "对企业补助", "economic class 312", r"对企业补助$"),
    _c("econ_313", "对社会保障基金补助", "economic class 313", r"对社会保障基金补助$"),
    _c("econ_399", "其他支出", "economic class 399", r"其他支出$"),
    # Expenditure split.
    _c("personnel", "人员经费", "basic expenditure: personnel", r"人员经费$"),
    _c("public_use", "公用经费", "basic expenditure: public use", r"公用经费$"),
    _c("basic", "基本支出", "basic expenditure", r"基本支出$"),
    _c("project", "项目支出", "project expenditure", r"(?<!合)项目支出$"),
    # Totals and single-amount columns.
    _c(
        "total",
        "合计 / 总计",
        "the row total",
        r"(合计|总计|小计)$",
        r"项目支出合计$",
        r"本年(收入|支出)合计$",
        r"年度预算总额$",
    ),
    _c(
        "amount",
        "预算数 / 决算数",
        "the amount column of one half of a summary table",
        r"(预算数|决算数|执行数)$",
        r"^金额$",
        r">金额$",
    ),
)

COLUMN_IDS: frozenset[str] = frozenset(c.id for c in COLUMNS)
