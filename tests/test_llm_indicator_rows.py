"""Indicators v3: the rows of a flattened 绩效目标表 found by their target lines, asked one at a
time, and every returned cell grounded where its meaning requires (scripted answers).

The lines are seed 002's project table 城乡医疗救助 as pdfplumber flattens it
(tests/data/002_e70514054a2d30bc.flat.txt)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
from llm_mock import Endpoint, completion, mock_client

from extractor.llm.indicator_rows import (
    FlatTable,
    group_labels,
    indicator_rows,
    place_groups,
    project_name,
    row_targets,
)
from extractor.llm.tasks import LlmContext
from extractor.narrative.text import build_narrative_text
from schemas import LlmUsage, Provenance

GOLD = Path(__file__).resolve().parents[1] / "evals" / "fixtures"

LINES = [
    "一级指 指标值设 上年完成 指标分",
    "二级指标 三级指标 指标值 指标赋分规则 佐证资料",
    "标 置依据 值 值权重",
    "医疗救助对象资助参",
    "数量指标 >=1900 人 计划标准 新增 25 按照完成比例赋分 工作资料",
    "保人数",
    "重点救助对象政策范",
    "围内个人自付费用年",
    "产出指 >=70% 计划标准 新增 5 按照完成比例赋分 工作资料",
    "度限额内住院救助比",
    "标",
    "质量指标 例",
    "<=132.33",
    "医疗救助费用 历史标准 0 万元 15 按照完成比例赋分 原始凭证",
    "成本指 经济成本 万元",
]


def test_rows_are_found_by_their_target_lines() -> None:
    table = FlatTable(LINES)
    assert table.header() == (0, 3)
    # "<=132.33" is the value of the row printed on the next line: one row, two target lines.
    assert row_targets(table, 3) == [[4], [8], [12, 13]]


def test_a_wrapped_cell_is_its_fragments_joined_in_order() -> None:
    table = FlatTable(LINES)
    name = [t for i in (6, 7, 9) for t in table.tokens[i]] + [table.tokens[11][1]]
    assert table.join(name) == "重点救助对象政策范围内个人自付费用年度限额内住院救助比例"
    assert table.join(table.tokens[12] + table.tokens[14][-1:]) == "<=132.33万元"
    assert table.join(table.tokens[4][1:3]) == ">=1900 人"  # one line's fragments as printed


def _rows(*rows: dict) -> httpx2.Response:
    return httpx2.Response(200, json=completion(json.dumps({"rows": list(rows)}, ensure_ascii=False)))


def test_each_row_is_asked_alone_and_what_sits_elsewhere_is_dropped(tmp_path: Path) -> None:
    endpoint = Endpoint(
        # row 1 (fragments: (1) 医疗救助对象资助参, 〔数量指标〕 unnumbered, (2) >=1900, (3) 人,
        # (4) 计划标准, (5) 新增, (6) 25, (7) 按照完成比例赋分, (8) 工作资料, (9) 保人数, …): right
        _rows({"id": 1, "name": [1, 9], "value": [2, 3], "basis": [4], "weight": [6], "evidence": [8]}),
        # row 2: right, its name over four lines, the 〔产出指〕〔标〕〔质量指标〕 pieces between
        _rows({"id": 1, "name": [2, 3, 10, 11], "value": [4]}),
        # row 3: its value returned as its name
        _rows({"id": 1, "name": [3], "value": [3]}),
    )
    ctx = LlmContext(build_narrative_text([]), mock_client(endpoint, tmp_path), LlmUsage())
    found = indicator_rows(ctx, LINES, Provenance(file="t", page=1))
    assert len(endpoint.requests) == 3  # one target row per request
    first = endpoint.requests[0]["messages"][1]["content"]
    assert "[1] 〔数量指标〕 (2)>=1900 (3)人" in first and "二级指标 三级指标 指标值" in first
    third = endpoint.requests[2]["messages"][1]["content"]
    assert "[1] (" in third and "<=132.33\n    (" in third  # both target lines of the wrapped row
    assert found is not None and [(i.level3, i.value_raw, i.operator, i.number, i.unit) for i in found] == [
        ("医疗救助对象资助参保人数", ">=1900 人", ">=", 1900, "人"),
        ("重点救助对象政策范围内个人自付费用年度限额内住院救助比例", ">=70%", ">=", 70, "%"),
    ]
    assert found[0].basis == "计划标准" and found[0].weight == 25 and found[0].evidence == "工作资料"
    assert found[0].scoring_rule is None and found[0].origin == "llm"
    assert ctx.usage.dropped == {"name_is_another_column": 1}


PROJECT_LINES = [
    "预算单位 乌鲁木齐高新技术产业开发区（乌鲁木齐市新市区）医疗保障局",
    "项目负责",
    "项目名称 城乡医疗救助 张加强",
    "人",
]


def test_the_project_name_is_fragments_of_its_cell_and_never_a_label(tmp_path: Path) -> None:
    # fragments: (1) 项目负责, (2) 项目名称, (3) 城乡医疗救助, (4) 张加强, (5) 人
    endpoint = Endpoint(
        httpx2.Response(200, json=completion('{"project": [3]}')),
        httpx2.Response(200, json=completion('{"project": [2, 3]}')),
    )
    ctx = LlmContext(build_narrative_text([]), mock_client(endpoint, tmp_path), LlmUsage())
    assert project_name(ctx, PROJECT_LINES) == "城乡医疗救助"
    assert "预算单位" not in endpoint.requests[0]["messages"][1]["content"]
    assert "(3)城乡医疗救助 (4)张加强" in endpoint.requests[0]["messages"][1]["content"]
    ctx = LlmContext(build_narrative_text([]), mock_client(endpoint, tmp_path / "b"), LlmUsage())
    assert project_name(ctx, PROJECT_LINES) is None and ctx.usage.dropped == {"project_is_a_label": 1}


# Seed 002's project table 雇员经费, its last row as pdfplumber flattens it.
EMPLOYEE_LINES = [
    "指标值设 指标分",
    "一级指标 二级指标 三级指标 指标值 上年完成值 佐证资料",
    "置依据 值权重",
    "满意度指 满意度指",
    "雇员满意度 >=95% 历史标准 100% 10 满意度赋分 工作资料",
    "标 标",
]


def test_a_value_ends_where_the_next_columns_start(tmp_path: Path) -> None:
    """The recorded 1.5B model answered this row's value as fragments (2)…(6): ">=95% 历史标准 100%
    10 满意度赋分". A value cell holds no 依据 or 赋分规则 text, so it ends before 历史标准; a value
    that is only the 依据 is no value."""
    endpoint = Endpoint(
        _rows({"id": 1, "name": [1], "value": [2, 3, 4, 5, 6], "basis": [7]}),
        _rows({"id": 1, "name": [1], "value": [3]}),
    )
    for k in range(2):
        ctx = LlmContext(build_narrative_text([]), mock_client(endpoint, tmp_path / str(k)), LlmUsage())
        found = indicator_rows(ctx, EMPLOYEE_LINES, Provenance(file="t", page=1))
        assert "(1)雇员满意度 (2)>=95% (3)历史标准" in endpoint.requests[k]["messages"][1]["content"]
        assert found is not None and [i.level3 for i in found] == ["雇员满意度"]
        assert (found[0].level1, found[0].level2) == ("满意度指标", "满意度指标")  # pieces around the row
        assert ctx.usage.dropped == {"value_is_another_column": 1}
        value = (found[0].value_raw, found[0].operator, found[0].number, found[0].unit)
        assert value == ((">=95%", ">=", 95, "%") if k == 0 else (None, None, None, None))


# Seed 001's project table 2026 年度线路租赁费项目 as pdfplumber flattens it (header and body).
LEASE_LINES = [
    "一级指 指标值设 上年完成 指标分",
    "二级指标 三级指标 指标值 指标赋分规则 佐证资料",
    "标 置依据 值 值权重",
    "数量指标 线路租赁数量（条） ≥4 条 计划标准 4 条 10 按照正常比例赋分 正式材料",
    "信息自动化运行保障",
    "=100% 计划标准 100% 10 按照正常比例赋分 工作资料",
    "率（%）",
    "产出指 质量指标",
    "资金使用合规率",
    "标 =100% 计划标准 100% 10 按照正常比例赋分 工作资料",
    "（%）",
    "资金支付及时率",
    "时效指标 =100% 计划标准 100% 10 按照正常比例赋分 工作资料",
    "（%）",
    "网络线路租赁费用 预算支出",
    "≤2 万元 2 万元 10 按照正常比例赋分 原始凭证",
    "成本指 经济成本 （万元） 标准",
    "标 指标 预算成本控制率 预算支出",
    "< =100% 100% 10 按照正常比例赋分 原始凭证",
    "（%） 标准",
    "保障就医结算日常需",
    "有效保障 计划标准 有效保障 10 按评判等级赋分 说明材料",
    "效益指 社会效益 要",
    "标 指标 提升公共卫生服务水",
    "有效提升 计划标准 有效提升 10 按评判等级赋分 说明材料",
    "平",
    "满意度 满意度指 受益对象满意度",
    "> =95% 计划标准 95% 10 满意度赋分 工作资料",
    "指标 标 （%）",
]


def test_each_row_gets_the_group_labels_centred_on_its_group() -> None:
    """A label cell is printed centred on its group's rows, so most rows come before their
    group's label, and a wrapped label's pieces sit around a row ("产出指" … "标", "成本指" /
    "标"). Placed by where they are centred, every row's 一级/二级 is the gold's (read from the PDF)."""
    gold_tables = json.loads((GOLD / "001_6d2149f5b3f07333" / "indicators.json").read_text(encoding="utf-8"))
    gold = next(t for t in gold_tables["performance_tables"] if (t["header"] or {}).get("project") == "2026 年度线路租赁费项目")
    table = FlatTable(LEASE_LINES)
    body = table.header()[1]
    rows = row_targets(table, body)
    level1, level2 = group_labels(table, body)
    assert [x for _, x in level1] == ["产出指标", "成本指标", "效益指标", "满意度指标"]
    assert [x for _, x in level2] == ["数量指标", "质量指标", "时效指标", "经济成本指标", "社会效益指标", "满意度指标"]
    centres = [sum(r) / len(r) for r in rows]
    placed = list(zip(place_groups(centres, level1), place_groups(centres, level2), strict=True))
    assert placed == [(i["level1"], i["level2"]) for i in gold["indicators"]]
    # A large group's label is centred far below its first rows; the next group starts after it.
    labels = [(3.0, "产出指标"), (6.0, "成本指标")]
    assert place_groups([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], labels) == ["产出指标"] * 5 + ["成本指标"]
