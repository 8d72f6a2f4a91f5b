"""The marks of a review page: every value, narrative span, finding and audit check, with its place.

A mark is a plain dict (it goes into the page as JSON): ``id``, ``c`` (its class: ``fact``,
``finding``, ``llm``, ``miss`` for values; ``table``, ``change``, ``reason``, ``project``,
``policy``, ``findbox``, ``auditbox`` for the rest), ``l`` (LLM-derived), the place — ``p``
(PDF page) and ``b`` (x0, top, x1, bottom in points), or ``s``/``e`` (char range of a text
rendering) and ``ln`` (line) — ``x`` (False where only the row's box or line is known), ``t`` (a
short label) and ``d`` (the details a click shows).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from extractor.review.boxes import PageBoxes, TextSpans
from extractor.tables.checks import row_ref, table_ref
from schemas import BudgetDocument, Finding, Provenance, Row, SourceDocument, Table

Mark = dict[str, Any]


def _s(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


class Marks:
    """Collects the marks of one document; ``place`` turns a provenance into a mark's place."""

    def __init__(
        self,
        doc: BudgetDocument,
        source: SourceDocument | None,
        pages: dict[int, PageBoxes] | None,
        text: TextSpans | None,
    ) -> None:
        self.doc, self.pages, self.text = doc, pages or {}, text
        self.items: list[Mark] = []
        self.lines: dict[tuple[int | None, int | None], Provenance] = {}
        for ln in source.lines if source else []:
            self.lines.setdefault((ln.provenance.page, ln.provenance.line), ln.provenance)

    def add(self, c: str, prov: Provenance | None, t: str, d: dict[str, Any], **extra: Any) -> Mark | None:
        """A mark at ``prov`` (None when it has no place on the page)."""
        place = self.place(prov)
        if place is None:
            return None
        mark = {"id": len(self.items), "c": c, "t": t, "d": {k: v for k, v in d.items() if v not in (None, "")}}
        mark.update(place)
        mark.update(extra)
        self.items.append(mark)
        return mark

    def place(self, prov: Provenance | None) -> dict[str, Any] | None:
        if prov is None:
            return None
        if self.doc.meta.source_format == "pdf":
            if prov.page is None:
                return None
            bbox = prov.bbox or (self.lines.get((prov.page, prov.line)) or prov).bbox
            if bbox is None:
                return None
            return {"p": prov.page, "b": [round(v, 2) for v in bbox], "x": False}
        start, end = prov.char_start, prov.char_end
        if start is None:
            line = self.lines.get((prov.page, prov.line))
            if line is None or line.char_start is None:
                return None
            start, end = line.char_start, line.char_end
        if end is None and self.text is not None:
            end = self.text.line_end(start)
        return {"s": start, "e": end, "ln": prov.line, "x": False}


def cell_in_finding(findings: list[Finding], table: Table, row: Row) -> dict[str, list[int]]:
    """Column id → indexes of the findings naming this table and row ("*": any column)."""
    ref_t, ref_r = table_ref(table), row_ref(row)
    out: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(findings):
        if ref_t in f.tables and ref_r in f.rows:
            out[f.column or "*"].append(i)
    return out


