"""Arithmetic checks on change statements → findings. Nothing is corrected.

* ``growth_mismatch``: the printed growth % against delta / (amount − delta) (or against the
  printed previous amount), allowing for the rounding of every printed number.
* ``amount_mismatch``: an item whose heading amount differs from the "预算安排 a 万元" it repeats.
* ``completion_mismatch``: 决算 "完成年初预算的 g%" against 决算 / 年初预算 × 100.
* ``direction_mismatch``: 决算 "决算数小于预算数" (or 大于) where the stated amounts say otherwise.
* ``narrative_vs_table``: a stated amount against the table value of the same subject.
* ``sum_mismatch``: parts against the whole where both are stated (text or table).
"""

from __future__ import annotations

import re
from decimal import Decimal

from extractor.money import CENT, NUMBER_PATTERN, UNIT_PATTERN, parse_number, to_wan
from extractor.tables.checks import _severity, row_ref, table_ref
from schemas import Finding, Row, Table, TableKind
from schemas.narrative import ChangeStatement, Project

HUNDRED = Decimal(100)


def _finding(c: ChangeStatement, check: str, severity: str, message: str, **fields: object) -> Finding:
    """A finding on statement ``c``: its table rows (unless ``rows`` is given) and provenance."""
    fields.setdefault("rows", c.table_rows)
    return Finding(check=check, severity=severity, message=message, provenance=c.provenance, **fields)


def _half_ulp(value: Decimal) -> Decimal:
    """Half a unit of the last printed digit: "208.8" → 0.05, "686" → 0.5, "1.07" → 0.005."""
    exp = value.as_tuple().exponent
    return Decimal(5).scaleb(int(exp) - 1) if isinstance(exp, int) else CENT / 2


def _growth_range(
    prev: Decimal, cur: Decimal, e_prev: Decimal, e_cur: Decimal
) -> tuple[Decimal, Decimal] | None:
    """Range of (cur − prev) / prev × 100 when each printed value may be off by its rounding."""
    lo_prev, hi_prev = prev - e_prev, prev + e_prev
    if lo_prev <= 0:
        return None
    values = [(c - p) / p * HUNDRED for p in (lo_prev, hi_prev) for c in (cur - e_cur, cur + e_cur)]
    return min(values), max(values)


def _percent_severity(printed: Decimal, span: tuple[Decimal, Decimal]) -> str | None:
    """None when a printed percentage lies in ``span`` widened by its own rounding; else
    ``rounding`` when off by at most one unit of its last printed digit (truncated instead of
    rounded: a slip), ``material`` beyond that."""
    lo, hi = span
    e = _half_ulp(printed)
    if lo - e <= printed <= hi + e:
        return None
    return "rounding" if min(abs(printed - lo), abs(printed - hi)) <= 2 * e else "material"


def _growth_finding(c: ChangeStatement) -> Finding | None:
    if c.growth_percent is None or c.amount is None:
        return None
    if c.previous_amount is not None:
        prev, e_prev = c.previous_amount, _half_ulp(c.previous_amount)
    elif c.delta is not None:
        prev, e_prev = c.amount - c.delta, _half_ulp(c.amount) + _half_ulp(c.delta)
    else:
        return None
    if prev <= 0:
        return None  # from nothing: templates print 100% (or nothing meaningful)
    span = _growth_range(prev, c.amount, e_prev, _half_ulp(c.amount))
    if span is None:
        return None
    g = c.growth_percent
    severity = _percent_severity(g, span)
    if severity is None:
        return None
    expected = ((c.amount - prev) / prev * HUNDRED).quantize(CENT)
    message = f"{c.subject}: growth printed {g}%, but {prev} → {c.amount} is {expected}%"
    return _finding(c, "growth_mismatch", severity, message, expected=expected, actual=g)


_REPEATED_AMOUNT = re.compile(rf"预算安排\s*({NUMBER_PATTERN})\s*({UNIT_PATTERN})")


def _amount_finding(c: ChangeStatement) -> Finding | None:
    """ "<item> 208.8万元 … 2026年预算安排201.50万元": two different amounts for one item."""
    if c.amount is None:
        return None
    m = _REPEATED_AMOUNT.search(c.statement_text)
    if not m or m[2] != c.unit:
        return None
    repeated = parse_number(m[1])
    if repeated is None or abs(repeated - c.amount) <= _half_ulp(repeated) + _half_ulp(c.amount):
        return None
    message = (
        f"{c.subject}: heading amount {c.amount}{c.unit} but the sentence says 预算安排{repeated}{c.unit}"
    )
    return _finding(c, "amount_mismatch", "material", message, expected=c.amount, actual=repeated)


