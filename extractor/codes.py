"""Classification codes: functional 类/款/项 and economic 类/款, normalised to digit strings."""

from __future__ import annotations

import re
from typing import Literal

# 政府收支分类科目 functional classes (类). Names changed over the years; both are kept so a
# summary row printed as "二、社会保障和就业支出" (no code) still gets its code.
FUNCTIONAL_CLASSES: dict[str, str] = {
    "一般公共服务支出": "201",
    "外交支出": "202",
    "国防支出": "203",
    "公共安全支出": "204",
    "教育支出": "205",
    "科学技术支出": "206",
    "文化旅游体育与传媒支出": "207",
    "文化体育与传媒支出": "207",
    "社会保障和就业支出": "208",
    "社会保险基金支出": "209",
    "卫生健康支出": "210",
    "医疗卫生与计划生育支出": "210",
    "节能环保支出": "211",
    "城乡社区支出": "212",
    "农林水支出": "213",
    "交通运输支出": "214",
    "资源勘探工业信息等支出": "215",
    "商业服务业等支出": "216",
    "金融支出": "217",
    "援助其他地区支出": "219",
    "自然资源海洋气象等支出": "220",
    "住房保障支出": "221",
    "粮油物资储备支出": "222",
    "国有资本经营预算支出": "223",
    "灾害防治及应急管理支出": "224",
    "预备费": "227",
    "其他支出": "229",
    "转移性支出": "230",
    "债务还本支出": "231",
    "债务付息支出": "232",
    "债务发行费用支出": "233",
    "抗疫特别国债安排的支出": "234",
}

CodeScheme = Literal["functional", "economic"]
_LEVELS = {1: "类", 2: "款", 3: "项"}


def join_code(parts: list[str]) -> str | None:
    """Concatenate printed code parts ("210", "15", "05") into "2101505"; None if none."""
    digits = [re.sub(r"\D", "", p) for p in parts if p and re.sub(r"\D", "", p)]
    # Some templates print 款/项 without the leading zero ("301 2" for 30102).
    return "".join([digits[0], *(d.zfill(2) for d in digits[1:])]) if digits else None


def code_level(code: str, scheme: CodeScheme) -> Literal["类", "款", "项"]:
    """The level of a normalised code: 3 digits → 类, 5 → 款, 7 → 项."""
    return _LEVELS[1 + (len(code) - 3) // 2]  # type: ignore[return-value]


def scheme_of(code: str) -> CodeScheme:
    """Economic codes start with 3 (301 工资福利支出 …); functional ones with 2."""
    return "economic" if code.startswith("3") else "functional"


def parent_code(code: str) -> str | None:
    """ "2080505" → "20805" → "208" → None."""
    return code[:-2] if len(code) > 3 else None


_LEADING_CODE = re.compile(r"^\s*(\d{3})(?:\s*(\d{2}))?(?:\s*(\d{2}))?\s+(?=\D)")


def split_leading_code(text: str) -> tuple[str | None, str]:
    """ "208 社会保障和就业支出" → ("208", "社会保障和就业支出")."""
    m = _LEADING_CODE.match(text)
    if not m:
        return None, text.strip()
    return join_code([g for g in m.groups() if g]), text[m.end() :].strip()