def build_marks(
    doc: BudgetDocument,
    source: SourceDocument | None,
    pages: dict[int, PageBoxes] | None = None,
    text: TextSpans | None = None,
) -> tuple[list[Mark], dict[str, Any]]:
    """Every mark of ``doc`` and the navigation (tables, findings, audit, narrative) pointing at them."""
    m = Marks(doc, source, pages, text)
    nav: dict[str, Any] = {"tables": [], "findings": [], "audit_checks": [], "audit_items": [], "changes": [], "projects": []}
    # Tables: their title, then every cell in the row's place, narrowed to the value's own box.
    for ti, table in enumerate(doc.tables):
        ref = table_ref(table)
        title = m.add("table", table.provenance, ref, {"table": ref, "kind": table.kind.value, "unit": table.unit,
                                                        "pages": ", ".join(map(str, table.pages)),
                                                        "parse_status": table.parse_status,
                                                        "empty": table.empty_statement})
        nav["tables"].append({"t": ref, "m": title["id"] if title else None, "kind": table.kind.value,
                              "rows": len(table.rows), "indicators": len(table.indicators)})
        rows = sorted(table.rows, key=lambda r: (r.section == "expenditure", r.index))
        for row in rows:
            in_finding = cell_in_finding(doc.findings, table, row)
            cells = [c for c in row.cells if c.value is not None]
            spots = _value_places(m, row.provenance, [c.raw for c in cells])
            for cell, spot in zip(cells, spots, strict=True):
                hits = in_finding.get(cell.column_id, []) + in_finding.get("*", [])
                mark = m.add(
                    "finding" if hits else "fact",
                    cell.provenance,
                    f"{cell.value} {cell.unit}",
                    {
                        "table": ref,
                        "row": row.printed_label or row.label,
                        "code": row.code,
                        "section": row.section,
                        "project": row.project,
                        "column": cell.header,
                        "column_id": cell.column_id,
                        "canonical_id": f"{table.kind.value}/{row.code or row.label}/{cell.column_id}",
                        "value": _s(cell.value),
                        "unit": cell.unit,
                        "value_wan": _s(cell.value_wan),
                        "printed": cell.raw,
                        "findings": ", ".join(doc.findings[i].check for i in hits),
                    },
                    ti=ti,
                    ri=row.index,
                    col=cell.column_id,
                )
                if mark is not None and spot is not None:
                    mark.update(spot)
        for ind in table.indicators:
            m.add(
                "llm" if ind.origin == "llm" else "fact",
                ind.provenance,
                ind.level3,
                {"table": ref, "level1": ind.level1, "level2": ind.level2, "indicator": ind.level3,
                 "value": ind.value_raw, "operator": ind.operator, "number": _s(ind.number), "unit": ind.unit,
                 "weight": _s(ind.weight), "origin": ind.origin},
                l=ind.origin == "llm",
            )
    # Printed numbers no fact holds (coverage misses).
    for miss in doc.meta.coverage.misses:
        prov = Provenance(file=doc.meta.source_file, page=miss.page, line=miss.line, bbox=miss.bbox)
        mark = m.add("miss", prov, f"not captured: {miss.text}", {"printed": miss.text, "page": miss.page, "line": miss.line})
        if mark is not None:
            spot = _value_places(m, prov, [miss.text])[0]
            if spot is not None:
                mark.update(spot)
    _narrative(m, doc, nav)
    # Findings and audit checks: a box at their place, linked from the navigation.
    table_marks = {t["t"]: t["m"] for t in nav["tables"]}
    for i, f in enumerate(doc.findings):
        mark = m.add("findbox", f.provenance, f.check, {"check": f.check, "severity": f.severity, "message": f.message,
                                                        "tables": "; ".join(f.tables), "rows": "; ".join(f.rows),
                                                        "column": f.column, "expected": _s(f.expected),
                                                        "actual": _s(f.actual)}, sev=f.severity)
        target = mark["id"] if mark else next((table_marks.get(t) for t in f.tables if table_marks.get(t) is not None), None)
        nav["findings"].append({"i": i, "check": f.check, "severity": f.severity, "message": f.message, "m": target})
    if doc.audit:
        for c in doc.audit.checks:
            target = None
            for ev in c.evidence:
                mark = m.add("auditbox", Provenance(file=doc.meta.source_file, page=ev.page, line=ev.line), c.name,
                             {"check": c.name, "severity": c.severity, "item": c.item, "message": c.message, "evidence": ev.text})
                target = target if target is not None else (mark["id"] if mark else None)
            nav["audit_checks"].append({"check": c.name, "severity": c.severity, "item": c.item, "message": c.message, "m": target})
        for it in doc.audit.items:
            ev = it.evidence[0] if it.evidence else None
            target = None
            if ev is not None:
                prov = Provenance(file=doc.meta.source_file, page=ev.page, line=ev.line)
                place = m.place(prov)
                # An item's place is a line already shown; point at it without a box of its own.
                if place is not None:
                    mark = m.add("item", prov, it.label, {"item": it.label, "status": it.status, "message": it.message})
                    target = mark["id"] if mark else None
            nav["audit_items"].append({"item": it.label, "status": it.status, "message": it.message, "m": target,
                                       "checks": ", ".join(it.checks)})
    return m.items, nav


def _value_places(m: Marks, prov: Provenance, texts: list[str]) -> list[dict[str, Any] | None]:
    """The exact place of each printed text within ``prov``'s row box or line, where found."""
    if m.doc.meta.source_format == "pdf":
        boxes = m.pages.get(prov.page or 0)
        if boxes is None or prov.bbox is None:
            return [None] * len(texts)
        return [
            {"b": [round(t.x0, 2), round(t.top, 2), round(t.x1, 2), round(t.bottom, 2)], "x": True} if t else None
            for t in boxes.find(texts, prov.bbox)
        ]
    if m.text is None or prov.char_start is None:
        return [None] * len(texts)
    return [
        {"s": s[0], "e": s[1], "x": True} if s else None for s in m.text.find(texts, prov.char_start, prov.char_end)
    ]


