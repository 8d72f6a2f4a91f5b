"""The audit stage: after validation, each document's required items and the checks on them."""

from __future__ import annotations

import re

from extractor.audit.amounts import check_basic_expenditure, check_comparison_wording, check_summary_basic
from extractor.audit.context import AuditContext, Pos, evidence, find_toc, pos
from extractor.audit.items import (
    NARRATIVE_ITEMS,
    SECTION_ITEMS,
    item_label,
    requirement_for,
    table_labels,
)
from extractor.audit.names import check_class_names, check_department_names, check_self_name
from extractor.audit.pages import check_blank_pages, check_repeated_pages, check_zero_tables
from extractor.audit.text_checks import check_leftovers, check_placeholders, check_punctuation
from extractor.audit.toc import check_toc
from extractor.audit.years import check_as_of_dates, check_comparison_years, check_heading_years
from extractor.tables.checks import table_ref
from extractor.tables.kinds import title_kind
from schemas import (
    Audit,
    AuditCheck,
    AuditEvidence,
    AuditItem,
    BudgetDocument,
    Finding,
    SourceDocument,
    SourceLine,
)

TAKEN_FINDINGS = {
    # validation findings that are defects of the document (not of the extraction), by severity
    "material": {
        "hierarchy_sum", "total_sum", "row_identity", "three_public_sum", "budget_balance", "cross_table",
        "growth_mismatch", "amount_mismatch", "narrative_vs_table", "sum_mismatch", "completion_mismatch",
        "direction_mismatch",
    },
    "warning": {"wrong_year", "empty_table_unexplained", "empty_table_has_values"},
}
"""Rounding slips (|diff| ≤ 0.01 per term) and extraction diagnostics (unit_assumed, layout and
LLM notes) are not taken over: they say nothing a bureau must correct."""

NOT_JUDGED_NOTE = (
    "not judged from the text: timeliness of publication, and anything only the rendered page shows "
    "(text that does not display, screenshots, layout)"
)


def _anchor(ctx: AuditContext, item: str) -> tuple[int, SourceLine] | None:
    """The body heading that starts a section item (outside the 目录, not a table title)."""
    d = SECTION_ITEMS[item]
    if item == "toc":
        return (ctx.toc_start, ctx.lines[ctx.toc_start]) if ctx.toc_start is not None else None
    if item == "cover":
        first = [(i, ln) for i, ln in enumerate(ctx.lines[:8]) if ln.provenance.page in (None, 1)]
        for i, ln in first:
            if re.search(r"20\d\d|预算|决算", ln.text):
                return (i, ln)
        return None
    if d.heading is None:
        return None
    for i, line, text in ctx.body_headings:
        if d.heading.search(text) and title_kind(text) is None:
            return (i, line)
    return None


_EMPTY_SAID = re.compile(r"空表|本表无|无.{0,30}(?:预算|支出|收入|经费|安排)")


def _empty_statement(ctx: AuditContext, table) -> SourceLine | None:
    """The sentence on a table's pages that says why it is empty ("…故本表为空表。")."""
    if table.empty_statement and _EMPTY_SAID.search(table.empty_statement):
        return next((ln for ln in ctx.lines if ln.text.strip() == table.empty_statement.strip()), None)
    pages = set(table.pages)
    start = pos(table.provenance)
    for ln in ctx.lines:
        p = pos(ln.provenance)
        if p < start or (pages and ln.provenance.page not in pages):
            continue
        if not pages and p[1] > start[1] + 40:
            break
        if _EMPTY_SAID.search(ln.text) and len(ln.text.strip()) > 4:
            return ln
    return None


def _taken(doc: BudgetDocument, source: SourceDocument) -> list[tuple[Finding, AuditCheck]]:
    """The validation findings that are defects of the document, with the printed line as evidence."""
    printed = {pos(ln.provenance): ln.text.strip() for ln in source.lines}
    out = []
    for f in doc.findings:
        if f.check not in TAKEN_FINDINGS.get(f.severity, set()):
            continue
        p = f.provenance
        ev = [AuditEvidence(page=p.page, line=p.line, text=printed.get(pos(p), f.message)[:200])] if p else []
        out.append(
            (f, AuditCheck(name=f.check, severity=f.severity, message=f.message, evidence=ev, source="finding"))  # type: ignore[arg-type]
        )
    return out


