"""What every audit check reads: the document's lines in order, its 目录, its headings and its
prose paragraphs, each with a position that orders them (page, line)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from extractor.labels import squash
from extractor.narrative.text import NarrativeText, build_narrative_text
from extractor.tables.kinds import title_kind
from schemas import AuditEvidence, BudgetDocument, Provenance, SourceDocument, SourceLine

Pos = tuple[int, int]

_LEADERS = re.compile(r"[.·…—\-]{2,}\s*\d{0,3}\s*$|\s\d{1,3}$")
_ORDINAL = re.compile(
    r"^\s*(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}\s*[、.．](?!\d))"
)
_SENTENCE = re.compile(r"[，。；]")


def pos(p: Provenance | None) -> Pos:
    """Reading order of a location: (page, line); a text rendering has no page."""
    if p is None:
        return (0, 0)
    return (p.page or 0, p.line or 0)


def evidence(line: SourceLine, text: str | None = None) -> AuditEvidence:
    """Evidence at ``line``: its page, line number and (a span of) its text."""
    p = line.provenance
    return AuditEvidence(page=p.page, line=p.line, text=(text if text is not None else line.text).strip()[:200])


@dataclass
class TocEntry:
    """One 目录 entry, its wrapped continuation joined."""

    text: str
    line: SourceLine
    index: int


@dataclass
class AuditContext:
    """The document and the views of it the checks share."""

    doc: BudgetDocument
    source: SourceDocument
    prose: list[SourceLine]
    toc_start: int | None = None
    toc_end: int = -1
    toc: list[TocEntry] = field(default_factory=list)

    @property
    def year(self) -> int | None:
        return self.doc.meta.year

    @property
    def lines(self) -> list[SourceLine]:
        return self.source.lines

    def in_toc(self, index: int) -> bool:
        return self.toc_start is not None and self.toc_start <= index <= self.toc_end

    @cached_property
    def body_headings(self) -> list[tuple[int, SourceLine, str]]:
        """Heading-like lines outside the 目录: short, not a sentence, not a table row; a heading
        wrapped onto a short next line ("…支出预算" + "情况说明") is joined."""
        out = []
        lines = self.lines
        for i, line in enumerate(lines):
            if self.in_toc(i) or line.cells is not None:
                continue
            text = line.text.strip()
            if not text or len(text) > 60 or (_SENTENCE.search(text[:-1]) and len(text) > 30):
                continue
            if len(text) > 15 and (re.search(r"[：:]", text[:-1]) or "。" in text):
                continue  # "（八）机关运行经费：指…。" is a glossary entry, not a heading
            if i + 1 < len(lines) and lines[i + 1].cells is None:
                nxt = lines[i + 1].text.strip()
                if len(nxt) <= 8 and re.search(r"说明$|情况$", nxt) and not _ORDINAL.match(nxt):
                    text += nxt
            out.append((i, line, text))
        return out

    @cached_property
    def narrative(self) -> NarrativeText:
        """Prose outside tables and the 目录, rejoined into paragraphs."""
        toc_ids = {id(e.line) for e in self.toc}
        if self.toc_start is not None:
            toc_ids |= {id(ln) for ln in self.lines[self.toc_start : self.toc_end + 1]}
        return build_narrative_text([ln for ln in self.prose if id(ln) not in toc_ids])

    def paragraphs(self) -> list[tuple[str, int, int]]:
        """(text, start, end) of every prose paragraph."""
        text = self.narrative.text
        return [(text[s:e], s, e) for s, e in self.narrative.paragraphs() if e > s]

    def evidence_at(self, offset: int, span: str) -> AuditEvidence:
        line = self.narrative.line_at(offset)
        return AuditEvidence(page=line.provenance.page, line=line.provenance.line, text=span.strip()[:200])


def find_toc(ctx: AuditContext) -> None:
    """The 目录: from a "目录" line, the short title-like lines after it (a wrapped entry joined to
    the one before), up to the first line repeating an entry (the body begins), a prose line, a
    table row or the end of the 目录's page."""
    lines = ctx.lines
    start = next((i for i, ln in enumerate(lines) if re.fullmatch(r"目\s*[录次]", ln.text.strip())), None)
    if start is None:
        return
    ctx.toc_start = start
    page = lines[start].provenance.page
    seen: set[str] = set()
    end = start
    for i in range(start + 1, len(lines)):
        line = lines[i]
        text = line.text.strip()
        if page is not None and line.provenance.page != page:
            # a 目录 running onto the next page goes on with numbered entries only
            if not (_ORDINAL.match(text) and squash(text) not in seen and len(text) <= 70):
                break
            page = line.provenance.page
        if line.cells is not None or not text:
            if line.cells is not None:
                break
            continue
        plain = _LEADERS.sub("", text).strip()
        if len(plain) > 70 or (_SENTENCE.search(plain) and not re.search(r"[.…]{3,}", text)):
            break
        key = re.sub(r"[\s#*]+", "", _LEADERS.sub("", text))
        if key in seen and not _LEADERS.search(text):
            break
        if ctx.toc and not _ORDINAL.match(plain) and not title_kind(plain) and not re.match(r"^第", plain):
            # a wrapped entry: "五、关于…一般公共预算当年" + "拨款情况说明"
            prev = ctx.toc[-1]
            ctx.toc[-1] = TocEntry(prev.text + plain, prev.line, prev.index)
        else:
            ctx.toc.append(TocEntry(plain, line, i))
        seen.add(key)
        end = i
    ctx.toc_end = end