_COMPLETION = re.compile(rf"完成(?:年初)?预算(?:数)?的\s*({NUMBER_PATTERN})\s*%")
_VS_BUDGET = re.compile(r"决算数?\s*(小于|低于|大于|高于|超过)\s*(?:年初)?预算")


def _completion_finding(c: ChangeStatement) -> Finding | None:
    """ "年初预算为 p 万元，支出决算为 a 万元，完成年初预算的 g%": g against a / p × 100."""
    m = _COMPLETION.search(c.statement_text)
    if m is None or c.base != "年初预算" or c.amount is None or not c.previous_amount:
        return None
    g = parse_number(m[1])
    span = _growth_range(c.previous_amount, c.amount, _half_ulp(c.previous_amount), _half_ulp(c.amount))
    if g is None or span is None:
        return None
    lo, hi = span
    severity = _percent_severity(g, (lo + HUNDRED, hi + HUNDRED))  # growth + 100 = completion
    if severity is None:
        return None
    expected = (c.amount / c.previous_amount * HUNDRED).quantize(CENT)
    message = f"{c.subject}: 完成 {g}% printed, but {c.amount} / {c.previous_amount} is {expected}%"
    return _finding(c, "completion_mismatch", severity, message, expected=expected, actual=g)


def _direction_finding(c: ChangeStatement) -> Finding | None:
    """ "决算数小于预算数" while the stated 决算 is not below the stated 年初预算 (or 大于 likewise)."""
    m = _VS_BUDGET.search(c.statement_text)
    if m is None or c.base != "年初预算" or c.amount is None or c.previous_amount is None:
        return None
    said = -1 if m[1] in ("小于", "低于") else 1
    diff = c.amount - c.previous_amount
    if diff * said > 0:
        return None
    message = (
        f"{c.subject}: text says 决算数{m[1]}预算数, but 决算 {c.amount} vs 年初预算 {c.previous_amount}"
    )
    return _finding(c, "direction_mismatch", "material", message, expected=c.previous_amount, actual=c.amount)


def _table(tables: list[Table], kind: TableKind) -> Table | None:
    return next((t for t in tables if t.kind == kind and not t.empty and t.rows), None)


def _total_row(table: Table) -> Row | None:
    return next((r for r in table.rows if r.is_total), None)


def _has_column(table: Table, column: str) -> bool:
    return any(col.column_id == column for col in table.columns)


def _cell_wan(table: Table, row: Row, column: str) -> Decimal | None:
    for cell in row.cells:
        if cell.column_id == column:
            return cell.value_wan if cell.value_wan is not None else to_wan(cell.value, table.unit)
    return None


# Revenue sources as named in the text → the 收入总表 column holding them.
_REVENUE_COLUMNS = [
    (r"上级一般公共预算", "general_public_transfer"),
    (r"上级政府性基金", "government_fund_transfer"),
    (r"上级国有资本", "state_capital_transfer"),
    (r"^一般公共预算", "general_public_budget"),
    (r"^政府性基金", "government_fund"),
    (r"^国有资本", "state_capital"),
    (r"财政拨款结转", "fiscal_carryover"),
    (r"单位资金", "unit_funds"),
    (r"财政拨款收入", "fiscal_appropriation"),
    (r"事业收入", "business_income"),
    (r"经营收入", "operating_income"),
    (r"其他收入", "other_income"),
]
_THREE_PUBLIC = [
    (r"三公", r"^(合计|总计)$", "three_public_total"),
    (r"因公出国", r"因公出国", "abroad"),
    (r"公务接待", r"公务接待", "reception"),
    (r"购置及运行", r"公务用车购置及运行", "vehicle"),
    (r"购置", r"公务用车购置(费)?$", "vehicle_purchase"),
    (r"运行", r"公务用车运行", "vehicle_operation"),
]


