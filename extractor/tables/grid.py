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
    """Two-sided summaries have two panels (three where the expenditure side is printed by function
    and by purpose, as in Jiangsu); other tables repeat one panel side by side."""
    if kind in TWO_SIDED:
        return len(panels) in (2, 3)
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


def _content_roles(data: list[SourceLine], width: int) -> list[str | None]:
    """Per column, what its data cells hold: "money" (amounts), "code" (classification codes only),
    "label" (text only) or None (blank throughout)."""
    out: list[str | None] = []
    for i in range(width):
        cells = [c for line in data for c in [(line.cells or [])[i] if i < len(line.cells or []) else None] if c]
        if not cells:
            out.append(None)
        elif all(re.fullmatch(r"\d{3}(\d{2}){0,2}", c.replace(" ", "")) for c in cells):
            out.append("code")
        elif any(is_number(c) for c in cells):
            out.append("money")
        else:
            out.append("label")
    return out


def _apply_content(roles: list[ColumnRole], content: list[str | None]) -> None:
    """A column the header calls money but whose cells are all text is a label column (采购组织形式,
    经济科目 …); a column with no header that holds amounts is a money column of unknown id, never
    ignored; a headerless column of codes or text is a code or label column."""
    for r in roles:
        held = content[r.index] if r.index < len(content) else None
        text_in_money = r.role == "money" and held in ("label", "code") and r.column_id is None
        unheaded = r.role == "ignore" and held in ("money", "code", "label") and not r.path
        if text_in_money or unheaded:
            r.role = held  # type: ignore[assignment]


def _sections(panels: list[list[ColumnRole]]) -> list[str]:
    """income / expenditure per panel of a summary table: from the header path where it says
    收入 or 支出, else the first panel is income and the others expenditure."""
    out = []
    for p, panel in enumerate(panels):
        words = "".join(r.path[0] for r in panel if r.path)
        if "收入" in words and "支出" not in words:
            out.append("income")
        elif "支出" in words and "收入" not in words:
            out.append("expenditure")
        else:
            out.append("income" if p == 0 else "expenditure")
    return out


def parse_grid(
    kind: TableKind,
    lines: list[SourceLine],
    unit: Unit,
    table_ref: str,
    paths: list[list[str]] | None = None,
) -> GridResult:
    """Turn grid rows into typed ``Row``s with canonical money-column ids.

    ``paths`` come from a word layout that read the header geometrically; without them the header
    rows of the grid are read here."""
    findings: list[Finding] = []
    if paths is None:
        header, data = split_grid(lines)
        width = _width(header, data)
        paths = header_paths(header, width)
    else:
        header, data = [], [line for line in lines if line.cells is not None]
        width = len(paths)
    roles = column_roles(paths)
    _apply_content(roles, _content_roles(data, width))
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
    two_sided = kind in TWO_SIDED and len(panels) in (2, 3)
    sections = _sections(panels) if two_sided else []
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
    money_idx = [r.index for p in panels for r in p if r.role == "money"]
    label_idx = [r.index for p in panels for r in p if r.role == "label"]
    for line in data:
        cells = _realign(line.cells or [], width, money_idx, label_idx)
        previous: Row | None = None
        for p, panel in enumerate(panels):
            row = _make_row(line, cells, panel, unit, len(rows), findings, table_ref)
            if row is None:
                previous = None
                continue
            if two_sided:
                row.section = sections[p]  # type: ignore[assignment]
            # A total label spanning two panels ("当年支出小计" over 功能分类 and 支出用途) with its
            # amount printed under the last one: one row, labelled.
            if (
                previous is not None
                and not row.printed_label
                and not row.code
                and previous.section == row.section
                and all(c.value is None for c in previous.cells)
            ):
                rows.remove(previous)
                row.label, row.printed_label, row.is_total = previous.label, previous.printed_label, previous.is_total
                row.index = previous.index
            rows.append(row)
            previous = row
    return GridResult(columns=columns, rows=rows, findings=findings, status=status)


def _realign(cells: list[str | None], width: int, money: list[int], labels: list[int]) -> list[str | None]:
    """A row of a continuation grid with fewer columns (a 合计 row whose label cell spans the code
    columns, alone on a new page): its trailing amounts go to the money columns in order and its
    text to the first label column, instead of shifting every value one column left."""
    if len(cells) >= width or not money or not labels:
        return cells
    filled = [c for c in cells if c is not None]
    tail = len(money)
    if len(filled) < tail or not all(is_number(c) or c == "" for c in filled[-tail:]):
        return cells
    out: list[str | None] = [None] * width
    text = [c for c in filled[:-tail] if c]
    if text:
        out[labels[0]] = " ".join(text)
    for i, c in zip(money, filled[-tail:], strict=True):
        out[i] = c
    return out


def _row_label(label_roles: list[ColumnRole], labels: list[str]) -> tuple[str, str | None]:
    """The row's printed name and project. Label columns under one shared header (项目名称 over
    group | item) are one hierarchical row header: the innermost filled text names the row. A
    second label column of its own headed 项目… holds the project. Otherwise the leftmost filled
    label cell names the row (政府采购 tables: 品目大类 | 专项名称 | 经济科目 | 物品名称)."""
    filled = [t for t in labels if t]
    if not filled:
        return "", None
    if len(label_roles) > 1 and all(r.path == label_roles[0].path for r in label_roles):
        return filled[-1], None
    if len(labels) == 2 and re.search(r"项目", "".join(label_roles[1].path[-1:])):
        return labels[0], labels[1] or None
    return filled[0], None


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
    label_roles = [r for r in panel if r.role == "label"]
    labels = [cell(r.index) for r in label_roles]
    code = join_code([c for c in code_parts if re.fullmatch(r"\d+", c.replace(" ", ""))])
    printed, project = _row_label(label_roles, labels)
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
