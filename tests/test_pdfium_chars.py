"""The two ways the pdfium reader asks for a page's characters and paths give the same, value for value.

The C loop (``extractor/ingest/_pdfium_loops.c``, built at install where a compiler is found)
makes pdfium's calls for a whole page and works the character boxes out in C; without it, ctypes
makes the calls one at a time and Python does the arithmetic. Every character (box, size, font,
direction), every object of the walk and every path read (draw mode, segments) must be equal,
floats bit for bit, on text drawn every way a page draws it (rotated pages and rotated, skewed, mirrored,
scaled, spaced and risen text, fake bold), on rules of every shape (a form's among them) and on
real documents of both families.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from extractor.ingest import pdfium_calls
from extractor.ingest.pdfium_calls import address, plain
from extractor.ingest.pdfium_chars import read_chars
from extractor.ingest.pdfium_page import (
    _path_reads_batched,
    _path_reads_one_by_one,
    _rotation,
    _walk,
    _walk_batched,
    _walk_one_by_one,
)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

needs_loop = pytest.mark.skipif(
    pdfium_calls.loops is None,
    reason="the C loop was not built (no C compiler at install): only the ctypes path runs",
)


def _features_pdf(path: Path, rotate: int) -> Path:
    """One page, turned ``rotate`` degrees, with text in two embedded fonts at several sizes and
    drawn turned by 90/180/270/30/-15 degrees, skewed, mirrored, flipped, horizontally scaled,
    with character and word spacing, risen, and three times over at 0.25 pt (fake bold)."""
    pytest.importorskip("reportlab")
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    fonts = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont("Vera", str(fonts / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont("VeraBd", str(fonts / "VeraBd.ttf")))
    pdfmetrics.registerFont(TTFont("VeraIt", str(fonts / "VeraIt.ttf")))
    c = canvas.Canvas(str(path), pagesize=(595, 842))
    if rotate:
        c.setPageRotation(rotate)
    y = 800.0
    for font in ("Vera", "VeraBd"):
        for size in (6, 9.5, 12):
            c.setFont(font, size)
            c.drawString(50, y, f"{font} {size} Total 1,234.56 (a) -7.8% fiffl")
            y -= size + 4
    t = c.beginText(50, y)
    t.setFont("Vera", 9)
    t.setHorizScale(80)
    t.textLine("Horizontal scale 80: 12,345.67")
    t.setHorizScale(100)
    t.setCharSpace(1.2)
    t.textLine("Char space 1.2: 98.76")
    t.setCharSpace(0)
    t.setWordSpace(4)
    t.textLine("Word space four 1 2 3")
    t.setWordSpace(0)
    t.setRise(3)
    t.textOut("Risen")
    t.setRise(0)
    t.textLine(" baseline 5.00")
    c.drawText(t)
    for angle in (90, 180, 270, 30, -15):
        c.saveState()
        c.translate(300, 300)
        c.rotate(angle)
        c.setFont("Vera", 8)
        c.drawString(10, 0, f"angle {angle} 45.60")
        c.setFont("VeraIt", 9)  # italic glyphs whose ink reaches past their advance
        c.drawString(10, -12, "fff jjj /// 7.77")
        c.restoreState()
    for matrix, text in (((1, 0, 0.3, 1, 50, 150), "skewed 11.11"), ((1, 0, 0, -1, 50, 120), "mirrored 22.22"),
                         ((-1, 0, 0, 1, 300, 100), "flipped 33.33")):
        c.saveState()
        c.transform(*matrix)
        c.setFont("Vera", 9)
        c.drawString(0, 0, text)
        c.setFont("VeraIt", 9)
        c.drawString(0, -12, "fff jjj /// 7.77")
        c.restoreState()
    for dx in (0, 0.25, 0.5):
        c.setFont("Vera", 10)
        c.drawString(350 + dx, 700, "fake bold 2026")
    # rules: lines, a stroked and a white-filled rectangle, a curve, a closed path, and a form
    c.setLineWidth(0.5)
    for y_rule in (250, 230, 210):
        c.line(350, y_rule, 550, y_rule)
    for x_rule in (350, 450, 550):
        c.line(x_rule, 250, x_rule, 210)
    c.rect(350, 180, 80, 20, stroke=1, fill=0)
    c.setFillColorRGB(1, 1, 1)
    c.rect(440, 180, 80, 20, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    curve = c.beginPath()
    curve.moveTo(350, 160)
    curve.curveTo(380, 170, 420, 150, 450, 160)
    curve.lineTo(450, 140)
    curve.close()
    c.drawPath(curve, stroke=1, fill=1)
    c.beginForm("grid")
    for x_rule in (0, 40, 80):
        c.line(x_rule, 0, x_rule, 30)
    c.rect(0, 0, 80, 30)
    c.endForm()
    c.saveState()
    c.translate(60, 60)
    c.doForm("grid")
    c.restoreState()
    c.showPage()
    c.save()
    return path


def _pages_path_reads(path: Path) -> list[tuple]:
    """Each page's path reads (draw modes and segments) by both paths; the page's object walks
    by both paths are checked equal on the way."""
    out = []
    doc = pdfium.PdfDocument(path)
    try:
        for i in range(len(doc)):
            page = doc[i]
            walk = _walk_batched(address(page.raw))
            assert walk == _walk_one_by_one(address(page.raw))
            paths = [p for p, _ in walk.paths]
            if paths:
                out.append((_path_reads_batched(paths), _path_reads_one_by_one(paths)))
            page.close()
    finally:
        doc.close()
    return out


def _pages_chars(path: Path) -> list[tuple]:
    """Each page's characters by both paths."""
    out = []
    doc = pdfium.PdfDocument(path)
    try:
        for i in range(len(doc)):
            page = doc[i]
            handle = address(page.raw)
            media = page.get_mediabox()
            rotate = plain("FPDFPage_GetRotation")(handle)
            rot, height = _rotation(rotate, media), media[2] if rotate in (1, 3) else media[3]
            objects = _walk(handle)
            textpage = page.get_textpage()
            args = (address(textpage.raw), rot, height, 100.0 * i, objects.fonts, objects.text_fonts)
            out.append((read_chars(*args, batched=True), read_chars(*args, batched=False)))
            textpage.close()
            page.close()
    finally:
        doc.close()
    return out


