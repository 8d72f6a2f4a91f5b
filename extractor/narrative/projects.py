"""Projects described in the 项目支出情况说明 / 项目经费情况说明, linked to their table rows.

Two layouts are recognised by their field labels, not by document:

* national template: "（一）项目名称：X" then 设立的政策依据 / 预算安排规模 / 项目承担单位 /
  资金分配情况 / 资金执行时间, each "label：value";
* Shanghai template: a page titled "X情况说明" then headings "一、项目概述 二、立项依据 三、实施主体
  … 五、实施周期 六、年度预算安排" with the value on the following paragraphs.

A block runs from its anchor to the next anchor or the next top-level heading ("八、…") that is
not a field label. Every text field is a span of the narrative (line wraps dropped).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from extractor.labels import squash
from extractor.money import to_wan
from extractor.narrative.changes import AMOUNT
from extractor.narrative.policy_documents import find_policy_documents
from extractor.narrative.text import NarrativeText, unwrap
from extractor.tables.checks import _severity, row_ref, table_ref
from schemas import Allocation, Finding, Project, Provenance, Row, Table, TableKind

_CN_NUM = "一二三四五六七八九十"
_ORDINAL = rf"(?:[{_CN_NUM}]+\s*[、.．]|[（(]\s*[{_CN_NUM}\d]+\s*[)）]|\d{{1,2}}\s*[、.．](?!\d))"
_FIELDS: dict[str, str] = {
    "name": r"项目名称",
    "basis": r"设立的政策依据|设立依据|政策依据|立项依据|项目依据",
    "amount": r"预算安排规模|年度预算安排|预算安排|预算规模|资金规模|预算金额",
    "unit": r"项目承担单位|承担单位|项目实施单位|实施单位|实施主体",
    "allocation": r"资金分配情况|资金分配|资金使用安排",
    "period": r"资金执行时间|执行时间|实施周期|实施期限|项目周期|项目期限",
    "other": r"项目概述|项目概况|项目内容|实施方案|绩效目标|项目绩效目标",
}
_FIELD_LABEL = re.compile(
    rf"^\s*{_ORDINAL}?\s*(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _FIELDS.items()) + r")\s*(?:[:：]|$)"
)
_TOP_HEADING = re.compile(rf"^\s*[{_CN_NUM}]+\s*[、.．]")
_SHANGHAI_TITLE = re.compile(r"^\s*(?P<name>\S.{0,60}?)情况说明\s*$")
_TOTAL_WORDS = re.compile(r"合计|共计|总计|总额|总共")
_ALLOC_MARKER = re.compile(r"(?:主要|全部|全额|均|资金)?用于\s*[:：]?")
_AMOUNT_FIRST = re.compile(
    rf"{AMOUNT.pattern}\s*(?:全部|全额|均|主要)?用于\s*[:：]?\s*(?P<purpose>[^，,；;。]+)"
)
_CLAUSE = re.compile(r"[^，,；;。]+")
_ITEM_LEAD = re.compile(rf"^\s*(?:[{_CN_NUM}]+是|[①-⑳]|\d{{1,2}}[、.．)）])?\s*(?:用于)?\s*")
_SENTENCE_END = "。！？!?"
_BY_UNIT = re.compile(
    r"由\s*(?:建设单位|实施单位|承担单位|主管单位)?\s*(?P<unit>[^\s，,。；;、由]{2,30}?"
    r"(?:办事处|局|委员会|委|中心|政府|公司|单位|院|所|站|队|处|部|办|馆|校))\s*(?:负责)?\s*(?:建设|实施|承担|组织)"
)
_OVERVIEW = re.compile(r"(?:项目概况|项目概述)\s*[:：]?\s*\n?(?P<body>[^\n]+)")
_PROJECT_WORD = re.compile(r"(?:工程|项目)$")
_GENERIC_NAME = re.compile(r"^(?:项目经费|项目|项目支出|经费)?$")
# A 年度预算安排 by quarter or month is a payment schedule, not a split of the money by purpose.
_PERIOD = re.compile(r"季度|\d{1,2}\s*月|上半年|下半年|年初|年中|年底")


@dataclass
class _Field:
    key: str
    start: int  # value span in NarrativeText.text
    end: int


@dataclass
class _Block:
    name_start: int
    name_end: int
    start: int
    end: int
    fields: dict[str, _Field]


def _label(paragraph: str) -> re.Match[str] | None:
    return _FIELD_LABEL.match(paragraph)


def _label_key(m: re.Match[str]) -> str:
    return next(k for k in _FIELDS if m.group(k))


def _blocks(text: str, paras: list[tuple[int, int]]) -> list[_Block]:
    """Project blocks: anchors (项目名称 / "X情况说明" followed by a field) and their fields."""
    anchors: list[tuple[int, int, int]] = []  # (paragraph index, name start, name end)
    for i, (s, e) in enumerate(paras):
        para = text[s:e]
        m = _label(para)
        if m and m.group("name"):
            ns = s + m.end()
            anchors.append((i, ns + _lstrip_len(text[ns:e]), e))
            continue
        nxt = _label(text[paras[i + 1][0] : paras[i + 1][1]]) if i + 1 < len(paras) else None
        t = _SHANGHAI_TITLE.match(para)
        # A page title followed by a field heading; a section heading followed by
        # "（一）项目名称：" is the national layout's section, not a project.
        if t and nxt and not m and not nxt.group("name"):
            anchors.append((i, s + t.start("name"), s + t.end("name")))
    blocks = []
    for n, (i, ns, ne) in enumerate(anchors):
        stop = anchors[n + 1][0] if n + 1 < len(anchors) else len(paras)
        fields: dict[str, _Field] = {}
        current: _Field | None = None
        if _label(text[paras[i][0] : paras[i][1]]):
            # "项目名称：X" may wrap onto the next paragraphs in flattened renderings.
            current = fields["name"] = _Field("name", ns, ne)
        last = i
        for j in range(i + 1, stop):
            s, e = paras[j]
            m = _label(text[s:e])
            if m is None and _TOP_HEADING.match(text[s:e]):
                break  # a new section of the document
            last = j
            if m is not None:
                key = _label_key(m)
                vs = s + m.end()
                vs += _lstrip_len(text[vs:e])
                current = _Field(key, vs, e) if key not in fields else None
                if current is not None and key != "other":
                    fields[key] = current
                continue
            if current is not None:
                if current.start >= current.end:  # heading alone: value starts here
                    current.start = s
                current.end = e
        if "name" in fields:
            ns, ne = fields["name"].start, fields["name"].end
        blocks.append(_Block(ns, ne, paras[i][0], paras[last][1], fields))
    return blocks


def _lstrip_len(s: str) -> int:
    return len(s) - len(s.lstrip())


def _unwrap_keeping_paragraphs(s: str) -> str:
    """Drop the line breaks of wrapped lines, but keep a break after a sentence end (。！？):
    that is a printed paragraph break."""
    s = re.sub(rf"(?<![{_SENTENCE_END}])\s*\n\s*", "", s)
    return re.sub(r"[ \t]*\n[ \t]*", "\n", s).strip()


_YEAR = r"(?P<y>(?:19|20)\d{2})"
# A date: 2026年1月1日 / 2026年1月 (Chinese) or 2026.1.1 / 2026-01-01 / 2026/1/1 (numeric).
_DATE_CN = r"(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*日)?"
_DATE_NUM = r"(?P<m2>\d{1,2})\s*[./-]\s*(?P<d2>\d{1,2})(?!\d)"
_FIRST_DATE = re.compile(rf"{_YEAR}\s*(?:年\s*{_DATE_CN}|[./-]\s*{_DATE_NUM})")
_SECOND_DATE = re.compile(
    rf"\s*(?:-|—|–|―|~|～|至|到|－|─)+\s*(?:{_YEAR}\s*(?=年|[./-]))?(?:年?\s*{_DATE_CN}|[./-]?\s*{_DATE_NUM})"
)


def parse_period(text: str) -> tuple[date | None, date | None]:
    """Start and end of an execution period: "2026年1月1日-2026年12月31日", "2026.1.1—2026.12.31",
    "2026 年 1 月-12 月" (month only → first / last day of the month; the end inherits the
    start's year). A year alone or no date gives None."""
    s = unicodedata.normalize("NFKC", text)
    first = _FIRST_DATE.search(s)
    if not first:
        return None, None
    start = _from_match(first, int(first["y"]), last=False)
    second = _SECOND_DATE.match(s, first.end())
    if not second:
        return start, None
    return start, _from_match(second, int(second["y"] or first["y"]), last=True)


def _from_match(m: re.Match[str], year: int, last: bool) -> date | None:
    month, day = (m["m"], m["d"]) if m["m"] else (m["m2"], m["d2"])
    return _make_date(year, int(month), day, last)


def _make_date(year: int, month: int, day: str | None, last: bool) -> date | None:
    if not 1 <= month <= 12:
        return None
    d = int(day) if day else (calendar.monthrange(year, month)[1] if last else 1)
    try:
        return date(year, month, d)
    except ValueError:
        return None


def _amount(value: str) -> tuple[Decimal, str, int, int] | None:
    """The one amount of a 预算安排 value (or its 合计), with unit and span; else None."""
    found = list(AMOUNT.finditer(value))
    if len(found) > 1:
        found = [m for m in found if _TOTAL_WORDS.search(value[max(0, m.start() - 6) : m.start()])]
    if len(found) != 1:
        return None
    m = found[0]
    return _decimal(m["num"]), m["unit"], m.start(), m.end()


def _decimal(num: str) -> Decimal:
    """A number ``AMOUNT`` matched ("1,234.50"), separators dropped whatever their grouping."""
    return Decimal(num.replace(",", ""))


def _allocation(purpose: str, num: str, unit: str, provenance: Provenance) -> Allocation:
    amount = _decimal(num)
    return Allocation(
        purpose=purpose,
        amount=amount,
        unit=unit,  # type: ignore[arg-type]
        amount_wan=to_wan(amount, unit),  # type: ignore[arg-type]
        provenance=provenance,
    )


def _allocations(value: str, offset: int, narrative: NarrativeText) -> list[Allocation]:
    """资金分配 items: "N万元全部用于X" or, after the first 用于, clauses "X N万元"."""
    items: list[tuple[str, str, str, int, int]] = []  # purpose, number, unit, start, end
    for m in _AMOUNT_FIRST.finditer(value):
        items.append((m["purpose"], m["num"], m["unit"], m.start(), m.end()))
    if not items:
        marker = _ALLOC_MARKER.search(value)
        if marker is None:
            return []
        for c in _CLAUSE.finditer(value, marker.end()):
            clause = c.group()
            money = list(AMOUNT.finditer(clause))
            if len(money) != 1 or money[0].end() != len(clause.rstrip()):
                continue
            lead = _ITEM_LEAD.match(clause)
            purpose = clause[lead.end() if lead else 0 : money[0].start()]
            if (
                not purpose.strip()
                or _TOTAL_WORDS.match(purpose.strip())
                or purpose.strip().startswith("其中")
            ):
                continue
            items.append((purpose, money[0]["num"], money[0]["unit"], c.start(), c.end()))
    return [
        _allocation(unwrap(purpose).rstrip("：:"), num, unit, narrative.provenance(offset + s, offset + e))
        for purpose, num, unit, s, e in items
    ]


def _implementing_unit(value: str) -> str | None:
    """A unit name: one short clause, or in prose the unit "由…建设/实施/承担" names."""
    v = unwrap(value).rstrip("。")
    if v and len(v) <= 60 and not re.search(r"[，,；;。]", v):
        return v
    m = _BY_UNIT.search(v)
    return m["unit"] if m else None


def _name_from_overview(block_text: str) -> str | None:
    """The project named by the first sentence of 项目概况/项目概述 ("由…建设的X工程，位于…")."""
    m = _OVERVIEW.search(block_text)
    if m is None:
        return None
    sentence = re.split(r"[，,。；;]", m["body"], maxsplit=1)[0]
    name = sentence.rsplit("的", 1)[-1].strip()
    return name if 4 <= len(name) <= 40 and _PROJECT_WORD.search(name) else None


def _project(block: _Block, narrative: NarrativeText) -> Project:
    text = narrative.text
    name = unwrap(text[block.name_start : block.name_end])
    if _GENERIC_NAME.match(name):  # a page titled only "项目经费情况说明"
        name = _name_from_overview(text[block.start : block.end]) or name
    project = Project(name=name, provenance=narrative.provenance(block.start, block.end))
    origin = {"name": "rule"}
    f = block.fields
    if "basis" in f and f["basis"].end > f["basis"].start:
        raw = text[f["basis"].start : f["basis"].end]
        project.policy_basis = _unwrap_keeping_paragraphs(raw)
        project.policy_documents = find_policy_documents(raw, f["basis"].start, narrative)
        origin["policy_basis"] = "rule"
        if project.policy_documents:
            origin["policy_documents"] = "rule"
    if "amount" in f:
        value = text[f["amount"].start : f["amount"].end]
        found = _amount(value)
        if found:
            amount, unit, _, _ = found
            project.budget_amount, project.unit = amount, unit  # type: ignore[assignment]
            project.budget_amount_wan = to_wan(amount, unit)  # type: ignore[arg-type]
            origin["budget_amount"] = "rule"
        elif "allocation" not in f:
            # A 年度预算安排 printed as a breakdown (quarters, items) without a total.
            project.allocations = _allocations_listed(value, f["amount"].start, narrative)
    if "unit" in f:
        project.implementing_unit = _implementing_unit(text[f["unit"].start : f["unit"].end])
        if project.implementing_unit:
            origin["implementing_unit"] = "rule"
    if "allocation" in f:
        project.allocations = _allocations(
            text[f["allocation"].start : f["allocation"].end], f["allocation"].start, narrative
        )
    if project.allocations:
        origin["allocations"] = "rule"
    if "period" in f:
        project.start_date, project.end_date = parse_period(text[f["period"].start : f["period"].end])
        origin.update({k: "rule" for k in ("start_date", "end_date") if getattr(project, k)})
    project.origin = origin  # type: ignore[assignment]
    return project


def _allocations_listed(value: str, offset: int, narrative: NarrativeText) -> list[Allocation]:
    """ "第一季度用款计划158.05万元，第二季度…": every "X N万元" clause is an item."""
    out = []
    for c in _CLAUSE.finditer(value):
        money = list(AMOUNT.finditer(c.group()))
        purpose = c.group()[: money[0].start()].strip() if len(money) == 1 else ""
        if purpose and not _TOTAL_WORDS.search(purpose) and not _PERIOD.search(purpose):
            provenance = narrative.provenance(offset + c.start(), offset + c.end())
            out.append(_allocation(unwrap(purpose), money[0]["num"], money[0]["unit"], provenance))
    return out


def normalise_name(name: str) -> str:
    """A project name for matching: full → half width, no spaces, no leading "2026年(度)",
    no trailing 项目."""
    s = squash(unicodedata.normalize("NFKC", name))
    s = re.sub(r"^(?:19|20)\d{2}年度?", "", s)
    return re.sub(r"项目$", "", s)


def _similarity(a: str, b: str) -> float:
    """1 for equal names, the length ratio when one contains the other (≥ 4 characters)."""
    return _normalised_similarity(normalise_name(a), normalise_name(b))


def _normalised_similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    short, long_ = sorted((a, b), key=len)
    return len(short) / len(long_) if len(short) >= 4 and short in long_ else 0.0


_GRAM = 4  # the shortest name that may match inside another (``_similarity``)


def _related(names: list[str], candidates: list[str]) -> dict[str, dict[str, float]]:
    """Distinct normalised name → {distinct normalised candidate: similarity > 0}. A candidate
    holding a name (or held by it) shares its first 4 characters with it, so candidates are looked
    up by 4-character pieces instead of scoring every pair."""
    by_text = set(candidates)
    by_head: dict[str, set[str]] = {}  # first 4 characters → candidates starting a match there
    by_gram: dict[str, set[str]] = {}  # every 4 characters → candidates holding them
    for c in by_text:
        if len(c) >= _GRAM:
            by_head.setdefault(c[:_GRAM], set()).add(c)
            for k in range(len(c) - _GRAM + 1):
                by_gram.setdefault(c[k : k + _GRAM], set()).add(c)
    out: dict[str, dict[str, float]] = {}
    for n in set(names):
        if not n:
            continue
        near: set[str] = {n} & by_text
        if len(n) >= _GRAM:
            near |= by_gram.get(n[:_GRAM], set())  # candidates that may hold n
            for k in range(len(n) - _GRAM + 1):  # candidates n may hold
                near |= by_head.get(n[k : k + _GRAM], set())
        scores = {c: score for c in near if (score := _normalised_similarity(n, c)) > 0}
        if scores:
            out[n] = scores
    return out


def _assign(names: list[str], candidates: list[str]) -> dict[int, int]:
    """One-to-one name → candidate matching, best similarity first (ties: earlier name, then
    earlier candidate), as if every pair were scored and taken greedily in that order."""
    norm_names = [normalise_name(n) for n in names]
    norm_cands = [normalise_name(c) for c in candidates]
    related = _related(norm_names, norm_cands)
    positions: dict[str, list[int]] = {}  # candidate text → its indices, ascending
    for j, c in enumerate(norm_cands):
        positions.setdefault(c, []).append(j)
    # Each text's indices are taken from the front (the greedy order takes the earliest free one).
    next_free = dict.fromkeys(positions, 0)
    by_score: dict[float, list[int]] = {}  # similarity → the names with a candidate that close
    for i, n in enumerate(norm_names):
        for score in set(related.get(n, {}).values()):
            by_score.setdefault(score, []).append(i)
    out: dict[int, int] = {}
    for score in sorted(by_score, reverse=True):
        for i in by_score[score]:
            if i in out:
                continue
            texts = [
                c
                for c, v in related[norm_names[i]].items()
                if v == score and next_free[c] < len(positions[c])
            ]
            if texts:
                best = min(texts, key=lambda c: positions[c][next_free[c]])
                out[i] = positions[best][next_free[best]]
                next_free[best] += 1
    return out


def _project_rows(tables: list[Table]) -> list[tuple[Table, Row]]:
    return [
        (t, r)
        for t in tables
        if t.kind == TableKind.project_expenditure
        for r in t.rows
        if not r.is_total and (r.project or not r.code)
    ]


def _link(projects: list[Project], tables: list[Table]) -> dict[int, tuple[Table, Row]]:
    """Set ``table_row`` / ``performance_table``; return project index → (table, row)."""
    rows = _project_rows(tables)
    row_names = [r.project or r.label for _, r in rows]
    matched = {i: rows[j] for i, j in _assign([p.name for p in projects], row_names).items()}
    for i, (_, row) in matched.items():
        projects[i].table_row = row_ref(row)
    perf = [
        t
        for t in tables
        if t.kind == TableKind.project_performance and t.performance_header and t.performance_header.project
    ]
    headers = [t.performance_header.project for t in perf]  # type: ignore[union-attr]
    for i, j in _assign([p.name for p in projects], headers).items():  # type: ignore[arg-type]
        projects[i].performance_table = table_ref(perf[j])
    return matched


def _row_total(row: Row) -> Decimal | None:
    by_id = {c.column_id: c for c in row.cells}
    cell = by_id.get("total") or next((c for c in row.cells if c.value is not None), None)
    return cell.value_wan if cell else None


def _warning(p: Project, check: str, what: str) -> Finding:
    """A warning-level finding on project ``p``: its name, then ``what``."""
    return Finding(check=check, severity="warning", message=f"{p.name}: {what}", provenance=p.provenance)


def _findings(
    projects: list[Project], matched: dict[int, tuple[Table, Row]], has_project_table: bool
) -> list[Finding]:
    out = []
    for i, p in enumerate(projects):
        amounts = [a.amount_wan for a in p.allocations]
        if p.budget_amount_wan is not None and amounts and all(a is not None for a in amounts):
            total = sum(amounts, Decimal(0))  # type: ignore[arg-type]
            diff = abs(total - p.budget_amount_wan)
            if diff:
                out.append(
                    Finding(
                        check="allocation_sum",
                        severity=_severity(diff, len(amounts)),
                        expected=p.budget_amount_wan,
                        actual=total,
                        message=f"{p.name}: 资金分配 items sum to {total} 万元, 预算安排 is {p.budget_amount_wan} 万元",
                        provenance=p.provenance,
                    )
                )
        if i in matched and p.budget_amount_wan is not None:
            table, row = matched[i]
            value = _row_total(row)
            if value is not None and value != p.budget_amount_wan:
                diff = abs(value - p.budget_amount_wan)
                out.append(
                    Finding(
                        check="narrative_vs_table",
                        severity=_severity(diff, 1),
                        tables=[table_ref(table)],
                        rows=[p.table_row] if p.table_row else [],
                        expected=value,
                        actual=p.budget_amount_wan,
                        message=f"{p.name}: narrative {p.budget_amount_wan} 万元 ≠ table {value} 万元",
                        provenance=p.provenance,
                    )
                )
        if not p.policy_basis or not p.policy_documents:
            what = "no 政策依据" if not p.policy_basis else "a 政策依据 citing no document"
            out.append(_warning(p, "missing_policy_basis", what))
        # Templates whose tables list no projects (Shanghai) cannot be checked this way.
        if has_project_table and p.table_row is None and p.performance_table is None:
            out.append(
                _warning(p, "project_not_in_tables", "not found in the 项目支出表 or 项目支出绩效目标表")
            )
    return out


def find_projects(text: NarrativeText, tables: list[Table]) -> tuple[list[Project], list[Finding]]:
    """Every project described in the narrative, linked to its 项目支出表 row and 绩效目标表,
    with the findings of checking it (allocation sums, amounts against the table, missing
    policy basis, project absent from the tables)."""
    projects = [_project(b, text) for b in _blocks(text.text, text.paragraphs())]
    projects = [p for p in projects if p.name]
    matched = _link(projects, tables)
    has_project_table = bool(_project_rows(tables)) or any(
        t.kind == TableKind.project_performance for t in tables
    )
    return projects, _findings(projects, matched, has_project_table)
