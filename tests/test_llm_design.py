"""The LLM layer's design, offline: small tasks, grounding with meaning, where it is asked, how
requests are sent and counted. The endpoint is scripted (tests/llm_mock.py); what a real model
does with these prompts is in test_llm_cassettes.py."""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx2
from llm_mock import Endpoint, completion, mock_client

from extractor.llm.config import LlmSettings
from extractor.llm.tasks import (
    LlmContext,
    indicators,
    policy_documents,
    reason_signal,
    split_reasons,
    unmatched_changes,
)
from extractor.narrative.text import build_narrative_text
from schemas import ChangeStatement, LlmUsage, Provenance, Reason, SourceLine


def _answer(payload: dict) -> httpx2.Response:
    return httpx2.Response(200, json=completion(json.dumps(payload, ensure_ascii=False)))


def _ctx(lines: list[str], endpoint: Endpoint, tmp_path: Path, **settings: object) -> LlmContext:
    source = [
        SourceLine(text=t, provenance=Provenance(file="d.txt", line=i + 1)) for i, t in enumerate(lines)
    ]
    return LlmContext(build_narrative_text(source), mock_client(endpoint, tmp_path, **settings), LlmUsage())


def _change(text: str, reason: str | None, reasons: list[Reason], **values: object) -> ChangeStatement:
    return ChangeStatement(
        section="other",
        subject="x",
        subject_kind="other",
        status="changed",
        statement_text=text,
        reason_text=reason,
        reasons=reasons,
        provenance=Provenance(file="d.txt"),
        **values,
    )


# --- where the LLM is asked -------------------------------------------------------------------


def test_reasons_go_to_the_llm_only_where_the_rules_are_unsure():
    sure = _change("t", "工资调整", [Reason(text="工资调整", category="pay_standard_adjustment")])
    unsure = _change("t", "其他原因", [Reason(text="其他原因", category="other")])
    unsplit = _change("t", "人员增加，工资调整", [])
    assert [reason_signal(c) for c in (sure, unsure, unsplit)] == [None, "category_unsure", "no_rule_split"]
    assert reason_signal(_change("t", None, [])) is None


def test_one_reason_text_per_request_and_a_repeated_text_asked_once(tmp_path: Path):
    lines = [
        "甲 5 万元，比上年增加 1 万元，主要原因是人员增加。",
        "乙 5 万元，比上年增加 1 万元，主要原因是人员增加。",
        "丙 3 万元，比上年减少 1 万元，主要原因是项目结束。",
    ]
    endpoint = Endpoint(
        _answer({"reasons": [{"text": "人员增加", "category": "personnel_change"}]}),
        _answer({"reasons": [{"text": "项目结束", "category": "project_ended"}]}),
    )
    ctx = _ctx(lines, endpoint, tmp_path)
    changes = [_change(ln[: ln.index("主要")], ln[ln.index("是") + 1 :], []) for ln in lines]
    found = split_reasons(ctx, changes)
    assert len(endpoint.requests) == 2  # 人员增加 once for 甲 and 乙
    assert all("<data>" in r["messages"][-1]["content"] for r in endpoint.requests)
    assert [[(r.text, r.provenance.line) for r in found[i]] for i in range(3)] == [
        [("人员增加", 1)],
        [("人员增加", 2)],
        [("项目结束", 3)],
    ]
    task = ctx.usage.tasks["change_reasons"]
    assert (task.calls, task.prompt_tokens, task.completion_tokens) == (2, 20, 10) and task.seconds > 0


