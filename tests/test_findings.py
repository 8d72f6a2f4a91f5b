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
    from extractor.validate import _compare

    small = _compare("x", [], [], None, D("10.00"), D("10.02"), 3, "", None)
    big = _compare("x", [], [], None, D("10.00"), D("10.05"), 3, "", None)
    assert small.severity == "rounding" and big.severity == "material"