def _narrative(m: Marks, doc: BudgetDocument, nav: dict[str, Any]) -> None:
    for ci, c in enumerate(doc.narrative.changes, 1):
        llm = any(v != "rule" for v in c.origin.values())
        cats = ", ".join(r.category for r in c.reasons)
        mark = m.add(
            "change",
            c.provenance,
            c.subject,
            {"change": ci, "section": c.section, "subject": c.subject, "code": c.code, "status": c.status,
             "amount": _s(c.amount), "unit": c.unit, "previous": _s(c.previous_amount), "delta": _s(c.delta),
             "growth_percent": _s(c.growth_percent), "share_percent": _s(c.share_percent), "base": c.base,
             "categories": cats, "origin": "; ".join(f"{k}={v}" for k, v in sorted(c.origin.items()) if v != "rule") or "rule",
             "statement": c.statement_text},
            l=llm,
        )
        _narrow_pdf(m, mark, c.statement_text, c.provenance)
        reasons = []
        for ri, r in enumerate(c.reasons, 1):
            prov = r.provenance or c.provenance
            rm = m.add("reason", prov, r.category, {"change": ci, "reason": ri, "category": r.category, "text": r.text,
                                                     "origin": r.origin}, l=r.origin != "rule")
            if rm is not None and "s" in rm and m.text is not None:
                _narrow_text(m.text, rm, r.text, c.provenance)
            _narrow_pdf(m, rm, r.text, prov)
            reasons.append({"category": r.category, "text": r.text, "origin": r.origin, "m": rm["id"] if rm else None})
        nav["changes"].append({
            "subject": c.subject, "section": c.section, "amount": _s(c.amount), "unit": c.unit, "delta": _s(c.delta),
            "growth": _s(c.growth_percent), "base": c.base, "status": c.status, "m": mark["id"] if mark else None,
            "reasons": reasons, "llm": llm,
        })
    for pi, p in enumerate(doc.narrative.projects, 1):
        mark = m.add("project", p.provenance, p.name, {"project": p.name, "amount": _s(p.budget_amount), "unit": p.unit,
                                                        "implementing_unit": p.implementing_unit,
                                                        "policy_basis": p.policy_basis, "table_row": p.table_row,
                                                        "performance_table": p.performance_table})
        docs = []
        for d in p.policy_documents:
            dm = m.add("policy", d.provenance, d.title or d.doc_number or "", {
                "project": p.name, "title": d.title, "doc_number": d.doc_number,
                "doc_number_normalized": d.doc_number_normalized, "issuer": d.issuer, "origin": d.origin,
            }, l=d.origin != "rule")
            _narrow_pdf(m, dm, f"《{d.title}》" if d.title else d.doc_number or "", d.provenance)
            docs.append({"title": d.title, "doc_number": d.doc_number_normalized or d.doc_number, "origin": d.origin,
                         "m": dm["id"] if dm else None})
        nav["projects"].append({"name": p.name, "amount": _s(p.budget_amount), "unit": p.unit, "m": mark["id"] if mark else None,
                                "basis": p.policy_basis, "documents": docs, "no": pi})


def _narrow_pdf(m: Marks, mark: Mark | None, phrase: str, prov: Provenance | None) -> None:
    """Narrow a narrative mark on a PDF page to the lines its verbatim text is printed on."""
    if mark is None or "p" not in mark or prov is None or not phrase:
        return
    boxes = m.pages.get(mark["p"])
    rects = boxes.phrase_boxes(phrase, tuple(mark["b"])) if boxes else []
    if rects:
        mark["b"] = [round(v, 2) for v in rects[0]]
        mark["x"] = True
        if len(rects) > 1:
            mark["r"] = [[round(v, 2) for v in r] for r in rects[1:]]


def _narrow_text(text: TextSpans, mark: Mark, phrase: str, around: Provenance) -> None:
    """Narrow a reason's range to its verbatim text inside the statement's paragraph."""
    start = around.char_start if around.char_start is not None else mark["s"]
    end = mark["e"] if mark["e"] is not None else text.line_end(start)
    end = max(end, around.char_end or end)
    found = text.text.find(phrase, start, end + len(phrase))
    if found >= 0:
        mark["s"], mark["e"], mark["x"] = found, found + len(phrase), True
