"""Arithmetic and plausibility checks → findings. Nothing is ever corrected."""

from __future__ import annotations

import re
from collections import defaultdict
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from extractor.codes import FUNCTIONAL_CLASSES, parent_code
from extractor.money import CENT, NUMBER_PATTERN, to_wan
from extractor.tables.layouts import ROW_IDENTITIES
from schemas import Finding, Provenance, Row, Severity, SourceLine, Table, TableKind
from schemas.columns import COLUMN_IDS


def table_ref(table: Table) -> str:
    """How findings name a table: "表3 部门支出总体情况表" or the title alone."""
    return f"表{table.table_no} {table.title}" if table.table_no else table.title


def table_finding(table: Table, check: str, severity: Severity, what: str, located: bool = True) -> Finding:
    """A finding about a whole table: "<table ref>: <what>", at the table's title unless ``located``
    is False."""
    ref = table_ref(table)
    return Finding(
        check=check,
        severity=severity,
        tables=[ref],
        message=f"{ref}: {what}",
        provenance=table.provenance if located else None,
    )


def row_ref(row: Row) -> str:
    """How findings name a row: code and label, with the project and half where present."""
    parts = [p for p in (row.code, row.label or row.printed_label, row.project) if p]
    ref = " ".join(parts) or f"row {row.index + 1}"
    return f"{row.section}:{ref}" if row.section else ref


def _severity(diff: Decimal, n_terms: int) -> str:
    """A difference of at most one cent per summed term is rounding; more is material."""
    return "rounding" if diff <= CENT * max(n_terms, 1) else "material"


@dataclass
class CheckTally:
    """How many arithmetic identities were evaluated and how many held (for label-free coverage)."""

    run: int = 0
    held: int = 0


_TALLY: ContextVar[CheckTally | None] = ContextVar("check_tally", default=None)


def _compare(
    check: str,
    tables: list[str],
    rows: list[str],
    column: str | None,
    expected: Decimal,
    actual: Decimal,
    n_terms: int,
    what: str,
    provenance: Provenance | None,
) -> Finding | None:
    diff = abs(expected - actual)
    tally = _TALLY.get()
    if tally is not None:
        tally.run += 1
        tally.held += diff <= CENT * max(n_terms, 1)
    if diff == 0:
        return None
    return Finding(
        check=check,
        severity=_severity(diff, n_terms),
        tables=tables,
        rows=rows,
        column=column,
        expected=expected,
        actual=actual,
        message=f"{what}: printed {actual}, sum {expected} (diff {actual - expected:+})",
        provenance=provenance,
    )


def _sum(values: list[Decimal | None]) -> Decimal:
    return sum((v for v in values if v is not None), Decimal(0))


def _class_code(row: Row) -> str | None:
    if row.code and len(row.code) == 3:
        return row.code
    if row.code is None and row.label in FUNCTIONAL_CLASSES and not row.is_total:
        return FUNCTIONAL_CLASSES[row.label]
    return None


def check_hierarchy(table: Table) -> list[Finding]:
    """类 = Σ款 = Σ项 (and 项目 rows under their 项), and total rows = Σ 类, per column."""
    out: list[Finding] = []
    ref = table_ref(table)
    coded = [r for r in table.rows if r.code and r.section is None]
    if not coded:
        return out
    by_parent: dict[str, list[Row]] = defaultdict(list)
    for row in coded:
        parent = parent_code(row.code or "")
        if parent:
            by_parent[parent].append(row)
    for parent_row in coded:
        children = by_parent.get(parent_row.code or "", [])
        if children and not parent_row.project:
            out += _column_sums(
                "hierarchy_sum",
                ref,
                parent_row,
                children,
                f"{ref} {row_ref(parent_row)} [{{column}}] vs its {len(children)} sub-rows",
            )
    tops = [r for r in coded if len(r.code or "") == 3]
    for total in (r for r in table.rows if r.is_total and r.section is None):
        out += _column_sums(
            "total_sum", ref, total, tops, f"{ref} {total.label} [{{column}}] vs Σ of {len(tops)} 类 rows"
        )
    return out


def _column_sums(check: str, ref: str, whole: Row, parts: list[Row], what: str) -> list[Finding]:
    """For every column of ``whole``: its value against the sum of that column over ``parts``.

    ``what`` names the comparison in the message; ``{column}`` in it becomes the column id.
    """
    out: list[Finding] = []
    for cell in whole.cells:
        values = [p.value(cell.column_id) for p in parts]
        if cell.value is None and all(v is None for v in values):
            continue
        f = _compare(
            check,
            [ref],
            [row_ref(whole)],
            cell.column_id,
            _sum(values),
            cell.value or Decimal(0),
            len(parts),
            what.format(column=cell.column_id),
            cell.provenance,
        )
        if f:
            out.append(f)
    return out


