"""Pages: blank or image-only pages inside the document, and a page whose text layer repeats another's."""

from __future__ import annotations

from collections import defaultdict

from schemas import AuditCheck, AuditEvidence, BudgetDocument, SourceDocument, TableKind

_MIN_REPEATED = 5  # prose lines a page must share with an earlier page to be a repeat
_MIN_LEN = 20


def check_blank_pages(source: SourceDocument) -> list[AuditCheck]:
    """A page with no text line between the first and the last page (blank, or an image with no text
    layer: the text cannot tell which; look at the page)."""
    if not source.page_count:
        return []
    with_text = {ln.provenance.page for ln in source.lines if ln.text.strip()}
    return [
        AuditCheck(
            name="blank_page",
            severity="material",
            message=f"page {p} has no text (a blank page, or an image without a text layer)",
            evidence=[AuditEvidence(page=p, line=None, text="")],
        )
        for p in range(2, source.page_count)
        if p not in with_text
    ]


def check_repeated_pages(source: SourceDocument) -> list[AuditCheck]:
    """A page whose text layer repeats, as one run of five or more consecutive lines, at least half of
    its lines from an earlier page: the text is there twice, which in a PDF means text that is hidden or overprinted (a screenshot would
    show it; the text cannot)."""
    if not source.page_count:
        return []
    by_page: dict[int, list] = defaultdict(list)
    for ln in source.lines:
        if ln.cells is None and ln.provenance.page and len(ln.text.strip()) >= _MIN_LEN:
            by_page[ln.provenance.page].append(ln)
    seen: dict[str, int] = {}
    out = []
    for page in sorted(by_page):
        lines = by_page[page]
        # the longest run of consecutive lines that all appeared on one earlier page
        best: list = []
        run: list = []
        for ln in lines:
            earlier = seen.get(ln.text.strip())
            if earlier is not None and (not run or seen[run[0].text.strip()] == earlier):
                run.append(ln)
            else:
                run = [ln] if earlier is not None else []
            if len(run) > len(best):
                best = list(run)
        # half the page at least: a paragraph printed twice on purpose (Jiangsu 2017 p7 and p10 both
        # explain the same 基本支出 in five lines) is not a page repeated
        if len(best) >= _MIN_REPEATED and len(best) * 2 >= len(lines):
            first = best[0]
            source_page = seen[first.text.strip()]
            out.append(
                AuditCheck(
                    name="repeated_page_text",
                    severity="warning",
                    message=(
                        f"page {page} repeats {len(best)} lines of page {source_page} in its text layer: "
                        "part of the text may be hidden or not display (compare the rendered pages)"
                    ),
                    evidence=[AuditEvidence(page=page, line=first.provenance.line, text=first.text.strip()[:200])],
                )
            )
        for ln in lines:
            seen.setdefault(ln.text.strip(), page)
    return out


def check_zero_tables(doc: BudgetDocument) -> list[AuditCheck]:
    """A table whose every amount is 0 or blank and that no sentence states empty: printed empty
    without the "本表为空表" explanation the templates ask for. (A table printed with headers only is
    the ``empty_table_unexplained`` finding of the table stage.)"""
    out = []
    for t in doc.tables:
        if t.empty or not t.rows or t.kind in (TableKind.department_performance, TableKind.project_performance):
            continue
        values = [c.value for r in t.rows for c in r.cells]
        if values and all(v is None or v == 0 for v in values):
            out.append(
                AuditCheck(
                    name="empty_table_unexplained",
                    severity="warning",
                    message=f"{t.title}: every amount is 0 or blank, and no sentence says why the table is empty",
                    evidence=[AuditEvidence(page=t.provenance.page, line=t.provenance.line, text=t.title)],
                )
            )
    return out