def _table_value(
    c: ChangeStatement, tables: list[Table], doc_kind: str | None = None
) -> tuple[Table, Row, str, Decimal | None] | None:
    """The table cell stating the same amount as ``c``, if the document has one."""
    kind = c.subject_kind
    if kind == "functional_item" and c.code:
        for tk in (TableKind.general_public_expenditure, TableKind.expenditure_summary):
            t = _table(tables, tk)
            row = next((r for r in t.rows if r.code == c.code and not r.project), None) if t else None
            if t and row:
                return t, row, "total", _cell_wan(t, row, "total")
        return None
    if c.section == "revenue":
        t = _table(tables, TableKind.revenue_summary)
        row = _total_row(t) if t else None
        if t is None or row is None:
            return None
        for pattern, column in _REVENUE_COLUMNS:
            if re.search(pattern, c.subject) and _has_column(t, column):
                return t, row, column, _cell_wan(t, row, column)
        return None
    if kind in ("basic_expenditure", "project_expenditure"):
        tk = (
            TableKind.expenditure_summary
            if c.section == "expenditure"
            else TableKind.general_public_expenditure
        )
        t = _table(tables, tk)
        row = _total_row(t) if t else None
        column = "basic" if kind == "basic_expenditure" else "project"
        return (t, row, column, _cell_wan(t, row, column)) if t and row else None
    if c.section == "fiscal":
        return _fiscal_value(c, tables, doc_kind)
    if kind in ("three_public_total", "three_public_item", "admin_operation"):
        t = _table(tables, TableKind.three_public)
        if t is None:
            return None
        if kind == "admin_operation":
            column = "admin_operation"
            return (t, t.rows[0], column, _cell_wan(t, t.rows[0], column)) if _has_column(t, column) else None
        for subject_pattern, label_pattern, column in _THREE_PUBLIC:
            if not re.search(subject_pattern, c.subject):
                continue
            if _has_column(t, column):  # items as columns (Shanghai)
                return t, t.rows[0], column, _cell_wan(t, t.rows[0], column)
            row = next((r for r in t.rows if re.search(label_pattern, r.label)), None)
            return (t, row, "total", _cell_wan(t, row, "total")) if row else None
    return None


# 财政拨款 expenditure statements and the column of the 财政拨款收支总表's 支出总计 row that states
# the same ("一般公共预算拨款支出预算" → general_public_budget, "财政拨款支出预算" → total).
_FISCAL_COLUMNS = [
    (r"^一般公共预算", "general_public_budget"),
    (r"^政府性基金", "government_fund"),
    (r"^国有资本经营", "state_capital"),
    (r"^财政拨款", "total"),
]


def _fiscal_value(
    c: ChangeStatement, tables: list[Table], doc_kind: str | None
) -> tuple[Table, Row, str, Decimal | None] | None:
    """The 财政拨款收支总表 cell for a 财政拨款 total statement, or None when the statement is
    not one the 支出总计 row states: carry-overs and transfers, income-side parts, and in a 决算
    anything but the 总计 itself (its 本年 figures exclude the 结转和结余 the 总计 includes)."""
    subject = c.subject
    if re.search(r"结转|结余|上级|转移支付", subject):
        return None
    grand_total = bool(re.search(r"总计|收支总", subject))
    if doc_kind == "final_accounts" and not grand_total:
        return None
    if not grand_total and "支出" not in subject:
        return None
    t = _table(tables, TableKind.fiscal_summary)
    if t is None:
        return None
    row = next(
        (r for r in t.rows if r.section == "expenditure" and re.fullmatch(r"(?:支出)?总计", r.label)), None
    )
    column = next((col for pattern, col in _FISCAL_COLUMNS if re.search(pattern, subject)), None)
    if row is None or column is None or not _has_column(t, column):
        return None
    return t, row, column, _cell_wan(t, row, column)


def _table_findings(c: ChangeStatement, tables: list[Table], doc_kind: str | None = None) -> Finding | None:
    hit = _table_value(c, tables, doc_kind)
    if hit is None:
        return None
    table, row, column, value = hit
    stated = c.amount_wan if c.status != "not_arranged" else Decimal(0)
    if stated is None:
        return None
    value = value or Decimal(0)  # a blank cell states nothing is arranged
    tolerance = _half_ulp(c.amount) if c.amount is not None else CENT / 2
    diff = abs(stated - value)
    if diff <= tolerance:
        return None
    ref = table_ref(table)
    message = f"{c.subject}: text states {stated}万元, {ref} [{column}] has {value}万元"
    return _finding(
        c,
        "narrative_vs_table",
        _severity(diff, 1),
        message,
        tables=[ref],
        rows=[row_ref(row)],
        column=column,
        expected=value,
        actual=stated,
    )


def _sum_finding(
    what: str, parts: list[ChangeStatement], whole: Decimal, field: str, tables: list[str]
) -> Finding | None:
    values = [getattr(p, field) for p in parts]
    if not parts or any(v is None for v in values):
        return None
    total = sum(values, Decimal(0))
    diff = abs(total - whole)
    if diff == 0:
        return None
    return Finding(
        check="sum_mismatch",
        severity=_severity(diff, len(parts)),
        tables=tables,
        expected=whole,
        actual=total,
        message=f"{what}: parts sum to {total}, the whole is {whole} (diff {total - whole:+})",
        provenance=parts[0].provenance,
    )