def check_row_identities(table: Table) -> list[Finding]:
    """合计 = 基本 + 项目, 总计 = Σ sources, … within each row (by table kind)."""
    out: list[Finding] = []
    ref = table_ref(table)
    present = {c.column_id for c in table.columns}
    identities = ROW_IDENTITIES.get(table.kind, [])
    for whole, parts in identities:
        if whole not in present or not set(parts) <= present or not _is_whole(whole, parts, present, identities):
            continue
        for row in table.rows:
            w = row.value(whole)
            values = [row.value(p) for p in parts]
            if w is None and all(v is None for v in values):
                continue
            f = _compare(
                "row_identity",
                [ref],
                [row_ref(row)],
                whole,
                _sum(values),
                w or Decimal(0),
                sum(v is not None for v in values),
                f"{ref} {row_ref(row)}: {whole} vs {' + '.join(parts)}",
                row.provenance,
            )
            if f:
                out.append(f)
    if table.kind == TableKind.three_public:
        out.extend(_three_public_rows(table))
    return out


def _is_whole(
    whole: str, parts: list[str], present: set[str], identities: list[tuple[str, list[str]]]
) -> bool:
    """Do ``parts`` make up the whole of ``whole`` in this layout? Not when the table has a column
    of unknown id, or a column known to lie inside ``whole`` (by another identity of the kind) that
    neither ``parts`` nor their own parts cover (合计 = 基本支出 + 项目支出 beside a
    单位预留机动经费 column)."""
    if any(cid not in COLUMN_IDS for cid in present):
        return False
    inside = _descendants(whole, identities)
    covered = set(parts)
    for p in parts:
        covered |= _descendants(p, identities)
    return not (present & inside) - covered


def _descendants(column: str, identities: list[tuple[str, list[str]]]) -> set[str]:
    out: set[str] = set()
    todo = [column]
    while todo:
        c = todo.pop()
        for whole, parts in identities:
            if whole == c:
                for p in parts:
                    if p not in out:
                        out.add(p)
                        todo.append(p)
    return out


def _three_public_rows(table: Table) -> list[Finding]:
    """National form: 合计 = 出国 + 接待 + 用车小计; 用车小计 = 购置 + 运行 (per column)."""
    rows = {r.label: r for r in table.rows}

    def find(pattern: str) -> Row | None:
        return next((r for lbl, r in rows.items() if re.search(pattern, lbl)), None)

    total = find(r"^(合计|总计)$")
    abroad, reception = find(r"因公出国"), find(r"公务接待")
    vehicle = find(r"公务用车购置及运行")
    purchase, operation = find(r"公务用车购置(费)?$"), find(r"公务用车运行")
    out: list[Finding] = []
    ref = table_ref(table)
    for whole, parts in ((total, [abroad, reception, vehicle]), (vehicle, [purchase, operation])):
        if whole is not None and all(p is not None for p in parts):
            out += _column_sums(
                "three_public_sum", ref, whole, parts, f"{ref} {whole.label} [{{column}}] vs its parts"
            )  # type: ignore[arg-type]
    return out


