"""The explanatory text of a document as one searchable string of paragraphs.

Renderings wrap prose differently: converters give one paragraph per line, PDF text wraps a
paragraph over several lines (and pages). ``NarrativeText`` rejoins wrapped lines into
paragraphs, keeps a map from every character back to its source line, and so turns any
``[start, end)`` span of the joined text into a ``Provenance`` a person can check.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property
from statistics import median

from schemas import Provenance, SourceLine

# A new paragraph starts at a numbered item or a section heading, whatever the line before.
_PARAGRAPH_START = re.compile(
    r"^\s*(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]"
    r"|\d{1,2}[、.．](?!\d)|[①-⑳]|表\s*\d+|设立的政策依据|项目(设立|承担|支出)|资金(分配|执行|安排)"
    r"|预算安排规模|主要原因)"
)
_SENTENCE_END = re.compile(r"[。：:；;！？]$")


def unwrap(s: str) -> str:
    """``s`` without the line breaks a rendering put inside it (and the blanks around them)."""
    return re.sub(r"\s*\n\s*", "", s).strip()


@dataclass
class NarrativeText:
    """Paragraphs joined by ``\\n``; ``starts[i]`` is where source line ``lines[i]`` starts in ``text``."""

    text: str
    starts: list[int] = field(default_factory=list)
    lines: list[SourceLine] = field(default_factory=list)

    def paragraphs(self) -> list[tuple[int, int]]:
        """``[start, end)`` of every paragraph."""
        out, pos = [], 0
        for part in self.text.split("\n"):
            out.append((pos, pos + len(part)))
            pos += len(part) + 1
        return out

    @cached_property
    def right_edges(self) -> dict[int | None, float]:
        """The rightmost x of the lines with geometry, per page (computed once)."""
        edges: dict[int | None, float] = {}
        for ln in self.lines:
            if ln.provenance.bbox is not None:
                x1 = ln.provenance.bbox[2]
                edges[ln.provenance.page] = max(edges.get(ln.provenance.page, x1), x1)
        return edges

    @cached_property
    def typical_line_length(self) -> int:
        """The 90th percentile of the lines' lengths (blanks stripped), 0 without lines."""
        lengths = sorted(len(ln.text.strip()) for ln in self.lines)
        return lengths[int(len(lengths) * 0.9)] if lengths else 0

    def _line_index(self, offset: int) -> int:
        """Index of the source line holding the character at ``offset``."""
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def line_at(self, offset: int) -> SourceLine:
        """The source line holding the character at ``offset``."""
        return self.lines[self._line_index(offset)]

    def provenance(self, start: int, end: int) -> Provenance:
        """Where ``text[start:end]`` is in the source: the first line's page and line number,
        the union bbox of its lines on that page (PDF), and the file character range of the
        lines it covers (text renderings)."""
        first_i = self._line_index(start)
        last_i = max(first_i, self._line_index(max(start, end - 1)))
        covered = self.lines[first_i : last_i + 1]
        first = covered[0].provenance
        same_page = [ln.provenance for ln in covered if ln.provenance.page == first.page]
        boxes = [p.bbox for p in same_page if p.bbox]
        bbox = (
            (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
            if boxes
            else None
        )
        ends = [ln.provenance.char_end for ln in covered if ln.provenance.char_end is not None]
        return Provenance(
            file=first.file,
            page=first.page,
            line=first.line,
            char_start=first.char_start,
            char_end=ends[-1] if ends else None,
            bbox=bbox,
        )


def _wraps(
    line: SourceLine, nxt: SourceLine, right_edge: dict[int | None, float], typical_len: float
) -> bool:
    """Does ``line`` continue on ``nxt`` (a wrapped paragraph) rather than end a paragraph?"""
    if nxt.heading or line.heading or _PARAGRAPH_START.match(nxt.text):
        return False
    prov, nprov = line.provenance, nxt.provenance
    if prov.bbox is not None and nprov.bbox is not None:
        edge = right_edge.get(prov.page)
        if edge is None:
            return False
        char_w = max(6.0, (prov.bbox[3] - prov.bbox[1]) * 0.9)
        full = prov.bbox[2] >= edge - 2.5 * char_w
        indented = nprov.page == prov.page and nprov.bbox[0] > prov.bbox[0] + 1.5 * char_w
        return full and not indented
    # No geometry (flattened text): a line about as long as the longest lines wraps.
    return not _SENTENCE_END.search(line.text) and len(line.text) >= 0.85 * typical_len


_PAGE_NUMBER = re.compile(r"^\s*[-—－–]?\s*\d{1,3}\s*[-—－–]?\s*$|^\s*第\s*\d{1,3}\s*页(?:\s*共\s*\d+\s*页)?\s*$")


def _without_page_numbers(lines: list[SourceLine]) -> list[SourceLine]:
    """``lines`` less the page numbers ("— 8 —", "8", "第 8 页") printed first or last on a page:
    left in, they cut a sentence wrapped over a page break ("增加 65.88 万 / — 8 — / 元，增长…")."""
    keep = []
    for i, ln in enumerate(lines):
        page = ln.provenance.page
        edge = (
            i == 0
            or i == len(lines) - 1
            or lines[i - 1].provenance.page != page
            or lines[i + 1].provenance.page != page
        )
        if not (page is not None and edge and _PAGE_NUMBER.match(ln.text)):
            keep.append(ln)
    return keep


def build_narrative_text(lines: list[SourceLine]) -> NarrativeText:
    """Join the document's prose lines (outside tables) into paragraphs."""
    lines = _without_page_numbers([ln for ln in lines if ln.text.strip()])
    right_edge: dict[int | None, float] = {}
    for ln in lines:
        if ln.provenance.bbox is not None:
            right_edge[ln.provenance.page] = max(
                right_edge.get(ln.provenance.page, 0.0), ln.provenance.bbox[2]
            )
    lengths = sorted(len(ln.text) for ln in lines)
    typical_len = float(lengths[int(len(lengths) * 0.9)]) if lengths else 0.0
    typical_len = max(typical_len, median(lengths) if lengths else 0.0, 20.0)

    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    for i, ln in enumerate(lines):
        piece = ln.text.strip()
        starts.append(pos)
        parts.append(piece)
        pos += len(piece)
        if i + 1 < len(lines):
            if _wraps(ln, lines[i + 1], right_edge, typical_len):
                continue
            parts.append("\n")
            pos += 1
    return NarrativeText(text="".join(parts), starts=starts, lines=lines)