def _pick(changes: list[ChangeStatement], section: str, kinds: tuple[str, ...]) -> list[ChangeStatement]:
    return [
        c for c in changes if c.section == section and c.subject_kind in kinds and c.status != "not_arranged"
    ]


def _all_stated(changes: list[ChangeStatement], field: str) -> bool:
    return all(getattr(c, field) is not None for c in changes)


# Spending printed beside 基本支出/项目支出 in the family: Jiangsu's 单位预留机动经费 (a contingency
# reserve inside the total) and the 决算 forms' 上缴上级支出 / 经营支出 / 对附属单位补助支出.
_SPENDING_BESIDE_BASIC_PROJECT = re.compile(r"预留机动经费|上缴上级支出|经营支出|对附属单位补助支出")


def _sum_findings(changes: list[ChangeStatement], tables: list[Table], doc_kind: str | None) -> list[Finding]:
    out: list[Finding | None] = []
    parts_kinds = ("basic_expenditure", "project_expenditure")
    gpa = _pick(changes, "general_public_appropriation", parts_kinds)
    spend = _pick(changes, "expenditure", parts_kinds)
    functional = [c for c in changes if c.subject_kind == "functional_item" and c.code and len(c.code) == 7]
    # The revenue total ("收入预算总计") is the whole, not one of the parts.
    revenue = [
        c
        for c in changes
        if c.section == "revenue" and c.status != "not_arranged" and c.subject_kind != "revenue_total"
    ]
    # Σ parts in the text against 基本+项目支出 in the text (决算: income ≠ spending by design).
    # Spending the family budgets beside 基本/项目支出 belongs to the whole: with it stated the sum
    # is checked with it, never without it.
    reserve = [
        c
        for c in changes
        if c.section in ("expenditure", "other")
        and _SPENDING_BESIDE_BASIC_PROJECT.search(c.subject or "")
        and c.status != "not_arranged"
    ]
    text_sums = [(gpa, functional, "functional items'", "一般公共预算当年拨款", [])]
    if doc_kind != "final_accounts":
        text_sums.append((spend, revenue, "revenue sources'", "支出预算", reserve))
    for pair, parts, what, of, extra in text_sums:
        if len(pair) != 2 or not parts:
            continue
        for field, label in (("amount_wan", "amounts"), ("delta_wan", "changes")):
            if _all_stated(pair, field) and _all_stated(parts, field) and _all_stated(extra, field):
                whole = sum((getattr(c, field) for c in (*pair, *extra)), Decimal(0))
                out.append(_sum_finding(f"Σ {what} {label} vs 基本+项目支出 ({of})", parts, whole, field, []))
    for parts, tk in ((gpa, TableKind.general_public_expenditure), (spend, TableKind.expenditure_summary)):
        t = _table(tables, tk)
        row = _total_row(t) if t else None
        whole = _cell_wan(t, row, "total") if t and row else None
        # The table's total is 基本 + 项目 only where the table has no other spending column.
        if len(parts) == 2 and whole is not None and {c.column_id for c in t.columns} <= {"total", "basic", "project"}:
            out.append(
                _sum_finding(
                    f"基本+项目支出 in the text vs {table_ref(t)} total",
                    parts,
                    whole,
                    "amount_wan",
                    [table_ref(t)],
                )
            )
    total = next((c for c in changes if c.subject_kind == "three_public_total"), None)
    # Items against the same base as the total (决算 compares both with 年初预算 and 上年决算).
    items = [
        c
        for c in changes
        if c.subject_kind == "three_public_item"
        and c.status != "not_arranged"
        and (total is None or c.base == total.base)
    ]
    has_parts = any(re.search(r"购置费?$", c.subject) for c in items) and any(
        re.search(r"运行", c.subject) and "购置" not in c.subject for c in items
    )
    items = [c for c in items if not ("购置及运行" in c.subject and has_parts)]
    if total is not None and items:
        for field in ("amount_wan", "delta_wan"):
            whole = getattr(total, field)
            if whole is not None:
                out.append(_sum_finding(f"三公 items vs {total.subject} ({field})", items, whole, field, []))
    return [f for f in out if f is not None]


