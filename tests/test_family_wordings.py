"""The family's wordings of a change (``extractor.narrative.changes.WORDINGS``): every example runs,
and each gives the statements a reader takes from it (values read from the sentence itself)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from extractor.narrative.changes import WORDINGS, find_changes
from tests.test_narrative_changes import _text

# sentence → [(section, subject_kind, subject, status, amount, unit, delta, growth)], read by hand.
EXPECTED = {
    "江苏省委办公厅2018年度收入、支出预算总计24458.43万元，与上年相比收、支预算总计各增加3608.98万元，增长17.31%。": [
        ("revenue", "revenue_total", "收入预算总计", "changed", "24458.43", "万元", "3608.98", "17.31"),
        ("expenditure", "expenditure_total", "支出预算总计", "changed", "24458.43", "万元", "3608.98", "17.31"),
    ],
    "省委办公厅 2017 年度财政拨款收、支总预算 20702.25万元。与上年相比，财政拨款收、支总计各增加 2043.58 万元，增长 10.95%。": [
        ("fiscal", "fiscal_total", "财政拨款收入总计", "changed", "20702.25", "万元", "2043.58", "10.95"),
        ("fiscal", "fiscal_total", "财政拨款支出总计", "changed", "20702.25", "万元", "2043.58", "10.95"),
    ],
    "本部门2024年收入和支出预算总计均为1,234.56万元，比2023年预算均减少56.78万元，下降4.40%。": [
        ("revenue", "revenue_total", "收入预算总计", "changed", "1234.56", "万元", "-56.78", "-4.40"),
        ("expenditure", "expenditure_total", "支出预算总计", "changed", "1234.56", "万元", "-56.78", "-4.40"),
    ],
    "江苏省委办公厅2018年政府性基金支出预算支出0万元，与上年数一致。": [
        ("fiscal", "other", "政府性基金支出预算支出", "unchanged", "0", "万元", None, None),
    ],
    "2．财政专户管理资金收入预算总计 147.20 万元。与上年保持一致。": [
        ("revenue", "revenue_source", "财政专户管理资金收入预算总计", "unchanged", "147.20", "万元", None, None),
    ],
    "单位预留机动经费预算数为 196.72 万元。与上年相同。": [
        ("other", "other", "单位预留机动经费预算数", "unchanged", "196.72", "万元", None, None),
    ],
    "（2）政府性基金收入预算0万元，与上年相比无变化。": [
        ("revenue", "revenue_source", "政府性基金收入预算", "unchanged", "0", "万元", None, None),
    ],
    "公务接待费预算支出 28 万元，本年数与上年预算数一致。": [
        ("three_public", "three_public_item", "公务接待费预算支出", "unchanged", "28", "万元", None, None),
    ],
    "会议费支出12.00万元，较上年同期无增减。": [
        ("other", "other", "会议费支出", "unchanged", "12.00", "万元", None, None),
    ],
    "1．一般公共服务（类）支出20153.75万元，主要用于保障机构正常运转。与上年相比增加3161.38万元，增长18.60%。": [
        ("functional_item", "functional_item", "一般公共服务（类）支出", "changed", "20153.75", "万元", "3161.38", "18.60"),
    ],
    "江苏省委办公厅2018年财政拨款预算支出24458.43万元，占本年支出合计的100%。与上年相比，财政拨款支出增加3756.18万元，增长18.14%。": [
        ("fiscal", "fiscal_total", "财政拨款预算支出", "changed", "24458.43", "万元", "3756.18", "18.14"),
    ],
    "教育支出（类）856.30万元，同上年相比，减少42.10万元，下降4.68%。": [
        ("functional_item", "functional_item", "教育支出（类）", "changed", "856.30", "万元", "-42.10", "-4.68"),
    ],
    "单位预留机动经费预算数为196.72，比上年增加5.00万元，增长2.61%。": [
        ("other", "other", "单位预留机动经费预算数", "changed", "196.72", "万元", "5.00", "2.61"),
    ],
    # No unit printed anywhere: the statement and its rate are read, the amounts are not (never assumed).
    "基本支出预算数为570.03，比上年预算减少30.41，降幅5.06%。": [
        ("expenditure", "basic_expenditure", "基本支出预算数", "changed", None, "万元", None, "-5.06"),
    ],
}


def _dec(v: str | None) -> Decimal | None:
    return None if v is None else Decimal(v)


def test_every_example_is_expected():
    examples = {e for _, _, sentences in WORDINGS for e in sentences}
    assert examples == set(EXPECTED)


@pytest.mark.parametrize("sentence", list(EXPECTED))
def test_family_wording(sentence):
    got = [
        (c.section, c.subject_kind, c.subject, c.status, c.amount, c.unit, c.delta, c.growth_percent)
        for c in find_changes(_text("十三、其他重要事项说明", sentence), [], "budget")
    ]
    want = [(*e[:4], _dec(e[4]), e[5], _dec(e[6]), _dec(e[7])) for e in EXPECTED[sentence]]
    assert got == want


def test_joint_total_keeps_its_reason_for_both_sides():
    text = _text(
        "一、收支预算总体情况说明",
        "江苏省委办公厅2018年度收入、支出预算总计24458.43万元，与上年相比收、支预算总计各增加3608.98万元，"
        "增长17.31%。主要原因是人员经费政策性调增、新增省级电子政务内网运维费、增加了行政运转保障等项目经费。",
    )
    revenue, spending = find_changes(text, [], "budget")
    assert revenue.reason_text == spending.reason_text
    assert [(r.text, r.category) for r in revenue.reasons] == [
        ("人员经费政策性调增", "pay_standard_adjustment"),
        ("新增省级电子政务内网运维费", "project_added"),
        ("增加了行政运转保障等项目经费", "project_changed"),
    ]


def test_a_page_number_inside_a_wrapped_sentence_is_not_text():
    from extractor.narrative.text import build_narrative_text
    from schemas import Provenance, SourceLine

    lines = ["1．行政运行（项）支出 2000.39 万元，与上年相比增加 65.88 万", "— 8 —", "元，增长3.4%。"]
    src = [
        SourceLine(text=t, provenance=Provenance(file="t", page=8 if i < 2 else 9, line=i + 1))
        for i, t in enumerate(lines)
    ]
    text = build_narrative_text(src)
    assert "— 8 —" not in text.text
    [c] = find_changes(text, [], "budget")
    assert (c.delta, c.growth_percent) == (Decimal("65.88"), Decimal("3.4"))