def test_batch_size_is_a_setting(tmp_path: Path):
    lines = [
        "甲 5 万元，比上年增加 1 万元，主要原因是人员增加。",
        "丙 3 万元，比上年减少 1 万元，主要原因是项目结束。",
    ]
    batched = {
        "items": [
            {"id": 1, "reasons": [{"text": "人员增加", "category": "personnel_change"}]},
            {"id": 2, "reasons": [{"text": "项目结束", "category": "project_ended"}]},
        ]
    }
    endpoint = Endpoint(_answer(batched))
    ctx = _ctx(lines, endpoint, tmp_path, batch_size=6)
    changes = [_change(ln[: ln.index("主要")], ln[ln.index("是") + 1 :], []) for ln in lines]
    assert len(split_reasons(ctx, changes)) == 2 and len(endpoint.requests) == 1
    assert "[2] 项目结束" in endpoint.requests[0]["messages"][-1]["content"]


# --- the missed-statement pass ----------------------------------------------------------------

THREE_PUBLIC = "“三公”经费预算15.00万元，比上年减少2.00万元，其中：公务接待费3.00万元，比上年减少1.00万元，公务用车运行费12.00万元，比上年减少1.00万元。"


def test_a_paragraph_with_amounts_no_rule_claims_goes_to_the_llm(tmp_path: Path):
    answer = {
        "changes": [
            {"subject": "“三公”经费", "amount": "15.00", "delta": "2.00"},  # the rules have it
            {"subject": "公务接待费", "amount": "3.00", "delta": "1.00"},
            {"subject": "公务用车运行费", "amount": "12.00", "delta": "1.00"},
        ]
    }
    endpoint = Endpoint(_answer(answer))
    ctx = _ctx([THREE_PUBLIC], endpoint, tmp_path)
    rule = _change(THREE_PUBLIC, None, [], amount=Decimal("15.00"), delta=Decimal("-2.00"))
    found = unmatched_changes(ctx, [rule], [(0, len(THREE_PUBLIC))])
    assert len(endpoint.requests) == 1  # covered by a rule statement, yet asked: 3.00, 12.00, 1.00 unclaimed
    assert [(c.subject, c.amount, c.delta) for c in found] == [
        ("公务接待费", Decimal("3.00"), Decimal("-1.00")),
        ("公务用车运行费", Decimal("12.00"), Decimal("-1.00")),
    ]
    assert ctx.usage.dropped == {"duplicate_of_rule": 1}


def test_a_paragraph_whose_amounts_are_all_claimed_is_not_asked(tmp_path: Path):
    text = "基本支出570.03万元，比上年增加130.41万元，增长29.66%。"
    endpoint = Endpoint(_answer({"changes": []}))
    ctx = _ctx([text], endpoint, tmp_path)
    rule = _change(text, None, [], amount=Decimal("570.03"), delta=Decimal("130.41"))
    assert unmatched_changes(ctx, [rule], [(0, len(text))]) == [] and endpoint.requests == []


SEED_001_TOTAL = (
    "克孜勒苏柯尔克孜自治州医疗保障局 2026 年支出预算 996.43 万元，其中：基本支出 570.03 万元，占 57.21%，"
    "比上年预算增加 130.41 万元，增长 29.66%。"
)


def test_a_change_the_rules_read_is_not_paired_again_with_another_amount(tmp_path: Path):
    """Seed 001: the total (996.43, no change printed for it) is unclaimed, so the paragraph is asked;
    the recorded 1.5B model paired the total with 基本支出's +130.41 / 29.66%. The rules read that
    change already: their pairing stands."""
    total = {"subject": "克孜勒苏柯尔克孜自治州医疗保障局", "amount": "996.43", "delta": "130.41"}
    answer = {"changes": [total | {"growth_percent": "29.66"}]}
    endpoint = Endpoint(_answer(answer))
    ctx = _ctx([SEED_001_TOTAL], endpoint, tmp_path)
    rule = _change(SEED_001_TOTAL, None, [], amount=Decimal("570.03"), delta=Decimal("130.41"))
    rule.growth_percent = Decimal("29.66")
    assert unmatched_changes(ctx, [rule], [(0, len(SEED_001_TOTAL))]) == []
    assert len(endpoint.requests) == 1 and ctx.usage.dropped == {"change_read_by_rule": 1}