_UP, _DOWN = "增加|增长|提高|上升|增多", "减少|下降|降低|减支|缩减|调减"
# The effect a reason states: the whole reason is one short clause ending in a direction
# ("宣传事务经费增加。"), or a causal phrase leads to one ("…等原因减少支付"). Direction words
# elsewhere (a negation "未增加", "控制…增长", last year's change) are not the effect.
_SHORT_EFFECT = re.compile(rf"^[^，,；;。]{{0,30}}?(?P<dir>{_UP}|{_DOWN})了?[。；;]?$")
_CAUSED_EFFECT = re.compile(
    rf"(?:等原因|导致|致使|从而|因此)\s*(?:经费|支出|费用|资金)?\s*(?P<dir>{_UP}|{_DOWN})"
)
_NOT_AN_EFFECT = re.compile(r"未|没有|不|无|控制|严控|上年|去年")


def _stated_effect(reason: str) -> int:
    """+1 / −1 when the reason states which way the amount moved, else 0."""
    m = _SHORT_EFFECT.search(reason) or _CAUSED_EFFECT.search(reason)
    if m is None or _NOT_AN_EFFECT.search(reason[max(0, m.start("dir") - 6) : m.start("dir")]):
        return 0
    if _SHORT_EFFECT.search(reason) and _NOT_AN_EFFECT.search(reason):
        return 0
    return 1 if re.fullmatch(_UP, m["dir"]) else -1


def _reason_direction_finding(c: ChangeStatement) -> Finding | None:
    """A reason whose stated effect is the opposite movement (or any movement for 持平)."""
    if not c.reason_text or c.base == "年初预算":
        return None
    effect = _stated_effect(c.reason_text.strip())
    if effect == 0:
        return None
    moved = c.delta if c.delta is not None else c.growth_percent
    if c.status == "unchanged":
        said = "持平"
    elif moved is not None and moved != 0 and (moved > 0) != (effect > 0):
        said = f"{'增加' if moved > 0 else '减少'} {abs(moved)}{'%' if c.delta is None else ' ' + c.unit}"
    else:
        return None
    message = (
        f"{c.subject}: the statement says {said}, but its reason states "
        f"{'an increase' if effect > 0 else 'a decrease'}: “{c.reason_text}”"
    )
    return _finding(c, "reason_inconsistency", "warning", message, rows=c.table_rows or [c.subject])


_PRINTED_BASE_YEAR = re.compile(r"(?:比|较|与)\s*(20\d\d)\s*年\s*(?:度|当年)?\s*(?:预算|决算|相比)")


def _base_year_finding(c: ChangeStatement, year: int | None, doc_kind: str | None) -> Finding | None:
    """A budget for year N compared with "N年预算" (or later): the base must be an earlier year.
    (A year-N 决算 compares with the N年预算 legitimately: that is its 年初预算.)"""
    text = c.statement_text
    cut = text.find(c.reason_text) if c.reason_text else -1
    # Only the comparison, not the reason (a reason may name years).
    comparison = re.split(r"主要原因|原因[是为]", text[:cut] if cut > 0 else text)[0]
    m = _PRINTED_BASE_YEAR.search(comparison)
    if m is None or year is None or int(m[1]) < year:
        return None
    if doc_kind == "final_accounts" and int(m[1]) == year and "决算" not in m[0]:
        return None
    message = (
        f"{c.subject}: a {year} {'决算' if doc_kind == 'final_accounts' else 'budget'} compares "
        f"with “{m[0]}…”{_printed_change(c)}; the base should be an earlier year"
    )
    return _finding(c, "wrong_year", "warning", message, rows=c.table_rows or [c.subject])


def _printed_change(c: ChangeStatement) -> str:
    if c.delta is not None:
        return f" ({c.delta} {c.unit})"
    return f" ({c.growth_percent}%)" if c.growth_percent is not None else ""


def check_project_years(projects: list[Project], year: int | None) -> list[Finding]:
    """Projects of the year-N document whose 执行时间 ends before year N."""
    return [
        Finding(
            check="wrong_year",
            severity="warning",
            rows=[p.name],
            message=f"{p.name}: 执行时间 {p.start_date} – {p.end_date} ends before the document's year {year}",
            provenance=p.provenance,
        )
        for p in projects
        if year is not None and p.end_date is not None and p.end_date.year < year
    ]


def check_changes(
    changes: list[ChangeStatement], tables: list[Table], doc_kind: str | None, year: int | None = None
) -> list[Finding]:
    """Findings on the change statements of one document (``year``: the document's year)."""
    out: list[Finding] = []
    for c in changes:
        for f in (
            _growth_finding(c),
            _amount_finding(c),
            _completion_finding(c),
            _direction_finding(c),
            _table_findings(c, tables, doc_kind),
            _reason_direction_finding(c),
            _base_year_finding(c, year, doc_kind),
        ):
            if f is not None:
                out.append(f)
    out += _sum_findings(changes, tables, doc_kind)
    return out
