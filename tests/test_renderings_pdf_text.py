"""The whitespace-only PDF renderings of the seeds (tests/renderings/pdf_renderings.py) print every
gold table value, draw no ruling lines or rectangles and no two words over each other, and the
``continued`` style really breaks a table over a page without repeating its header; ``topaligned``
and ``sparse`` print what makes them what they are (top-aligned rows, grouped amounts, their
titles, the 单位 line, page footers)."""

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
from tests.renderings.pdf_renderings import STYLES, grouped, render  # noqa: E402

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_AMOUNT = re.compile(r"^\d[\d,]*\.\d+$")


def _norm(token: str) -> str:
    return token.strip(",").replace(",", "")


def _read(pdf):
    """[(words, number of line/rect/curve objects) per page] of one PDF."""
    with pdfplumber.open(pdf) as opened:
        return [
            (
                [{k: w[k] for k in ("text", "x0", "x1", "top", "bottom")} for w in page.extract_words()],
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
    for style in ("unruled", "narrow", "sparse"):
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


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("doc", SEEDS)
def test_no_two_words_overlap(pdf_pages, doc, style):
    for k, (words, _) in enumerate(pdf_pages[doc, style], 1):
        ws = sorted(words, key=lambda w: w["x0"])
        for i, a in enumerate(ws):
            for b in ws[i + 1 :]:
                if b["x0"] >= a["x1"] - 0.3:
                    break
                overlap = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
                assert overlap <= 0.3, (k, a, b)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1234.56", "1,234.56"), ("-2305044.3", "-2,305,044.3"), ("1000", "1,000"), ("996.43", "996.43")]
    + [("274,685.00", "274,685.00"), ("100%", "100%"), ("2026 年", "2026 年")],
)
def test_grouped_amounts(raw, expected):
    assert grouped(raw) == expected
    assert _norm(grouped(raw)) == _norm(raw)


def _words_in_lines(pages):
    return [line for words, _ in pages for line in _lines(words)]


@pytest.mark.parametrize("doc", SEEDS)
def test_topaligned_titles_and_rows(pdf_pages, doc):
    pages = pdf_pages[doc, "topaligned"]
    lines = _words_in_lines(pages)
    assert "表一 部门收支总体情况表" in lines
    assert "表三 部门支出总体情况表" in lines
    # a wrapped label: its first line carries the row's amounts, the rest hangs below them
    seen = 0
    for words, _ in pages:
        for label in (w for w in words if w["text"].startswith("机关事业单位基本") and len(w["text"]) < 16):
            seen += 1
            beside = [w["text"] for w in words if abs(w["top"] - label["top"]) < 0.5]
            below = [
                w for w in words if 0 < w["top"] - label["top"] < 12 and abs(w["x0"] - label["x0"]) < 0.5
            ]
            assert any(_AMOUNT.match(t) for t in beside), beside
            assert below, label
            hanging = [w["text"] for w in words if abs(w["top"] - below[0]["top"]) < 0.5]
            assert not any(_AMOUNT.match(t) for t in hanging), hanging
    assert seen >= 3


@pytest.mark.parametrize("doc", SEEDS)
def test_sparse_titles_unit_line_and_footers(pdf_pages, doc):
    pages = pdf_pages[doc, "sparse"]
    assert "附表1：部门收支总体情况表" in _words_in_lines(pages)
    # "单位：万元" on a line of its own above every numbered table, right of the 编制部门 line
    alone = [
        (w, meta)
        for words, _ in pages
        for w in words
        if w["text"] == "单位：万元" and all(abs(v["top"] - w["top"]) > 0.5 for v in words if v is not w)
        for meta in [
            w2 for w2 in words if w2["text"].startswith("编制部门") and 0 < w["top"] - w2["top"] < 20
        ]
    ]
    assert len(alone) >= 11 and all(w["x1"] > meta["x1"] for w, meta in alone)
    for k, (words, _) in enumerate(pages, 1):
        bottom = max(words, key=lambda w: w["top"])
        foot = " ".join(w["text"] for w in sorted(words, key=lambda w: w["x0"]) if w["top"] == bottom["top"])
        assert foot == f"第 {k} 页", (k, foot)
