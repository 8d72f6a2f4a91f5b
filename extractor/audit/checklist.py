"""The 检查表 in the officials' shape: one row per item (检查内容 → 符合要求 是/否 → 问题说明), as CSV
and as an .xlsx a finance bureau can open. Sub-items roll up into their 检查表 row (上海: “三公”经费,
机关运行经费, 政府采购, 绩效目标 and 国有资产 into 其他相关说明)."""

from __future__ import annotations

from pathlib import Path

from schemas import BudgetDocument

CHECKLIST_COLUMNS = ["doc_id", "category", "item", "label", "compliant", "status", "note"]
_VERDICT = {"present": "是", "empty-explained": "是", "missing": "否", "defective": "否", "not-judged": "无法判断"}


def checklist_rows(doc: BudgetDocument) -> list[dict[str, object]]:
    """The 检查表 rows of one document: compliant 是/否/无法判断 and the numbered problems."""
    from extractor.audit.items import SECTION_ITEMS

    audit = doc.audit
    if audit is None:
        return []
    children: dict[str, list] = {}
    for i in audit.items:
        if i.parent:
            children.setdefault(i.parent, []).append(i)
    rows = []
    for i in audit.items:
        if i.parent:
            continue
        group = [i, *children.get(i.item, [])]
        item_ids = {g.item for g in group}
        notes = [f"{g.label}：{g.message}" for g in group if g.status == "missing"]
        for c in audit.checks:
            if c.item in item_ids:
                where = c.evidence[0] if c.evidence else None
                at = f"（第{where.page}页）" if where and where.page else (f"（第{where.line}行）" if where and where.line else "")
                notes.append(f"{c.message}{at}")
        statuses = {g.status for g in group}
        if statuses & {"missing", "defective"}:
            verdict, status = "否", "missing" if "missing" in statuses else "defective"
        else:
            verdict, status = _VERDICT[i.status], i.status
        rows.append(
            {
                "doc_id": doc.meta.doc_id,
                "category": SECTION_ITEMS[i.item].category if i.item in SECTION_ITEMS else "内容规范性",
                "item": i.item,
                "label": i.label,
                "compliant": verdict,
                "status": status,
                "note": "\n".join(f"{n + 1}.{t}" for n, t in enumerate(notes)) if verdict == "否" else i.message,
            }
        )
    return rows


def _title(doc: BudgetDocument) -> str:
    kind = "部门决算" if doc.meta.doc_kind == "final_accounts" else "部门预算"
    return f"{doc.meta.year or ''}年度{kind}公开情况检查表"


def write_checklist_xlsx(path: Path, doc: BudgetDocument) -> None:
    """The 检查表 as an .xlsx: title, 部门名称, then 检查内容 | 符合要求 | 问题说明, as the officials lay it out.

    Written with XlsxWriter, which only writes: every corpus worker writes its documents' 检查表,
    and openpyxl (a reader and writer, which imports numpy) cost each worker 18 MB and 0.4 s."""
    import xlsxwriter

    from extractor.export import atomic_path

    with atomic_path(path) as tmp:
        # Texts stay texts: a note beginning with "=" is not a formula, an address not a link.
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        ws = wb.add_worksheet(str(doc.meta.year or "检查表"))
        bold, wrap = wb.add_format({"bold": True}), wb.add_format({"text_wrap": True, "valign": "top"})
        ws.merge_range("A1:D1", _title(doc), wb.add_format({"bold": True, "font_size": 14}))
        ws.write_string("A2", f"部门名称: {doc.meta.department or ''}")
        ws.write_string("A3", f"文件: {Path(doc.meta.source_file).name}")
        ws.write_row("A4", ["类别", "检查内容", "符合要求", "问题说明"], bold)
        for i, row in enumerate(checklist_rows(doc), start=4):
            ws.write_row(i, 0, [row["category"], row["label"], row["compliant"], row["note"]], wrap)
        for col, width in enumerate((12, 46, 10, 90)):
            ws.set_column(col, col, width)
        wb.close()


def write_checklists(out_dir: Path, docs: list[BudgetDocument]) -> int:
    """``checklists/<doc_id>.csv`` and ``.xlsx`` per document; returns the number written."""
    from extractor.export import write_csv

    n = 0
    for doc in docs:
        if doc.audit is None:
            continue
        base = out_dir / "checklists" / doc.meta.doc_id
        base.parent.mkdir(parents=True, exist_ok=True)
        write_csv(base.with_suffix(".csv"), CHECKLIST_COLUMNS, checklist_rows(doc))
        write_checklist_xlsx(base.with_suffix(".xlsx"), doc)
        n += 1
    return n
