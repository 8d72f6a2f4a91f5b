"""The LLM layer's failure modes, each ending in a flagged fallback, never a crash or a wrong value.

The endpoint is simulated with an HTTP mock transport (a real server will not produce a 429
or a truncated answer on demand); the happy paths are replayed from real cassettes in
test_llm_cassettes.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest
from llm_mock import Endpoint, completion, mock_client

from extractor.llm.client import LlmClient
from extractor.llm.tasks import LlmContext, split_reasons
from extractor.narrative.merge import merge_policy_documents, merge_reasons
from extractor.narrative.policy_documents import normalise_doc_number
from extractor.narrative.text import build_narrative_text
from schemas import ChangeStatement, LlmUsage, PolicyDocument, Project, Provenance, Reason, SourceLine
from schemas.llm import ReasonList

REASON = "一是 2026 年比上年度增加 6 人，人员增加，相关经费相应增长；二是工资调整，费用增长。"
STATEMENT = f"基本支出 570.03 万元，比上年预算增加 130.41 万元，增长 29.66%，主要原因是{REASON}"


def _ok(reasons: list[dict]) -> httpx2.Response:
    return httpx2.Response(
        200, json=completion(json.dumps({"reasons": reasons}, ensure_ascii=False))
    )


def _context(client: LlmClient) -> tuple[LlmContext, list[ChangeStatement]]:
    line = SourceLine(text=STATEMENT, provenance=Provenance(file="doc.txt", line=1))
    text = build_narrative_text([line])
    rule_reasons = [
        Reason(text="2026 年比上年度增加 6 人，人员增加，相关经费相应增长", category="personnel_change"),
        Reason(text="工资调整，费用增长", category="other"),
    ]
    change = ChangeStatement(
        section="expenditure",
        subject="基本支出",
        subject_kind="basic_expenditure",
        status="changed",
        statement_text=STATEMENT,
        reason_text=REASON,
        reasons=rule_reasons,
        provenance=line.provenance,
    )
    return LlmContext(text, client, LlmUsage()), [change]


GOOD = [
    {"text": "2026 年比上年度增加 6 人，人员增加，相关经费相应增长", "category": "personnel_change"},
    {"text": "工资调整，费用增长", "category": "pay_standard_adjustment"},
]


def test_good_answer_merges_and_marks_origin(tmp_path: Path) -> None:
    ctx, changes = _context(mock_client(Endpoint(_ok(GOOD)), tmp_path))
    found = split_reasons(ctx, changes)
    merge_reasons(changes[0], found[0])
    # Agreed; and where the rule said "other" its category stands, the LLM's is a conflict finding.
    assert [r.origin for r in changes[0].reasons] == ["both", "conflict"]
    assert changes[0].reasons[1].category == "other"
    assert ctx.usage.calls == 1 and ctx.usage.grounded == 2 and ctx.usage.prompt_tokens == 10


def test_cache_makes_a_rerun_call_nothing(tmp_path: Path) -> None:
    endpoint = Endpoint(_ok(GOOD))
    for _ in range(2):
        ctx, changes = _context(mock_client(endpoint, tmp_path))
        split_reasons(ctx, changes)
    assert len(endpoint.requests) == 1
    assert ctx.usage.calls == 0 and ctx.usage.cache_hits == 1


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (httpx2.Response(200, json=completion("{not json")), "invalid_json"),
        (_ok([{"text": "工资调整，费用增长", "category": "salary"}]), "schema"),
        (httpx2.Response(200, json=completion("")), "empty"),
        (httpx2.Response(429, json={"error": {"message": "slow down"}}), "rate_limit"),
        (httpx2.Response(503, json={"error": {"message": "overloaded"}}), "server_error"),
        (httpx2.ReadTimeout("timed out"), "timeout"),
    ],
)
def test_failure_falls_back_to_rules(tmp_path: Path, response: object, kind: str) -> None:
    ctx, changes = _context(mock_client(Endpoint(response), tmp_path, max_reasks=1))
    before = [r.model_dump() for r in changes[0].reasons]
    found = split_reasons(ctx, changes)
    merge_reasons(changes[0], found.get(0))
    assert ctx.usage.failures == {kind: 1}
    assert [r.model_dump() for r in changes[0].reasons] == before  # the rules' reasons, untouched


def test_invented_reason_voids_the_split_and_is_counted(tmp_path: Path) -> None:
    invented = GOOD[:1] + [{"text": "上级部门要求增加信息化建设投入", "category": "project_added"}]
    ctx, changes = _context(mock_client(Endpoint(_ok(invented)), tmp_path))
    before = [r.model_dump() for r in changes[0].reasons]
    found = split_reasons(ctx, changes)
    merge_reasons(changes[0], found.get(0))
    assert found == {}  # a split with an invented part is not used at all
    assert ctx.usage.ungrounded_dropped == 1 and ctx.usage.grounded == 1
    assert [r.model_dump() for r in changes[0].reasons] == before


def test_transport_retries_are_bounded_and_counted(tmp_path: Path) -> None:
    endpoint = Endpoint(httpx2.Response(429, json={"error": {"message": "slow"}}), _ok(GOOD))
    ctx, changes = _context(mock_client(endpoint, tmp_path, max_retries=2))
    assert split_reasons(ctx, changes)[0]
    assert len(endpoint.requests) == 2 and ctx.usage.retries == 1 and not ctx.usage.failures


def test_validation_error_is_reasked_once(tmp_path: Path) -> None:
    bad = _ok([{"text": "工资调整，费用增长", "category": "salary"}])
    endpoint = Endpoint(bad, _ok(GOOD))
    ctx, changes = _context(mock_client(endpoint, tmp_path, max_reasks=1))
    assert len(split_reasons(ctx, changes)[0]) == 2
    assert len(endpoint.requests) == 2
    # The re-ask tells the model what was wrong.
    assert "salary" in json.dumps(endpoint.requests[1], ensure_ascii=False)


def test_offline_cache_miss_is_a_failure_not_a_call(tmp_path: Path) -> None:
    endpoint = Endpoint(_ok(GOOD))
    ctx, changes = _context(mock_client(endpoint, tmp_path, offline=True))
    assert split_reasons(ctx, changes) == {}
    assert endpoint.requests == [] and ctx.usage.failures == {"cache_miss_offline": 1}


def test_json_object_schema_mode_sends_the_schema(tmp_path: Path) -> None:
    endpoint = Endpoint(_ok(GOOD))
    ctx, changes = _context(mock_client(endpoint, tmp_path, mode="json_object_schema"))
    split_reasons(ctx, changes)
    fmt = endpoint.requests[0]["response_format"]
    assert fmt["type"] == "json_object" and fmt["schema"] == ReasonList.model_json_schema()


# Putuo 万里 2024: the 立项依据 cites "沪府规【2016】168号文关于同意《…局部调整》的批复". The rules
# record the 批复 (its 文号 is the 批复's); the 1.5B model answered the quoted plan title alone, and
# the merge kept it as a second document (policy documents F1 1.000 → 0.800).
WANLI_PLAN = "上海市普陀区万里社区W060701单元W-07、W-08街坊、真如城市副中心X101、X102、X103、G1街坊控制性详细规划局部调整"


def _wanli_project() -> Project:
    where = Provenance(file="wanli.pdf", page=30, line=4)
    return Project(
        name="万里街道社区公共服务中心新建工程",
        policy_documents=[
            PolicyDocument(
                title=f"关于同意《{WANLI_PLAN}》的批复",
                doc_number="沪府规【2016】168号",
                doc_number_normalized=normalise_doc_number("沪府规【2016】168号"),
                provenance=where,
            ),
            PolicyDocument(
                title="关于万里街道社区公共服务中心新建工程可行性研究报告的批复",
                doc_number="普发改投【2017】89号",
                doc_number_normalized=normalise_doc_number("普发改投【2017】89号"),
                provenance=where,
            ),
        ],
        provenance=where,
    )


@pytest.mark.parametrize("number", [None, "沪府规【2016】168号"])
def test_a_title_quoted_inside_a_rule_documents_title_is_that_document(number: str | None) -> None:
    project = _wanli_project()
    merge_policy_documents(project, [PolicyDocument(title=WANLI_PLAN, doc_number=number, origin="llm")])
    assert [d.title for d in project.policy_documents] == [
        f"关于同意《{WANLI_PLAN}》的批复",
        "关于万里街道社区公共服务中心新建工程可行性研究报告的批复",
    ]
    assert [d.origin for d in project.policy_documents] == ["both", "rule"]


def test_a_quoted_title_under_another_number_stays_a_document_of_its_own() -> None:
    project = _wanli_project()
    other = PolicyDocument(title=WANLI_PLAN, doc_number="沪府〔2015〕12号", origin="llm")
    merge_policy_documents(project, [other])
    assert len(project.policy_documents) == 3 and project.policy_documents[2].origin == "llm"
