"""Where each value is printed: a box per cell on a PDF page, a char range per cell in a text.

A cell's provenance holds its row's box (PDF) or its line's char range (text); a review page
needs the value's own place. On a PDF page the printed numbers are read back from pdfium's
characters as tokens with boxes; in a text the value is found in its line. The cells of a row
take the row's tokens left to right by their printed text; rows read from one printed line
(the 收入 and 支出 halves of a summary table) share the tokens, the 收入 half first, as the
templates print it on the left. A value not found keeps its row's box (``exact`` False).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMERIC = set("0123456789.,-%")
_BOUNDED = r"(?<![\d.,]){}(?![\d.,])"


@dataclass(frozen=True)
class Token:
    """A run of number characters on a PDF page (top-left origin, PDF points)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float


def _display(rotation: int, crop: tuple[float, float, float, float]):
    """Maps a pdfium char box (left, bottom, right, top in PDF user space) to the displayed page
    (x0, top, x1, bottom from its top-left corner), as pdfplumber and the rendered image see it."""
    cx0, cy0, cx1, cy1 = crop
    w, h = cx1 - cx0, cy1 - cy0

    def f(b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        left, bottom, right, top = b[0] - cx0, b[1] - cy0, b[2] - cx0, b[3] - cy0
        if rotation == 90:
            return bottom, left, top, right
        if rotation == 180:
            return w - right, bottom, w - left, top
        if rotation == 270:
            return h - top, w - right, h - bottom, w - left
        return left, h - top, right, h - bottom

    return f


Box = tuple[float, float, float, float]


def page_chars(page) -> list[tuple[str, Box]]:
    """Every character pdfium reads on a pypdfium2 page, with its box on the displayed page."""
    import pypdfium2.raw as raw

    to_display = _display(page.get_rotation() % 360, page.get_cropbox())
    textpage = page.get_textpage()
    try:
        return [
            (chr(raw.FPDFText_GetUnicode(textpage, i) or 32), to_display(textpage.get_charbox(i)))
            for i in range(textpage.count_chars())
        ]
    finally:
        textpage.close()


def page_tokens(page) -> list[Token]:
    """The printed numbers of a pypdfium2 page, each with its box on the displayed page."""
    return tokens_of(page_chars(page))


def tokens_of(chars: list[tuple[str, Box]]) -> list[Token]:
    """Runs of number characters, split where a glyph is not beside the one before it."""
    out: list[Token] = []
    run: list[tuple[str, Box]] = []

    def close() -> None:
        if run:
            text = "".join(c for c, _ in run).strip(",")
            if any(c.isdigit() for c in text):
                boxes = [b for _, b in run]
                out.append(
                    Token(text, min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                          max(b[3] for b in boxes))
                )  # fmt: skip
            run.clear()

    for ch, box in chars:
        if ch not in _NUMERIC:
            close()
            continue
        if run:
            prev = run[-1][1]
            # The run's tallest glyph sets the scale: a "." or "," box is only a dot.
            size = max(max(b[3] - b[1] for _, b in run), box[3] - box[1], 1.0)
            # After "," or "." the ink ends early: the glyph's advance is blank.
            gap = size * (1.2 if run[-1][0] in ",." else 0.6)
            if abs(box[3] - prev[3]) > size * 0.5 or box[0] - prev[2] > gap or box[0] < prev[0]:
                close()
        run.append((ch, box))
    close()
    return out


def _line_boxes(boxes: list[Box]) -> list[Box]:
    """Character boxes in reading order, joined into one box per printed line."""
    lines: list[list[Box]] = []
    for b in boxes:
        last = lines[-1][-1] if lines else None
        # One line while either glyph's middle lies within the other's height ("一" is a flat box).
        if last is not None and b[0] >= last[0] - 1 and (
            last[1] - 1 <= (b[1] + b[3]) / 2 <= last[3] + 1 or b[1] - 1 <= (last[1] + last[3]) / 2 <= b[3] + 1
        ):
            lines[-1].append(b)
        else:
            lines.append([b])
    return [(min(b[0] for b in ln), min(b[1] for b in ln), max(b[2] for b in ln), max(b[3] for b in ln)) for ln in lines]


def _norm(text: str) -> str:
    return text.replace(",", "").replace(" ", "").strip()


class PageBoxes:
    """Hands out the tokens of one page to the values printed on it, each token once; finds the
    line boxes of a phrase (a reason, a statement) printed on the page."""

    def __init__(self, tokens: list[Token], chars: list[tuple[str, Box]] | None = None) -> None:
        self.tokens = sorted(tokens, key=lambda t: (t.x0, t.top))
        self.used: set[int] = set()
        self.chars = chars or []
        self._flat: tuple[str, list[int]] | None = None

    def phrase_boxes(self, phrase: str, near: Box) -> list[Box]:
        """The boxes, one per printed line, of ``phrase`` (whitespace ignored) where it starts inside
        ``near``; empty when it is not printed there."""
        if self._flat is None:
            keep = [i for i, (c, _) in enumerate(self.chars) if not c.isspace()]
            self._flat = ("".join(self.chars[i][0] for i in keep), keep)
        flat, keep = self._flat
        want = re.sub(r"\s", "", phrase)
        pos = flat.find(want) if want else -1
        while pos >= 0:
            first = self.chars[keep[pos]][1]
            if near[1] - 2 <= (first[1] + first[3]) / 2 <= near[3] + 2 and near[0] - 2 <= first[0] <= near[2] + 2:
                return _line_boxes([self.chars[keep[k]][1] for k in range(pos, pos + len(want))])
            pos = flat.find(want, pos + 1)
        return []

    def find(self, texts: list[str], band: tuple[float, float, float, float]) -> list[Token | None]:
        """Tokens for ``texts`` (in order, left to right) inside ``band`` (x0, top, x1, bottom)."""
        x0, top, x1, bottom = band
        inside = [
            i
            for i, t in enumerate(self.tokens)
            if top - 1 <= (t.top + t.bottom) / 2 <= bottom + 1 and x0 - 2 <= t.x0 and t.x1 <= x1 + 2
        ]
        out: list[Token | None] = []
        after = -1.0
        for text in texts:
            want = _norm(text)
            pick = next(
                (i for i in inside if i not in self.used and self.tokens[i].x0 >= after and _norm(self.tokens[i].text) == want),
                None,
            )
            if pick is None:  # out of order (a cell placed right of its printed place): any free one
                pick = next((i for i in inside if i not in self.used and _norm(self.tokens[i].text) == want), None)
            if pick is None:
                out.append(None)
                continue
            self.used.add(pick)
            after = self.tokens[pick].x1
            out.append(self.tokens[pick])
        return out


class TextSpans:
    """Hands out char ranges of a text rendering's lines to the values printed on them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.used: list[tuple[int, int]] = []

    def line_end(self, start: int) -> int:
        end = self.text.find("\n", start)
        return len(self.text) if end < 0 else end

    def find(self, texts: list[str], start: int, end: int | None) -> list[tuple[int, int] | None]:
        """Char ranges of ``texts`` (in order) within ``start``..``end`` (None: to the line's end)."""
        stop = end if end is not None else self.line_end(start)
        out: list[tuple[int, int] | None] = []
        pos = start
        for text in texts:
            span = self._search(text, pos, stop) or self._search(text, start, stop)
            out.append(span)
            if span:
                self.used.append(span)
                pos = span[1]
        return out

    def _search(self, text: str, start: int, stop: int) -> tuple[int, int] | None:
        if not text.strip():
            return None
        pattern = re.compile(_BOUNDED.format(re.escape(text.strip())))
        pos = start
        while (m := pattern.search(self.text, pos, stop)) is not None:
            span = (m.start(), m.end())
            if not any(a < span[1] and span[0] < b for a, b in self.used):
                return span
            pos = m.start() + 1
        return None
