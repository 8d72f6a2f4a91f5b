"""Projects and their policy documents (rules layer) against the gold narrative labels."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from extractor.narrative.policy_documents import find_policy_documents, normalise_doc_number
from extractor.narrative.projects import find_projects, normalise_name, parse_period
from extractor.narrative.text import NarrativeText
from schemas import Project, Provenance, SourceLine
from tests.conftest import EXAMPLES, GOLD, PUTUO, SEEDS

JUSTICE = "putuo_justice_bureau_2026_department_budget"


def _ws(s: str | None) -> str:
    return re.sub(r"\s+", "", s or "")


@pytest.fixture(scope="module")
def run(narrative_inputs):
    """Rendering path → (projects, findings), from the session's shared narrative inputs."""
    cache: dict[Path, tuple[list[Project], list]] = {}

    def get(path: Path):
        if path not in cache:
            text, tables, _ = narrative_inputs(path)
            cache[path] = find_projects(text, tables)
        return cache[path]

    return get


@dataclass
class Score:
    found: int
    gold: int
    predicted: int
    field_ok: dict[str, int]
    doc_tp: int
    doc_gold: int
    doc_pred: int


def _doc_key(d: dict) -> str:
    if d.get("doc_number"):
        return "no:" + normalise_doc_number(d["doc_number"])
    return "title:" + _ws(d.get("title"))


def _allocs(items: list[dict]) -> set[tuple[str, Decimal | None]]:
    return {(_ws(a["purpose"]), None if a["amount"] is None else Decimal(str(a["amount"]))) for a in items}


def score(projects: list[Project], doc: str) -> Score:
    gold = json.loads((GOLD / doc / "narrative.json").read_text(encoding="utf-8"))["projects"]
    pred = {_ws(p.name): p.model_dump(mode="json") for p in projects}
    fields = ["budget_amount", "start_date", "end_date", "implementing_unit", "allocations", "policy_basis"]
    ok = dict.fromkeys(fields, 0)
    found = doc_tp = doc_gold = doc_pred = 0
    for g in gold:
        p = pred.get(_ws(g["name"]))
        doc_gold += len(g["policy_documents"])
        if p is None:
            continue
        found += 1
        ok["budget_amount"] += p["budget_amount"] is not None and Decimal(p["budget_amount"]) == Decimal(
            g["budget_amount"]
        )
        ok["start_date"] += p["start_date"] == g["start_date"]
        ok["end_date"] += p["end_date"] == g["end_date"]
        ok["implementing_unit"] += _ws(p["implementing_unit"]) == _ws(g["implementing_unit"])
        ok["allocations"] += _allocs(p["allocations"]) == _allocs(g["allocations"])
        ok["policy_basis"] += _ws(p["policy_basis"]) == _ws(g["policy_basis"])
        gold_docs = {_doc_key(d): d for d in g["policy_documents"]}
        doc_pred += len(p["policy_documents"])
        for d in p["policy_documents"]:
            gd = gold_docs.get(_doc_key(d))
            # A 文号 match counts only when the title and issuer agree too.
            doc_tp += gd is not None and _ws(gd["title"]) == _ws(d["title"]) and gd["issuer"] == d["issuer"]
    return Score(found, len(gold), len(projects), ok, doc_tp, doc_gold, doc_pred)


# (document, rendering) → the figures measured when this test was written, kept as floors.
CASES = [
    (SEEDS[0], "txt"),
    (SEEDS[0], "pdf"),
    (SEEDS[0], "flat"),
    (SEEDS[1], "txt"),
    (SEEDS[1], "pdf"),
    (SEEDS[1], "flat"),
]


def _path(doc: str, rendering: str, flat: dict[str, Path]) -> Path:
    if rendering == "flat":
        return flat[doc]
    return EXAMPLES / f"{doc}.{rendering}"


def _assert_perfect(s: Score) -> None:
    assert (s.found, s.predicted) == (s.gold, s.gold), s
    assert all(v == s.gold for v in s.field_ok.values()), s.field_ok
    assert (s.doc_tp, s.doc_pred) == (s.doc_gold, s.doc_gold), s


@pytest.mark.parametrize(("doc", "rendering"), CASES)
def test_seed_projects_match_gold(run, flat_text_renderings, doc, rendering):
    projects, findings = run(_path(doc, rendering, flat_text_renderings))
    _assert_perfect(score(projects, doc))
    assert all(p.table_row for p in projects)
    assert not [f for f in findings if f.check in ("allocation_sum", "narrative_vs_table")]
    for p in projects:
        assert p.origin["name"] == "rule" and p.provenance is not None
        assert all(d.provenance is not None for d in p.policy_documents)


