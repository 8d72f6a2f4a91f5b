"""绩效目标表 (部门整体 and 项目支出) with their grid intact → header fields and indicator rows."""

from __future__ import annotations

import re
from decimal import Decimal

from extractor.labels import clean_cell, squash
from extractor.money import is_number, parse_number
from extractor.tables.columns import header_key
from schemas import Indicator, PerformanceHeader, Provenance, SourceLine

_OPERATOR = re.compile(
    r"^\s*(≥|≤|[>＞]\s*[=＝]|[<＜]\s*[=＝]|=|＝|>|<|＞|＜|大于等于|小于等于|不低于|不高于|不少于|不超过|等于)\s*"
)
_OP_MAP = {
    "≥": ">=",
    "≤": "<=",
    "大于等于": ">=",
    "不低于": ">=",
    "不少于": ">=",
    "小于等于": "<=",
    "不高于": "<=",
    "不超过": "<=",
    "等于": "=",
    "＞": ">",
    "＜": "<",
}
_INDICATOR_HEADER = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "level3",
    "指标值": "value_raw",
    "指标设定依据": "basis",
    "指标值设置依据": "basis",
    "指标值设定依据": "basis",
    "上年完成值": "last_year_value",
    "分值权重": "weight",
    "指标分值权重": "weight",
    "指标赋分规则": "scoring_rule",
    "赋分规则": "scoring_rule",
    "佐证资料": "evidence",
}
_HEADER_FIELDS = {
    "预算单位": "unit",
    "部门名称": "unit",
    "项目名称": "project",
    "项目负责人": "owner",
    "部门联系人": "owner",
    "联系电话": "phone",
    "年度预算总额": "budget_total",
    "资金总额": "budget_total",
    "其中：财政拨款": "fiscal",
    "财政拨款": "fiscal",
    "其他资金": "other",
    "项目总体目标": "goal",
    "年度绩效目标": "goal",
    "总体目标": "goal",
}


def parse_target(raw: str) -> tuple[str, Decimal | None, str | None]:
    """ "> =1085 82 人" → (">=", Decimal("108582"), "人"); "有效提高" → ("qualitative", None, None).

    Spaces inside a number are extraction damage (a wrapped cell) and are removed.
    """
    # A value wrapped over lines in its cell ("＞\n=95%", "＜\n=19.2\n0万元") is one value.
    text = clean_cell(re.sub(r"\s*\n\s*", "", raw))
    m = _OPERATOR.match(text)
    op = "="
    rest = text
    if m:
        token = squash(m.group(1))
        op = _OP_MAP.get(token, token.replace("＞", ">").replace("＜", "<").replace("＝", "="))
        rest = text[m.end() :]
    num = re.match(r"^([\d][\d\s,]*(?:\.\s*\d+)?)\s*(.*)$", rest)
    if not num or re.search(r"\d\s*年\s*\d{1,2}\s*月", rest):  # a date is a qualitative target
        return "qualitative", None, None
    digits = re.sub(r"[\s,]", "", num.group(1))
    unit = squash(num.group(2)) or None
    if unit and (len(unit) > 8 or re.search(r"[，。；]", unit)):
        return "qualitative", None, None
    return op, Decimal(digits), unit