def _assert_same(path: Path) -> int:
    """The same characters, every value bit for bit (repr tells -0.0 and NaN apart)."""
    chars = 0
    for batched, one_by_one in _pages_chars(path):
        assert len(batched) == len(one_by_one)
        for b, o in zip(batched, one_by_one, strict=True):
            assert list(b) == list(o) and [repr(v) for v in b.values()] == [repr(v) for v in o.values()], (b, o)
        chars += len(batched)
    return chars


@needs_loop
@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_batched_reading_is_the_one_by_one_reading(tmp_path, rotate):
    pdf = _features_pdf(tmp_path / f"features{rotate}.pdf", rotate)
    assert _assert_same(pdf) > 400
    # the page draws text along each axis and skewed (pdfium's box), right way up and not
    (batched, _), = _pages_chars(pdf)
    assert {c["upright"] for c in batched} == {True, False}
    (batched_paths, one_by_one_paths), = _pages_path_reads(pdf)
    assert batched_paths == one_by_one_paths
    assert len(batched_paths) >= 11  # six lines, two rectangles and the closed curve, then the form's


@needs_loop
@pytest.mark.parametrize(
    ("name", "segments"),
    [
        ("corpus/putuo/putuo_justice_bureau_2026_department_budget.pdf", 100),  # one text object a character
        ("corpus/jiangsu/js_swbgt_2019_budget_tables.pdf", 0),  # every page rotated, unruled
        ("corpus/jiangsu/js_swbgt_2017_budget_full.pdf", 0),
    ],
)
def test_batched_reading_on_real_documents(name, segments):
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    assert _assert_same(path) > 1000
    reads = _pages_path_reads(path)
    assert all(batched == one_by_one for batched, one_by_one in reads)
    assert sum(len(path[2]) for batched, _ in reads for path in batched) >= segments


@needs_loop
def test_batched_reading_on_the_bundled_example():
    path = ROOT / "examples" / "002_e70514054a2d30bc.pdf"
    assert _assert_same(path) > 10_000
    reads = _pages_path_reads(path)
    assert reads and all(batched == one_by_one for batched, one_by_one in reads)


def test_reading_without_the_loop_gives_the_same_page(monkeypatch):
    """Whichever path is taken, ``read_page`` gives the same characters and edges (the ctypes
    path is what a machine without a C compiler runs)."""
    from extractor.ingest.pdfium_page import read_page

    path = ROOT / "examples" / "001_6d2149f5b3f07333.pdf"
    doc = pdfium.PdfDocument(path)
    try:
        first = [read_page(doc[i], i + 1, 0.0) for i in range(len(doc))]
        monkeypatch.setattr(pdfium_calls, "loops", None)
        second = [read_page(doc[i], i + 1, 0.0) for i in range(len(doc))]
    finally:
        doc.close()
    assert sum(len(p.chars) for p in first) > 500 and sum(len(p.edges) for p in first) > 50
    assert [(p.chars, p.edges) for p in first] == [(p.chars, p.edges) for p in second]
