"""Segmentation: locate every table (number, title, kind, unit, lines) and document metadata."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from extractor.money import is_number, parse_unit
from extractor.tables.kinds import PERFORMANCE, normalise_title, title_kind
from schemas import SourceDocument, SourceLine, TableKind, TableRegion

_PERFORMANCE_KINDS = {k.value for k in PERFORMANCE}
_TABLE_NO = re.compile(r"^表\s*(\d+)$")
_SECTION = re.compile(
    r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])"
)
_EMPTY = re.compile(r"为空表|没有.{0,30}(支出|收入|结转|经费|预算)|无.{0,20}(预算|支出)安排|本表无数据")
_DEPT = re.compile(r"(?:编制部门|编制单位|预算主管部门|部门名称)\s*(?:（盖章）|\(盖章\))?\s*[:：]\s*(\S+)")
_YEAR_TITLE = re.compile(r"(20\d{2})\s*年(?:度)?\s*(?:区级)?\s*部门\s*(预算|决算)")


@dataclass
class Segmentation:
    """What segmentation found: table regions plus metadata evidence."""

    regions: list[TableRegion]
    department: str | None
    year: int | None
    doc_kind: str | None
    template_family: str


def _is_title_candidate(line: SourceLine) -> TableKind | None:
    if line.cells is not None:
        filled = [c for c in line.cells if c]
        if len(filled) != 1:
            return None
        return title_kind(filled[0])
    return title_kind(line.text)


def _confirms_table(lines: list[SourceLine], start: int) -> bool:
    """A title is followed closely by a unit/编制部门 line, a "(2026年)" line, or a grid row."""
    for line in lines[start + 1 : start + 7]:
        if line.cells is not None:
            return True
        t = line.text
        if "单位" in t and parse_unit(t) or "编制部门" in t or re.match(r"^[（(]\s*20\d{2}\s*年\s*[）)]$", t):
            return True
        if _is_title_candidate(line) is not None:
            return False
    return False


def _is_prose(line: SourceLine) -> bool:
    if line.cells is not None:
        return False
    t = line.text
    return len(t) >= 30 and bool(re.search(r"[，。；]", t)) and not _looks_like_flat_row(t)


def _looks_like_flat_row(text: str) -> bool:
    tokens = text.split()
    return sum(is_number(t) for t in tokens) >= 1 and len(text) < 200


def segment(doc: SourceDocument) -> Segmentation:
    """Find the tables of a document and its department, year, kind and template family."""
    lines = doc.lines
    regions: list[TableRegion] = []
    current: TableRegion | None = None
    pending_no: tuple[str, int] | None = None
    for i, line in enumerate(lines):
        text = line.text
        m = _TABLE_NO.match(text.replace(" ", "")) if line.cells is None else None
        if m:
            pending_no = (m.group(1), i)
            continue
        kind = _is_title_candidate(line)
        if kind is not None and _confirms_table(lines, i):
            table_no = pending_no[0] if pending_no and i - pending_no[1] <= 2 else None
            current = TableRegion(
                table_no=table_no,
                title=normalise_title(text),
                kind=kind.value,
                title_line=line,
                lines=[],
            )
            regions.append(current)
            pending_no = None
            continue
        if current is None:
            continue
        if line.cells is None:
            unit = parse_unit(text)
            if unit and current.unit is None:
                current.unit = unit
            if current.empty_statement is None and _EMPTY.search(text) and "表" in text:
                current.empty_statement = line
                continue
            # A 绩效目标表 holds prose (总体目标, 赋分规则): in flattened text only a section heading ends it.
            prose_ends = _is_prose(line) and current.kind not in _PERFORMANCE_KINDS
            if _SECTION.match(text) and not _looks_like_flat_row(text) or prose_ends:
                current = None
                continue
            if line.heading and not _looks_like_flat_row(text):
                current = None
                continue
        current.lines.append(line)
    department = _department(lines)
    year, doc_kind = _year_and_kind(lines, regions)
    return Segmentation(
        regions=regions,
        department=department,
        year=year,
        doc_kind=doc_kind,
        template_family=_family(regions, doc_kind),
    )


def prose_lines(doc: SourceDocument, regions: list[TableRegion]) -> list[SourceLine]:
    """The lines outside every table (and not grid rows): the text the narrative stage reads."""
    in_tables = {id(line) for r in regions for line in (r.title_line, *r.lines)}
    return [line for line in doc.lines if id(line) not in in_tables and line.cells is None]


def _department(lines: list[SourceLine]) -> str | None:
    found: Counter[str] = Counter()
    for line in lines:
        for m in _DEPT.finditer(line.text.replace(" 单位", "\t单位")):
            name = re.split(r"\t|单位[:：]", m.group(1))[0].strip()
            if name:
                found[name] += 1
    if found:
        return found.most_common(1)[0][0]
    # Title page: the first non-empty line that names an organisation.
    for line in lines[:5]:
        t = line.text.replace(" ", "")
        if re.search(r"(局|委员会|办公室|办事处|中心|厅|院|部|委|会|所|站|馆|校|队)$", t):
            return t
    return None


def _year_and_kind(lines: list[SourceLine], regions: list[TableRegion]) -> tuple[int | None, str | None]:
    head = " ".join(line.text for line in lines[:12])
    kind = None
    if "决算" in head:
        kind = "final_accounts"
    elif "预算" in head:
        kind = "budget"
    m = _YEAR_TITLE.search(head.replace(" ", ""))
    if m:
        return int(m.group(1)), kind or ("final_accounts" if m.group(2) == "决算" else "budget")
    years: Counter[int] = Counter()
    for region in regions:
        for y in re.findall(r"(20\d{2})\s*年", region.title_line.text):
            years[int(y)] += 1
    for line in lines[:12]:
        for y in re.findall(r"(?<!\d)(20\d{2})(?!\d)", line.text):
            years[int(y)] += 1
    if not kind and any("决算" in r.title for r in regions):
        kind = "final_accounts"
    elif not kind and regions:
        kind = "budget"
    return (years.most_common(1)[0][0] if years else None), kind


_SHANGHAI_TITLES = re.compile(
    r"财务收支预算总表|功能分类预算表|经济分类预算表|机关运行经费预算表|收入预算总表|支出预算总表"
)
_NATIONAL_TITLES = re.compile(
    r"部门收支总体情况表|部门收入总体情况表|部门支出总体情况表|财政拨款收支预算总体情况表"
)


def _family(regions: list[TableRegion], doc_kind: str | None) -> str:
    titles = " ".join(r.title for r in regions)
    if doc_kind == "final_accounts":
        return "final_accounts"
    if _NATIONAL_TITLES.search(titles):
        return "national"
    if _SHANGHAI_TITLES.search(titles):
        return "shanghai"
    return "unknown"
