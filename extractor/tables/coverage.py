"""Label-free coverage: of the money amounts printed where tables are, the share that reached facts.

A PDF "table page" is a page holding a located table's title or rows; a text rendering's table
lines are the lines of located tables. Every number printed there in a cell or as a token — "0",
"2,932,700", "10.81" — is counted once per occurrence, except classification codes that lead a row
(类/款/项 cells before the row's name), column-number rows ("※ 1 2 3", "栏次 1 2 3") and bare page
numbers; it is captured when a fact holds the same
value read from the same place (page and line, or the row's bbox on the page). The misses are listed
so a person can look. Identity checks are tallied by the checks themselves (``CheckTally``).
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from extractor.money import is_number, is_year, parse_number
from extractor.tables.checks import CheckTally
from extractor.tables.grid import is_colnum_row
from extractor.tables.kinds import PERFORMANCE
from extractor.tables.words import PAGE_NUMBER
from schemas import Coverage, CoverageMiss, Provenance, SourceDocument, SourceLine, Table, TableRegion

_CODE = re.compile(r"^\d{2,3}$|^\d{5}$|^\d{7}$")  # a 类 / 款 / 项 code printed before a row's name
_NUMBERED = re.compile(r"^(附?表|公开)\s*\d")
_COLUMN_NUMBERS = re.compile(r"^(栏次|行次|※)?[\s※]*1(\s+\d{1,2})+$")
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
        candidates = [ln for ln in source.lines if ln.provenance.page in pages and id(ln) not in skip]
    else:
        in_tables = {id(ln) for r in numeric for ln in r.lines}
        candidates = [ln for ln in source.lines if id(ln) in in_tables]
    # Sentences on a table page (a 说明 beside the table) are narrative, not table amounts.
    scope = [ln for ln in candidates if ln.cells is not None or not _SENTENCE.search(ln.text)]
    # Facts by where they were read: a PDF row's bbox may span several ingest lines (a wrapped
    # label joined), so a fact covers the printed amounts inside its row's box on its page. Rows
    # read from one line (the halves of a summary table) share one pool.
    pools: dict[tuple, Counter[Decimal]] = {}
    codes: dict[tuple, list[str]] = {}
    for table in tables:
        for row in table.rows:
            place = _place(row.provenance, source.format)
            values = Counter(c.value for c in row.cells if c.value is not None)
            if values:
                pools.setdefault(place, Counter()).update(values)
            if row.code:
                codes.setdefault(place, []).append(row.code)
    printed = captured = 0
    misses: list[CoverageMiss] = []
    by_page: dict[int | None, list[tuple]] = {}
    for key in pools.keys() | codes.keys():
        by_page.setdefault(key[1], []).append(key)
    # Sorted once per page, not once per line: a text without form feeds is one "page".
    for keys in by_page.values():
        keys.sort(key=repr)
    for ln in scope:
        places = _places_for(ln.provenance, source.format, by_page.get(ln.provenance.page, []))
        row_codes = [c for p in places for c in codes.get(p, [])]
        found = printed_numbers(ln, row_codes)
        if not found:
            continue
        candidates = [pools[p] for p in places if p in pools]
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


def _drop_codes(tokens: list[str], row_codes: list[str]) -> list[str]:
    """``tokens`` without the printed codes of the rows read from the line: each code once, whole
    ("2080505") or as its 类/款/项 cells ("208" "05" "05", or "2" for 02), so an amount that happens
    to equal a code segment is still counted."""
    left = list(tokens)
    for code in row_codes:
        if code in left:
            left.remove(code)
            continue
        for part in (code[:3], code[3:5], code[5:7]):
            match = next((t for t in left if part and t.isdigit() and t.lstrip("0") == part.lstrip("0")), None)
            if match is not None:
                left.remove(match)
    return left


def printed_numbers(line: SourceLine, row_codes: list[str] | None = None) -> list[str]:
    """The numbers a table line prints as cells or tokens (see module doc for what is left out);
    ``row_codes`` are the codes of the rows read from the line, which are not amounts."""
    if line.cells is None and PAGE_NUMBER.match(line.text):
        return []  # "12", "- 12 -", "第 12 页"
    if line.cells is not None:
        tokens = [c.strip() for c in line.cells if c and c.strip()]
    elif line.words:
        tokens = [w[0] for w in line.words]
    else:
        tokens = line.text.split()
    if not tokens or is_colnum_row(tokens) or _COLUMN_NUMBERS.match(" ".join(tokens)):
        return []
    if _NUMBERED.match(tokens[0] + (tokens[1] if len(tokens) > 1 else "")):
        tokens = tokens[2:] if not tokens[0][-1:].isdigit() else tokens[1:]  # "表 1" / "表1": a table number
    # A year ("2026 年", "2024年度") is a date, and a row's own code segments are not amounts.
    tokens = [t for i, t in enumerate(tokens) if not is_year(tokens, i)]
    tokens = _drop_codes(tokens, row_codes or [])
    first_text = next((i for i, t in enumerate(tokens) if not is_number(t)), None)
    if first_text is not None:
        # Codes before the row's name (类 款 项 cells, "2080505") are not amounts.
        lead = tokens[:first_text]
        if all(_CODE.match(t) for t in lead):
            tokens = tokens[first_text:]
    return [t for t in tokens if is_number(t)]


def _place(prov: Provenance, fmt: str) -> tuple:
    if fmt == "pdf" and prov.bbox:
        return ("box", prov.page, prov.bbox[1], prov.bbox[3])
    return ("line", prov.page, prov.line)


def _places_for(prov: Provenance, fmt: str, keys: list[tuple]) -> list[tuple]:
    """The rows' places a printed line's numbers may be matched against: the line's own, or (PDF)
    every row box among ``keys`` (the places on the line's page) whose vertical extent holds the
    line's middle."""
    if fmt != "pdf" or not prov.bbox:
        return [("line", prov.page, prov.line)]
    mid = (prov.bbox[1] + prov.bbox[3]) / 2
    return [k for k in keys if k[0] == "box" and k[2] - 1 <= mid <= k[3] + 1]
