"""The whitespace-only PDF renderings of the seeds (tests/renderings/pdf_renderings.py) print every
gold table value, draw no ruling lines or rectangles, and the ``continued`` style really breaks a
table over a page without repeating its header."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import pytest

pytest.importorskip("reportlab")
pdfplumber = pytest.importorskip("pdfplumber")

from tests.conftest import EXAMPLES, GOLD, SEEDS  # noqa: E402
from tests.renderings.pdf_renderings import STYLES, render  # noqa: E402

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_AMOUNT = re.compile(r"^\d[\d,]*\.\d+$")


def _norm(token: str) -> str:
    return token.strip(",").replace(",", "")


def _read(pdf):
    """[(words, number of line/rect/curve objects) per page] of one PDF."""
    with pdfplumber.open(pdf) as opened:
        return [
            (
                [{k: w[k] for k in ("text", "x0", "x1", "top")} for w in page.extract_words()],
                len(page.lines) + len(page.rects) + len(page.curves),
            )
            for page in opened.pages
        ]


@pytest.fixture(scope="session")
def pdf_pages(tmp_path_factory):
    """{(doc, style): [(words, number of line/rect/curve objects) per page]}, rendered and read once
    (reading is most of the time: one process per core)."""
    out_dir = tmp_path_factory.mktemp("pdf_renderings")
    keys = [(doc, style) for doc in SEEDS for style in STYLES]
    pdfs = [render(EXAMPLES / f"{doc}.txt", out_dir / f"{doc}.{style}.pdf", style) for doc, style in keys]
    workers = min(len(pdfs), os.cpu_count() or 1)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            read = list(pool.map(_read, pdfs))
    else:
        read = [_read(pdf) for pdf in pdfs]
    return dict(zip(keys, read, strict=True))


def _gold_values(doc: str) -> Counter:
    gold = json.loads((GOLD / doc / "tables.json").read_text(encoding="utf-8"))
    return Counter(_norm(cell["value"]) for table in gold["tables"] for cell in table["cells"])


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("doc", SEEDS)
def test_every_gold_value_printed(pdf_pages, doc, style):
    printed = Counter(
        _norm(token)
        for words, _ in pdf_pages[doc, style]
        for w in words
        for token in _NUMBER.findall(w["text"])
    )
    gold = _gold_values(doc)
    assert sum(gold.values()) > 100
    short = {value: (n, printed[value]) for value, n in gold.items() if printed[value] < n}
    assert not short, short


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("doc", SEEDS)
def test_no_ruling_lines_or_rectangles(pdf_pages, doc, style):
    pages = pdf_pages[doc, style]
    assert len(pages) > 5
    assert [k for k, (_, graphics) in enumerate(pages, 1) if graphics] == []


def _first_line(words):
    if not words:
        return []
    top = min(w["top"] for w in words)
    return sorted((w for w in words if w["top"] - top < 3), key=lambda w: w["x0"])


def _is_table_row(line) -> bool:
    """Cells apart by at least a character's width, one of them an amount (a prose line that starts
    a page has its words one space apart)."""
    gaps = [b["x0"] - a["x1"] for a, b in zip(line, line[1:], strict=False)]
    return len(line) >= 2 and min(gaps) >= 8 and any(_AMOUNT.match(w["text"]) for w in line)


def _is_header_line(line) -> bool:
    """Cells apart by at least a character's width, none of them an amount."""
    gaps = [b["x0"] - a["x1"] for a, b in zip(line, line[1:], strict=False)]
    return len(line) >= 2 and min(gaps) >= 8 and not any(_AMOUNT.match(w["text"]) for w in line)


@pytest.mark.parametrize("doc", SEEDS)
def test_continued_table_goes_on_without_header(pdf_pages, doc):
    pages = pdf_pages[doc, "continued"]
    starts = [k for k, (words, _) in enumerate(pages) if k and _is_table_row(_first_line(words))]
    assert starts, "no page starts with a table row"
    # the 目录 page lists the table titles, one a line, without leaders or page numbers
    toc = next(words for words, _ in pages[:4] if any(w["text"] == "一、部门收支总体情况表" for w in words))
    assert not any("…" in w["text"] or "..." in w["text"] for w in toc)
    # in the other styles a table that goes on over a page repeats its header rows instead
    for style in ("unruled", "narrow"):
        pages = pdf_pages[doc, style]
        assert not [k for k, (words, _) in enumerate(pages) if k and _is_table_row(_first_line(words))], style
        seen: set[str] = set()
        repeated = []
        for words, _ in pages:
            first = _first_line(words)
            text = " ".join(w["text"] for w in first)
            if text in seen and _is_header_line(first):
                repeated.append(text)
            seen.update(_lines(words))
        assert repeated, f"{style}: no table goes on over a page under its repeated header"


def _lines(words) -> set[str]:
    rows: dict[int, list] = {}
    for w in words:
        rows.setdefault(round(w["top"]), []).append(w)
    return {" ".join(w["text"] for w in sorted(ws, key=lambda w: w["x0"])) for ws in rows.values()}
