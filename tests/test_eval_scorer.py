"""The scorers on small hand-made cases: expected numbers are worked out by hand below."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from evals.common import normalise_doc_number, normalise_text
from evals.findings_scoring import score_findings
from evals.gold import gold_id_for, load_gold_dir
from evals.indicator_scoring import score_indicators
from evals.narrative_scoring import score_changes, score_projects
from evals.report import build_report, compare_reports, render_compare_markdown
from evals.runs import grounding, load_run
from evals.table_scoring import score_cells
from schemas import BudgetDocument
from schemas.document import DocumentMeta
from schemas.findings import Finding
from schemas.narrative import ChangeStatement, LlmRun, LlmUsage, Narrative, PolicyDocument, Project, Reason
from schemas.provenance import Provenance
from schemas.tables import Indicator, PerformanceHeader, Table, TableKind

D = Decimal
P = Provenance(file="doc.txt", line=1)

GOLD_CHANGES = [
    {
        "section": "revenue",
        "subject": "一般公共预算",
        "code": None,
        "amount": "909.43",
        "share_percent": "91.27",
        "delta": "125.41",
        "growth_percent": "16.00",
        "base": "上年预算",
        "status": "changed",
        "reason_text": "一是 2026 年比上年度增加 6 人；二是工资调整，费用增长。",
        "reasons": [
            {"text": "2026 年比上年度增加 6 人", "category": "personnel_change"},
            {"text": "工资调整，费用增长", "category": "pay_standard_adjustment"},
        ],
    },
    {
        "section": "functional_item",
        "subject": "卫生健康支出（类）行政事业单位医疗（款）行政单位医疗（项）",
        "code": "2101101",
        "amount": "14.26",
        "share_percent": None,
        "delta": "14.26",
        "growth_percent": "100.00",
        "base": "上年预算",
        "status": "changed",
        "reason_text": "财政更新行政事业单位款项。",
        "reasons": [{"text": "财政更新行政事业单位款项", "category": "classification_change"}],
    },
]


def change(g: dict, origin: dict | None = None, **override) -> ChangeStatement:
    """A predicted change equal to gold ``g`` except for ``override``."""
    data = {
        "section": g["section"],
        "subject": g["subject"],
        "subject_kind": "other",
        "code": g["code"],
        "status": g["status"],
        "base": g["base"],
        "statement_text": g["subject"],
        "reason_text": g["reason_text"],
        "provenance": P,
        "origin": origin or {},
        **{
            k: None if g[k] is None else D(g[k])
            for k in ("amount", "share_percent", "delta", "growth_percent")
        },
        "reasons": [Reason(text=r["text"], category=r["category"]) for r in g["reasons"]],
    }
    data.update(override)
    return ChangeStatement(**data)


def prf(score):
    return (round(score.precision, 4), round(score.recall, 4), round(score.f1, 4))


def test_perfect_prediction_scores_one():
    out = score_changes(GOLD_CHANGES, [change(g) for g in GOLD_CHANGES])
    for fam in ("changes", "reasons_exact", "reasons_normalised", "reason_category"):
        assert prf(out[fam]) == (1.0, 1.0, 1.0), fam
    assert out["changes"].tp == 2 and out["reasons_exact"].tp == 3


def test_missing_change_lowers_recall_only():
    out = score_changes(GOLD_CHANGES, [change(GOLD_CHANGES[0])])
    assert prf(out["changes"]) == (1.0, 0.5, 0.6667)
    # The missing change's one reason is missed too: 2 of 3 found.
    assert prf(out["reasons_exact"]) == (1.0, 0.6667, 0.8)


def test_invented_change_lowers_precision_only():
    invented = change(GOLD_CHANGES[1], code="2080505", subject="机关事业单位基本养老保险缴费支出")
    out = score_changes(GOLD_CHANGES, [change(g) for g in GOLD_CHANGES] + [invented])
    assert prf(out["changes"]) == (0.6667, 1.0, 0.8)
    assert [d.kind for d in out["changes"].diffs] == ["extra"]
    assert out["changes"].diffs[0].provenance == P


def test_wrong_number_counts_against_both():
    pred = [change(GOLD_CHANGES[0], delta=D("125.40")), change(GOLD_CHANGES[1])]
    out = score_changes(GOLD_CHANGES, pred)
    assert prf(out["changes"]) == (0.5, 0.5, 0.5)
    (diff,) = out["changes"].diffs
    assert (diff.kind, diff.gold, diff.pred) == ("wrong", "delta=125.41", "delta=125.40")
    assert out["changes"].fields["delta"] == [1, 2] and out["changes"].fields["amount"] == [2, 2]
    # Decimal equality, not string equality: 16.0 == 16.00.
    out = score_changes(GOLD_CHANGES[:1], [change(GOLD_CHANGES[0], growth_percent=D("16.0"))])
    assert out["changes"].tp == 1


def test_subject_matched_after_normalisation_and_one_to_one():
    # Same subject printed with full-width spaces; a second identical prediction is an extra.
    pred = [change(GOLD_CHANGES[0], subject="一般公共预算\u3000"), change(GOLD_CHANGES[0])]
    out = score_changes(GOLD_CHANGES[:1], pred)
    assert (out["changes"].tp, out["changes"].count("extra")) == (1, 1)


def test_reasons_exact_vs_normalised_and_category_accuracy():
    reasons = [
        Reason(text="2026年比上年度增加6人。", category="personnel_change"),  # spaces and 。 differ
        Reason(text="工资调整,费用增长", category="other"),  # half-width comma, wrong category
    ]
    out = score_changes(GOLD_CHANGES[:1], [change(GOLD_CHANGES[0], reasons=reasons)])
    assert prf(out["reasons_exact"]) == (0.0, 0.0, 0.0)
    assert prf(out["reasons_normalised"]) == (1.0, 1.0, 1.0)
    assert prf(out["reason_category"]) == (0.5, 0.5, 0.5)
    assert normalise_text(" 工资调整，费用增长；") == normalise_text("工资调整,费用增长")


def test_layers_split_by_origin():
    rule = change(GOLD_CHANGES[0])
    llm = change(GOLD_CHANGES[1], origin={"subject": "llm", "delta": "llm"})
    both = change(GOLD_CHANGES[1], origin={"subject": "rule", "delta": "llm"})
    assert score_changes(GOLD_CHANGES, [rule, llm], "rules")["changes"].tp == 1
    assert score_changes(GOLD_CHANGES, [rule, llm], "llm")["changes"].tp == 1
    assert score_changes(GOLD_CHANGES, [rule, llm], "merged")["changes"].tp == 2
    # A change the rules found and the LLM only completed belongs to the rules layer; one both
    # layers agree on (origin "both") counts for each of them.
    assert score_changes(GOLD_CHANGES, [both], "rules")["changes"].tp == 1
    assert score_changes(GOLD_CHANGES, [both], "llm")["changes"].tp == 0
    agreed = change(GOLD_CHANGES[1], origin={"subject": "both"})
    assert score_changes(GOLD_CHANGES, [agreed], "rules")["changes"].tp == 1
    assert score_changes(GOLD_CHANGES, [agreed], "llm")["changes"].tp == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("乌高（新）党办发[2017]36 号", "乌高（新）党办发〔2017〕36号"),
        ("新财社〔2024〕181 号", "新财社【2024】181号文件"),
        ("沪财行（２００８）３６号", "沪财行〔2008〕36号"),
    ],
)
def test_doc_number_normalisation(a, b):
    assert normalise_doc_number(a) == normalise_doc_number(b)


def test_policy_documents_matched_on_doc_number_else_title():
    title = "关于提前下达补助资金预算的通知"
    gold = [
        {
            "name": "能力提升项目",
            "budget_amount": "68.00",
            "policy_documents": [
                {"title": title, "doc_number": "新财社〔2024〕165号"},
                {"title": title, "doc_number": "克财社〔2024〕83号"},
                {"title": "社会保险法", "doc_number": None},
            ],
            "allocations": [{"purpose": "基金监管经费支出", "amount": "13"}],
        }
    ]
    pred = Project(
        name="能力提升项目",
        budget_amount=D("68.00"),
        provenance=P,
        policy_documents=[
            PolicyDocument(title=title, doc_number="克财社[2024]83 号"),  # same title, matched by 文号
            PolicyDocument(title="《社会保险法》"),  # no 文号: matched by title
            PolicyDocument(title=title, doc_number="新财社〔2024〕999号"),  # wrong 文号: no match
        ],
        allocations=[],
    )
    out = score_projects(gold, [pred])
    assert prf(out["projects"]) == (1.0, 1.0, 1.0)
    assert prf(out["policy_documents"]) == (0.6667, 0.6667, 0.6667)
    assert prf(out["allocations"]) == (1.0, 0.0, 0.0)


def _indicator(level3: str, number: str, level2: str = "数量指标") -> Indicator:
    return Indicator(
        level1="产出指标", level2=level2, level3=level3, operator=">=", number=D(number), provenance=P
    )


def test_indicators_assigned_one_to_one_by_similarity():
    gold = {
        "performance_tables": [
            {
                "kind": "project",
                "header": {"project": "2026 年度医保业务经费"},
                "indicators": [
                    {
                        "level1": "产出指标",
                        "level2": "数量指标",
                        "level3": "参保人数(人)",
                        "operator": ">=",
                        "number": "108582",
                    },
                    {
                        "level1": "产出指标",
                        "level2": "数量指标",
                        "level3": "参保率(%)",
                        "operator": ">=",
                        "number": "95",
                    },
                ],
            }
        ]
    }
    table = Table(
        table_no=None,
        title="项目支出绩效目标表",
        kind=TableKind.project_performance,
        unit=None,
        provenance=P,
        performance_header=PerformanceHeader(project="2026年度医保业务经费"),
        # Printed in the other order, with stray spaces; the rate appears twice.
        indicators=[
            _indicator("参保 率 (%)", "95"),
            _indicator("参保人数 (人)", "108582"),
            _indicator("参保率(%)", "95"),
        ],
    )
    score = score_indicators(gold, [table])
    assert score.tp == 2 and score.count("extra") == 1 and score.count("miss") == 0
    # A wrong number on the matched row: counted against both.
    table.indicators = [_indicator("参保人数(人)", "10858"), _indicator("参保率(%)", "95")]
    assert prf(score_indicators(gold, [table])) == (0.5, 0.5, 0.5)


def test_cells_missing_invented_wrong():
    key = ("budget_summary", "income", "一般公共预算拨款", "", "amount", 0)
    key2 = ("budget_summary", "income", "本年收入", "", "amount", 0)
    gold = {key: D("996.43"), key2: D("996.43")}
    assert score_cells(dict(gold), gold).f1 == 1.0
    missing = score_cells({key: D("996.43")}, gold)
    assert (missing.precision, missing.recall) == (1.0, 0.5)
    invented = score_cells({**gold, (*key[:2], "其他", "", "amount", 0): D("1")}, gold)
    assert (round(invented.precision, 4), invented.recall) == (0.6667, 1.0)
    wrong = score_cells({key: D("996.44"), key2: D("996.43")}, gold)
    assert (wrong.precision, wrong.recall) == (0.5, 0.5)


def _finding(check, table, row, column, actual, expected, severity="rounding"):
    return Finding(
        check=check,
        severity=severity,
        tables=[table],
        rows=[row],
        column=column,
        actual=D(actual),
        expected=D(expected),
        message="m",
    )


def test_findings_as_a_set():
    gold = [
        {
            "kind": "hierarchy_sum",
            "tables": ["表2"],
            "rows": ["21011"],
            "actual": "32.50",
            "expected": "32.49",
        },
        {
            "kind": "row_identity",
            "tables": ["表7"],
            "rows": ["21015"],
            "actual": "426.40",
            "expected": "426.41",
        },
        {"kind": "implausible_magnitude", "message": "车辆 2 辆，价值 523,055.17 万元，不合理"},
    ]
    pred = [
        # One slip reported in two columns: one finding.
        _finding(
            "hierarchy_sum", "表2 部门收入总体情况表", "21011 行政事业单位医疗", "total", "32.50", "32.49"
        ),
        _finding(
            "hierarchy_sum", "表2 部门收入总体情况表", "21011 行政事业单位医疗", "basic", "32.50", "32.49"
        ),
        # '21015' must not match row '2101599 …' by substring.
        _finding(
            "row_identity",
            "表7 项目支出情况表",
            "2101599 其他医疗保障管理事务支出",
            "total",
            "426.40",
            "426.41",
        ),
        Finding(check="implausible_magnitude", severity="warning", actual=D("523055.17"), message="m"),
        # Diagnostics are not scored.
        Finding(check="unit_assumed", severity="warning", message="m"),
    ]
    score = score_findings(gold, pred)
    assert (score.tp, score.count("miss"), score.count("extra")) == (2, 1, 1)
    assert prf(score) == (0.6667, 0.6667, 0.6667)


def test_grounding_rate():
    doc = _doc("x", usage=LlmUsage(calls=2, grounded=3, ungrounded_dropped=1))
    assert grounding([doc]) == {"grounded": 3, "ungrounded_dropped": 1, "grounding_rate": 0.75}
    assert grounding([_doc("y")])["grounding_rate"] is None


def test_pred_doc_ids_map_to_gold():
    gold = {"001_abc": None, "putuo_x": None}
    assert gold_id_for("001_abc-pdf", gold) == "001_abc"
    assert gold_id_for("001_abc-txt", gold) == "001_abc"
    assert gold_id_for("putuo_x", gold) == "putuo_x"
    assert gold_id_for("other-pdf", gold) is None
    # corpus-run ids (budget-extract run): the suffix as written, folders in front, a path hash
    assert gold_id_for("001_abc-PDF", gold) == "001_abc"
    assert gold_id_for("2024__001_abc-pdf", gold) == "001_abc"
    assert gold_id_for("a__b__putuo_x-md", gold) == "putuo_x"
    assert gold_id_for("a__001_abc-pdf-1f2e3d4c", gold) == "001_abc"
    assert gold_id_for("001_abc__x-pdf", gold) is None


# --- runs, reports, compare, CLI -------------------------------------------------------------

SOURCE = (
    "二、收入预算情况说明\n一般公共预算 909.43 万元，占 91.27%，比上年预算增加 125.41 万元，增长 16.00%，"
    "主要原因是一是 2026 年比上年度增加 6 人；二是工资调整，费用增长。\n"
    "（一）行政单位医疗 14.26 万元，主要原因是财政更新行政事业单位款项。<script>x</script>\n"
)


def _doc(doc_id: str, changes=(), usage: LlmUsage | None = None, source: str = "doc.txt") -> BudgetDocument:
    llm = LlmRun(
        enabled=usage is not None,
        status="ok" if usage else "off",
        model="m1" if usage else None,
        prompt_versions={"changes": "v1"} if usage else {},
        usage=usage or LlmUsage(),
    )
    return BudgetDocument(
        meta=DocumentMeta(doc_id=doc_id, source_file=source, source_format="text", extractor_version="t"),
        tables=[],
        narrative=Narrative(changes=list(changes), llm=llm),
        findings=[],
    )


def _setup(tmp_path, run_name: str, delta: str) -> tuple:
    """A gold dir with GOLD_CHANGES and a run (under docs/, id with -txt) predicting both changes:
    the first right but with one reason left out, the second with ``delta``."""
    src = tmp_path / "doc.txt"
    src.write_text(SOURCE, encoding="utf-8")
    gold_dir = tmp_path / "gold" / "001_abc"
    gold_dir.mkdir(parents=True, exist_ok=True)
    (gold_dir / "narrative.json").write_text(
        json.dumps({"doc_id": "001_abc", "changes": GOLD_CHANGES, "projects": []}, ensure_ascii=False),
        encoding="utf-8",
    )
    start = SOURCE.index("（一）行政单位医疗")
    prov = Provenance(file=str(src), line=3, char_start=start, char_end=start + 9)
    first = change(
        GOLD_CHANGES[0], reasons=[Reason(text="2026 年比上年度增加 6 人", category="personnel_change")]
    )
    second = change(GOLD_CHANGES[1], delta=D(delta), provenance=prov)
    run = tmp_path / run_name / "docs"
    run.mkdir(parents=True)
    usage = LlmUsage(
        calls=3, prompt_tokens=100, completion_tokens=20, cache_hits=1, grounded=4, ungrounded_dropped=1
    )
    doc = _doc("001_abc-txt", [first, second], usage=usage, source=str(src))
    (run / "001_abc-txt.json").write_text(doc.model_dump_json(), encoding="utf-8")
    (tmp_path / run_name / "manifest.json").write_text(json.dumps({"run_time_s": 12.5}), encoding="utf-8")
    return tmp_path / run_name, tmp_path / "gold"


def test_compare_lists_a_regression_first(tmp_path):
    run_a, gold = _setup(tmp_path, "a", "14.26")
    run_b, _ = _setup(tmp_path, "b", "14.00")
    golds = load_gold_dir(gold)
    c = compare_reports(build_report(load_run(run_a), golds), build_report(load_run(run_b), golds))
    first = c["scores"][0]
    assert (first["layer"], first["family"], first["f1_a"], first["f1_b"]) == ("merged", "changes", 1.0, 0.5)
    # The changes are rule-made (empty origin): the rules layer regresses too, the llm layer does not.
    assert [(s["layer"], s["delta"]) for s in c["scores"][:2]] == [("merged", -0.5), ("rules", -0.5)]
    assert all(s["delta"] >= 0 for s in c["scores"][2:])
    (reg,) = c["regressions"]
    assert (reg["kind"], reg["gold"], reg["pred"]) == ("wrong", "delta=14.26", "delta=14.00")
    assert c["fixes"] == []
    assert "delta=14.00" in render_compare_markdown(c).split("## Fixed")[0]


def test_cli_writes_three_reports(tmp_path):
    from extractor.cli import main

    run, gold = _setup(tmp_path, "run", "14.00")
    out = tmp_path / "report"
    assert main(["eval", "--pred", str(run), "--gold", str(gold), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.json", "report.md"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    meta = report["meta"]
    assert (meta["documents"], meta["calls"], meta["tokens"], meta["cache_hits"]) == (1, 3, 120, 1)
    assert (meta["model"], meta["prompt_versions"], meta["run_time"]) == (["m1"], {"changes": "v1"}, 12.5)
    assert "git_commit" in meta and meta["date"]
    assert report["grounding"]["grounding_rate"] == 0.8
    assert report["documents"][0]["gold"] == "001_abc"
    # One of two changes right, the other has a wrong delta: P = R = 0.5. Reasons: 2 of 3 found.
    fams = report["layers"]["merged"]["families"]
    assert (fams["changes"]["micro"]["precision"], fams["changes"]["micro"]["recall"]) == (0.5, 0.5)
    assert (fams["reasons_exact"]["micro"]["precision"], fams["reasons_exact"]["micro"]["recall"]) == (
        1.0,
        0.6667,
    )
    diffs = report["diffs"]["001_abc-txt"]
    (wrong,) = diffs["changes"]
    assert wrong["context"].startswith("…") and "【（一）行政单位医疗】 14.26" in wrong["context"]
    (miss,) = diffs["reasons_exact"]
    assert miss["gold"] == "工资调整，费用增长" and "【工资调整，费用增长】" in miss["context"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| changes | 0.500 | 0.500 | 0.500 | 1 | 1 | 1 |" in md