def test_seed_project_findings_and_links(run):
    projects, findings = run(EXAMPLES / f"{SEEDS[0]}.pdf")
    # The gold project with no cited document is flagged; the others are not.
    no_docs = {p.name for p in projects if not p.policy_documents}
    flagged = {f.message.split(":")[0] for f in findings if f.check == "missing_policy_basis"}
    assert no_docs and flagged == no_docs
    # Performance tables whose project name differs only by year prefix / 项目 / width are linked.
    assert sum(p.performance_table is not None for p in projects) >= 5


@pytest.mark.skipif(not PUTUO.is_dir(), reason="../shared/corpus/putuo not present")
def test_putuo_justice_project_matches_gold(run):
    projects, findings = run(PUTUO / f"{JUSTICE}.pdf")
    _assert_perfect(score(projects, JUSTICE))
    # The Shanghai template lists no projects in its tables, so no table link can be checked.
    assert findings == []


@pytest.mark.skipif(not PUTUO.is_dir(), reason="../shared/corpus/putuo not present")
def test_putuo_other_documents_are_sensible(run):
    projects, _ = run(PUTUO / "putuo_wanli_subdistrict_2024_department_budget.pdf")
    assert len(projects) == 1
    p = projects[0]
    # The page title says only "项目经费情况说明": the name comes from 一、项目概况, the unit from
    # "本工程由建设单位万里街道办事处建设…". 年度预算安排 printed by quarter with no total: no invented
    # budget amount, and a payment schedule is not a split by purpose (no allocations).
    assert (p.name, p.implementing_unit) == ("万里街道社区公共服务中心新建工程", "万里街道办事处")
    assert p.budget_amount is None and p.allocations == []
    assert {d.doc_number_normalized for d in p.policy_documents} >= {
        "沪府规〔2016〕168号",
        "普发改投〔2017〕89号",
    }
    assert p.start_date is None and p.end_date is None
    projects, _ = run(PUTUO / "putuo_finance_bureau_2024_department_final_accounts.pdf")
    assert projects == []


# --- small hand-made cases -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("新财社〔2024〕165号文件", "新财社〔2024〕165号"),
        ("乌高（新）党办发[2017]36 号", "乌高（新）党办发〔2017〕36号"),
        ("沪府规【2016】168号", "沪府规〔2016〕168号"),
        ("财行(2019)１１号", "财行〔2019〕11号"),
        ("国办发 ﹝2018﹞ 1 号", "国办发〔2018〕1号"),
        ("乌高(新)党办发［2017］36号", "乌高（新）党办发〔2017〕36号"),
    ],
)
def test_normalise_doc_number(raw, expected):
    assert normalise_doc_number(raw) == expected


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026 年 1 月 1 日-2026 年 12 月 31 日", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026.1.1—2026.12.31", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026 年 1 月-12 月", date(2026, 1, 1), date(2026, 12, 31)),
        ("2025年3月至2025年6月", date(2025, 3, 1), date(2025, 6, 30)),
        ("2026/01/01～2026/06/30", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026年", None, None),
        ("第一季度审价、审计 第二季度审价", None, None),
        ("全年", None, None),
    ],
)
def test_parse_period(text, start, end):
    assert parse_period(text) == (start, end)


def _narrative(text: str) -> NarrativeText:
    line = SourceLine(text=text, provenance=Provenance(file="x.txt", line=1))
    return NarrativeText(text=text, starts=[0], lines=[line])


def _docs(text: str) -> list[tuple[str | None, str | None, str | None]]:
    return [(d.title, d.doc_number, d.issuer) for d in find_policy_documents(text, 0, _narrative(text))]


def test_title_followed_by_doc_number():
    assert _docs("依据为《关于印发某某办法的通知》（财行〔2019〕11号文件）。") == [
        ("关于印发某某办法的通知", "财行〔2019〕11号", None)
    ]


def test_doc_number_before_title_and_duplicates():
    text = "依据为（新财社〔2024〕181 号），《关于甲的通知》文件；（克财社〔2024〕95 号）《关于甲的通知》文件；《社会保险法》、《社会保险法》"
    assert _docs(text) == [
        ("关于甲的通知", "新财社〔2024〕181 号", None),
        ("关于甲的通知", "克财社〔2024〕95 号", None),
        ("社会保险法", None, None),
    ]


