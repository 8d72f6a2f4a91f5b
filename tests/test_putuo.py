"""The Shanghai (Putuo) template: read from ../shared, never committed; skipped when absent."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from evals.table_scoring import gold_cells, predicted_cells, score_cells
from schemas import TableKind
from tests.conftest import GOLD, PUTUO

pytestmark = pytest.mark.skipif(not PUTUO.is_dir(), reason="../shared/corpus/putuo not present")

K = TableKind
BUDGET_KINDS = [
    K.budget_summary,
    K.revenue_summary,
    K.expenditure_summary,
    K.fiscal_summary,
    K.general_public_expenditure,
    K.government_fund_expenditure,
    K.state_capital_expenditure,
    K.basic_expenditure,
    K.three_public,
]


def test_justice_bureau_every_cell_matches_gold(extracted):
    doc = extracted(PUTUO / "putuo_justice_bureau_2026_department_budget.pdf")
    gold = gold_cells(GOLD / "putuo_justice_bureau_2026_department_budget" / "tables.json")
    score = score_cells(predicted_cells(doc), gold)
    assert (score.missing, score.wrong, score.extra) == ([], [], [])
    assert doc.meta.department == "上海市普陀区司法局"
    assert (doc.meta.year, doc.meta.doc_kind, doc.meta.template_family) == (2026, "budget", "shanghai")
    units = {t.kind: t.unit for t in doc.tables}
    assert units[K.revenue_summary] == "元" and units[K.three_public] == "万元"
    # The tables are consistent; the explanatory text is not, and a reader of the document finds
    # exactly these (see narrative.json's narrative_findings): items 6 and 9 print growth rates
    # their own amounts contradict, item 12 prints two amounts.
    serious = {(f.check, f.rows[0].split()[0]) for f in doc.findings if f.severity in ("material", "error")}
    assert serious == {
        ("growth_mismatch", "2040699"),
        ("growth_mismatch", "2080506"),
        ("amount_mismatch", "2210201"),
    }


@pytest.mark.parametrize(
    "name", ["putuo_justice_bureau_2026_department_budget", "putuo_wanli_subdistrict_2024_department_budget"]
)
def test_budget_table_kinds_found(extracted, name):
    doc = extracted(PUTUO / f"{name}.pdf")
    assert [t.kind for t in doc.tables] == BUDGET_KINDS
    empty = {t.kind for t in doc.tables if t.empty}
    assert {K.government_fund_expenditure, K.state_capital_expenditure} <= empty
    # Values in 元 carry an exact 万元 value beside them.
    cell = doc.tables[1].rows[0].cells[0]
    assert cell.unit == "元" and cell.value_wan == cell.value / 10000


def test_wanli_economic_codes_without_leading_zero_and_contradiction(extracted):
    doc = extracted(PUTUO / "putuo_wanli_subdistrict_2024_department_budget.pdf")
    basic = next(t for t in doc.tables if t.kind == K.basic_expenditure)
    codes = {r.code for r in basic.rows}
    assert {"30102", "30107"} <= codes  # printed "301 2", "301 7"
    assert not [f for f in doc.findings if f.check == "hierarchy_sum"]
    # The 三公 table is declared empty by a note yet prints values: reported, not dropped. Item 31
    # (p9) prints 住房公积金 “350.35万元” in its heading and “2024年预算安排352.67万元” in its sentence;
    # item 4 (p6) falls 2.98% and gives “宣传事务一般行政管理事务经费增加” as its reason.
    assert sorted(f.check for f in doc.findings) == [
        "amount_mismatch",
        "empty_table_has_values",
        "reason_inconsistency",
    ]
    three = next(t for t in doc.tables if t.kind == K.three_public)
    assert three.rows[0].value("three_public_total") is not None


def test_final_accounts_template(extracted):
    doc = extracted(PUTUO / "putuo_finance_bureau_2024_department_final_accounts.pdf")
    assert (doc.meta.year, doc.meta.doc_kind) == (2024, "final_accounts")
    kinds = Counter(t.kind for t in doc.tables)
    assert kinds[K.budget_summary] == kinds[K.revenue_summary] == kinds[K.basic_expenditure] == 1
    assert doc.tables[0].unit == "万元"
    revenue = next(t for t in doc.tables if t.kind == K.revenue_summary)
    assert {c.column_id for c in revenue.columns} >= {"total", "fiscal_appropriation", "other_income"}
    # The tables' identities hold to the cent or are reported as rounding slips; the one material
    # finding is the text's "财政拨款收入支出总计0.3万元" (p21) against the table's 总计 2,961.68.
    assert [(f.check, f.actual) for f in doc.findings if f.severity == "material"] == [
        ("narrative_vs_table", Decimal("0.3"))
    ]
    assert any(f.check == "ingest_warning" and "page 14" in f.message for f in doc.findings)
