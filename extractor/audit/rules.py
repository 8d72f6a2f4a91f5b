"""The audit's rules as data: each pattern beside real sentences it must (and must not) match.

``tests/test_audit_rules.py`` runs every ``examples`` and ``clean`` sentence, so a rule and the
sentences it was written for cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class TextRule:
    """A pattern over a paragraph of prose; ``examples`` must match, ``clean`` must not."""

    name: str
    pattern: re.Pattern[str]
    message: str
    examples: tuple[str, ...]
    clean: tuple[str, ...] = ()


PLACEHOLDERS = TextRule(
    "placeholder",
    # XX / ×× / 某某 left where a name, a number or a date belongs. Latin letters around XX are
    # excluded so an English word or a code (XXL) is not a placeholder.
    re.compile(r"(?<![A-Za-z])(?:[XxＸｘ]{2,}|[×＊]{2,})(?![A-Za-z])|某某"),
    "placeholder left in: “{match}”",
    (
        "上海市普陀区XX局主要职能",
        "2026年预算安排××万元，比上年增加××万元。",
        "本部门某某项目预算100万元。",
        "编制部门：上海市普陀区xx局",
    ),
    ("上海市普陀区司法局主要职能", "公务用车购置及运行费9.98万元", "Excel 表格"),
)

LEFTOVERS: tuple[TextRule, ...] = (
    TextRule(
        "template_leftover",
        # The template's "增加（减少）" pairs: the compiler was to keep one word and did not.
        re.compile(
            r"增加[（(/]减少[）)]?|减少[（(/]增加[）)]?|增长[（(/]下降[）)]?|下降[（(/]增长[）)]?"
            r"|上升[（(/]下降[）)]?|增加或减少|增长或下降|增加\s*/\s*减少"
        ),
        "template wording left in: “{match}” (one of the two words was to be kept)",
        (
            "财政拨款收入比2025年预算增加（减少）793.14万元。",
            "增加（减少）的主要原因是工作量增加。",
            "一般公共预算当年拨款比上年增长（下降）5%。",
            "比上年增加/减少10万元",
        ),
        ("比2025年预算增加793.14万元。", "减少（含）以上", "增加的主要原因是人员增加（3人）。"),
    ),
    TextRule(
        "empty_reason",
        # "主要原因是。" / "主要原因：；" — a reason announced and not given.
        re.compile(r"主要原因(?:是|为)?\s*[:：]?\s*[。；;]"),
        "the reason is announced but empty: “{match}”",
        ("财政拨款收入支出增加的主要原因是。", "比上年增加10万元，主要原因：；", "持平，主要原因为。"),
        ("主要原因是：部分人员退休。", "主要原因是工作量增加。", "由于政策原因，项目调整。", "主要原因是：\n一是人员增加。"),
    ),
    TextRule(
        "template_leftover",
        # Fill-in instructions of the template printed as text.
        re.compile(r"[（(【\[]\s*(?:此处)?(?:请)?填(?:写|报|列)[^）)】\]]{0,20}[）)】\]]|请(?:在此)?填写|此处填写"),
        "template instruction left in: “{match}”",
        ("主要原因是（填写具体原因）。", "单位：（请填写单位名称）", "此处填写项目概述"),
        ("按规定填报预算绩效目标。",),
    ),
)

PUNCTUATION: tuple[TextRule, ...] = (
    TextRule(
        "doubled_punctuation",
        re.compile(r"([。，、；：！？])\1+"),
        "doubled punctuation “{match}”",
        ("主要用于：信息化建设及运行维护等方面的支出。。2025年当年预算执行数为60.41万元",
         "其中，，财政拨款收入100万元", "一是、、二是"),
        ("主要用于：信息化建设及运行维护等方面的支出。2025年", "……", "“三公”经费"),
    ),
    TextRule(
        "stray_punctuation",
        # Two different marks where one belongs ("，。" "。，" "；。" "：。").
        re.compile(r"[，、；：][。]|[。][，、；]|[，、][，、；：]|[；：][，、；]"),
        "stray punctuation “{match}”",
        ("财政拨款收入100万元，。", "主要原因是人员增加。，", "其中：、"),
        ("财政拨款收入100万元。", "一、主要职能", "其中：人员经费"),
    ),
)

PAIRS: tuple[tuple[str, str, str], ...] = (
    ("unbalanced_quotes", "“", "”"),
    ("unbalanced_quotes", "‘", "’"),
    ("unbalanced_brackets", "（", "）"),
    ("unbalanced_brackets", "(", ")"),
    ("unbalanced_brackets", "《", "》"),
    ("unbalanced_brackets", "【", "】"),
)
"""Marks that come in pairs inside one paragraph. Example of the defect (司法局 2026 p23):
“开展“人民调解协议书检查”、优秀调解案例”活动。” — one “ and two ”."""

PAIR_EXAMPLES = (
    "4.开展“人民调解协议书检查”、优秀调解案例”活动。",
    "（一）贯彻执行国家和本市有关司法行政工作的法律、法规（规章。",
    "依据《关于加强人民调解员队伍建设的实施意见（沪司发〔2018〕86号）。",
)
PAIR_CLEAN = (
    "开展“人民调解协议书检查”、“优秀调解案例”活动。",
    "2026年“三公”经费预算数为10.81万元。",
    "公共安全支出（204类）司法（06款）行政运行（01项）1672.67万元。",
)

MISSING_PERIOD = re.compile(r"主要原因(?:是|为)?[:：]?[^。；;！？!?：:]{2,}$")
"""A paragraph giving a reason that ends without its full stop, the next paragraph starting right
after: “财政拨款收入支出增加的主要原因是工作量增加” (司法局 2026 p8)."""
MISSING_PERIOD_EXAMPLES = ("财政拨款收入支出增加的主要原因是工作量增加", "主要原因是：部分人员退休")
MISSING_PERIOD_CLEAN = ("财政拨款收入支出增加的主要原因是工作量增加。", "主要原因是：部分人员退休；")


@dataclass(frozen=True)
class ClassName:
    """A 功能分类 类 renamed in the national classification: ``old`` up to ``year`` − 1, ``new``
    from ``year`` on. Source: 财政部《2019年政府收支分类科目》(the 2019 revision renamed these three
    类; Jiangsu's 2018 tables print the old names, its 2019 tables and Putuo's 2024–2026 tables
    the new ones)."""

    code: str
    old: str
    new: str
    year: int


CLASS_NAMES: tuple[ClassName, ...] = (
    ClassName("207", "文化体育与传媒支出", "文化旅游体育与传媒支出", 2019),
    ClassName("210", "医疗卫生与计划生育支出", "卫生健康支出", 2019),
    ClassName("220", "国土海洋气象等支出", "自然资源海洋气象等支出", 2019),
)
"""Only the renamings we are sure of. 215 资源勘探信息等支出 → 资源勘探工业信息等支出 is left out:
Jiangsu's 2019 table still prints the old name, so the year is not certain."""

CLASS_NAME_EXAMPLES = (
    ("11、医疗卫生与计划生育支出（210类）行政事业单位医疗（11款）行政单位医疗（01项）114.97万元。", 2026),
    ("七、文化体育与传媒支出", 2020),
    ("九、卫生健康支出", 2017),
)
CLASS_NAME_CLEAN = (("三、卫生健康支出 1,149,678.00", 2026), ("九、医疗卫生与计划生育支出", 2018))

SELF_NAME = re.compile(r"(部门|单位)(预算|决算)")
"""How a volume names itself in its cover, headings and titles: 部门预算 / 单位预算 (决算)."""
