"""Label-free coverage: of the money amounts printed where tables are, the share that reached facts.

A PDF "table page" is a page holding a located table's title or rows; a text rendering's table
lines are the lines of located tables. Every amount printed there (a number with two decimals, or
with thousands separators) is counted once per occurrence; it is captured when a fact holds the same
value read from the same place (page and line, or the row's bbox on the page). The misses are listed
so a person can look. Identity checks are tallied by the checks themselves (``CheckTally``).
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from extractor.money import parse_number
from extractor.tables.checks import CheckTally
from extractor.tables.kinds import PERFORMANCE
from schemas import Coverage, CoverageMiss, Provenance, SourceDocument, Table, TableRegion

_AMOUNT = re.compile(r"(?<![\d.,])-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d{2})(?![\d.,%])")
_SENTENCE = re.compile(r"[，。；]|[\u4e00-\u9fff]{2,}\s*\d[\d,.]*\s*(万元|元|亿元)")
MAX_MISSES = 200
_PERFORMANCE = {k.value for k in PERFORMANCE}


def measure(
    source: SourceDocument, regions: list[TableRegion], tables: list[Table], tally: CheckTally
) -> Coverage:
    """Coverage of one document (see module doc)."""
    # 绩效目标表 numbers are targets and header fields, read as indicators, not facts.
    numeric = [r for r in regions if r.kind not in _PERFORMANCE]
    skip = {id(ln) for r in regions if r.kind in _PERFORMANCE for ln in (r.title_line, *r.lines)}
    pages = {ln.provenance.page for r in numeric for ln in (r.title_line, *r.lines)} - {None}
    if source.format == "pdf":
        # Sentences on a table page (a 说明 beside the table) are narrative, not table amounts.
        scope = [
            ln
            for ln in source.lines
            if ln.provenance.page in pages
            and id(ln) not in skip
            and (ln.cells is not None or not _SENTENCE.search(ln.text))
        ]
    else:
        in_tables = {id(ln) for r in numeric for ln in r.lines}
        scope = [ln for ln in source.lines if id(ln) in in_tables]
    # Facts by where they were read: a PDF row's bbox may span several ingest lines (a wrapped
    # label joined), so a fact covers the printed amounts inside its row's box on its page. Rows
    # read from one line (the halves of a summary table) share one pool.
    pools: dict[tuple, Counter[Decimal]] = {}
    for table in tables:
        for row in table.rows:
            values = Counter(c.value for c in row.cells if c.value is not None)
            if values:
                pools.setdefault(_place(row.provenance, source.format), Counter()).update(values)
    printed = captured = 0
    misses: list[CoverageMiss] = []
    for ln in scope:
        texts = [c for c in ln.cells if c] if ln.cells is not None else [ln.text]
        found = [m.group(0) for t in texts for m in _AMOUNT.finditer(t)]
        if not found:
            continue
        candidates = _pools_for(ln.provenance, source.format, pools)
        for raw in found:
            printed += 1
            value = parse_number(raw)
            pool = next((p for p in candidates if p[value] > 0), None) if value is not None else None
            if pool is not None:
                pool[value] -= 1
                captured += 1
            elif len(misses) < MAX_MISSES:
                misses.append(
                    CoverageMiss(page=ln.provenance.page, line=ln.provenance.line, text=raw, bbox=ln.provenance.bbox)
                )
    return Coverage(
        amounts_printed=printed,
        amounts_captured=captured,
        share=round(captured / printed, 4) if printed else None,
        misses=misses,
        identity_checks=tally.run,
        identity_holds=tally.held,
        identity_share=round(tally.held / tally.run, 4) if tally.run else None,
    )


def _place(prov: Provenance, fmt: str) -> tuple:
    if fmt == "pdf" and prov.bbox:
        return ("box", prov.page, prov.bbox[1], prov.bbox[3])
    return ("line", prov.page, prov.line)


def _pools_for(prov: Provenance, fmt: str, pools: dict[tuple, Counter[Decimal]]) -> list[Counter[Decimal]]:
    """The fact pools a printed line's amounts may be matched against: the line's own, or (PDF) every
    row box on the page whose vertical extent holds the line's middle."""
    if fmt != "pdf" or not prov.bbox:
        return [pools.get(("line", prov.page, prov.line), Counter())]
    mid = (prov.bbox[1] + prov.bbox[3]) / 2
    return [
        pool
        for key, pool in pools.items()
        if key[0] == "box" and key[1] == prov.page and key[2] - 1 <= mid <= key[3] + 1
    ]