def parse_performance(lines: list[SourceLine]) -> tuple[PerformanceHeader, list[Indicator], list[str]]:
    """Header fields and indicator rows from grid lines. Returns problems as messages."""
    header = PerformanceHeader()
    indicators: list[Indicator] = []
    problems: list[str] = []
    columns: dict[int, str] | None = None
    carry: dict[str, str | None] = {"level1": None, "level2": None}
    grid = [line for line in lines if line.cells is not None]
    for line in grid:
        cells = [clean_cell(c) if c else "" for c in line.cells or []]
        keys = [header_key(c) for c in cells]
        if "三级指标" in keys and "一级指标" in keys:
            columns = {i: _INDICATOR_HEADER[k] for i, k in enumerate(keys) if k in _INDICATOR_HEADER}
            continue
        if columns is None:
            _read_header_fields(cells, keys, header)
            continue
        cells = _unshift(cells, columns)
        fields = {name: cells[i] if i < len(cells) else "" for i, name in columns.items()}
        _realign(fields, cells, columns)
        if indicators and _is_continuation(fields, columns, indicators[-1], line):
            # The rest of the previous indicator's cells, pushed onto the next page.
            indicators[-1] = _rejoin(indicators[-1], fields)
            problems.append(
                f"indicator row continued across a page break at {_where(line)}: "
                f"rejoined to {indicators[-1].level3!r}"
            )
            continue
        if not fields.get("level3"):
            if indicators and any(fields.values()):
                problems.append(f"indicator row without 三级指标 left out at {_where(line)}")
            continue
        for level in ("level1", "level2"):
            if fields.get(level):
                carry[level] = squash(fields[level])
                if level == "level1":
                    carry["level2"] = None if not fields.get("level2") else carry["level2"]
        op, number, unit = parse_target(fields.get("value_raw", ""))
        indicators.append(
            Indicator(
                level1=carry["level1"],
                level2=carry["level2"],
                level3=fields["level3"],
                value_raw=fields.get("value_raw") or None,
                operator=op if fields.get("value_raw") else None,
                number=number,
                unit=unit,
                basis=fields.get("basis") or None,
                last_year_value=fields.get("last_year_value") or None,
                weight=_decimal(fields.get("weight")),
                scoring_rule=fields.get("scoring_rule") or None,
                evidence=fields.get("evidence") or None,
                provenance=line.provenance,
            )
        )
    return header, indicators, problems


_TEXT_FIELDS = ("level3", "value_raw", "basis", "last_year_value", "scoring_rule", "evidence")
_CLOSERS = {")": "(", "）": "（"}


def _is_continuation(
    fields: dict[str, str], columns: dict[int, str], prev: Indicator, line: SourceLine
) -> bool:
    """A grid row that finishes the previous indicator rather than starting a new one.

    Its 一级/二级 cells are empty and it carries none of an indicator's own data: no printed
    分值权重 (a real row always has one when the grid has the column) and no digit in its 指标值
    (what is left there is a unit fragment such as '万元'). It is the first row after a page
    break: on a PDF its page differs from the previous row's (a text rendering has no pages).
    """
    if fields.get("level1") or fields.get("level2"):
        return False
    if not any(fields.get(f) for f in _TEXT_FIELDS):
        return False
    if "weight" in columns.values():
        if is_number(fields.get("weight", "")):
            return False
    elif fields.get("level3"):
        return False  # without a 分值权重 column a named row cannot be told from a new indicator
    if re.search(r"\d", fields.get("value_raw", "")):
        return False
    page, prev_page = line.provenance.page, prev.provenance.page
    return page is None or prev_page is None or page != prev_page


def _join_fragment(head: str | None, tail: str) -> str | None:
    """``head`` continued by ``tail``. A tail already printed at the end of the head is an overflow
    duplicate and dropped; a closing bracket the page break added to the head (the tail closes it
    again) is removed."""
    if not tail:
        return head
    if not head:
        return tail
    if squash(head).endswith(squash(tail)):
        return head
    end = head.rstrip()
    if end and end[-1] in _CLOSERS:
        opener = _CLOSERS[end[-1]]
        if tail.count(end[-1]) > tail.count(opener) and end.count(opener) == end.count(end[-1]):
            head = end[:-1]
    return head + tail


def _rejoin(prev: Indicator, fields: dict[str, str]) -> Indicator:
    """The previous indicator with a continuation row's cells appended (provenance: its first part)."""
    update: dict[str, object] = {}
    for name in _TEXT_FIELDS:
        joined = _join_fragment(getattr(prev, name), fields.get(name, ""))
        if joined != getattr(prev, name):
            update[name] = joined
    if prev.weight is None and is_number(fields.get("weight", "")):
        update["weight"] = _decimal(fields.get("weight"))
    if "value_raw" in update:
        op, number, unit = parse_target(str(update["value_raw"]))
        update.update(operator=op, number=number, unit=unit)
    return prev.model_copy(update=update)