# Jiangsu 2018 full volume as pdfplumber flattens it: the line ends at "减" and the change
# ("少147.20万元，减少100%") is the next paragraph; the rules read no statement here.
JS_2018_FLAT = "2．财政专户管理资金收入预算总计0万元。与上年相比减"


def test_one_printed_number_is_not_both_the_amount_and_the_change(tmp_path: Path):
    """The recorded 1.5B model answered amount "0万元" and delta "-0万元" for this paragraph: the
    one printed 0万元 twice, which made a "changed" statement with a change of 0 (a false item
    where the rules had none). A number stands for one field, so the statement is dropped."""
    answer = {
        "changes": [
            {
                "subject": "财政专户管理资金收入预算总计",
                "amount": "0万元",
                "delta": "-0万元",
                "growth_percent": None,
                "reason_text": "与上年相比减",
            }
        ]
    }
    ctx = _ctx([JS_2018_FLAT], Endpoint(_answer(answer)), tmp_path)
    assert unmatched_changes(ctx, [], []) == []
    assert ctx.usage.dropped == {"number_not_printed": 1}
    # The same paragraph printing the change as a number of its own is read.
    printed = "2．财政专户管理资金收入预算总计0万元。与上年相比减少147.20万元。"
    answer["changes"][0] |= {"delta": "-147.20万元", "reason_text": None}
    ctx = _ctx([printed], Endpoint(_answer(answer)), tmp_path / "b")
    [change] = unmatched_changes(ctx, [], [])
    assert (change.amount, change.delta) == (Decimal("0"), Decimal("-147.20"))


def test_a_statement_printing_no_change_is_not_a_change(tmp_path: Path):
    """Jiangsu 2019 full volume flattened: the line ends at "无" and "变化。" is the next paragraph.
    The recorded 1.5B model answered the subject and amount alone; the layer used to mark every
    answer "changed", a false statement where the rules read none. Without a printed change
    (delta or growth) nothing says it changed: dropped."""
    text = "2．财政专户管理资金收入预算总计0万元，与上年相比无"
    answer = {
        "changes": [
            {"subject": "财政专户管理资金收入预算总计", "amount": "0万元", "delta": None, "growth_percent": None, "reason_text": "无"}
        ]
    }
    ctx = _ctx([text], Endpoint(_answer(answer)), tmp_path)
    assert unmatched_changes(ctx, [], []) == []
    assert ctx.usage.dropped == {"no_change_printed": 1}


# --- grounding with meaning -------------------------------------------------------------------

BASIS = "设立的政策依据：根据《江苏省财政厅关于2017年省级部门预算的批复》（苏财预〔2017〕19号）和省委工作要求设立。"


def test_a_policy_title_must_be_printed_inside_its_brackets_and_a_number_must_look_like_one(tmp_path: Path):
    answer = {
        "documents": [
            {"title": "江苏省财政厅关于2017年省级部门预算的批复", "doc_number": "苏财预〔2017〕19号"},
            {
                "title": "省委工作要求",
                "doc_number": "省委工作要求设立",
            },  # phrases of the basis, not a document
        ]
    }
    ctx = _ctx([BASIS], Endpoint(_answer(answer)), tmp_path)
    docs = policy_documents(ctx, BASIS, (0, len(BASIS)))
    assert [(d.title, d.doc_number) for d in docs] == [
        ("江苏省财政厅关于2017年省级部门预算的批复", "苏财预〔2017〕19号")
    ]
    assert ctx.usage.dropped == {"title_not_in_brackets": 1, "doc_number_shape": 1}


TABLE = "\n".join(
    [
        "一级指标 二级指标 三级指标 指标值",
        "产出指标 数量指标 审核凭证数量 ＞",
        "=95%",
        "质量指标 原始凭证合规率 ＜",
        "=19.2",
        "0万元",
        "效益指标 社会效益指标 群众满意度 有效提高",
    ]
)


