"""Validation findings on the seeds, asserted by name.

The expected errors were found by reading the documents and adding the printed numbers by hand
(see the notes in evals/fixtures/*/tables.json); they are not copied from the extractor.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import EXAMPLES

D = Decimal


def _has(doc, check, table_no, row_part, column=None, actual=None, expected=None, severity=None):
    for f in doc.findings:
        if f.check != check or not any(t.startswith(f"表{table_no} ") for t in f.tables):
            continue
        if row_part not in " ".join(f.rows):
            continue
        if column is not None and f.column != column:
            continue
        if actual is not None and f.actual != actual:
            continue
        if expected is not None and f.expected != expected:
            continue
        if severity is not None and f.severity != severity:
            continue
        return True
    return False


@pytest.mark.parametrize("suffix", ["txt", "pdf"])
def test_seed_001_arithmetic_errors(extracted, suffix):
    doc = extracted(EXAMPLES / f"001_6d2149f5b3f07333.{suffix}")
    # 21011 行政事业单位医疗 printed 32.50; 14.26 + 13.20 + 5.03 = 32.49 (表2, 表3, 表5).
    for t in ("2", "3", "5"):
        assert _has(doc, "hierarchy_sum", t, "21011", "total", D("32.50"), D("32.49"), "rounding")
    # Grand total 996.43 while the three 类 add to 996.44.
    for t in ("2", "3", "5"):
        assert _has(doc, "total_sum", t, "总计", "total", D("996.43"), D("996.44"))
    assert _has(doc, "total_sum", "1", "支出总计", "amount", D("996.43"), D("996.44"))
    assert _has(doc, "total_sum", "4", "支出总计", "total", D("996.43"), D("996.44"))
    assert _has(doc, "total_sum", "2", "总计", "general_public_budget", D("909.43"), D("909.44"))
    assert _has(doc, "total_sum", "3", "总计", "basic", D("570.03"), D("570.04"))
    # 表6 301 工资福利支出 printed 506.79, its rows add to 506.80.
    assert _has(doc, "hierarchy_sum", "6", "301", "total", D("506.79"), D("506.80"))
    # 表7 医疗保险经办费项目: 2.72 + 8.29 = 11.01, printed 11.00; 总计 426.40 vs 426.41.
    assert _has(doc, "row_identity", "7", "医疗保险经办费项目", "total", D("11.00"), D("11.01"))
    assert _has(doc, "row_identity", "7", "总计", "total", D("426.40"), D("426.41"))
    # Asset values printed in 万元 that must be 元.
    magnitudes = [f for f in doc.findings if f.check == "implausible_magnitude"]
    assert {f.actual for f in magnitudes} >= {D("523055.17"), D("274685.00"), D("2305044.30")}
    # Nothing material: every error of this document is a one-cent rounding slip.
    assert not [f for f in doc.findings if f.severity == "material"]


@pytest.mark.parametrize("suffix", ["txt", "pdf"])
def test_seed_002_arithmetic_errors(extracted, suffix):
    doc = extracted(EXAMPLES / f"002_e70514054a2d30bc.{suffix}")
    assert _has(doc, "total_sum", "1", "支出总计", "amount", D("238.55"), D("238.54"))
    assert _has(doc, "total_sum", "2", "总计", "total", D("238.55"), D("238.54"))
    assert _has(doc, "total_sum", "2", "总计", "fiscal_subtotal", D("237.16"), D("237.15"))
    assert _has(doc, "row_identity", "3", "总计", "total", D("238.55"), D("238.54"))
    assert _has(doc, "total_sum", "4", "支出总计", "total", D("237.16"), D("237.15"))
    assert _has(doc, "row_identity", "5", "总计", "total", D("237.16"), D("237.15"))
    # 表6, 表7 and 表12 add up exactly.
    assert not any(any(t.startswith(("表6 ", "表7 ", "表12 ")) for t in f.tables) for f in doc.findings)
    assert not [f for f in doc.findings if f.severity in ("material", "error")]


def test_severity_separates_rounding_from_material():
    from extractor.tables.checks import _compare

    small = _compare("x", [], [], None, D("10.00"), D("10.02"), 3, "", None)
    big = _compare("x", [], [], None, D("10.00"), D("10.05"), 3, "", None)
    assert small.severity == "rounding" and big.severity == "material"


@pytest.mark.parametrize("suffix", ["txt", "pdf"])
def test_seed_001_economic_vs_functional(extracted, suffix):
    doc = extracted(EXAMPLES / f"001_6d2149f5b3f07333.{suffix}")
    # 表6 30110 职工基本医疗保险缴费 27.47 vs 表5 基本支出 2101101 14.26 + 2101102 13.20 = 27.46.
    assert _has(doc, "cross_table", "6", "30110", "total", D("27.47"), D("27.46"), "rounding")
    hits = [f for f in doc.findings if f.check == "cross_table" and "30110" in " ".join(f.rows)]
    assert hits and all(any(t.startswith("表5 ") for t in f.tables) for f in hits)
    # 30108 = 2080505 (51.70), 30111 = 2101103 (5.03), 30113 = 2210201 (41.89): nothing else.
    for code in ("30108", "30111", "30113"):
        assert not [f for f in doc.findings if code in " ".join(f.rows)]


def _money_row(index, code, label, unit, **values):
    from schemas import Cell, Provenance, Row

    p = Provenance(file="hand-made", line=index + 1)
    cells = [
        Cell(column_id=c, header=c, raw=str(v or ""), value=v, unit=unit, value_wan=None, provenance=p)
        for c, v in values.items()
    ]
    return Row(index=index, code=code, label=label, printed_label=label, cells=cells, provenance=p)


def _money_table(no, title, kind, unit, columns, rows):
    from schemas import Column, Provenance, Table

    cols = [Column(column_id=c, header_path=[c]) for c in columns]
    return Table(
        table_no=no,
        title=title,
        kind=kind,
        unit=unit,
        columns=cols,
        rows=rows,
        provenance=Provenance(file="x"),
    )


def test_economic_vs_functional_hand_made():
    from extractor.tables.checks import check_economic_vs_functional
    from schemas import TableKind

    r = _money_row
    basic = _money_table(
        "6",
        "一般公共预算基本支出情况表",
        TableKind.basic_expenditure,
        "万元",
        ["total", "personnel", "public_use"],
        [
            r(0, "30108", "机关事业单位基本养老保险缴费", "万元", total=D("10.00"), personnel=D("10.00")),
            r(1, "30109", "职业年金缴费", "万元", total=D("5.00"), personnel=D("5.00")),
            r(2, "30110", "职工基本医疗保险缴费", "万元", total=D("8.02"), personnel=D("8.02")),
            r(3, "30113", "住房公积金", "万元", total=D("7.00"), personnel=D("7.00")),
        ],
    )
    # Printed in 元: compared in 万元.
    gp = _money_table(
        "5",
        "一般公共预算支出情况表",
        TableKind.general_public_expenditure,
        "元",
        ["total", "basic", "project"],
        [
            r(0, "2080505", "机关事业单位基本养老保险缴费支出", "元", total=D("100000"), basic=D("100000")),
            # 2080506 absent: 30109 is not compared.
            r(1, "2101101", "行政单位医疗", "元", total=D("40000"), basic=D("40000")),
            r(2, "2101102", "事业单位医疗", "元", total=D("40100"), basic=D("40100")),
            r(3, "2210201", "住房公积金", "元", total=D("90000"), basic=D("75000"), project=D("15000")),
        ],
    )
    found = {f.rows[0].split()[0]: f for f in check_economic_vs_functional([basic, gp])}
    assert set(found) == {"30110", "30113"}
    # 8.02 vs 4.00 + 4.01 = 8.01: one cent over two terms is rounding; units differ, so 万元.
    f = found["30110"]
    assert (f.check, f.severity, f.actual, f.expected) == ("cross_table", "rounding", D("8.02"), D("8.01"))
    assert f.tables[0].startswith("表6 ") and f.tables[1].startswith("表5 ")
    assert f.rows[1:] == ["2101101 行政单位医疗", "2101102 事业单位医疗"]
    # The basic column (7.50), not the total (9.00): 0.50 off is material.
    f = found["30113"]
    assert (f.severity, f.actual, f.expected) == ("material", D("7.00"), D("7.5"))
    # Without a basic column there is nothing to compare.
    gp.columns = [c for c in gp.columns if c.column_id != "basic"]
    assert check_economic_vs_functional([basic, gp]) == []
