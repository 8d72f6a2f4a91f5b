"""Policy documents cited as a project's basis: titles in 《》, 文号 and who issued them.

Works on a span of ``NarrativeText.text`` (``text`` starting at ``offset``), so every
document carries a ``Provenance``. Renderings wrap lines anywhere, so patterns allow
whitespace (including ``\\n``) inside titles and 文号; the stored strings drop the line breaks
(a wrap is not part of the printed text) but keep everything else as printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.labels import squash
from extractor.narrative.text import NarrativeText, unwrap
from schemas import PolicyDocument

_OPEN_YEAR = re.escape("〔[［(（【﹝〖")  # used inside [...] classes
_CLOSE_YEAR = re.escape("〕]］)）】﹞〗")
_CJK = "\u4e00-\u9fff"

# 文号 = 发文机关代字 + 〔year〕 + number + 号. The 代字 is a few CJK characters, possibly with
# a short parenthesised part (乌高（新）党办发); a leading preposition is trimmed afterwards.
_DOC_NUMBER = re.compile(
    rf"(?P<prefix>(?:[{_CJK}]{{1,2}}[（(][{_CJK}]{{1,2}}[)）])?[{_CJK}]{{1,8}})\s*"
    rf"[{_OPEN_YEAR}]\s*(?P<year>(?:19|20)\d{{2}})\s*[{_CLOSE_YEAR}]\s*第?\s*"
    r"(?P<num>[\d０-９]+)\s*号"
)
# Words that precede a 文号 but are not part of the 代字 ("根据沪府规【2016】168号").
_LEAD_WORDS = re.compile(r"^.*(?:根据|依据|按照|参照|依照|遵照|立项|为|和|及|与|的|即)")
_TRAILING_FILE = re.compile(r"\s*(?:文件|文)$")
# 公文文种 that end a notice wrapping a cited document: 关于转发《…》的通知.
_DOC_TYPES = (
    r"(?:实施细则|实施意见|实施方案|指导意见|管理办法|通知|意见|批复|决定|办法|规定|细则|方案"
    r"|复函|函|公告|通告|规划|纲要|条例|报告|请示)"
)
_WRAPPER_TAIL = re.compile(rf"\s*的\s*{_DOC_TYPES}")  # used with .match(text, pos)
_ORG = rf"[{_CJK}]{{1,15}}?(?:部|委|局|厅|院|府|署|会|办|室|中心|政府|委员会|办公厅|办公室)"
_ORGS = rf"{_ORG}(?:[、和]{_ORG})*"
_ISSUER_IN_TITLE = re.compile(rf"^(?P<issuer>{_ORGS})(?:联合)?关于")
_ISSUER_BEFORE = re.compile(rf"(?P<issuer>{_ORGS})(?:联合)?(?:印发|发布|制定|出台|下发|颁布)(?:的)?\s*$")
# A clause boundary: looking back from a 《 for 关于 stops here.
_CLAUSE_BREAK = set("，,；;。：:、\n）)")
# What may stand between a title and its 文号: "《…》（新财社〔2024〕181号）" or "（…号），《…》".
_NUMBER_AFTER = re.compile(r"\s*[（(]?\s*")
_NUMBER_BEFORE = re.compile(r"\s*(?:文件|文)?\s*[)）]?\s*[，,、：:]?\s*")
_BARE_TITLE = re.compile(rf"^[^，,；;。《》]{{4,60}}{_DOC_TYPES}$|^[^，,；;。《》]{{2,30}}法$")

_FULL_TO_HALF = str.maketrans("０１２３４５６７８９", "0123456789")


def normalise_doc_number(raw: str) -> str:
    """A 文号 in one canonical form, to compare citations across documents and renderings.

    Rule: whitespace (incl. line breaks) removed; full-width digits → half-width; the bracket
    pair around the four-digit year, whatever it is ([] () （） 〔〕 【】 ［］ ﹝﹞ 〖〗), →
    〔〕; any other parentheses (乌高(新)) → full-width （）; a trailing 文件/文 dropped.
    E.g. "乌高（新）党办发[2017]36 号" → "乌高（新）党办发〔2017〕36号".
    """
    s = squash(raw).translate(_FULL_TO_HALF)
    s = _TRAILING_FILE.sub("", s)
    s = re.sub(rf"[{_OPEN_YEAR}]((?:19|20)\d{{2}})[{_CLOSE_YEAR}]", r"〔\1〕", s)
    return s.replace("(", "（").replace(")", "）")


@dataclass
class _Span:
    start: int
    end: int
    value: str


def _doc_numbers(text: str) -> list[_Span]:
    """Every 文号 in ``text``, verbatim (leading prepositions trimmed, no trailing 文件)."""
    out = []
    for m in _DOC_NUMBER.finditer(text):
        start = m.start()
        lead = _LEAD_WORDS.match(m.group("prefix"))
        if lead and lead.end() < len(m.group("prefix")):
            start += lead.end()
        out.append(_Span(start, m.end(), text[start : m.end()]))
    return out


def _titles(text: str) -> list[_Span]:
    """Every outermost 《…》 span (nested 《》 kept inside), as ``[start, end)`` incl. brackets."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "《":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
            if depth == 0:
                out.append(_Span(start, i + 1, text[start + 1 : i]))
    return out


