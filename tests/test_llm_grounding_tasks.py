"""What the LLM layer lets through, task by task: only what the source prints, where it prints it.

Each case is an answer a model could plausibly give (wrong sign, a number that is only a digit
run inside "2025年", a value from another row, a sentence that occurs twice); the endpoint is
scripted (tests/llm_mock.py).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx2
from llm_mock import Endpoint, completion, mock_client

from extractor import extract
from extractor.llm.tasks import LlmContext, indicators, split_reasons, unmatched_changes
from extractor.narrative.merge import merge_reasons
from extractor.narrative.text import build_narrative_text
from schemas import ChangeStatement, LlmUsage, Provenance, SourceLine

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _answer(payload: dict) -> httpx2.Response:
    return httpx2.Response(200, json=completion(json.dumps(payload, ensure_ascii=False)))


def _ctx(lines: list[str], endpoint: Endpoint, tmp_path: Path) -> LlmContext:
    source = [
        SourceLine(text=t, provenance=Provenance(file="d.txt", line=i + 1)) for i, t in enumerate(lines)
    ]
    return LlmContext(build_narrative_text(source), mock_client(endpoint, tmp_path), LlmUsage())


PARAGRAPH = "2025年其他收入1.50万元，较上年减少3.00万元，下降66.67%，主要原因是项目结束。"


def test_llm_change_numbers_take_sign_and_unit_from_the_source(tmp_path: Path) -> None:
    answer = {
        "changes": [
            {
                "subject": "其他收入",
                "amount": "1.50",
                "delta": "3.00",
                "growth_percent": "66.67",
                "reason_text": "项目结束",
            }
        ]
    }
    ctx = _ctx([PARAGRAPH], Endpoint(_answer(answer)), tmp_path)
    [change] = unmatched_changes(ctx, [], [])
    assert (change.amount, change.unit, change.delta, change.growth_percent) == (
        Decimal("1.50"),
        "万元",
        Decimal("-3.00"),
        Decimal("-66.67"),
    )
    assert change.reason_text == "项目结束" and change.origin["delta"] == "llm"


def test_llm_change_with_an_unprinted_number_is_dropped(tmp_path: Path) -> None:
    # "20" and "5" occur only inside "2025年"; "+20" has the wrong sign as well.
    answer = {"changes": [{"subject": "其他收入", "amount": "1.50", "delta": "+20", "growth_percent": "5"}]}
    ctx = _ctx([PARAGRAPH], Endpoint(_answer(answer)), tmp_path)
    assert unmatched_changes(ctx, [], []) == []
    assert ctx.usage.ungrounded_dropped == 1


def test_indicator_value_from_another_row_is_dropped(tmp_path: Path) -> None:
    table = "产出指标 数量指标 培训人次 >=500 人次\n满意度指标 满意度指标 群众满意度 >=90%"
    answer = {
        "project": None,
        "indicators": [
            {"level1": "产出指标", "level2": "数量指标", "level3": "培训人次", "value": ">=90%"},  # swapped
            {"level1": "满意度指标", "level2": "满意度指标", "level3": "群众满意度", "value": ">=90%"},
        ],
    }
    ctx = _ctx(["x"], Endpoint(_answer(answer)), tmp_path)
    project, rows = indicators(ctx, table, Provenance(file="t"))
    assert [(r.level3, r.value_raw, r.operator, r.number) for r in rows] == [
        ("群众满意度", ">=90%", ">=", Decimal(90))
    ]
    assert ctx.usage.ungrounded_dropped == 1


def test_a_sentence_printed_twice_keeps_each_statements_own_place(tmp_path: Path) -> None:
    reason = "人员增加，工资调整。"
    lines = [
        "一、收入",
        f"基本支出 5 万元，比上年增加 1 万元，主要原因是{reason}",
        "二、支出",
        f"基本支出 5 万元，比上年增加 1 万元，主要原因是{reason}",
    ]
    # One request for the text printed twice; its answer serves both statements.
    split = {
        "reasons": [
            {"text": "人员增加", "category": "personnel_change"},
            {"text": "工资调整", "category": "pay_standard_adjustment"},
        ]
    }
    ctx = _ctx(lines, Endpoint(_answer(split)), tmp_path)
    changes = [
        ChangeStatement(
            section="other",
            subject="基本支出",
            subject_kind="other",
            status="changed",
            statement_text=lines[i][: lines[i].index("主要原因")],
            reason_text=reason,
            reasons=[],  # the rules silent: the LLM's split is used
            provenance=Provenance(file="d.txt", line=i + 1),
        )
        for i in (1, 3)
    ]
    found = split_reasons(ctx, changes)
    for i, change in enumerate(changes):
        merge_reasons(change, found.get(i))
    assert [[r.provenance.line for r in c.reasons] for c in changes] == [[2, 2], [4, 4]]


def test_a_failed_endpoint_leaves_the_rules_result_and_says_so(tmp_path: Path) -> None:
    source = EXAMPLES / "002_e70514054a2d30bc.txt"
    rules_only = extract(source)
    endpoint = Endpoint(httpx2.Response(503, json={"error": {"message": "down"}}))
    doc = extract(source, llm=mock_client(endpoint, tmp_path))
    assert doc.narrative.llm.status == "failed" and doc.narrative.llm.usage.failures["server_error"] >= 1
    assert any(f.check == "llm_fallback" for f in doc.findings)
    assert doc.narrative.changes == rules_only.narrative.changes
    assert doc.narrative.projects == rules_only.narrative.projects


def test_offline_with_an_empty_cache_is_a_failed_llm_run(tmp_path: Path) -> None:
    endpoint = Endpoint(httpx2.Response(500))
    doc = extract(EXAMPLES / "002_e70514054a2d30bc.txt", llm=mock_client(endpoint, tmp_path, offline=True))
    assert endpoint.requests == []
    assert doc.narrative.llm.status == "failed" and doc.narrative.llm.usage.calls == 0