def check_summary_halves(table: Table) -> list[Finding]:
    """Two-sided summaries: Σ 类 = 支出总计, Σ top-level income items = 收入总计, and balance."""
    if table.kind not in (TableKind.budget_summary, TableKind.fiscal_summary):
        return []
    out: list[Finding] = []
    ref = table_ref(table)
    income = [r for r in table.rows if r.section == "income"]
    spend = [r for r in table.rows if r.section == "expenditure"]
    col = "amount" if table.kind == TableKind.budget_summary else "total"

    def pick(rows: list[Row], labels: tuple[str, ...]) -> Row | None:
        for label in labels:
            for r in rows:
                if r.label == label:
                    return r
        return None

    def total_vs(total: Row | None, parts: list[Row], column: str, what: str) -> None:
        if total is None or not parts or total.value(column) is None:
            return
        f = _compare(
            "total_sum",
            [ref],
            [row_ref(total)],
            column,
            _sum([r.value(column) for r in parts]),
            total.value(column) or Decimal(0),
            len(parts),
            f"{ref} {total.label} vs {what}",
            total.provenance,
        )
        if f:
            out.append(f)

    spend_total = pick(spend, ("本年支出合计", "支出总计", "支出合计"))
    total_vs(spend_total, [r for r in spend if _class_code(r)], col, "Σ 类 rows")
    income_total = pick(income, ("本年收入合计", "收入总计", "收入合计"))
    tops = [
        r
        for r in income
        if re.match(r"^[一二三四五六七八九十]+、", r.printed_label)
        and (income_total is None or r.index < income_total.index)
    ]
    amount_col = "amount"
    total_vs(income_total, tops, amount_col, "Σ top-level income items")
    grand_in = pick(income, ("收入总计", "总计"))
    grand_out = pick(spend, ("支出总计", "总计"))
    if grand_in and grand_out:
        a, b = grand_in.value(amount_col), grand_out.value(col)
        if a is not None and b is not None and a != b:
            out.append(
                Finding(
                    check="budget_balance",
                    severity=_severity(abs(a - b), 1),
                    tables=[ref],
                    rows=[row_ref(grand_in), row_ref(grand_out)],
                    column=col,
                    expected=a,
                    actual=b,
                    message=f"{ref}: 收入总计 {a} ≠ 支出总计 {b}",
                    provenance=grand_out.provenance,
                )
            )
    return out


def _class_values(table: Table, column: str, section: str | None = None) -> dict[str, tuple[Decimal, Row]]:
    out: dict[str, tuple[Decimal, Row]] = {}
    for row in table.rows:
        if section is not None and row.section != section:
            continue
        code = _class_code(row)
        value = row.value(column)
        if code and value is not None and not row.project:
            out[code] = (value, row)
    return out


def _total_value(table: Table, column: str, section: str | None = None) -> tuple[Decimal, Row] | None:
    for row in table.rows:
        if row.is_total and (section is None or row.section == section) and row.value(column) is not None:
            value = row.value(column)
            assert value is not None
            return value, row
    return None


def check_cross_tables(tables: list[Table], doc_kind: str | None = None) -> list[Finding]:
    """Identities between tables of one document, each compared by class code or total."""
    by_kind: dict[TableKind, Table] = {}
    for t in tables:
        if not t.empty and t.rows:
            by_kind.setdefault(t.kind, t)
    out: list[Finding] = []
    K = TableKind
    pairs = [
        # (table A, column A, section A, table B, column B, section B, what)
        (K.budget_summary, "amount", "expenditure", K.expenditure_summary, "total", None, "支出"),
        (K.expenditure_summary, "total", None, K.revenue_summary, "total", None, "收入总表"),
        (
            K.fiscal_summary,
            "general_public_budget",
            "expenditure",
            K.general_public_expenditure,
            "total",
            None,
            "一般公共预算",
        ),
        (K.general_public_expenditure, "total", None, K.expenditure_summary, "total", None, "支出"),
    ]
    for ka, ca, sa, kb, cb, sb, what in pairs:
        ta, tb = by_kind.get(ka), by_kind.get(kb)
        if ta is None or tb is None:
            continue
        if kb == K.revenue_summary and doc_kind == "final_accounts":
            continue  # in 决算 revenue and expenditure of the year differ by design
        if ka == K.general_public_expenditure and kb == K.expenditure_summary:
            # Only when all spending is general public budget spending, the two coincide.
            fs = by_kind.get(K.fiscal_summary)
            if fs is None or any(r.value("government_fund") or r.value("state_capital") for r in fs.rows):
                continue
            rs = by_kind.get(K.revenue_summary)
            if rs is None or any(
                r.value(c)
                for r in rs.rows
                for c in (
                    "special_account",
                    "unit_funds",
                    "fiscal_carryover",
                    "nonfiscal_carryover",
                    "business_income",
                    "other_income",
                )
            ):
                continue
        va, vb = _class_values(ta, ca, sa), _class_values(tb, cb, sb)
        for code in sorted(set(va) & set(vb)):
            (a, ra), (b, rb) = va[code], vb[code]
            if a != b:
                out.append(_cross(ta, tb, ra, rb, ca, a, b, f"{what} {code}"))
        tot_a, tot_b = _total_value(ta, ca, sa), _total_value(tb, cb, sb)
        if tot_a and tot_b and tot_a[0] != tot_b[0]:
            out.append(_cross(ta, tb, tot_a[1], tot_b[1], ca, tot_a[0], tot_b[0], f"{what} 合计"))
    gp = by_kind.get(K.general_public_expenditure)
    for kind, column in ((K.basic_expenditure, "basic"), (K.project_expenditure, "project")):
        t = by_kind.get(kind)
        if gp is None or t is None:
            continue
        a, b = _total_value(t, "total"), _total_value(gp, column)
        if a and b and a[0] != b[0]:
            out.append(_cross(t, gp, a[1], b[1], column, b[0], a[0], f"{kind.value} 合计 vs {column}"))
    proj = by_kind.get(K.project_expenditure)
    if gp is not None and proj is not None:
        project_by_code: dict[str, Decimal] = defaultdict(Decimal)
        rows_by_code: dict[str, Row] = {}
        for row in proj.rows:
            if row.code and row.project and row.value("total") is not None:
                project_by_code[row.code] += row.value("total") or Decimal(0)
                rows_by_code[row.code] = row
        for row in gp.rows:
            if row.code in project_by_code:
                b = row.value("project") or Decimal(0)
                a = project_by_code[row.code]
                if a != b:
                    out.append(
                        _cross(proj, gp, rows_by_code[row.code], row, "project", b, a, f"项目 {row.code}")
                    )
    return out