def _widen_wrapper(text: str, title: _Span) -> _Span:
    """关于转发《X》的通知: the cited notice is the whole phrase, not the inner X."""
    tail = _WRAPPER_TAIL.match(text, title.end)
    if not tail:
        return title
    k = title.start
    while k > 0 and text[k - 1] not in _CLAUSE_BREAK and title.start - k < 40:
        k -= 1
    head = text.find("关于", k, title.start)
    if head < 0:
        return title
    return _Span(head, tail.end(), text[head : tail.end()])


def _issuer(text: str, title: _Span, bare_title: str) -> str | None:
    """The issuing body where the text states it: in the title or just before 《."""
    m = _ISSUER_IN_TITLE.match(bare_title)
    if m and text[title.start] == "《":
        return m.group("issuer")
    m = _ISSUER_BEFORE.search(text, max(0, title.start - 40), title.start)
    if not m:
        return None
    issuer = m.group("issuer")
    lead = _LEAD_WORDS.match(issuer)
    return issuer[lead.end() :] if lead and lead.end() < len(issuer) else issuer


def _pair(text: str, titles: list[_Span], numbers: list[_Span]) -> dict[int, int]:
    """title index → 文号 index: the 文号 in parentheses right after the title, else one
    right before it (（新财社〔2024〕181号），《…》) that no other title claimed."""
    pairs: dict[int, int] = {}
    for ti, t in enumerate(titles):
        for ni, n in enumerate(numbers):
            if (
                ni not in pairs.values()
                and n.start >= t.end
                and _NUMBER_AFTER.fullmatch(text, t.end, n.start)
            ):
                pairs[ti] = ni
                break
    for ti, t in enumerate(titles):
        if ti in pairs:
            continue
        for ni, n in enumerate(numbers):
            if (
                ni not in pairs.values()
                and n.end <= t.start
                and _NUMBER_BEFORE.fullmatch(text, n.end, t.start)
            ):
                pairs[ti] = ni
                break
    return pairs


def find_policy_documents(text: str, offset: int, narrative: NarrativeText) -> list[PolicyDocument]:
    """The documents cited in ``text`` (a policy-basis span found at ``offset`` in
    ``narrative.text``): titles in 《》 (a law such as 《社会保险法》 counts; 关于转发《…》的通知
    keeps the whole notice title), 文号 verbatim and normalised, each title paired with its
    文号, the issuer where printed, duplicates listed once. A basis that is nothing but a
    document name (no 《》, no 文号, ending in a 文种 such as 细则/办法/通知) is that title."""
    titles = [_widen_wrapper(text, t) for t in _titles(text)]
    numbers = [n for n in _doc_numbers(text) if not any(t.start <= n.start < t.end for t in titles)]
    pairs = _pair(text, titles, numbers)
    found: list[tuple[int, int, PolicyDocument]] = []
    for ti, t in enumerate(titles):
        bare = unwrap(t.value)
        n = numbers[pairs[ti]] if ti in pairs else None
        start, end = (min(t.start, n.start), max(t.end, n.end)) if n else (t.start, t.end)
        found.append((start, end, _document(text, t, bare, n, offset, start, end, narrative)))
    for ni, n in enumerate(numbers):
        if ni not in pairs.values():
            found.append((n.start, n.end, _document(text, None, None, n, offset, n.start, n.end, narrative)))
    if not found:
        stripped = text.strip().rstrip("。；;")
        lead = len(text) - len(text.lstrip())
        if _BARE_TITLE.match(unwrap(stripped)):
            span = _Span(lead, lead + len(stripped), stripped)
            doc = PolicyDocument(
                title=unwrap(stripped),
                provenance=narrative.provenance(offset + span.start, offset + span.end),
            )
            found.append((span.start, span.end, doc))
    found.sort(key=lambda f: f[0])
    out: list[PolicyDocument] = []
    seen: set[tuple[str | None, str | None]] = set()
    for _, _, doc in found:
        key = (squash(doc.title) if doc.title else None, doc.doc_number_normalized)
        if key not in seen:
            seen.add(key)
            out.append(doc)
    return out


def _document(
    text: str,
    title: _Span | None,
    bare_title: str | None,
    number: _Span | None,
    offset: int,
    start: int,
    end: int,
    narrative: NarrativeText,
) -> PolicyDocument:
    doc_number = _TRAILING_FILE.sub("", unwrap(number.value)) if number else None
    return PolicyDocument(
        title=bare_title,
        doc_number=doc_number,
        doc_number_normalized=normalise_doc_number(doc_number) if doc_number else None,
        issuer=_issuer(text, title, bare_title) if title and bare_title else None,
        provenance=narrative.provenance(offset + start, offset + end),
    )