def test_indicator_names_levels_and_wrapped_values(tmp_path: Path):
    answer = {
        "project": None,
        "indicators": [
            {"level3": "数量指标", "value": "≥95%"},  # a level-2 label is never a name
            {"level3": "审核凭证数量", "value": "＞\n=95%"},
            {"level1": "原始凭证", "level3": "原始凭证合规率", "value": "＜\n=19.2\n0万元"},
            {"level3": "有效提高", "value": "有效提高"},  # another column's text as the name
            {"level3": "群众满意度", "value": "有效提高"},
        ],
    }
    ctx = _ctx([], Endpoint(_answer(answer)), tmp_path)
    _, rows = indicators(ctx, TABLE, Provenance(file="d.txt"))
    got = [(i.level1, i.level2, i.level3, i.operator, i.number, i.unit) for i in rows]
    assert got == [
        ("产出指标", "数量指标", "审核凭证数量", ">=", Decimal("95"), "%"),
        ("产出指标", "质量指标", "原始凭证合规率", "<=", Decimal("19.20"), "万元"),
        ("效益指标", "社会效益指标", "群众满意度", "qualitative", None, None),
    ]
    assert ctx.usage.dropped == {
        "name_is_a_level_label": 1,
        "level_not_a_header": 1,
        "name_is_another_column": 1,
    }


# --- how requests are sent --------------------------------------------------------------------


def test_local_and_hosted_defaults():
    local = LlmSettings(base_url="http://127.0.0.1:8765/v1")
    hosted = LlmSettings(base_url="https://api.deepseek.com/v1")
    assert (local.effective_timeout_s, local.effective_max_retries, local.effective_concurrency) == (
        900.0,
        0,
        1,
    )
    assert (hosted.effective_timeout_s, hosted.effective_max_retries, hosted.effective_concurrency) == (
        60.0,
        2,
        4,
    )
    assert LlmSettings(base_url="http://127.0.0.1/v1", timeout_s=30, concurrency=2).effective_concurrency == 2


def test_requests_in_flight_are_bounded(tmp_path: Path):
    live, peak, lock = [0], [0], threading.Lock()

    class Slow(Endpoint):
        def __call__(self, request):
            with lock:
                live[0] += 1
                peak[0] = max(peak[0], live[0])
            time.sleep(0.05)
            with lock:
                live[0] -= 1
            return super().__call__(request)

    texts = [f"项目{i}增加" for i in range(8)]
    lines = [f"甲{i} 5 万元，比上年增加 1 万元，主要原因是{t}。" for i, t in enumerate(texts)]
    endpoint = Slow(_answer({"reasons": []}))
    ctx = _ctx(lines, endpoint, tmp_path, concurrency=3)
    split_reasons(
        ctx, [_change(ln[: ln.index("主要")], t + "。", []) for ln, t in zip(lines, texts, strict=True)]
    )
    assert len(endpoint.requests) == 8 and peak[0] == 3
    assert ctx.usage.calls == 8 == ctx.usage.tasks["change_reasons"].calls


def test_a_rules_only_extraction_does_not_load_the_llm_layer() -> None:
    """Rules-only runs (every pool worker of one) must not pay the LLM tasks' import and memory."""
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from extractor import extract\n"
        "import extractor.corpus.worker\n"
        "doc = extract(sys.argv[1])\n"
        "assert doc.narrative.changes and doc.narrative.llm.notes, 'the narrative stage ran'\n"
        "print(json.dumps([m for m in sys.modules if m.startswith(('extractor.llm.', 'schemas.llm', 'openai', 'instructor'))]))\n"
    )
    seed = Path(__file__).resolve().parents[1] / "examples" / "001_6d2149f5b3f07333.txt"
    done = subprocess.run([sys.executable, "-c", code, str(seed)], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert not loaded & {"extractor.llm.tasks", "extractor.llm.indicator_rows", "extractor.llm.grounding", "schemas.llm"}
    assert not any(m.startswith(("openai", "instructor")) for m in loaded)
