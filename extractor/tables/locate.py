"""Segmentation: locate every table (number, title, kind, unit, lines) and document metadata."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from extractor.labels import squash
from extractor.money import DECIMAL_AMOUNT, is_number, parse_unit
from extractor.tables.kinds import PERFORMANCE, normalise_title, split_number, title_kind
from schemas import SourceDocument, SourceLine, TableKind, TableRegion

_PERFORMANCE_KINDS = {k.value for k in PERFORMANCE}
_TABLE_NO = re.compile(r"^附?表\s*(\d+(?:-\d+)?)$|^公开\s*(\d+)\s*表$")
_PART = re.compile(r"^\s*第[一二三四五六七八九十]+部分")
_UNIT_LINE = re.compile(r"单位[:：]")
_TOC_PAGE_NO = re.compile(r"[.·…\s]*\d{1,3}$")
_SEPARATE = re.compile(r"(公开)?表(样|格)?(附后|另附|见附件|单独公开|另行公开)|详见附表|附表另行")
_SECTION = re.compile(
    r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])"
)
_EMPTY = re.compile(
    r"为空表|没有.{0,30}(支出|收入|结转|经费|预算)|无.{0,20}(预算|支出)安排|本表无数据|无相关收支|"
    r"无(此类|该项|相关)?(收支|支出|收入)(项目|数据)?[。，]?$|本表无|无数据"
)
_DEPT = re.compile(
    r"(?:编制部门|编制单位|预算主管部门|部门名称|单位名称|^部\s*门)\s*(?:（盖章）|\(盖章\))?\s*[:：]\s*(\S+(?: \S+)*)"
)


@dataclass
class Segmentation:
    """What segmentation found: table regions plus metadata evidence."""

    regions: list[TableRegion]
    department: str | None
    year: int | None
    doc_kind: str | None
    template_family: str
    disclosure_level: str | None = None
    conflicts: list[str] = field(default_factory=list)
    separately: SourceLine | None = None


def _is_title_candidate(line: SourceLine, entry: bool = False) -> TableKind | None:
    """The kind of a line that reads as a table title; with ``entry``, also a 目录 entry (a title
    followed by dots and a page number)."""
    text = line.text
    if line.cells is not None:
        filled = [c for c in line.cells if c]
        if len(filled) != 1:
            return None
        text = filled[0]
    if entry:
        text = _TOC_PAGE_NO.sub("", text)
    return title_kind(text)


def _confirms_table(lines: list[SourceLine], start: int) -> bool:
    """A title is followed closely by a unit/编制部门 line, a "(2026年)" line, or a grid row."""
    for line in lines[start + 1 : start + 7]:
        if line.cells is not None:
            return True
        t = line.text
        if "单位" in t and parse_unit(t) or re.search(r"编制(部门|单位)|^部\s*门\s*[:：]", t) or re.match(r"^[（(]\s*20\d{2}\s*年\s*[）)]$", t):
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


def _toc_lines(lines: list[SourceLine]) -> set[int]:
    """Indexes of 目录 entries: title-like lines listed after a "目录" line, or three or more
    title-like lines in a row with no amount between them (a contents list without dotted leaders
    or page numbers). A 目录 never becomes tables."""
    toc: set[int] = set()
    in_toc = False
    run: list[int] = []
    page = None
    for i, line in enumerate(lines):
        t = squash(line.text)
        if line.provenance.page != page:
            # A contents list ends with its page; a title on the next page is a table's.
            page, in_toc = line.provenance.page, False
            if len(run) >= 3:
                toc.update(run)
            run = []
        if re.fullmatch(r"目录|目次", t):
            in_toc = True
            continue
        is_title = _is_title_candidate(line, entry=True) is not None
        has_amount = line.cells is not None or DECIMAL_AMOUNT.search(t) is not None
        if in_toc:
            if _is_prose(line) or _UNIT_LINE.search(t) or has_amount and not _TOC_PAGE_NO.search(t):
                in_toc = False
            elif is_title:
                toc.add(i)
                continue
        if is_title and not has_amount:
            run.append(i)
            continue
        if has_amount or _is_prose(line) or _UNIT_LINE.search(t):
            if len(run) >= 3:
                toc.update(run)
            run = []
    if len(run) >= 3:
        toc.update(run)
    return toc


def _title_at(lines: list[SourceLine], i: int) -> tuple[TableKind, str, int] | None:
    """A title at line ``i``: (kind, printed title, lines used). A title wrapped over two short
    lines ("2017年度中国共产党江苏省委员会办公厅部门" / "收支预算总表") is joined."""
    line = lines[i]
    kind = _is_title_candidate(line)
    if kind is not None:
        return kind, line.text, 1
    if line.cells is not None or i + 1 >= len(lines) or lines[i + 1].cells is not None:
        return None
    first, second = line.text.strip(), lines[i + 1].text.strip()
    if not first or len(first) > 40 or DECIMAL_AMOUNT.search(first) or re.search(r"[，。；：:]", first):
        return None
    if line.provenance.page != lines[i + 1].provenance.page:
        return None
    joined = first + second
    kind = title_kind(joined)
    if kind is None or title_kind(second) is not None and len(second) > 6:
        return None
    return kind, joined, 2


def segment(doc: SourceDocument) -> Segmentation:
    """Find the tables of a document and its department, year, kind and template family."""
    lines = doc.lines
    regions: list[TableRegion] = []
    current: TableRegion | None = None
    positioned = False  # the current table is laid out from word positions (no ruled grid)
    pending_no: tuple[str, int] | None = None
    toc = _toc_lines(lines)
    skip = 0
    for i, line in enumerate(lines):
        if skip:
            skip -= 1
            continue
        text = line.text
        m = _TABLE_NO.match(text.replace(" ", "")) if line.cells is None else None
        if m:
            pending_no = (split_number(text)[0], i)
            continue
        found = None if i in toc else _title_at(lines, i)
        if found is not None and _confirms_table(lines, i + found[2] - 1):
            kind, printed, used = found
            number, _ = split_number(printed)
            table_no = pending_no[0] if pending_no and i - pending_no[1] <= 2 else number
            current = TableRegion(
                table_no=table_no,
                title=normalise_title(printed),
                kind=kind.value,
                title_line=line,
                lines=[],
            )
            skip = used - 1
            regions.append(current)
            positioned = not any(x.cells is not None for x in lines[i + used : i + used + 8])
            pending_no = None
            continue
        if current is None:
            continue
        if line.cells is None or _single_cell(line):
            unit = parse_unit(text)
            if unit and current.unit is None:
                current.unit = unit
            # The statement may wrap onto the next line ("…没有使用财政拨款安排“三" / "公”经费支出，…为空表。").
            said = text + (lines[i + 1].text if i + 1 < len(lines) and lines[i + 1].cells is None else "")
            # A row printing amounts is never the start of such a statement.
            wrapped = not DECIMAL_AMOUNT.search(text) and _EMPTY.search(said) and "表" in said
            stated = _EMPTY.search(text) or wrapped
            if current.empty_statement is None and stated and ("表" in said or positioned or text.lstrip().startswith("注")):
                current.empty_statement = line
                continue
        if line.cells is None:
            # A 绩效目标表 holds prose (总体目标, 赋分规则): in flattened text only a section heading ends it.
            prose_ends = _is_prose(line) and current.kind not in _PERFORMANCE_KINDS
            if positioned and line.words is not None:
                # Row labels of an unruled table start with 一、二、…: only a 第…部分 heading or prose ends it.
                if prose_ends or _PART.match(text):
                    current = None
                    continue
            elif _SECTION.match(text) and not _looks_like_flat_row(text) or prose_ends:
                current = None
                continue
            if line.heading and not _looks_like_flat_row(text):
                current = None
                continue
        current.lines.append(line)
    department = _department(lines)
    year, doc_kind, level, conflicts = _year_and_kind(lines, regions)
    return Segmentation(
        regions=regions,
        department=department,
        year=year,
        doc_kind=doc_kind,
        template_family=_family(regions, doc_kind, lines),
        disclosure_level=level,
        conflicts=conflicts,
        separately=_published_separately(lines) if not regions else None,
    )


def _single_cell(line: SourceLine) -> bool:
    return line.cells is not None and sum(bool(c) for c in line.cells) == 1


def _published_separately(lines: list[SourceLine]) -> SourceLine | None:
    """The sentence of a narrative-only volume saying where its tables are ("具体公开表样附后")."""
    for line in lines:
        if _SEPARATE.search(squash(line.text)):
            return line
    return None


def prose_lines(doc: SourceDocument, regions: list[TableRegion]) -> list[SourceLine]:
    """The lines outside every table (and not grid rows): the text the narrative stage reads."""
    in_tables = {id(line) for r in regions for line in (r.title_line, *r.lines)}
    return [line for line in doc.lines if id(line) not in in_tables and line.cells is None]


_ORG_END = r"(?:局|委员会|委|办公厅|办公室|办事处|中心|厅|院|部|会|所|站|馆|校|队|街道|镇|乡|政府|公司|社|团|处|署)"


def _department(lines: list[SourceLine]) -> str | None:
    """The department as printed on the 部门/编制部门 lines of the tables (the most frequent name, whole:
    a name wrapped onto the next line is joined, spaces inside it are kept out), else the cover."""
    found: Counter[str] = Counter()
    for i, line in enumerate(lines):
        text = line.text
        for m in _DEPT.finditer(text.replace(" 单位", "\t单位")):
            name = re.split(r"\t|单位[:：]|\s{2,}", m.group(1))[0].strip()
            # A name cut by the cell edge continues on the next short line ("…办" / "公厅").
            if name and not re.search(_ORG_END + "$", name) and i + 1 < len(lines):
                nxt = lines[i + 1].text.strip()
                if re.fullmatch(r"\S{1,6}", nxt) and re.search(_ORG_END + "$", name + nxt):
                    name += nxt
            if name:
                found[name] += 1
    if found:
        return found.most_common(1)[0][0]
    # Cover: the first line (or two joined) that names an organisation.
    head = [squash(line.text) for line in lines[:8]]
    for i, t in enumerate(head):
        t = re.sub(r"^\d{4}年(度)?", "", t)
        t = re.sub(r"(\d{4}年(度)?)?(部门|单位)?(预算|决算)(公开)?.*$", "", t)
        if re.search(_ORG_END + "$", t) and 2 < len(t) <= 40:
            return t
        if i + 1 < len(head) and t and re.search(_ORG_END + "$", t + head[i + 1]) and len(t) < 30:
            joined = re.sub(r"(\d{4}年(度)?)?(部门|单位)?(预算|决算)(公开)?.*$", "", t + head[i + 1])
            if re.search(_ORG_END + "$", joined):
                return joined
    return None


_KIND_WORDS = re.compile(r"预算|决算")
_LEVEL = re.compile(r"(部门|单位)(预算|决算)")


def _year_and_kind(
    lines: list[SourceLine], regions: list[TableRegion]
) -> tuple[int | None, str | None, str | None, list[str]]:
    """Year, 预算/决算 and 部门/单位 decided from the whole document by weighted votes: table titles
    and the cover/headings count most, every other occurrence once (a 预算 whose 主要职能 mentions
    "预决算草案" stays a 预算). Signals that disagree are returned as messages."""
    kind_votes: Counter[str] = Counter()
    year_votes: Counter[int] = Counter()
    level_votes: Counter[str] = Counter()
    head_kind: Counter[str] = Counter()
    for n, line in enumerate(lines):
        t = squash(line.text)
        weight = 5 if n < 12 or line.heading else 1
        for w in _KIND_WORDS.findall(t):
            kind_votes[w] += weight
            if n < 12:
                head_kind[w] += 1
        for lv in _LEVEL.findall(t):
            level_votes[lv[0]] += weight
        if n < 12 or line.heading:
            for y in re.findall(r"(?<!\d)(20\d{2})(?:年|$)", t):
                year_votes[int(y)] += weight
    for region in regions:
        t = region.title_line.text
        for w in _KIND_WORDS.findall(t):
            kind_votes[w] += 10
        for y in re.findall(r"(20\d{2})\s*年", t):
            year_votes[int(y)] += 3
    conflicts: list[str] = []
    kind = None
    if kind_votes:
        top = kind_votes.most_common(1)[0][0]
        kind = "final_accounts" if top == "决算" else "budget"
        if head_kind and head_kind.most_common(1)[0][0] != top and len(head_kind) == 1:
            conflicts.append(
                f"the cover says {head_kind.most_common(1)[0][0]} but the document reads as {top} "
                f"(votes {dict(kind_votes)})"
            )
    elif regions:
        kind = "budget"
    year = year_votes.most_common(1)[0][0] if year_votes else None
    level = None
    if level_votes:
        level = "unit" if level_votes.most_common(1)[0][0] == "单位" else "department"
    return year, kind, level, conflicts


_SHANGHAI_TITLES = re.compile(
    r"财务收支预算总表|功能分类预算表|经济分类预算表|机关运行经费预算表|收入预算总表|支出预算总表"
)
_NATIONAL_TITLES = re.compile(
    r"部门收支总体情况表|部门收入总体情况表|部门支出总体情况表|财政拨款收支预算总体情况表"
)


# Jiangsu provincial: 收支预算总表 beside 财政拨款支出预算表 / "三公"经费、会议费、培训费 tables, or
# (in a narrative-only volume) the 单位预留机动经费 that only this family budgets.
_JIANGSU_TITLES = re.compile(r"财政拨款支出预算表|会议费、培训费支出预算表|财政拨款基本支出预算表")


def _family(regions: list[TableRegion], doc_kind: str | None, lines: list[SourceLine] | None = None) -> str:
    """The template family from the titles (and, without tables, from family-specific wording)."""
    titles = " ".join(r.title for r in regions)
    if doc_kind == "final_accounts":
        return "final_accounts"
    if _JIANGSU_TITLES.search(titles):
        return "jiangsu"
    if not regions and lines and any("单位预留机动经费" in line.text for line in lines):
        return "jiangsu"
    if _NATIONAL_TITLES.search(titles):
        return "national"
    if _SHANGHAI_TITLES.search(titles):
        return "shanghai"
    return "unknown"
