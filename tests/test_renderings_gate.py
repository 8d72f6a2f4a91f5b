"""Quality gates on other renderings of the seeds (flattened PDF text, pipe and HTML tables), scored against the same gold labels."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from evals.table_scoring import gold_cells, predicted_cells, score_cells
from extractor.tables.performance import parse_target
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


def _converter_rendering(text: str, style: str) -> str:
    """The tab-separated seed rewritten as another converter would write it: markdown pipe tables
    (with the |---| separator) or one-line HTML tables (as MinerU writes them)."""
    out: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if not table:
            return
        if style == "pipe":
            out.append("| " + " | ".join(table[0]) + " |")
            out.append("|" + "|".join("---" for _ in table[0]) + "|")
            out.extend("| " + " | ".join(row) + " |" for row in table[1:])
        else:
            rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in table)
            out.append(f"<table>{rows}</table>")
        table.clear()

    for line in text.split("\n"):
        if "\t" in line:
            table.append(line.split("\t"))
            continue
        flush()
        out.append(line)
    flush()
    return "\n".join(out)


@pytest.mark.parametrize("style", ["pipe", "html"])
@pytest.mark.parametrize("doc", SEEDS)
def test_pipe_and_html_table_renderings(extracted, tmp_path_factory, doc, style):
    path = tmp_path_factory.mktemp(style) / f"{doc}.md"
    seed = (EXAMPLES / f"{doc}.txt").read_text(encoding="utf-8")
    path.write_text(_converter_rendering(seed, style), encoding="utf-8")
    result = extracted(path)
    score = score_cells(predicted_cells(result), gold_cells(GOLD / doc / "tables.json"))
    assert score.f1 == 1.0, (score.missing[:5], score.wrong[:5], score.extra[:5])
    gold_changes = json.loads((GOLD / doc / "narrative.json").read_text(encoding="utf-8"))["changes"]
    assert len(result.narrative.changes) == len(gold_changes)


def test_html_spans_cover_positions_with_none():
    from extractor.ingest.html_table import parse_html_table

    rows = parse_html_table(
        '<table><tr><td rowspan="2">项目</td><td colspan="2">本年预算</td></tr>'
        "<tr><td>合计</td><td>其中：<br>财政拨款</td></tr>"
        "<tr><td>办公费</td><td>1.00</td><td>0.50</td></tr></table>"
    )
    assert [r.cells for r in rows] == [
        ["项目", "本年预算", None],
        [None, "合计", "其中： 财政拨款"],
        ["办公费", "1.00", "0.50"],
    ]
