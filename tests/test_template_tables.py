"""The table layer on templates it was not built on: the title vocabulary, the Jiangsu provincial
family (unruled-looking tables, titles without 表N, three-part summaries, narrative-only volumes),
label-free coverage, and metadata. Real documents are read from ../shared and skipped when absent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.table_scoring import gold_cells, predicted_cells, score_cells
from extractor.tables.kinds import TITLE_RULES, kind_of_title, normalise_title, split_number, title_kind
from schemas import TableKind
from tests.conftest import EXAMPLES, GOLD, PUTUO, ROOT, SHARED

JIANGSU = SHARED / "corpus" / "jiangsu"
THRESHOLDS = json.loads((ROOT / "evals" / "thresholds" / "tables.json").read_text(encoding="utf-8"))
JS_TABLES = [f"js_swbgt_{y}_budget_tables" for y in (2017, 2018, 2019)]
JS_FULL = [f"js_swbgt_{y}_budget_full" for y in (2017, 2018, 2019)]


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not available (../shared absent)")
    return path


@pytest.mark.parametrize(("pattern", "kind", "examples"), TITLE_RULES)
def test_every_title_rule_names_its_examples(pattern, kind, examples):
    for example in examples:
        assert title_kind(example) == kind, (example, pattern)


@pytest.mark.parametrize(
    ("line", "number", "kind"),
    [
        ("表1 部门收支总体情况表", "1", TableKind.budget_summary),
        ("表 3 部门支出总体情况表", "3", TableKind.expenditure_summary),
        ("表三：部门支出总体情况表", "3", TableKind.expenditure_summary),
        ("公开01表 部门财务收支预算总表", "1", TableKind.budget_summary),
        ("一、2017年度中国共产党江苏省委员会办公厅部门收支预算总表", "1", TableKind.budget_summary),
        ("十一、一般公共预算“三公”经费、会议费、培训费支出预算表", "11", TableKind.three_public),
        ("收支预算总表", None, TableKind.budget_summary),
        ("财政拨款支出预算表（功能科目）", None, TableKind.fiscal_expenditure),
        ("2019年政府采购预算表", None, TableKind.government_procurement),
        ("国有资产占用情况表", None, TableKind.state_assets),
        ("部门预算项目支出明细统计表", None, TableKind.other),
    ],
)
def test_title_styles(line, number, kind):
    assert split_number(line)[0] == number
    assert title_kind(line) == kind


@pytest.mark.parametrize(
    "line",
    [
        "省级部门预算公开报表",  # a cover, not a table
        "一、收支预算总体情况说明",  # a narrative heading
        "详见附表",
        "江苏省委办公厅2019年度收入、支出预算总计27664.22万元",
    ],
)
def test_not_titles(line):
    assert title_kind(line) is None


def test_unknown_title_is_still_a_table_kind():
    assert kind_of_title(normalise_title("部门预算项目支出明细统计表")) is TableKind.other


@pytest.mark.parametrize("doc", ["js_swbgt_2017_budget_tables", "js_swbgt_2018_budget_tables"])
def test_jiangsu_table_volume_cells_gate(extracted, doc):
    result = extracted(_need(JIANGSU / f"{doc}.pdf"))
    score = score_cells(predicted_cells(result), gold_cells(GOLD / doc / "tables.json"))
    assert score.f1 >= THRESHOLDS["cells_f1"]["jiangsu"], (score.f1, score.missing[:5], score.wrong[:5])
    gold = json.loads((GOLD / doc / "tables.json").read_text(encoding="utf-8"))
    assert [t.kind.value for t in result.tables] == [t["kind"] for t in gold["tables"]]
    assert [t.empty for t in result.tables] == [t["empty"] for t in gold["tables"]]


@pytest.mark.parametrize("doc", JS_TABLES)
def test_jiangsu_table_volumes_raise_no_false_alarm(extracted, doc):
    """Read on the pages: every identity of the three table volumes holds (the 支出预算总表's 合计
    includes 单位预留机动经费, so 合计 = 基本 + 项目 alone must not be checked)."""
    result = extracted(_need(JIANGSU / f"{doc}.pdf"))
    bad = [f for f in result.findings if f.severity in ("material", "error")]
    assert bad == [], [f.message for f in bad]
    assert not [f for f in result.findings if f.check in ("unparseable_cell", "unknown_column")]
    assert len(result.tables) == 12
    assert result.meta.template_family == "jiangsu"
    assert result.meta.coverage.share == 1.0
    assert result.meta.coverage.identity_checks > 0


@pytest.mark.parametrize("doc", JS_FULL)
def test_jiangsu_narrative_volumes_are_not_errors(extracted, doc):
    result = extracted(_need(JIANGSU / f"{doc}.pdf"))
    gold = GOLD / doc / "tables.json"
    if gold.exists():  # labelled by reading: a narrative-only volume, no table cells
        assert json.loads(gold.read_text(encoding="utf-8"))["tables"] == []
    assert result.tables == []
    assert result.meta.tables_published_separately == "具体公开表样附后"
    [warning] = [f for f in result.findings if f.check == "no_tables"]
    assert warning.severity == "warning" and "附后" in warning.message
    assert not [f for f in result.findings if f.severity == "error"]


def test_jiangsu_material_findings_are_real(extracted):
    """2017 full volume p8 prints "行政运行（项）支出 6106.99 万元，与上年相比增加 101.48 万元，增长 1.66%":
    101.48 / 6005.51 is 1.69%. 2018: 基本 + 项目 + 单位预留机动经费 = 24458.43 holds, so nothing fires."""
    y2017 = extracted(_need(JIANGSU / "js_swbgt_2017_budget_full.pdf"))
    material = [f for f in y2017.findings if f.severity == "material"]
    assert [f.check for f in material] == ["growth_mismatch"]
    assert "1.66%" in material[0].message and "6106.99" in material[0].message
    y2018 = extracted(_need(JIANGSU / "js_swbgt_2018_budget_full.pdf"))
    assert not [f for f in y2018.findings if f.severity == "material"]
    y2019 = extracted(_need(JIANGSU / "js_swbgt_2019_budget_full.pdf"))
    assert not [f for f in y2019.findings if f.severity == "material"]


@pytest.mark.parametrize(
    ("path", "department", "year", "kind"),
    [
        ("jiangsu/js_swbgt_2017_budget_tables.pdf", "中国共产党江苏省委员会办公厅", 2017, "budget"),
        ("jiangsu/js_swbgt_2018_budget_tables.pdf", "中共江苏省委办公厅", 2018, "budget"),
        ("jiangsu/js_swbgt_2019_budget_full.pdf", "江苏省委办公厅", 2019, "budget"),
        ("putuo/putuo_wanli_subdistrict_2024_department_budget.pdf", "上海市普陀区人民政府万里街道办事处", 2024, "budget"),
        ("putuo/putuo_finance_bureau_2024_department_final_accounts.pdf", "上海市普陀区财政局", 2024, "final_accounts"),
        ("putuo/putuo_justice_bureau_2026_department_budget.pdf", "上海市普陀区司法局", 2026, "budget"),
    ],
)
def test_metadata_whole(extracted, path, department, year, kind):
    result = extracted(_need(SHARED / "corpus" / path))
    assert (result.meta.department, result.meta.year, result.meta.doc_kind) == (department, year, kind)


@pytest.mark.parametrize(
    "path",
    [
        *(f"corpus/jiangsu/{d}.pdf" for d in JS_TABLES),
        "corpus/putuo/putuo_wanli_subdistrict_2024_department_budget.pdf",
        "corpus/putuo/putuo_finance_bureau_2024_department_final_accounts.pdf",
        "corpus/putuo/putuo_justice_bureau_2026_department_budget.pdf",
    ],
)
def test_label_free_coverage_on_real_documents(extracted, path):
    cov = extracted(_need(SHARED / path)).meta.coverage
    assert cov.amounts_printed > 0
    assert cov.share >= THRESHOLDS["coverage"]["real_pdf"], [(m.page, m.text) for m in cov.misses[:10]]


@pytest.mark.parametrize("suffix", ["pdf", "txt"])
@pytest.mark.parametrize("doc", ["001_6d2149f5b3f07333", "002_e70514054a2d30bc"])
def test_label_free_coverage_on_the_seeds(extracted, doc, suffix):
    cov = extracted(EXAMPLES / f"{doc}.{suffix}").meta.coverage
    assert cov.share >= THRESHOLDS["coverage"]["seeds"], [(m.page, m.line, m.text) for m in cov.misses[:10]]


def test_continuation_total_row_keeps_its_columns(extracted):
    """万里 2024 p15: the 部门收入预算总表's 合计 row stands alone at the top of the page, its label
    cell spanning the code columns; its amounts stay under their own headers."""
    result = extracted(_need(PUTUO / "putuo_wanli_subdistrict_2024_department_budget.pdf"))
    table = next(t for t in result.tables if t.kind is TableKind.revenue_summary)
    total = next(r for r in table.rows if r.provenance.page == 15 and r.label == "合计")
    assert [(c.column_id, c.raw) for c in total.cells if c.raw][:2] == [
        ("total", "156,211,123"),
        ("fiscal_appropriation", "156,211,123"),
    ]


@pytest.fixture(scope="session")
def hard_renderings(tmp_path_factory):
    """The seeds rendered without any ruling (tests/renderings): 表N / 表一 / 附表1： on the title
    line, narrow wrapping columns, continuation pages without headers, top-aligned labels, wide gaps
    with left-aligned headers and 第 N 页 footers, a 目录 without leaders."""
    pytest.importorskip("reportlab")
    from tests.renderings.pdf_renderings import render_all

    out = tmp_path_factory.mktemp("hard_renderings")
    render_all(out)
    return out


@pytest.mark.parametrize("style", ["unruled", "narrow", "continued", "topaligned", "sparse"])
@pytest.mark.parametrize("doc", ["001_6d2149f5b3f07333", "002_e70514054a2d30bc"])
def test_hard_renderings_gate(extracted, hard_renderings, doc, style):
    """Floors set at what is achieved: every table is located with its printed number, cells score
    ≥ 0.98 against the same gold as the ruled rendering, and ≥ 99% of printed numbers reach facts."""
    result = extracted(hard_renderings / f"{doc}.{style}.pdf")
    gold = json.loads((GOLD / doc / "tables.json").read_text(encoding="utf-8"))
    numbered = [t["table_no"] for t in gold["tables"] if t["table_no"]]
    assert [t.table_no for t in result.tables if t.table_no] == numbered
    score = score_cells(predicted_cells(result), gold_cells(GOLD / doc / "tables.json"))
    assert score.f1 >= THRESHOLDS["cells_f1"]["unruled_pdf"], (score.f1, score.missing[:5])
    assert result.meta.coverage.share >= THRESHOLDS["coverage"]["unruled_pdf"]


def test_coverage_lists_a_lost_row(extracted):
    """Coverage needs no gold: drop one parsed row and its printed numbers show up as misses, with
    the page they are on; integers ("0", "2,932,700") count as well as decimals."""
    from extractor.tables.checks import CheckTally
    from extractor.tables.coverage import measure
    from extractor.tables.locate import segment

    path = EXAMPLES / "002_e70514054a2d30bc.pdf"
    result = extracted(path)
    from extractor.ingest import ingest

    source = ingest(path)
    regions = segment(source).regions
    tables = [t.model_copy(deep=True) for t in result.tables]
    victim = next(t for t in tables if t.kind is TableKind.expenditure_summary)
    lost = victim.rows.pop(0)
    cov = measure(source, regions, tables, CheckTally())
    lost_values = [c.raw for c in lost.cells if c.value is not None]
    assert cov.amounts_printed - cov.amounts_captured == len(lost_values) > 0
    assert sorted(m.text for m in cov.misses) == sorted(lost_values)
    assert {m.page for m in cov.misses} == {lost.provenance.page}


def test_a_readme_is_not_a_narrative_volume():
    """The corpus README talks about 部门预算 and "公开表附后" but is no disclosure: it fails with a
    one-line reason instead of passing as a narrative-only volume."""
    from extractor import ExtractionError, extract

    with pytest.raises(ExtractionError, match="not a budget disclosure"):
        extract(_need(SHARED / "corpus" / "README.md"))
