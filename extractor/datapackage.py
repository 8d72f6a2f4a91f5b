"""A Frictionless data package for every output directory, with the Open Fiscal Data Package model.

``datapackage.json`` lists each tidy CSV as a resource with its schema (types, the empty string as
the missing value, ``doc_id`` keys). The facts that are flows of money are also written as
``fiscal_facts``, one row per fact with its phase (预算 → ``approved``, 决算 → ``executed``),
direction (``revenue`` / ``expenditure``) and classifications (administrative: the department;
functional 类/款/项 and economic 类/款: codes and names), and the amount in one measure column per
phase, direction and printed unit, so each OFDP measure has one currency (CNY), factor (1 for 元,
1000 for 千元, 10000 for 万元, 10⁸ for 亿元), phase and direction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from extractor.export import atomic_write_text
from schemas import BudgetDocument, TableKind

UNITS = {"元": ("yuan", 1), "千元": ("qianyuan", 1000), "万元": ("wanyuan", 10000), "亿元": ("yiyuan", 100_000_000)}
PHASES = {"budget": "approved", "final_accounts": "executed"}
DIRECTIONS = ("revenue", "expenditure")
MEASURES = [f"{p}_{d}_{u}" for p in PHASES.values() for d in DIRECTIONS for u, _ in UNITS.values()]
REVENUE_KINDS = {TableKind.revenue_summary}
EXPENDITURE_KINDS = {
    TableKind.expenditure_summary,
    TableKind.general_public_expenditure,
    TableKind.basic_expenditure,
    TableKind.project_expenditure,
    TableKind.government_fund_expenditure,
    TableKind.state_capital_expenditure,
    TableKind.three_public,
    TableKind.entrusted_business,
    TableKind.fiscal_expenditure,
    TableKind.fiscal_basic_expenditure,
    TableKind.admin_operation,
    TableKind.government_procurement,
}
"""Tables whose amounts are spending; 收支总表 halves say it by their section. Carry-over, assets,
performance and unknown tables are not flows of one direction: their facts stay in facts.csv only."""

FISCAL_COLUMNS = [
    "doc_id", "department", "year", "phase", "direction", "table_no", "table_kind", "row_name", "is_total",
    "column_id", "unit",
    "functional_class_code", "functional_class", "functional_item_code", "functional_item",
    "functional_subitem_code", "functional_subitem",
    "economic_class_code", "economic_class", "economic_item_code", "economic_item",
    *MEASURES, "page", "line",
]  # fmt: skip

INTEGER = {
    "year", "page", "line", "page_count", "tables", "facts", "changes", "projects", "indicators", "findings",
    "amounts_printed", "amounts_captured", "identity_checks", "identity_holds", "llm_calls", "llm_cache_hits",
    "llm_tokens", "change_no", "reason_no", "project_no", "reasons", "policy_documents",
}  # fmt: skip
NUMBER = {
    "value", "value_wan", "expected", "actual", "amount", "amount_wan", "share_percent", "delta", "delta_wan",
    "growth_percent", "budget_amount", "budget_amount_wan", "number", "weight", "coverage", *MEASURES,
}  # fmt: skip
DATE = {"start_date", "end_date"}
BOOLEAN = {"is_total"}
ENUMS = {"unit": list(UNITS), "severity": ["rounding", "material", "warning", "error"],
         "phase": list(PHASES.values()), "direction": list(DIRECTIONS)}
DESCRIPTIONS = {
    "value": "amount as printed, in `unit`",
    "value_wan": "the amount in 万元",
    "unit": "the printed unit",
    "page": "PDF page (1-based); empty for a text rendering",
    "line": "line on the PDF page, or line of the text rendering (1-based)",
    "doc_id": "document id (a file's path under the input, suffix kept)",
    **{m: f"amount in {m.rsplit('_', 1)[1]} ({m.split('_')[0]}, {m.split('_')[1]}); empty for other facts" for m in MEASURES},
}
TITLES = {
    "documents": "Documents: metadata, counts and label-free coverage",
    "facts": "Facts: one row per non-empty numeric table cell",
    "findings": "Findings of the checks",
    "changes": "Change statements against last year",
    "reasons": "Atomic reasons of the change statements",
    "projects": "Projects and their policy basis",
    "policy_documents": "Policy documents cited by the projects",
    "indicators": "Performance indicators (绩效目标表 rows)",
    "audit": "Disclosure audit: items and checks",
    "checklist": "公开情况检查表 rows per document",
    "fiscal_facts": "Facts that are flows of money, in the Open Fiscal Data Package shape",
}


def fiscal_fact_rows(doc: BudgetDocument) -> Iterable[dict[str, object]]:
    """One row per fact with a phase and direction (see module doc)."""
    phase = PHASES.get(doc.meta.doc_kind or "")
    if phase is None:
        return
    names: dict[tuple[str | None, str], str] = {}
    for t in doc.tables:
        for r in t.rows:
            if r.code:
                names.setdefault((r.code_scheme, r.code), r.label)
    for table in doc.tables:
        for row in table.rows:
            direction = (
                "revenue" if row.section == "income" else "expenditure" if row.section == "expenditure"
                else "revenue" if table.kind in REVENUE_KINDS else "expenditure" if table.kind in EXPENDITURE_KINDS
                else None
            )  # fmt: skip
            if direction is None:
                continue
            cls = _classes(row.code, row.code_scheme, names)
            for cell in row.cells:
                if cell.value is None or cell.unit not in UNITS:
                    continue
                measure = f"{phase}_{direction}_{UNITS[cell.unit][0]}"
                yield {
                    "doc_id": doc.meta.doc_id,
                    "department": doc.meta.department,
                    "year": doc.meta.year,
                    "phase": phase,
                    "direction": direction,
                    "table_no": table.table_no,
                    "table_kind": table.kind.value,
                    "row_name": row.label,
                    "is_total": row.is_total,
                    "column_id": cell.column_id,
                    "unit": cell.unit,
                    **cls,
                    **{m: (str(cell.value) if m == measure else None) for m in MEASURES},
                    "page": cell.provenance.page,
                    "line": cell.provenance.line,
                }


def _classes(code: str | None, scheme: str | None, names: dict) -> dict[str, str | None]:
    out: dict[str, str | None] = {c: None for c in FISCAL_COLUMNS if c.startswith(("functional_", "economic_"))}
    if not code:
        return out
    if scheme == "economic":
        parts = [("economic_class", code[:3]), ("economic_item", code[:5] if len(code) >= 5 else None)]
    else:
        parts = [("functional_class", code[:3]), ("functional_item", code[:5] if len(code) >= 5 else None),
                 ("functional_subitem", code[:7] if len(code) >= 7 else None)]
    for key, part in parts:
        if part:
            out[f"{key}_code"] = part
            out[key] = names.get((scheme, part))
    return out


TEXT_IN = {("findings", "tables"), ("findings", "rows"), ("changes", "table_rows"), ("indicators", "unit")}
"""Columns that hold text where a column of the same name elsewhere is a count or a money unit."""


def field(name: str, resource: str = "") -> dict[str, Any]:
    """The Table Schema field of a tidy column of ``resource``."""
    if (resource, name) in TEXT_IN:
        return {"name": name, "type": "string"}
    kind = ("integer" if name in INTEGER else "number" if name in NUMBER else "date" if name in DATE
            else "boolean" if name in BOOLEAN else "string")  # fmt: skip
    out: dict[str, Any] = {"name": name, "type": kind}
    if name in DESCRIPTIONS:
        out["description"] = DESCRIPTIONS[name]
    if name in ENUMS:
        out["constraints"] = {"enum": ENUMS[name]}
    return out


def _resource(name: str, path: str, columns: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"fields": [field(c, name) for c in columns], "missingValues": [""]}
    if name == "documents":
        schema["primaryKey"] = ["doc_id"]
    elif "doc_id" in columns:
        schema["foreignKeys"] = [{"fields": ["doc_id"], "reference": {"resource": "documents", "fields": ["doc_id"]}}]
    return {
        "name": name,
        "path": path,
        "title": TITLES.get(name, name),
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    }


def fiscal_model() -> dict[str, Any]:
    """The OFDP ``model`` of ``fiscal_facts``: measures and dimensions."""
    measures = {}
    for m in MEASURES:
        phase, direction, unit = m.split("_")
        factor = next(f for u, f in UNITS.values() if u == unit)
        measures[m] = {"source": m, "resource": "fiscal_facts", "currency": "CNY", "factor": factor,
                       "phase": phase, "direction": direction}
    def attrs(*pairs: tuple[str, str, str | None]) -> dict[str, Any]:
        return {a: {"source": s, **({"parent": p} if p else {})} for a, s, p in pairs}

    return {
        "measures": measures,
        "dimensions": {
            "administrative-classification": {
                "dimensionType": "classification", "classificationType": "administrative",
                "attributes": {"department": {"source": "department"}}, "primaryKey": ["department"],
            },
            "functional-classification": {
                "dimensionType": "classification", "classificationType": "functional",
                "attributes": {
                    **attrs(("class-code", "functional_class_code", None), ("item-code", "functional_item_code", "class-code"),
                            ("subitem-code", "functional_subitem_code", "item-code")),
                    "class": {"source": "functional_class", "labelfor": "class-code"},
                    "item": {"source": "functional_item", "labelfor": "item-code"},
                    "subitem": {"source": "functional_subitem", "labelfor": "subitem-code"},
                },
                "primaryKey": ["class-code", "item-code", "subitem-code"],
            },
            "economic-classification": {
                "dimensionType": "classification", "classificationType": "economic",
                "attributes": {
                    **attrs(("class-code", "economic_class_code", None), ("item-code", "economic_item_code", "class-code")),
                    "class": {"source": "economic_class", "labelfor": "class-code"},
                    "item": {"source": "economic_item", "labelfor": "item-code"},
                },
                "primaryKey": ["class-code", "item-code"],
            },
            "date": {"dimensionType": "datetime", "attributes": {"year": {"source": "year"}}, "primaryKey": ["year"]},
            "document": {"dimensionType": "other", "attributes": {"doc_id": {"source": "doc_id"}}, "primaryKey": ["doc_id"]},
            "table": {
                "dimensionType": "other",
                "attributes": {"table-kind": {"source": "table_kind"}, "column": {"source": "column_id"},
                               "row": {"source": "row_name"}, "total": {"source": "is_total"}},
                "primaryKey": ["table-kind", "row", "column"],
            },
        },
    }


def write_datapackage(out_dir: Path, tables_dir: str, tables: dict[str, list[str]], title: str) -> Path:
    """``out_dir/datapackage.json`` for the CSVs ``tables_dir/<name>.csv`` (``tables``: name → columns)."""
    prefix = f"{tables_dir}/" if tables_dir else ""
    package = {
        "name": "budget-extract-" + "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in out_dir.name.lower()).strip("-"),
        "title": title,
        "description": "Tidy tables extracted by budget-extract from Chinese department budget disclosures "
        "(部门预算/决算公开); fiscal_facts follows the Open Fiscal Data Package model below.",
        "profile": "tabular-data-package",
        "resources": [_resource(n, f"{prefix}{n}.csv", cols) for n, cols in tables.items()],
        "model": fiscal_model(),
        "countryCode": "CN",
    }
    path = out_dir / "datapackage.json"
    atomic_write_text(path, json.dumps(package, ensure_ascii=False, indent=1))
    return path