def test_forwarding_notice_issuer_and_bare_number():
    text = "关于转发《财政部、司法部关于乙的意见》的通知（沪财行〔2008〕36号）、《财政部、司法部关于乙的意见》（财行〔2007〕179号）；经费乌高（新）党办发[2017]36 号"
    assert _docs(text) == [
        ("关于转发《财政部、司法部关于乙的意见》的通知", "沪财行〔2008〕36号", None),
        ("财政部、司法部关于乙的意见", "财行〔2007〕179号", "财政部、司法部"),
        (None, "乌高（新）党办发[2017]36 号", None),
    ]


def test_issuer_before_title_and_bare_title():
    assert _docs("按照财政部、司法部印发的《丙管理办法》执行") == [("丙管理办法", None, "财政部、司法部")]
    assert _docs("某市健全医疗救助制度实施细则") == [("某市健全医疗救助制度实施细则", None, None)]
    assert _docs("该项目资金 300 万元，主要用于报销支出。") == []


def test_name_normalisation():
    assert normalise_name("2026 年度基金监管专项经费项目") == normalise_name("基金监管专项经费项目")
    assert normalise_name("补助资金（建设部分）") == normalise_name("补助资金(建设部分)")


def _paragraphs(*paras: str) -> NarrativeText:
    text = "\n".join(paras)
    starts, lines, pos = [], [], 0
    for i, para in enumerate(paras):
        starts.append(pos)
        lines.append(SourceLine(text=para, provenance=Provenance(file="x.txt", line=i + 1)))
        pos += len(para) + 1
    return NarrativeText(text=text, starts=starts, lines=lines)


def test_national_block_with_findings():
    text = _paragraphs(
        "七、项目支出情况说明",
        "（一）项目名称：甲项目",
        "设立的政策依据：根据《某办法》（某财〔2025〕3号）设立。",
        "预算安排规模：10.00 万元",
        "项目承担单位：某某局",
        "资金分配情况：主要用于：一是用于宣传 3 万元，二是用于培训 5 万元，共计 8 万元。",
        "资金执行时间：2026年1月1日-2026年12月31日",
        "八、其他说明",
        "（一）项目名称不在此处",
    )
    projects, findings = find_projects(text, [])
    assert [p.name for p in projects] == ["甲项目"]
    p = projects[0]
    assert (p.budget_amount, p.implementing_unit, p.end_date) == (
        Decimal("10.00"),
        "某某局",
        date(2026, 12, 31),
    )
    assert [(a.purpose, a.amount) for a in p.allocations] == [("宣传", Decimal("3")), ("培训", Decimal("5"))]
    assert [(d.title, d.doc_number_normalized) for d in p.policy_documents] == [("某办法", "某财〔2025〕3号")]
    checks = {f.check: f for f in findings}
    assert checks["allocation_sum"].severity == "material" and checks["allocation_sum"].actual == Decimal("8")
    assert "project_not_in_tables" not in checks  # no table lists projects: nothing to check against
    assert "missing_policy_basis" not in checks


def test_shanghai_page_block():
    text = _paragraphs(
        "乙项目经费情况说明",
        "一、项目概述",
        "概述文字。",
        "二、立项依据",
        "《关于乙的通知》（沪财〔2020〕",
        "1号）",
        "三、实施主体",
        "上海市某某局",
        "五、实施周期",
        "2025.1.1—2025.12.31",
        "六、年度预算安排",
        "120万元",
    )
    (p,), _ = find_projects(text, [])
    assert (p.name, p.implementing_unit, p.budget_amount) == ("乙项目经费", "上海市某某局", Decimal("120"))
    assert (p.start_date, p.end_date) == (date(2025, 1, 1), date(2025, 12, 31))
    assert [(d.title, d.doc_number) for d in p.policy_documents] == [("关于乙的通知", "沪财〔2020〕1号")]


def test_generic_page_title_takes_the_name_from_the_overview():
    text = _narrative(
        "\n".join(
            [
                "项目经费情况说明",
                "一、项目概况",
                "由某区人民政府某街道办事处建设的某街道文化活动中心改建工程，位于某路。",
                "二、立项依据",
                "根据某发改投【2020】12号文《关于某街道文化活动中心改建工程的批复》进行建设。",
                "三、实施主体",
                "本工程由建设单位某街道办事处建设，监理单位负责质量控制。",
                "四、年度预算安排",
                "第一季度用款计划10.00万元，第二季度用款计划20.00万元。",
            ]
        )
    )
    projects, _ = find_projects(text, [])
    assert [(p.name, p.implementing_unit, p.allocations) for p in projects] == [
        ("某街道文化活动中心改建工程", "某街道办事处", [])
    ]
