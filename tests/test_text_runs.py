"""``text_runs`` gives pdfplumber's words, text lines, line clusters and text exactly, on real pages and on
random ones made to hit its edge cases (spaces, empty texts, ligatures, characters stepping
back, overlapping lines, rotated characters and NaN coordinates, which go to pdfplumber)."""

from __future__ import annotations

import random
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pdfplumber.utils import chars_to_textmap, cluster_objects, extract_text, extract_words
from pdfplumber.utils.text import WordExtractor

from extractor.ingest import text_runs
from extractor.ingest.page_objects import dedupe_chars
from extractor.ingest.pdfium_page import read_page

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PDFS = sorted((ROOT / "examples").glob("*.pdf")) + sorted((SHARED / "corpus" / "jiangsu").glob("*tables.pdf"))


def _pages(path: Path) -> list[list[dict]]:
    doc = pdfium.PdfDocument(path)
    try:
        out, doctop = [], 0.0
        for i in range(len(doc)):
            page = doc[i]
            objects = read_page(page, i + 1, doctop)
            page.close()
            if objects is not None:
                out.append(dedupe_chars(objects.chars))
                doctop += objects.height
        return out
    finally:
        doc.close()


def _plumber_lines(chars: list[dict]) -> list[dict]:
    # as the reader called it, with the page's box (unused by the text, needed when there are no chars)
    textmap = chars_to_textmap(chars, layout_bbox=(0, 0, 595, 842), layout_width=595, layout_height=842)
    return textmap.extract_text_lines(strip=True, return_chars=False)


def _same_as_pdfplumber(chars: list[dict]) -> None:
    for tol in (1, 3):
        expected = list(WordExtractor(y_tolerance=tol).iter_extract_tuples(chars))
        got = text_runs.word_tuples(chars, tol)
        assert [(w, [id(c) for c in cs]) for w, cs in got] == [(w, [id(c) for c in cs]) for w, cs in expected]
        assert text_runs.words(chars, tol) == extract_words(chars, y_tolerance=tol)
    assert text_runs.text_lines(chars) == _plumber_lines(chars)
    for tol in (0, 1, 3):
        expected = [[id(c) for c in line] for line in cluster_objects(chars, "top", tol)]
        assert [[id(c) for c in line] for line in text_runs.line_clusters(chars, tol)] == expected
    assert text_runs.text(chars) == extract_text(chars)


@pytest.mark.parametrize("path", PDFS, ids=lambda p: p.name)
def test_real_pages(path: Path):
    pages = _pages(path)
    assert sum(map(len, pages)) > 1000
    for chars in pages:
        _same_as_pdfplumber(chars)
        # a cell's worth: one row of characters, as table_text hands them over
        if chars:
            top = chars[len(chars) // 2]["top"]
            _same_as_pdfplumber([c for c in chars if abs(c["top"] - top) < 12])


TEXTS = ["的", "年", "1", ".", " ", "\u3000", "", "ﬁ", "元"]


def _random_page(rng: random.Random, upright: float, texts: list[str] = TEXTS) -> list[dict]:
    chars = []
    for _ in range(rng.randint(0, 80)):
        x0 = rng.choice((0.0, 4.0, 9.5, 10.0, 20.0, 33.0)) + rng.choice((0.0, 0.5, rng.random() * 4))
        top = rng.choice((0.0, 1.0, 2.9, 3.0, 3.1, 6.5, 12.0)) + rng.choice((0.0, rng.random()))
        width = rng.choice((3.0, 5.0, 9.0))
        chars.append(
            {
                "text": rng.choice(texts),
                "x0": x0,
                "x1": x0 + width,
                "top": top,
                "bottom": top + rng.choice((7.0, 9.0)),
                "doctop": top + 800.0,
                "upright": rng.random() < upright,
                "size": 9.0,
            }
        )
    return chars


def test_random_pages():
    rng = random.Random(11)
    for _ in range(400):
        _same_as_pdfplumber(_random_page(rng, upright=1.0))
    for _ in range(400):  # no spaces or empty texts: text lines take the direct path too
        _same_as_pdfplumber(_random_page(rng, upright=1.0, texts=["的", "年", "1", ".", "ﬁ"]))
    for _ in range(50):  # rotated characters among them: pdfplumber's own path
        _same_as_pdfplumber(_random_page(rng, upright=0.8))


def test_nan_coordinates_go_to_pdfplumber():
    chars = _random_page(random.Random(5), upright=1.0) + [
        {"text": "x", "x0": float("nan"), "x1": 1.0, "top": 2.0, "bottom": 9.0, "doctop": 2.0, "upright": True}
    ]
    got = text_runs.words(chars)
    assert len(got) == len(extract_words(chars))
