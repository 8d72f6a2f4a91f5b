"""Hand-made grids for the row repairs of ``parse_performance``: an indicator row split over a page
break is rejoined, a row printed one cell to the left is shifted back."""

from __future__ import annotations

from decimal import Decimal

from extractor.tables.performance import parse_performance
from schemas import Provenance, SourceLine

HEADER = [
    "一级指标",
    "二级指标",
    "三级指标",
    "指标值",
    "指标值设置依据",
    "上年完成值",
    "指标分值权重",
    "指标赋分规则",
    "佐证资料",
]


def _grid(rows: list[tuple[int | None, list[str]]]) -> list[SourceLine]:
    lines = []
    for n, (page, cells) in enumerate(rows, start=1):
        prov = Provenance(file="x.pdf" if page else "x.txt", page=page, line=n)
        lines.append(SourceLine(text="\t".join(cells), cells=cells, provenance=prov))
    return lines


def _split_row_grid(page_of_fragment: int | None) -> list[SourceLine]:
    page = 1 if page_of_fragment else None
    return _grid(
        [
            (page, HEADER),
            (
                page,
                [
                    "成本指标",
                    "经济成本指标",
                    "设备购置经费 (万元)",
                    "<=10 万元",
                    "预算支出标准",
                    "新增",
                    "7",
                    "按照正常比例赋分",
                    "原始凭证",
                ],
            ),
            (
                page,
                [
                    "",
                    "",
                    "培训经费 (专",
                    "<=5 万元",
                    "预算支出标准",
                    "新增",
                    "6",
                    "按照正常比例赋分",
                    "原始凭证",
                ],
            ),
            (page_of_fragment, ["", "", "题)(万元)", "万元", "", "", "", "分", ""]),
            (
                page_of_fragment,
                [
                    "效益指标",
                    "社会效益指标",
                    "服务水平",
                    "有效提高",
                    "计划标准",
                    "有效提高",
                    "7",
                    "按评判等级赋分",
                    "工作资料",
                ],
            ),
        ]
    )


def test_row_split_over_page_break_is_rejoined():
    for page in (2, None):  # a PDF (pages known) and a text rendering (no pages)
        _, indicators, problems = parse_performance(_split_row_grid(page))
        assert [i.level3 for i in indicators] == ["设备购置经费 (万元)", "培训经费 (专题)(万元)", "服务水平"]
        joined = indicators[1]
        assert (joined.level1, joined.level2) == ("成本指标", "经济成本指标")
        # The fragment's '万元' / '分' are overflow of the first part's cells, not appended.
        assert (joined.value_raw, joined.operator, joined.number, joined.unit) == (
            "<=5 万元",
            "<=",
            Decimal(5),
            "万元",
        )
        assert joined.weight == Decimal(6) and joined.scoring_rule == "按照正常比例赋分"
        assert joined.provenance.line == 3  # the first part
        assert any("page break" in p for p in problems)


def test_weightless_row_on_the_same_page_is_not_a_continuation():
    lines = _split_row_grid(1)  # the fragment printed on the same PDF page: not a page-break split
    _, indicators, _ = parse_performance(lines)
    assert [i.level3 for i in indicators] == ["设备购置经费 (万元)", "培训经费 (专", "题)(万元)", "服务水平"]


def test_row_with_a_weight_is_a_new_indicator():
    lines = _grid(
        [
            (1, HEADER),
            (
                1,
                [
                    "产出指标",
                    "数量指标",
                    "培训人次 (人次)",
                    ">=100 人次",
                    "计划标准",
                    "90 人次",
                    "10",
                    "按照正常比例赋分",
                    "工作资料",
                ],
            ),
            (2, ["", "", "宣传资料 (份)", "", "", "", "5", "", ""]),
        ]
    )
    _, indicators, _ = parse_performance(lines)
    assert [i.level3 for i in indicators] == ["培训人次 (人次)", "宣传资料 (份)"]
    assert indicators[1].level2 == "数量指标"


def test_row_printed_one_cell_left_is_shifted_back():
    lines = _grid(
        [
            (None, HEADER),
            (
                None,
                [
                    "产出指标",
                    "数量指标",
                    "参保人数 (万人)",
                    ">=62 万人",
                    "行业标准",
                    "62 万人",
                    "6",
                    "按照正常比例赋分",
                    "工作资料",
                ],
            ),
            (
                None,
                [
                    "时效指标",
                    "完成时间",
                    "2026 年 12 月 25 日前",
                    "计划标准",
                    "2025 年 12 月 25 日前",
                    "4",
                    "按照正常比例赋分",
                    "工作资料",
                    "",
                ],
            ),
            (
                None,
                ["", "报送及时率 (%)", "=100%", "计划标准", "100%", "6", "按照正常比例赋分", "工作资料", ""],
            ),
        ]
    )
    _, indicators, _ = parse_performance(lines)
    got = [(i.level1, i.level2, i.level3, i.operator, i.number, i.weight) for i in indicators]
    assert got == [
        ("产出指标", "数量指标", "参保人数 (万人)", ">=", Decimal(62), Decimal(6)),
        ("产出指标", "时效指标", "完成时间", "qualitative", None, Decimal(4)),
        ("产出指标", "时效指标", "报送及时率 (%)", "=", Decimal(100), Decimal(6)),
    ]


def test_the_project_name_of_a_flattened_table_is_read_by_the_header_order():
    """项目名称 | name | 项目负责人 | person, as pdfplumber flattens the seeds' 项目支出绩效目标表
    (tests/data/*.flat.txt): the 项目负责人 label wrapped around the name's line (002 城乡医疗救助
    and 雇员经费, 001 基金监管), or the name wrapped around the label's line (001's two long names)."""
    from extractor.tables.performance import flat_project

    budget = ["预算单位 乌鲁木齐高新技术产业开发区（乌鲁木齐市新市区）医疗保障局"]
    funds = ["其中：财 其他资", "项目资金(万元) 年度预算总额 151.33 151.33 0.00"]
    assert flat_project([*budget, "项目负责", "项目名称 城乡医疗救助 张加强", "人", *funds]) == "城乡医疗救助"
    assert flat_project([*budget, "项目负", "项目名称 雇员经费 张加强", "责人", *funds]) == "雇员经费"
    assert (
        flat_project(["项目负", "项目名称 2026 年度基金监管专项经费项目 艾尼瓦尔·艾木如拉", "责人"])
        == "2026 年度基金监管专项经费项目"
    )
    wrapped = [
        "预算单位 克孜勒苏柯尔克孜自治州医疗保障局",
        "2026 年中央财政医疗服务与保障能力提升补助",
        "项目名称 项目负责人 艾尼瓦尔·艾木如拉",
        "资金(医疗保障服务能力建设部分)项目",
        "其中：财 其他资",
    ]
    assert flat_project(wrapped) == "2026 年中央财政医疗服务与保障能力提升补助资金(医疗保障服务能力建设部分)项目"
    # Neither layout (the label's line printed alone, or no label around): no name is guessed.
    assert flat_project([*budget, "项目名称 项目负责人 艾尼瓦尔·艾木如拉", *funds]) is None
    assert flat_project([*budget, "项目名称 城乡医疗救助 张加强", *funds]) is None