def audit_document(doc: BudgetDocument, source: SourceDocument) -> Audit:
    """The audit of one extracted document. The wording checks read every line that is not a grid
    row — a table's notes and a narrative line a table region took in are printed text too."""
    ctx = AuditContext(doc=doc, source=source, prose=[ln for ln in source.lines if ln.cells is None])
    find_toc(ctx)
    req = requirement_for(doc.meta.template_family, doc.meta.doc_kind)
    labels = table_labels(doc.meta.template_family, doc.meta.doc_kind)

    anchors: dict[str, Pos] = {}
    found: dict[str, SourceLine] = {}
    for item in SECTION_ITEMS:
        a = _anchor(ctx, item)
        if a is not None:
            anchors[item] = pos(a[1].provenance)
            found[item] = a[1]
    tables_by_kind: dict[str, list] = {}
    for t in doc.tables:
        tables_by_kind.setdefault(t.kind.value, []).append(t)
        anchors.setdefault(t.kind.value, pos(t.provenance))

    taken = _taken(doc, source)
    year_findings = [pos(f.provenance) for f, _ in taken if f.check == "wrong_year" and f.provenance and "执行时间" not in f.message]
    checks: list[AuditCheck] = [c for _, c in taken]
    checks += check_toc(ctx, anchors)
    checks += check_heading_years(ctx) + check_as_of_dates(ctx) + check_comparison_years(ctx, year_findings)
    checks += check_placeholders(ctx) + check_department_names(ctx) + check_self_name(ctx)
    checks += check_comparison_wording(ctx) + check_basic_expenditure(ctx) + check_summary_basic(ctx)
    checks += check_leftovers(ctx) + check_punctuation(ctx) + check_class_names(ctx)
    checks += check_blank_pages(source) + check_repeated_pages(source) + check_zero_tables(doc)

    # Each check belongs to the item its evidence lies in: the last item starting at or before it.
    order = sorted((p, item) for item, p in anchors.items())
    table_refs = {table_ref(t): t.kind.value for t in doc.tables}
    for (f, c) in taken:
        if not c.evidence and f.tables:
            c.item = table_refs.get(f.tables[0])
    for c in checks:
        if c.item is not None:
            continue
        if c.evidence:
            e = c.evidence[0]
            p = (e.page or 0, e.line or 0)
            before = [item for q, item in order if q <= p]
            c.item = before[-1] if before else ("cover" if "cover" in anchors else None)

    narrative_volume = bool(doc.meta.tables_published_separately)
    table_volume = bool(doc.tables) and not any(i in found for i in ("functions", "explanation", "glossary"))
    items: list[AuditItem] = []

    def add(item: str, label: str, required: bool, parent: str | None = None) -> None:
        mine = [c for c in checks if c.item == item]
        ev: list[AuditEvidence] = []
        if item == "timeliness":
            status, message = "not-judged", "the publication date and its deadline are not in the text"
        elif item in NARRATIVE_ITEMS and table_volume and item not in found:
            status, message = "not-judged", "a table volume: the narrative parts are published in another volume"
        elif item in SECTION_ITEMS:
            if item not in found:
                if not required:
                    return
                status, message = "missing", f"no “{label}” part found (no heading naming it)"
            else:
                ev = [evidence(found[item])]
                status = "defective" if mine else "present"
                message = "; ".join(c.message for c in mine)
        else:
            ts = tables_by_kind.get(item, [])
            if not ts:
                if narrative_volume:
                    status = "not-judged"
                    message = f"tables published separately: “{doc.meta.tables_published_separately}”"
                elif not required:
                    return
                else:
                    status, message = "missing", f"the table {label} is not in the document"
            else:
                t = ts[0]
                ev = [AuditEvidence(page=t.provenance.page, line=t.provenance.line, text=t.title)]
                if mine:
                    status, message = "defective", "; ".join(c.message for c in mine)
                elif all(x.empty for x in ts):
                    status = "empty-explained"
                    said = _empty_statement(ctx, t)
                    message = f"printed empty: “{said.text.strip()}”" if said else "printed empty"
                    if said:
                        ev.append(evidence(said))
                else:
                    status, message = "present", ""
        items.append(
            AuditItem(
                item=item, label=label, required=required, status=status,  # type: ignore[arg-type]
                evidence=ev, message=message, checks=sorted({c.name for c in mine}), parent=parent,
            )
        )

    for item in req.sections:
        add(item, item_label(req.template, item), True, req.parents.get(item))
        if item == "explanation":
            for kind, label in labels.items():
                add(kind.value, label, True)
    for item in req.optional:
        add(item, item_label(req.template, item), False, req.parents.get(item))
    for item in found:
        if item not in {i.item for i in items}:
            add(item, item_label(req.template, item), False)
    listed = {k.value for k in labels}
    for kind, ts in tables_by_kind.items():
        if kind in listed or kind in {i.item for i in items}:
            continue
        add(kind, f"《{ts[0].title}》", False)
    unassigned = [c for c in checks if c.item is None]
    for c in unassigned:
        c.item = "document"
    notes = [NOT_JUDGED_NOTE]
    if narrative_volume:
        notes.append("narrative volume: its tables are published separately and were not audited here")
    if table_volume:
        notes.append("table volume: its narrative parts are published separately and were not audited here")
    return Audit(template=req.template, items=items, checks=checks, notes=notes)
