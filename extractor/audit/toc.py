"""The 目录 against the body: entries listed but not in the body, tables in the body not listed, and
entries in a different order from the body."""

from __future__ import annotations

from extractor.audit.context import AuditContext, Pos, evidence, pos
from extractor.audit.items import SECTION_ITEMS
from extractor.tables.kinds import title_kind
from schemas import AuditCheck, AuditEvidence, TableKind


def entry_item(text: str) -> str | None:
    """The item a 目录 entry names: a table kind's value, or a section item id."""
    kind = title_kind(text)
    if kind is not None and kind != TableKind.other:
        return kind.value
    for d in SECTION_ITEMS.values():
        if d.heading is not None and d.item != "toc" and d.heading.search(text):
            return d.item
    return None


def check_toc(ctx: AuditContext, anchors: dict[str, Pos]) -> list[AuditCheck]:
    """``anchors``: where each item starts in the body (tables by kind value)."""
    if not ctx.toc:
        return []
    out = []
    listed: list[tuple[str, Pos, object]] = []
    for e in ctx.toc:
        item = entry_item(e.text)
        if item is None:
            continue
        if item not in anchors:
            if ctx.doc.meta.tables_published_separately and item in TableKind.__members__:
                continue  # the tables are in the other volume
            out.append(
                AuditCheck(
                    name="toc_missing",
                    severity="material",
                    message=f"the 目录 lists “{e.text}”, but it is not in the body",
                    evidence=[evidence(e.line, e.text)],
                )
            )
        else:
            listed.append((item, anchors[item], e))
    listed_items = {i for i, _, _ in listed}
    toc_lists_tables = any(i in TableKind.__members__ for i in listed_items)
    if toc_lists_tables:
        for t in ctx.doc.tables:
            k = t.kind.value
            if t.kind in (TableKind.other, TableKind.project_performance, TableKind.department_performance):
                continue
            if k not in listed_items and not any(entry_item(e.text) == k for e in ctx.toc):
                out.append(
                    AuditCheck(
                        name="toc_unlisted",
                        severity="warning",
                        message=f"the table “{t.title}” is in the body but not in the 目录",
                        evidence=[AuditEvidence(page=t.provenance.page, line=t.provenance.line, text=t.title)],
                    )
                )
                listed_items.add(k)
    # order: each listed entry's body position after the previous one's (first occurrence of an item)
    seen: set[str] = set()
    prev: tuple[Pos, object] | None = None
    for item, where, e in listed:
        if item in seen:
            continue
        seen.add(item)
        if prev is not None and where < prev[0]:
            out.append(
                AuditCheck(
                    name="toc_order",
                    severity="warning",
                    message=f"the 目录 lists “{e.text}” after “{prev[1].text}”, the body prints it before",  # type: ignore[attr-defined]
                    evidence=[evidence(e.line, e.text)],  # type: ignore[attr-defined]
                )
            )
        prev = (where, e)
    return out


__all__ = ["check_toc", "entry_item", "pos"]
