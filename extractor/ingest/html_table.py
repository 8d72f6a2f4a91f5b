"""HTML tables inside text renderings (converters such as MinerU write ``<table>`` into markdown).

Each ``<tr>`` becomes one grid row. A cell spanning several columns or rows (colspan/rowspan)
is written once, at its top-left position, and the positions it covers are None — the same
convention as pdfplumber's grids, so the table parsers see one shape whatever the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from extractor.labels import clean_cell


@dataclass
class HtmlRow:
    """One ``<tr>``: its offset in the HTML text and its cells (None where a span covers)."""

    offset: int
    cells: list[str | None] = field(default_factory=list)


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[int, list[tuple[str, int, int]]]] = []  # offset, (text, colspan, rowspan)
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._line_offsets: list[int] = []

    def feed_text(self, text: str) -> None:
        pos = 0
        for line in text.split("\n"):  # HTMLParser.getpos() counts "\n" only
            self._line_offsets.append(pos)
            pos += len(line) + 1
        self.feed(text)
        self.close()
        self._close_cell()

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._line_offsets[line - 1] + col if self._line_offsets else col

    def _close_cell(self) -> None:
        if self._cell is not None:
            self.rows[-1][1].append(("".join(self._cell), *self._span))
            self._cell = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("tr", "td", "th", "table"):
            self._close_cell()  # HTML lets </td> and </tr> be omitted
        if tag == "tr":
            self.rows.append((self._offset(), []))
        elif tag in ("td", "th"):
            if not self.rows:
                self.rows.append((self._offset(), []))
            a = dict(attrs)
            self._span = (_int(a.get("colspan")), _int(a.get("rowspan")))
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "tr", "table"):
            self._close_cell()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _int(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def parse_html_table(html: str) -> list[HtmlRow]:
    """The rows of one ``<table>…</table>`` with spans expanded to None-covered positions."""
    parser = _TableParser()
    parser.feed_text(html)
    covered: dict[tuple[int, int], bool] = {}  # (row, col) taken by a rowspan from above
    out: list[HtmlRow] = []
    for r, (offset, cells) in enumerate(parser.rows):
        row = HtmlRow(offset)
        col = 0
        for text, colspan, rowspan in cells:
            while covered.pop((r, col), False):
                row.cells.append(None)
                col += 1
            row.cells.append(clean_cell(text))
            row.cells.extend([None] * (colspan - 1))
            for dr in range(1, rowspan):
                for dc in range(colspan):
                    covered[(r + dr, col + dc)] = True
            col += colspan
        while covered.pop((r, col), False):  # spans reaching past the row's last cell
            row.cells.append(None)
            col += 1
        out.append(row)
    return out