def _unshift(cells: list[str], columns: dict[int, str]) -> list[str]:
    """A row printed k cells to the left (a merged leading cell dropped, k empty cells padded at
    the end): its 分值权重 column holds text while the cell k to the left holds the number. Shift it
    back right by the smallest such k."""
    weight = next((i for i, name in columns.items() if name == "weight"), None)
    if weight is None or weight >= len(cells) or is_number(cells[weight]) or not cells[weight]:
        return cells
    for k in range(1, weight):
        if not any(cells[-k:]) and is_number(cells[weight - k]):
            return [""] * k + cells[:-k]
    return cells


def _realign(fields: dict[str, str], cells: list[str], columns: dict[int, str]) -> None:
    """A row printed with fewer leading cells (merged 一级/二级 dropped) shifts left: undo it."""
    filled = [c for c in cells if c]
    if fields.get("level3") or len(filled) < 4:
        return
    names = [columns[i] for i in sorted(columns)]
    if len(filled) > len(names):  # more cells than headers: not a row shifted left
        return
    tail = names[-len(filled) :]
    if "level3" in tail:
        fields.clear()
        fields.update(dict(zip(tail, filled, strict=True)))


def _read_header_fields(cells: list[str], keys: list[str], header: PerformanceHeader) -> None:
    for i, key in enumerate(keys):
        name = _HEADER_FIELDS.get(re.sub(r"[（(](盖章|万元)[)）]", "", key))
        if not name or getattr(header, name) is not None:
            continue
        value = next((c for c in cells[i + 1 :] if c), None)
        if value is None:
            continue
        if name in ("budget_total", "fiscal", "other"):
            setattr(header, name, _decimal(value))
        else:
            setattr(header, name, value)


_PROJECT, _OWNER = "项目名称", "项目负责人"
# Labels of the header rows next to the 项目名称 row: a line holding one is no piece of the name.
_OTHER_HEADER = re.compile(r"预算单位|项目资金|其中|项目总体目标|年度预算")


def flat_project(lines: list[str]) -> str | None:
    """The 项目名称 of a 项目支出绩效目标表 whose grid was flattened into lines, read by the header
    row's column order (项目名称 | name | 项目负责人 | person); None when the layout is not one of:

    - the 项目负责人 label wrapped onto the lines above and below ("项目负" / "责人"): the label's
      line prints "项目名称 <name> <person>", so the name is what lies between;
    - the label printed on the line ("项目名称 项目负责人 <person>") and the name wrapped onto
      the lines above and below: the name is those two lines joined.
    """
    lines = [line for line in lines if line.strip()]
    at = next((i for i, line in enumerate(lines) if line.split()[:1] == [_PROJECT]), None)
    if at is None:
        return None
    parts = lines[at].split()[1:]
    above = lines[at - 1].strip() if at > 0 else ""
    below = lines[at + 1].strip() if at + 1 < len(lines) else ""
    if parts[:1] == [_OWNER]:
        if above and below and not any(_OTHER_HEADER.search(x) or _OWNER in x for x in (above, below)):
            return above + below  # one cell wrapped around the label line: its pieces join unbroken
        return None
    if len(parts) >= 2 and squash(above + below) == _OWNER:
        line = lines[at].strip()
        return line[len(_PROJECT) : line.rindex(parts[-1])].strip()  # as printed, inner spaces kept
    return None


def _decimal(text: str | None) -> Decimal | None:
    if not text:
        return None
    try:
        return parse_number(text)
    except ValueError:
        return None


def performance_provenance(lines: list[SourceLine]) -> Provenance | None:
    """The first line's provenance, if any."""
    return lines[0].provenance if lines else None


def _where(line: SourceLine) -> str:
    """Where a line is, as a reader finds it: "page 35, line 1" (or the text line)."""
    prov = line.provenance
    if prov.page is not None:
        return f"page {prov.page}, line {prov.line}"
    return f"line {prov.line}"
