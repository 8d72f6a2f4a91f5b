"""Quality gate on renderings whose grid is partly lost, scored against the same gold labels."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from evals.table_scoring import gold_cells, predicted_cells, score_cells
from extractor.parse_performance import parse_target
from tests.conftest import EXAMPLES, GOLD, ROOT, SEEDS

THRESHOLDS = json.loads((ROOT / "evals" / "thresholds" / "tables.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("doc", SEEDS)
def test_flattened_text_cells_gate(extracted, flat_text_renderings, doc):
    result = extracted(flat_text_renderings[doc])
    score = score_cells(predicted_cells(result), gold_cells(GOLD / doc / "tables.json"))
    assert score.f1 >= THRESHOLDS["cells_f1"]["flat"], (score.f1, score.missing[:5], score.wrong[:5])
    # Every number the flattened rows could not place for sure is reported, never silent.
    ambiguous = {f.rows[0] for f in result.findings if f.check == "ambiguous_columns"}
    assert ambiguous or score.f1 == 1.0
    # The grid of the indicator tables is gone: said so, not guessed.
    assert any(f.check == "performance_grid_lost" for f in result.findings)


def _norm(s):
    return re.sub(r"\s+", "", s or "")


@pytest.mark.parametrize("suffix", ["txt", "pdf"])
@pytest.mark.parametrize("doc", SEEDS)
def test_indicator_rows_gate(extracted, doc, suffix):
    gold = json.loads((GOLD / doc / "indicators.json").read_text(encoding="utf-8"))
    g = {
        (
            _norm(i["level1"]),
            _norm(i["level2"]),
            _norm(i["level3"]),
            i["operator"],
            None if i["number"] is None else Decimal(i["number"]),
        )
        for t in gold["performance_tables"]
        for i in t["indicators"]
    }
    result = extracted(EXAMPLES / f"{doc}.{suffix}")
    p = {
        (_norm(i.level1), _norm(i.level2), _norm(i.level3), i.operator, i.number)
        for t in result.tables
        for i in t.indicators
    }
    tp = len(g & p)
    f1 = 2 * tp / (len(g) + len(p))
    assert f1 >= THRESHOLDS["indicator_f1"][suffix], (f1, sorted(g - p)[:5], sorted(p - g)[:5])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("> =1085 82 人", (">=", Decimal("108582"), "人")),
        ("≤2 万元", ("<=", Decimal("2"), "万元")),
        ("< =100%", ("<=", Decimal("100"), "%")),
        ("=100%", ("=", Decimal("100"), "%")),
        ("<=12000元/人/月", ("<=", Decimal("12000"), "元/人/月")),
        ("有效 提高", ("qualitative", None, None)),
        ("2026 年 12 月 25 日前", ("qualitative", None, None)),
    ],
)
def test_target_values(raw, expected):
    assert parse_target(raw) == expected