def _cross(ta: Table, tb: Table, ra: Row, rb: Row, column: str, a: Decimal, b: Decimal, what: str) -> Finding:
    return Finding(
        check="cross_table",
        severity=_severity(abs(a - b), 1),
        tables=[table_ref(ta), table_ref(tb)],
        rows=[row_ref(ra), row_ref(rb)],
        column=column,
        expected=a,
        actual=b,
        message=f"{what}: {table_ref(ta)} {a} ≠ {table_ref(tb)} {b}",
        provenance=rb.provenance,
    )


ECONOMIC_TO_FUNCTIONAL: tuple[tuple[str, tuple[str, ...]], ...] = (
    # (经济分类 code, the 功能分类 项 codes that carry exactly that spending), per the national
    # 政府收支分类科目: each functional 项 below is defined as the unit's payment of one
    # contribution, and that contribution has one economic 款 of its own. Only contributions are
    # listed: wages, 退休费 (2080501/2080502 also carry 离休费 and other items), 30112 其他社会保障
    # 缴费 (spread over several functional items) and 2101199 其他行政事业单位医疗支出 (not limited
    # to 30110) have no one-to-one counterpart and are left out.
    ("30108", ("2080505",)),  # 机关事业单位基本养老保险缴费 ↔ 机关事业单位基本养老保险缴费支出
    ("30109", ("2080506",)),  # 职业年金缴费 ↔ 机关事业单位职业年金缴费支出
    ("30110", ("2101101", "2101102")),  # 职工基本医疗保险缴费 ↔ 行政单位医疗 + 事业单位医疗
    ("30111", ("2101103",)),  # 公务员医疗补助缴费 ↔ 公务员医疗补助
    ("30113", ("2210201",)),  # 住房公积金 ↔ 住房公积金
)
"""Economic items of 一般公共预算基本支出 whose functional counterparts are fixed by definition."""


def _unique_row(table: Table, code: str) -> Row | None:
    """The one row printed with ``code`` (not a project row); ``None`` when absent or repeated."""
    rows = [r for r in table.rows if r.code == code and not r.project]
    return rows[0] if len(rows) == 1 else None


def _money_cell(row: Row, column: str) -> tuple[Decimal, Decimal, str | None] | None:
    """(printed value, value in 万元, unit) of a row's cell; ``None`` when blank or unit unknown."""
    cell = next((c for c in row.cells if c.column_id == column), None)
    if cell is None or cell.value is None:
        return None
    wan = to_wan(cell.value, cell.unit)
    return None if wan is None else (cell.value, wan, cell.unit)


