"""Amounts: comparison wording against the two amounts stated, and 人员经费/公用经费/基本支出 against
the 经济分类 table.

The narrative checks already report a printed growth % that the amounts contradict
(``growth_mismatch``) and a 决算 "决算数小于(大于)预算数" the amounts contradict
(``direction_mismatch``); this module adds the wordings they do not read — 持平/等于/一致 and a bare
增加/减少 — and never reports a statement one of those findings already holds.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from decimal import Decimal

from extractor.audit.context import AuditContext, pos
from extractor.money import NUMBER_PATTERN, UNIT_PATTERN, parse_number, to_wan
from schemas import AuditCheck, AuditEvidence, ChangeStatement, Table, TableKind

_SAME = re.compile(r"(基本)?(持平|等于|一致|相同|无变化|没有变化|未发生变化)")
_UP = re.compile(r"(增加|增长|上升|提高|大于|高于|超过)")
_DOWN = re.compile(r"(减少|下降|降低|小于|低于)")
_NEARLY = Decimal("0.05")  # "基本持平": within 5% of the base
_COVERED = {"growth_mismatch", "direction_mismatch", "completion_mismatch"}


def _half_ulp(value: Decimal) -> Decimal:
    exp = value.as_tuple().exponent
    return Decimal(1).scaleb(exp if isinstance(exp, int) else 0) / 2


def _comparison(c: ChangeStatement) -> str:
    text = c.statement_text
    if c.reason_text and c.reason_text in text:
        text = text[: text.find(c.reason_text)]
    return re.split(r"主要原因|原因[是为：:]", text)[0]


def check_comparison_wording(ctx: AuditContext) -> list[AuditCheck]:
    """持平/等于 while the two stated amounts differ; 增加 while they fall, 减少 while they rise."""
    held = {pos(f.provenance) for f in ctx.doc.findings if f.check in _COVERED}
    out = []
    for c in ctx.doc.narrative.changes:
        if pos(c.provenance) in held:
            continue
        if c.delta and c.growth_percent and (c.delta > 0) != (c.growth_percent > 0):
            # "减少 62.24 万元，增长 41.70%": the two direction words of one comparison disagree
            out.append(
                AuditCheck(
                    name="comparison_wording",
                    severity="material",
                    message=(
                        f"{c.subject}: the change is worded as {'an increase' if c.delta > 0 else 'a decrease'} "
                        f"of {abs(c.delta)} {c.unit} and as {'growth' if c.growth_percent > 0 else 'a fall'} "
                        f"of {abs(c.growth_percent)}%"
                    ),
                    evidence=[AuditEvidence(page=c.provenance.page, line=c.provenance.line, text=_comparison(c).strip()[:200])],
                )
            )
            continue
        if c.amount is None or c.previous_amount is None:
            continue
        words = _comparison(c)
        diff = c.amount - c.previous_amount
        slack = _half_ulp(c.amount) + _half_ulp(c.previous_amount)
        said = None
        if m := _SAME.search(words):
            nearly = m[1] is not None
            limit = abs(c.previous_amount) * _NEARLY if nearly else slack
            if abs(diff) > max(limit, slack):
                said = m.group(0)
        elif (up := _UP.search(words)) and not _DOWN.search(words) and diff < -slack:
            said = up.group(0)
        elif (down := _DOWN.search(words)) and not _UP.search(words) and diff > slack:
            said = down.group(0)
        if said is None:
            continue
        out.append(
            AuditCheck(
                name="comparison_wording",
                severity="material",
                message=f"{c.subject}: says “{said}”, but the amounts are {c.previous_amount} → {c.amount} {c.unit}",
                evidence=[AuditEvidence(page=c.provenance.page, line=c.provenance.line, text=words.strip()[:200])],
            )
        )
    return out


_STATED = {
    "personnel": re.compile(rf"人员经费(?:支出)?\s*(?:为|共|合计)?\s*({NUMBER_PATTERN})\s*({UNIT_PATTERN})"),
    "public_use": re.compile(rf"(?<!日常)公用经费(?:支出)?\s*(?:为|共|合计)?\s*({NUMBER_PATTERN})\s*({UNIT_PATTERN})"),
    "total": re.compile(rf"基本支出(?:预算)?\s*(?:为|共|合计)?\s*({NUMBER_PATTERN})\s*({UNIT_PATTERN})"),
}
_WHAT = {"personnel": "人员经费", "public_use": "公用经费", "total": "基本支出"}


def _table_values(tables: list[Table], column: str) -> list[Decimal]:
    """The 合计 of ``column`` in every table that could be the base of a stated 人员经费/公用经费/
    基本支出 (the 经济分类 tables, and the summaries' 基本支出 column): the text may quote any one."""
    kinds = {TableKind.basic_expenditure, TableKind.fiscal_basic_expenditure}
    if column == "total":
        kinds |= {TableKind.expenditure_summary, TableKind.general_public_expenditure, TableKind.fiscal_expenditure}
    out = []
    for t in tables:
        if t.kind not in kinds or t.empty:
            continue
        economic = t.kind in (TableKind.basic_expenditure, TableKind.fiscal_basic_expenditure)
        # the 经济分类 table's 合计 column is ``total`` (``amount`` where it has one money column)
        cols = ({"total", "amount"} if column == "total" else {column}) if economic else {"basic"}
        for row in t.rows:
            if row.is_total:
                for cell in row.cells:
                    if cell.column_id in cols and cell.value_wan is not None:
                        out.append(cell.value_wan)
    return out


_SUMMARY_ROWS = {"基本支出": "total", "人员经费": "personnel", "公用经费": "public_use"}


class _Values:
    """``_table_values`` of each column, computed once per document and sorted, so that whether
    a stated amount matches one is a bisection, not a scan (documents with many tables)."""

    def __init__(self, tables: list[Table]) -> None:
        self._tables = tables
        self._sorted: dict[str, list[Decimal]] = {}

    def of(self, column: str) -> list[Decimal]:
        if column not in self._sorted:
            self._sorted[column] = sorted(_table_values(self._tables, column))
        return self._sorted[column]

    def near(self, column: str, amount: Decimal, tolerance: Decimal) -> bool:
        """Whether some value of ``column`` is within ``tolerance`` of ``amount``."""
        values = self.of(column)
        i = bisect_left(values, amount - tolerance)
        return i < len(values) and values[i] <= amount + tolerance


def check_summary_basic(ctx: AuditContext) -> list[AuditCheck]:
    """A summary table's 基本支出 / 人员经费 / 公用经费 row (the 支出用途 half of a 收支预算总表) equal to
    the 经济分类 table's 合计 (or another table's 基本支出 合计: the summary may count all funds)."""
    tables = ctx.doc.tables
    summaries = (TableKind.budget_summary, TableKind.fiscal_summary, TableKind.expenditure_summary)
    known = _Values(tables)
    out = []
    for t in tables:
        if t.kind not in summaries or t.empty:
            continue
        for row in t.rows:
            column = _SUMMARY_ROWS.get(row.label.strip())
            if column is None or row.section == "income":
                continue
            values = known.of(column)
            stated = next((c for c in row.cells if c.column_id in ("amount", "total") and c.value_wan is not None), None)
            if not values or stated is None:
                continue
            if known.near(column, stated.value_wan, Decimal("0.005")):
                continue
            out.append(
                AuditCheck(
                    name="basic_expenditure_mismatch",
                    severity="material",
                    item=t.kind.value,
                    message=(
                        f"{t.title}: {row.label} {stated.raw} ({stated.value_wan}万元), but the 经济分类 "
                        f"table's 合计 is {', '.join(f'{v}万元' for v in sorted(set(values)))}"
                    ),
                    evidence=[AuditEvidence(page=row.provenance.page, line=row.provenance.line, text=row.printed_label)],
                )
            )
    return out


def check_basic_expenditure(ctx: AuditContext) -> list[AuditCheck]:
    """The narrative's 人员经费/公用经费/基本支出 amount equals the 经济分类 table's 合计 (or, for
    基本支出, a summary table's): reported only where the table is there and no table value matches."""
    tables = ctx.doc.tables
    if not any(t.kind in (TableKind.basic_expenditure, TableKind.fiscal_basic_expenditure) and not t.empty for t in tables):
        return []
    known = _Values(tables)
    out = []
    for text, start, _ in ctx.paragraphs():
        if "经费" not in text and "基本支出" not in text:
            continue
        for column, pattern in _STATED.items():
            values = known.of(column)
            if not values:
                continue
            for m in pattern.finditer(text):
                stated = parse_number(m[1])
                wan = to_wan(stated, m[2])  # type: ignore[arg-type]
                if stated is None or wan is None:
                    continue
                slack = to_wan(_half_ulp(stated), m[2]) or Decimal(0)  # type: ignore[arg-type]
                if known.near(column, wan, slack + Decimal("0.005")):
                    continue
                out.append(
                    AuditCheck(
                        name="basic_expenditure_mismatch",
                        severity="material",
                        message=(
                            f"the text states {_WHAT[column]} {m[1]}{m[2]}; the 经济分类 table's 合计 is "
                            f"{', '.join(f'{v}万元' for v in sorted(set(values)))}"
                        ),
                        evidence=[ctx.evidence_at(start + m.start(), text[max(0, m.start() - 15) : m.end() + 5])],
                    )
                )
    return out
