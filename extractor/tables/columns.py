"""Header rows → column roles (code / label / money) and canonical money-column ids."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractor.labels import squash
from schemas import COLUMNS

_CODE_LEAF = re.compile(r"^(类|款|项)$|编码$|代码$")
_LABEL_LEAF = re.compile(
    r"名称$|^项目$|^功能分类$|^科目$|内容$|^经济分类$|^支出功能分类$|形式$|方式$|大类$|^经济科目$|^功能科目$"
)
_COMPILED = [(c.id, [re.compile(p) for p in c.patterns]) for c in COLUMNS]
_HALF_TO_FULL = str.maketrans({"(": "（", ")": "）", ":": "：", '"': "“"})


def header_key(text: str) -> str:
    """Whitespace removed, brackets made full-width."""
    return squash(text).translate(_HALF_TO_FULL)


def resolve_column_id(path: list[str]) -> str | None:
    """The canonical id for a printed header path, or None if no rule matches."""
    keys = [header_key(p) for p in path if p and header_key(p)]
    if not keys:
        return None
    leaf = keys[-1]
    # 决算 tables print 预算数 / 决算数 under each item: suffix the item's id.
    if leaf in ("预算数", "决算数") and len(keys) >= 2:
        parent = resolve_column_id(keys[:-1])
        if parent and parent != "amount":
            return f"{parent}_{'budget' if leaf == '预算数' else 'final'}"
    joined = ">".join(keys)
    for cid, patterns in _COMPILED:
        if any(p.search(joined) for p in patterns):
            return cid
    return None


@dataclass
class ColumnRole:
    """What one grid column holds."""

    index: int
    role: str  # "code", "label", "money", "ignore"
    path: list[str] = field(default_factory=list)
    column_id: str | None = None


def header_paths(header_rows: list[list[str | None]], width: int) -> list[list[str]]:
    """Per column, its header path: spanning parents down to the leaf.

    Above a column's first printed header cell, an empty (merged) cell belongs to the spanning
    parent on its left; below it, an empty cell is the same header continued downwards. The
    column-number row ("※ 1 2 3") is not a header.
    """
    rows = [
        [((row[i] if i < len(row) else None) or "").strip() for i in range(width)]
        for row in header_rows
        if not _is_colnum(row)
    ]
    paths: list[list[str]] = []
    for col in range(width):
        printed = [r for r in range(len(rows)) if rows[r][col]]
        if not printed:
            # Nothing printed anywhere in the column: the cell is merged with its left neighbour.
            paths.append(list(paths[-1]) if paths else [])
            continue
        path: list[str] = []
        for r in range(printed[0]):
            text = _left_fill(rows[r], col)
            if text and (not path or path[-1] != text):
                path.append(text)
        for r in printed:
            if not path or path[-1] != rows[r][col]:
                path.append(rows[r][col])
        paths.append(path)
    return paths


def _is_colnum(row: list[str | None]) -> bool:
    filled = [c.strip() for c in row if c and c.strip()]
    return len(filled) >= 2 and "※" in filled and all(c == "※" or re.fullmatch(r"\d{1,2}", c) for c in filled)


def _left_fill(row: list[str], col: int) -> str:
    for i in range(col - 1, -1, -1):
        if row[i]:
            return row[i]
    return ""


def column_roles(paths: list[list[str]]) -> list[ColumnRole]:
    """Classify columns by their header leaf; money columns get a canonical id."""
    roles: list[ColumnRole] = []
    for i, path in enumerate(paths):
        leaf = header_key(path[-1]) if path else ""
        if not leaf or leaf == "※":
            roles.append(ColumnRole(i, "ignore", path))
        elif _CODE_LEAF.search(leaf):
            roles.append(ColumnRole(i, "code", path))
        elif (
            _LABEL_LEAF.search(leaf)
            and resolve_column_id(path) in (None, "amount", "total")
            and not re.search(r"(合计|总计|小计|预算数|决算数)$", leaf)
        ):
            roles.append(ColumnRole(i, "label", path))
        else:
            roles.append(ColumnRole(i, "money", path, resolve_column_id(path)))
    return roles