def check_economic_vs_functional(tables: list[Table]) -> list[Finding]:
    """一般公共预算基本支出 by economic item vs the basic column of the functional table.

    For the pairs of ``ECONOMIC_TO_FUNCTIONAL`` the economic amount must equal the sum of its
    functional 项 in the 一般公共预算支出表's 基本支出 column. Compared in 万元 only when the
    economic row and at least one functional row are printed with a value; an absent side is
    not a finding. Tolerance: one cent (万元) per functional term summed. ``actual`` is the
    economic amount, ``expected`` the functional sum, as printed (in 万元 if the units differ).
    """
    basic = next((t for t in tables if t.kind == TableKind.basic_expenditure and t.rows), None)
    gp = next((t for t in tables if t.kind == TableKind.general_public_expenditure and t.rows), None)
    if basic is None or gp is None or "basic" not in {c.column_id for c in gp.columns}:
        return []
    econ_cols = {c.column_id for c in basic.columns}
    econ_col = next((c for c in ("total", "amount") if c in econ_cols), None)
    if econ_col is None:
        return []
    out: list[Finding] = []
    for econ_code, func_codes in ECONOMIC_TO_FUNCTIONAL:
        econ_row = _unique_row(basic, econ_code)
        econ = _money_cell(econ_row, econ_col) if econ_row else None
        if econ_row is None or econ is None:
            continue
        functional = (_unique_row(gp, code) for code in func_codes)
        terms = [(row, cell) for row in functional if row and (cell := _money_cell(row, "basic"))]
        if not terms:
            continue
        diff = abs(econ[1] - sum((c[1] for _, c in terms), Decimal(0)))
        if diff == 0:
            continue
        k = 0 if all(c[2] == econ[2] for _, c in terms) else 1  # printed, or 万元 when units differ
        unit = econ[2] if k == 0 else "万元"
        actual, expected = econ[k], sum((c[k] for _, c in terms), Decimal(0))
        parts = " + ".join(f"{r.code} {c[k]}" for r, c in terms)
        out.append(
            Finding(
                check="cross_table",
                severity=_severity(diff, len(terms)),
                tables=[table_ref(basic), table_ref(gp)],
                rows=[row_ref(econ_row), *(row_ref(r) for r, _ in terms)],
                column=econ_col,
                expected=expected,
                actual=actual,
                message=f"经济分类 {row_ref(econ_row)} {actual} {unit} ({table_ref(basic)}) ≠ 功能分类 "
                f"基本支出 {parts} = {expected} {unit} ({table_ref(gp)}) (diff {actual - expected:+})",
                provenance=econ_row.provenance,
            )
        )
    return out


_WAN_AMOUNT = re.compile(rf"({NUMBER_PATTERN})\s*万元")


def check_magnitudes(tables: list[Table], text_lines: list[SourceLine]) -> list[Finding]:
    """Amounts far larger than the whole budget: usually 元 printed under a 万元 label."""
    totals = [
        to_wan(c.value, c.unit)
        for t in tables
        for r in t.rows
        if r.is_total
        for c in r.cells
        if c.value is not None
    ]
    totals = [t for t in totals if t is not None and t > 0]
    if not totals:
        return []
    budget = max(totals)
    limit = budget * 100
    out: list[Finding] = []
    for t in tables:
        for r in t.rows:
            for c in r.cells:
                w = to_wan(c.value, c.unit)
                if w is not None and w > limit:
                    out.append(
                        Finding(
                            check="implausible_magnitude",
                            severity="warning",
                            tables=[table_ref(t)],
                            rows=[row_ref(r)],
                            column=c.column_id,
                            actual=c.value,
                            message=f"{table_ref(t)} {row_ref(r)}: {c.value} {c.unit} is over 100× the "
                            f"document total ({budget} 万元); unit likely wrong",
                            provenance=c.provenance,
                        )
                    )
    for line in text_lines:
        for m in _WAN_AMOUNT.finditer(line.text):
            value = Decimal(m.group(1).replace(",", ""))
            if value > limit:
                context = line.text[max(0, m.start() - 20) : m.end()]
                out.append(
                    Finding(
                        check="implausible_magnitude",
                        severity="warning",
                        actual=value,
                        message=f"text: “{context}” — {value} 万元 is over 100× the document total "
                        f"({budget} 万元); probably 元 printed as 万元",
                        provenance=line.provenance,
                    )
                )
    return out


def validate(
    tables: list[Table],
    text_lines: list[SourceLine],
    doc_kind: str | None = None,
    tally: CheckTally | None = None,
) -> list[Finding]:
    """Run every check on one document's tables (and its narrative lines for magnitudes); with
    ``tally``, count the identities evaluated and held."""
    token = _TALLY.set(tally)
    try:
        return _validate(tables, text_lines, doc_kind)
    finally:
        _TALLY.reset(token)


def _validate(tables: list[Table], text_lines: list[SourceLine], doc_kind: str | None) -> list[Finding]:
    findings: list[Finding] = []
    for table in tables:
        if not table.rows:
            continue
        findings += check_hierarchy(table)
        findings += check_row_identities(table)
        findings += check_summary_halves(table)
    findings += check_cross_tables(tables, doc_kind)
    findings += check_economic_vs_functional(tables)
    findings += check_magnitudes(tables, text_lines)
    return findings
