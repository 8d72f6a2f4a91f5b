"""Numeric tables whose grid survived (ruled PDF tables, tab-separated text) → typed rows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.codes import code_level, join_code, scheme_of, split_leading_code
from extractor.labels import normalise_label
from extractor.money import is_number, parse_number, to_wan
from extractor.tables.columns import ColumnRole, column_roles, header_key, header_paths, resolve_column_id
from extractor.tables.kinds import TWO_SIDED
from extractor.tables.layouts import LAYOUTS
from schemas import Cell, Column, Finding, Row, SourceLine, TableKind, Unit

TOTAL_LABELS = re.compile(r"^(合计|总计|收入总计|支出总计|本年收入合计|本年支出合计|收入合计|支出合计)$")
_CODE_CELL = re.compile(r"^\d{2,3}$")


@dataclass
class GridResult:
    """Parsed grid: columns, rows and the findings raised while parsing."""

    columns: list[Column]
    rows: list[Row]
    findings: list[Finding]
    status: str


def is_colnum_row(cells: list[str | None]) -> bool:
    """The "※ ※ ※ 1 2 3 …" row that numbers the columns."""
    filled = [c for c in cells if c]
    return len(filled) >= 2 and all(c == "※" or re.fullmatch(r"\d{1,2}", c) for c in filled) and "※" in filled


def _has_data(cells: list[str | None]) -> bool:
    if is_colnum_row(cells):
        return False
    filled = [c for c in cells if c]
    return (
        any(is_number(c) and not _CODE_CELL.match(c) for c in filled)
        or any(_CODE_CELL.match(c) for c in filled[:1])
        or any(split_leading_code(c)[0] for c in filled)
    )


def _row_key(cells: list[str | None]) -> tuple[str, ...]:
    return tuple(header_key(c or "") for c in cells)


def split_grid(lines: list[SourceLine]) -> tuple[list[list[str | None]], list[SourceLine]]:
    """Separate the first header block from data rows; drop repeated headers of later pages."""
    header: list[list[str | None]] = []
    data: list[SourceLine] = []
    header_keys: set[tuple[str, ...]] = set()
    started = False
    continuing = False
    for line in lines:
        if line.cells is None:
            if started and ("编制部门" in line.text or "单位" in line.text):
                continuing = True
            continue
        cells = line.cells
        if line.grid_start and started:
            continuing = True
        if not started:
            if _has_data(cells):
                started = True
                data.append(line)
            else:
                header.append(cells)
                header_keys.add(_row_key(cells))
            continue
        if continuing:
            stripped = {header_key(c or "") for c in cells} - {""}
            if (
                _row_key(cells) in header_keys
                or is_colnum_row(cells)
                or (not _has_data(cells) and stripped & {"类", "款", "项"})
            ):
                continue
            continuing = False
        data.append(line)
    return header, data


def _width(header: list[list[str | None]], data: list[SourceLine]) -> int:
    width = 0
    for cells in [*header, *(d.cells or [] for d in data)]:
        last = max((i for i, c in enumerate(cells) if c), default=-1)
        width = max(width, last + 1)
    return width


def _panels(roles: list[ColumnRole]) -> list[list[ColumnRole]]:
    panels: list[list[ColumnRole]] = [[]]
    seen_money = False
    for role in roles:
        if role.role in ("code", "label") and seen_money:
            panels.append([])
            seen_money = False
        if role.role == "money":
            seen_money = True
        panels[-1].append(role)
    return [p for p in panels if any(r.role == "money" for r in p)]


def _valid(panels: list[list[ColumnRole]]) -> bool:
    for panel in panels:
        kinds = [r.role for r in panel]
        first_money = kinds.index("money")
        if "ignore" in kinds[first_money:]:
            return False
        ids = [r.column_id for r in panel if r.role == "money"]
        if None in ids or len(set(ids)) != len(ids):
            return False
    return True


def _panels_fit(kind: TableKind, panels: list[list[ColumnRole]]) -> bool:
    """Two-sided summaries have two panels; other tables repeat one panel side by side."""
    if kind in TWO_SIDED:
        return len(panels) == 2
    ids = [[r.column_id for r in p if r.role == "money"] for p in panels]
    return all(i == ids[0] for i in ids)


def _fallback_roles(
    kind: TableKind, header: list[list[str | None]], width: int, data: list[SourceLine]
) -> list[ColumnRole] | None:
    """Header grid unusable: order the ids printed anywhere in the header by the layout."""
    layouts = LAYOUTS.get(kind)
    if not layouts or len(layouts) != 1:
        return None
    layout = layouts[0]
    printed = {resolve_column_id([c]) for row in header for c in row if c}
    ids = [cid for cid in layout if cid in printed]
    money_cols = _money_width(data, width)
    if len(ids) != money_cols:
        if len(layout) != money_cols:
            return None
        ids = layout
    first = width - len(ids)
    roles = column_roles(header_paths(header, width))[:first]
    for i, cid in enumerate(ids):
        roles.append(ColumnRole(first + i, "money", [cid], cid))
    return roles


def _money_width(data: list[SourceLine], width: int) -> int:
    """Columns from the first numeric cell of any row to the right edge."""
    first = width
    for line in data:
        for i, c in enumerate(line.cells or []):
            if c and is_number(c) and not _CODE_CELL.match(c):
                first = min(first, i)
                break
    return width - first


def parse_grid(kind: TableKind, lines: list[SourceLine], unit: Unit, table_ref: str) -> GridResult:
    """Turn grid rows into typed ``Row``s with canonical money-column ids."""
    findings: list[Finding] = []
    header, data = split_grid(lines)
    width = _width(header, data)
    roles = column_roles(header_paths(header, width))
    panels = _panels(roles)
    status = "ok"
    if data and (not _valid(panels) or not _panels_fit(kind, panels)):
        fallback = _fallback_roles(kind, header, width, data)
        if fallback is not None:
            roles = fallback
            panels = _panels(roles)
        if fallback is None or not _valid(panels):
            for panel in panels:
                for r in panel:
                    if r.role == "money" and r.column_id is None:
                        r.column_id = f"col_{r.index + 1}"
                        findings.append(
                            Finding(
                                check="unknown_column",
                                severity="warning",
                                tables=[table_ref],
                                message=f"{table_ref}: header {'>'.join(r.path) or '(none)'} of column "
                                f"{r.index + 1} matches no canonical column; kept as {r.column_id}",
                            )
                        )
            status = "partial"
    two_sided = kind in TWO_SIDED and len(panels) == 2
    for panel in panels:
        money = [r for r in panel if r.role == "money"]
        if two_sided and len(money) == 1:
            money[0].column_id = "amount"
    columns: list[Column] = []
    seen: set[str] = set()
    for panel in panels:
        for r in panel:
            if r.role == "money" and r.column_id not in seen:
                seen.add(r.column_id or "")
                columns.append(Column(column_id=r.column_id or "", header_path=r.path))
    rows: list[Row] = []
    for line in data:
        cells = line.cells or []
        for p, panel in enumerate(panels):
            row = _make_row(line, cells, panel, unit, len(rows), findings, table_ref)
            if row is None:
                continue
            if two_sided:
                row.section = "income" if p == 0 else "expenditure"
            rows.append(row)
    return GridResult(columns=columns, rows=rows, findings=findings, status=status)


def _make_row(
    line: SourceLine,
    cells: list[str | None],
    panel: list[ColumnRole],
    unit: Unit,
    index: int,
    findings: list[Finding],
    table_ref: str,
) -> Row | None:
    def cell(i: int) -> str:
        return (cells[i] if i < len(cells) else None) or ""

    code_parts = [cell(r.index) for r in panel if r.role == "code"]
    labels = [cell(r.index) for r in panel if r.role == "label"]
    code = join_code([c for c in code_parts if re.fullmatch(r"\d+", c.replace(" ", ""))])
    printed = labels[0] if labels else ""
    project = labels[1] if len(labels) > 1 and labels[1] else None
    if code is None:
        lead, rest = split_leading_code(printed)
        if lead:
            code, printed = lead, rest
    if not code and not printed:
        # A row label may sit in a code column (a merged "合计" cell over 类/款/项).
        texts = [c for c in code_parts if c and not re.fullmatch(r"[\d类款项]+", c)]
        printed = texts[0] if texts else ""
    money_cells: list[Cell] = []
    for r in panel:
        if r.role != "money":
            continue
        raw = cell(r.index)
        try:
            value = parse_number(raw)
        except ValueError:
            findings.append(
                Finding(
                    check="unparseable_cell",
                    severity="error",
                    tables=[table_ref],
                    rows=[printed or (code or "")],
                    column=r.column_id,
                    message=f"{table_ref}: cell {raw!r} in column {r.column_id} is not a number; kept as null",
                    provenance=line.provenance,
                )
            )
            value = None
        money_cells.append(
            Cell(
                column_id=r.column_id or f"col_{r.index + 1}",
                header=">".join(r.path),
                raw=raw,
                value=value,
                unit=unit,
                value_wan=to_wan(value, unit),
                provenance=line.provenance,
            )
        )
    if not code and not printed and all(c.raw == "" for c in money_cells):
        return None
    label = normalise_label(printed)
    return Row(
        index=index,
        code=code,
        code_level=code_level(code, scheme_of(code)) if code and len(code) in (3, 5, 7) else None,
        code_scheme=scheme_of(code) if code else None,
        label=label,
        printed_label=printed,
        project=normalise_label(project) if project else None,
        is_total=bool(TOTAL_LABELS.match(label)) and not code,
        cells=money_cells,
        provenance=line.provenance,
    )
