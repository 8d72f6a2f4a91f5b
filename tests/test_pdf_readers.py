"""The pdfium page reader gives what the pdfplumber reader gives, and hands over what it cannot read.

The default reader (``reader="pdfium"``) must lay every page out as the pdfplumber reader does:
the same lines, cells and words, boxes within 0.01 pt. Checked on PDFs made here with the
features that differ between the two libraries (spaces drawn as their own text objects, a
rotated page, doubled "fake bold" glyphs, a white background fill, a ruled table) and, where
../shared is present, on real documents of both families.
"""

from __future__ import annotations

import random
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest
from pdfplumber.utils import dedupe_chars as plumber_dedupe
from pdfplumber.utils import extract_text

from extractor.ingest.char_boxes import round3
from extractor.ingest.page_objects import PageObjects, cell_text, dedupe_chars
from extractor.ingest.pdf import read_pdf
from extractor.ingest.pdfium_page import read_page
from tests.mutations import pdf_from_objects

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLE = ROOT / "examples" / "002_e70514054a2d30bc.pdf"


def _same(a, b, tol: float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= tol
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y, tol) for x, y in zip(a, b, strict=True))
    return a == b


def _layout(path: Path, reader: str) -> list[tuple]:
    doc = read_pdf(path, reader=reader)  # type: ignore[arg-type]
    return [
        (
            line.provenance.page,
            line.provenance.line,
            line.text,
            line.cells,
            line.grid_start,
            [tuple(w) for w in line.words or []],
            line.provenance.bbox,
        )
        for line in doc.lines
    ]


def _assert_same_layout(path: Path, tol: float = 0.011) -> None:
    """The same lines, cells and words from both readers; positions within ``tol`` pt."""
    ours, ref = _layout(path, "pdfium"), _layout(path, "pdfplumber")
    assert len(ours) == len(ref), f"{path.name}: {len(ours)} lines vs {len(ref)}"
    for a, b in zip(ours, ref, strict=True):
        assert _same(a, b, tol), f"{path.name}:\n pdfium     {a}\n pdfplumber {b}"


def _embedded_font() -> str:
    """Bitstream Vera, shipped with reportlab, embedded in the PDF (as real disclosures embed theirs)."""
    pytest.importorskip("reportlab")
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont("Vera", str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")))
    return "Vera"


def _tricky_pdf(path: Path) -> Path:
    """Two pages in an embedded font: separate space objects in a tight line, fake bold, a white
    background, a ruled table; the second page turned a quarter (/Rotate 90)."""
    font = _embedded_font()
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setFillColorRGB(1, 1, 1)
    c.rect(40, 40, 515, 760, stroke=0, fill=1)  # a page background: no rule
    c.setFillColorRGB(0, 0, 0)
    c.setFont(font, 9)
    # "Total" and "1,234.50" 2.5 pt apart, the space between them drawn on its own: pdfium's
    # text page leaves that object out; the words must still split as pdfplumber splits them.
    c.drawString(60, 780, "Total")
    width = c.stringWidth("Total", font, 9)
    c.drawString(60 + width, 780, " ")
    c.drawString(60 + width + 2.5, 780, "1,234.50")
    for dx in (0.0, 0.3):  # fake bold: the heading drawn twice, 0.3 pt apart
        c.drawString(60 + dx, 760, "Budget summary")
    xs, ys = [60, 200, 320, 440], [700, 680, 660, 640]
    for y in ys:
        c.line(xs[0], y, xs[-1], y)
    for x in xs:
        c.line(x, ys[0], x, ys[-1])
    rows = [("Item", "2025", "2026"), ("Staff", "12.50", "13.75"), ("Total", "1,234.50", "")]
    for (top, _), row in zip(zip(ys, ys[1:], strict=False), rows, strict=True):
        for x, text in zip(xs, row, strict=False):
            c.drawString(x + 4, top - 14, text)
    c.showPage()
    c.setPageRotation(90)
    c.setFont(font, 10)
    c.saveState()
    # Drawn turned a quarter anticlockwise, so it reads upright once the page is turned: here
    # (X, Y) lands at X across and Y up the turned page (842 × 595).
    c.translate(595, 0)
    c.rotate(90)
    c.drawString(60, 500, "Rotated page: 2026 amount 88.00")
    for y in (460, 440, 420):
        c.line(60, y, 400, y)
    for x in (60, 230, 400):
        c.line(x, 460, x, 420)
    c.drawString(64, 446, "Income")
    c.drawString(234, 446, "42.00")
    c.drawString(64, 426, "Spending")
    c.drawString(234, 426, "46.00")
    c.restoreState()
    c.showPage()
    c.save()
    return path


def test_tricky_pdf_reads_alike(tmp_path):
    pdf = _tricky_pdf(tmp_path / "tricky.pdf")
    doc = read_pdf(pdf)
    assert doc.page_readers == ["pdfium", "pdfium"]  # a rotated page needs no hand-over
    texts = [line.text for line in doc.lines]
    assert "Total 1,234.50" in texts  # the space object still splits the words
    assert "Budget summary" in texts  # the doubled glyphs are one
    assert any(line.cells == ["Income", "42.00"] for line in doc.lines)  # the rotated page's grid
    assert "Rotated page: 2026 amount 88.00" in texts
    assert any(line.cells == ["Staff", "12.50", "13.75"] for line in doc.lines)
    # reportlab's subset says /Widths one unit wider than its font program's advances; pdfium
    # places glyphs by the program, pdfminer by /Widths: about 0.005 pt a character, 0.17 pt by
    # the end of a 30-character line. Real disclosures agree to 0.01 pt (below).
    _assert_same_layout(pdf, tol=0.25)


def test_bundled_example_reads_alike():
    _assert_same_layout(EXAMPLE)


@pytest.mark.parametrize(
    "name",
    [
        "corpus/putuo/putuo_justice_bureau_2026_department_budget.pdf",  # spaces as own objects
        "corpus/jiangsu/js_swbgt_2019_budget_tables.pdf",  # every page rotated, unruled tables
    ],
)
def test_real_documents_read_alike(name):
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    assert set(read_pdf(path).page_readers) == {"pdfium"}
    _assert_same_layout(path)


def test_unembedded_fonts_go_to_pdfplumber(tmp_path):
    """Without the font file pdfium substitutes its own: a page in a font named but not
    embedded (STSong-Light, as iText and reportlab write it; Helvetica) is read by pdfplumber,
    which takes the metrics the PDF gives."""
    pytest.importorskip("reportlab")
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "cid.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    c.drawString(60, 780, "一般公共预算")
    # STSong-Light has no U+00B7: the 间隔号 is drawn as U+30FB, whose CID pdfminer reads as "·"
    # and pdfium's own table as "・"
    c.drawString(60, 766, "艾尼瓦尔\u30fb艾木如拉")
    c.showPage()
    c.setFont("Helvetica", 9)
    c.drawString(60, 780, "Total 1,234.50")
    c.showPage()
    c.save()
    doc = read_pdf(path)
    assert doc.page_readers == ["pdfplumber", "pdfplumber"]
    assert [line.text for line in doc.lines] == ["一般公共预算", "艾尼瓦尔·艾木如拉", "Total 1,234.50"]


def _chars_of(path: Path, pages: int = 6) -> list[list[dict]]:
    with pdfplumber.open(path) as pdf:
        return [list(p.chars) for p in pdf.pages[:pages]]


def test_dedupe_keeps_what_pdfplumber_keeps():
    for chars in _chars_of(EXAMPLE):
        # doubled glyphs planted at random: the same character again, offset below the tolerance
        rng = random.Random(len(chars))
        doubled = chars + [
            {**c, "x0": c["x0"] + 0.4, "x1": c["x1"] + 0.4, "doctop": c["doctop"] + 0.2}
            for c in rng.sample(chars, k=min(40, len(chars)))
        ]
        for sample in (chars, doubled):
            expected = plumber_dedupe(sample)
            got = dedupe_chars(sample)
            assert [id(c) for c in got] == [id(c) for c in expected]
        assert len(dedupe_chars(doubled)) == len(dedupe_chars(chars))


def test_dedupe_chains_clusters_as_pdfplumber_does():
    """Dense random pages: clusters of three and more, chained in doctop across a line, equal
    positions (the first printed must survive), several fonts and sizes."""
    rng = random.Random(7)
    for _ in range(200):
        chars = []
        for _ in range(rng.randint(1, 60)):
            x0, top = rng.choice((0.0, 0.5, 1.0, 1.7, 3.0)) + rng.random(), rng.choice((0.0, 0.9, 1.8, 5.0))
            chars.append(
                {
                    "text": rng.choice("的年元"),
                    "fontname": rng.choice(("A", "B")),
                    "size": rng.choice((9.0, 10.5)),
                    "upright": rng.random() < 0.9,
                    "x0": x0,
                    "x1": x0 + 9,
                    "top": top,
                    "bottom": top + 9,
                    "doctop": top,
                }
            )
        assert [id(c) for c in dedupe_chars(chars)] == [id(c) for c in plumber_dedupe(chars)]


def test_round3_is_round():
    rng = random.Random(3)
    values = [rng.uniform(-1000, 400_000) for _ in range(20_000)]
    values += [k / 16 for k in range(-2000, 2000)]  # exact ties (x.xxx5 in binary): half to even
    values += [k / 1000 + e for k in range(-3000, 3000, 7) for e in (0.0005, -0.0005, 5e-13, -5e-13)]
    values += [0.0, -0.0, -0.0004, 0.0004, 1e300, -1e300, float("inf"), float("-inf"), 5e-324]
    for v in values:
        expected, got = round(v, 3), round3(v)
        assert got == expected and str(got) == str(expected), v
    assert str(round3(float("nan"))) == "nan"


def test_cell_text_is_pdfplumbers():
    with pdfplumber.open(EXAMPLE) as pdf:
        page = next(p for p in pdf.pages if p.find_tables())
        checked = 0
        for table in page.find_tables():
            for row in table.rows:
                for cell in row.cells:
                    if cell is None:
                        continue
                    chars = [c for c in page.chars if _mid_in(c, cell)]
                    if chars:
                        assert cell_text(chars) == extract_text(chars)
                        checked += 1
        assert checked > 20
    # the cases the short cut must hand to pdfplumber: two lines, a gap, a space
    a = {"text": "1", "x0": 0.0, "x1": 5.0, "top": 0.0, "bottom": 9.0, "doctop": 0.0, "upright": True}
    two_lines = [a, {**a, "text": "2", "top": 10.0, "bottom": 19.0, "doctop": 10.0}]
    gap = [a, {**a, "text": "2", "x0": 9.0, "x1": 14.0}]
    space = [a, {**a, "text": " ", "x0": 5.0, "x1": 7.0}, {**a, "text": "2", "x0": 7.0, "x1": 12.0}]
    for chars in (two_lines, gap, space, [a, {**a, "text": "2", "x0": 5.0, "x1": 10.0}]):
        assert cell_text(chars) == extract_text(chars)
    assert cell_text(gap) == "1 2" and cell_text(two_lines) == "1\n2"


def test_table_text_is_pdfplumbers_extract():
    """Every ruled table of the two example PDFs (36): the same cell texts as pdfplumber's
    ``Table.extract()``."""
    pdfs = [EXAMPLE, ROOT / "examples" / "001_6d2149f5b3f07333.pdf"]
    tables = 0
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                found = page.find_tables()
                if not found:
                    continue
                objects = PageObjects(number, page.width, page.height, page.chars, page.edges, page.bbox)
                ours = objects.find_tables()
                assert [t.bbox for t in ours] == [t.bbox for t in found]
                for table, theirs in zip(ours, found, strict=True):
                    assert objects.table_text(table) == theirs.extract()
                    tables += 1
    assert tables > 30


def _mid_in(char: dict, bbox: tuple) -> bool:
    v, h = (char["top"] + char["bottom"]) / 2, (char["x0"] + char["x1"]) / 2
    return bbox[0] <= h < bbox[2] and bbox[1] <= v < bbox[3]


def test_threads_read_alike(tmp_path):
    """pdfium is not thread-safe; the reader serialises its calls, so threads get what one gets."""
    from concurrent.futures import ThreadPoolExecutor

    pdf = _tricky_pdf(tmp_path / "tricky.pdf")
    paths = [pdf, EXAMPLE] * 3
    alone = [[line.text for line in read_pdf(p).lines] for p in paths]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda p: [line.text for line in read_pdf(p).lines], paths))
    assert together == alone


def _word_style_pdf(path: Path, flags: int) -> Path:
    """A page in a TrueType font named but not embedded, as Word writes Times New Roman: its
    /Widths (all 500 here, unlike the real face, so a reader using its own metrics shows) and
    a descriptor with the given /Flags. The first line sets character spacing (Tc 0.5) over
    two strings; by the PDF spec (9.4.4) Tc follows every glyph, the last of a string too."""
    content = (
        b"BT /F1 12 Tf 0.5 Tc 72 100 Td (AB) Tj (CD) Tj ET\n"
        b"BT /F1 12 Tf 0 Tc 72 60 Td (Total 12.50) Tj ET\n"
    )
    widths = " ".join(["500"] * 95)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 200] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /TrueType /BaseFont /TimesNewRomanPSMT /FirstChar 32 /LastChar 126 "
        b"/Widths [" + widths.encode() + b"] /Encoding /WinAnsiEncoding /FontDescriptor 6 0 R >>",
        b"<< /Type /FontDescriptor /FontName /TimesNewRomanPSMT /Flags %d /FontBBox [-568 -216 2046 693] "
        b"/ItalicAngle 0 /Ascent 891 /Descent -216 /CapHeight 662 /StemV 87 >>" % flags,
    ]
    path.write_bytes(pdf_from_objects(objects))
    return path


def test_unembedded_latin_font_with_widths_is_read_by_pdfium(tmp_path):
    """Word leaves Times New Roman out of the file and writes its /Widths: pdfium places the
    glyphs by them, so it reads the page, and character spacing follows the spec.

    pdfminer adds Tc only between the glyphs of a string (pdfminer.six issue #1128), which
    puts the next string Tc too far left; here the expected boxes are worked out by hand."""
    pdf = _word_style_pdf(tmp_path / "word.pdf", flags=34)  # Nonsymbolic | Serif
    doc = read_pdf(pdf)
    assert doc.page_readers == ["pdfium"]
    assert [line.text for line in doc.lines] == ["ABCD", "Total 12.50"]
    with pdfium.PdfDocument(pdf) as source:
        chars = read_page(source[0], 1, 0.0).chars
    first = [c for c in chars if c["text"] in "ABCD" and c["top"] < 100]
    # each glyph advances 500/1000 × 12 = 6 pt, and Tc 0.5 after every one of them
    assert [(c["text"], c["x0"], c["x1"]) for c in first] == [
        ("A", 72.0, 78.0),
        ("B", 78.5, 84.5),
        ("C", 85.0, 91.0),
        ("D", 91.5, 97.5),
    ]
    # vertically from the descriptor's descent: 200 - (100 - 2.592 + 12) = 90.592
    assert {(c["top"], c["bottom"]) for c in first} == {(90.592, 102.592)}


def test_unembedded_symbolic_font_goes_to_pdfplumber(tmp_path):
    """A font not embedded whose descriptor says Symbolic (as CJK fonts named but not embedded
    are flagged) may lack glyphs in pdfium's substitute: pdfplumber reads that page."""
    doc = read_pdf(_word_style_pdf(tmp_path / "symbolic.pdf", flags=4))
    assert doc.page_readers == ["pdfplumber"]
    assert [line.text for line in doc.lines] == ["ABCD", "Total 12.50"]


def _random_edges(rng: random.Random) -> list[dict]:
    """Rules of a grid with some segments missing, as merged cells and gaps leave them."""
    xs = sorted(rng.sample(range(20, 560, 10), k=rng.randint(2, 9)))
    ys = sorted(rng.sample(range(20, 800, 8), k=rng.randint(2, 14)))
    edges = []
    for y in ys:
        for a, b in zip(xs, xs[1:], strict=False):
            if rng.random() < 0.8:
                edges.append({"x0": a, "x1": b, "top": y, "bottom": y, "width": b - a, "height": 0, "orientation": "h"})
    for x in xs:
        for a, b in zip(ys, ys[1:], strict=False):
            if rng.random() < 0.8:
                edges.append({"x0": x, "x1": x, "top": a, "bottom": b, "width": 0, "height": b - a, "orientation": "v"})
    return edges


def test_cells_are_pdfplumbers():
    """The faster cell step gives pdfplumber's cells, in its order, on random broken grids and
    on the ruled pages of the bundled example."""
    from pdfplumber.table import edges_to_intersections
    from pdfplumber.table import intersections_to_cells as plumber_cells

    from extractor.ingest.page_objects import intersections_to_cells

    rng = random.Random(7)
    grids = [_random_edges(rng) for _ in range(200)]
    with pdfplumber.open(EXAMPLE) as pdf:
        grids += [p.edges for p in pdf.pages[:12] if p.edges]
    found = 0
    for edges in grids:
        points = edges_to_intersections(edges, 3, 3)
        expected = plumber_cells(points)
        assert intersections_to_cells(points) == expected
        found += len(expected)
    assert found > 1000


def test_text_beside_a_grid_is_its_own_line(tmp_path):
    """A note printed beside a ruled grid, on the baseline of one of its rows, is a line of the
    page; the grid's characters stay in its cells and are not repeated as page text. (When lines
    were built from every character, the note joined the row's line, which began inside the grid
    and was dropped with it.)"""
    font = _embedded_font()
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "beside.pdf"
    c = canvas.Canvas(str(pdf), pagesize=(595, 842))
    c.setFont(font, 9)
    xs, ys = [60, 160, 260], [700, 680, 660]
    for y in ys:
        c.line(xs[0], y, xs[-1], y)
    for x in xs:
        c.line(x, ys[0], x, ys[-1])
    for (top, _), row in zip(zip(ys, ys[1:], strict=False), [("Item", "2026"), ("Staff", "13.75")], strict=True):
        for x, text in zip(xs, row, strict=False):
            c.drawString(x + 4, top - 14, text)
    c.drawString(300, 666, "Note: unit 10k yuan")  # outside the grid, on the second row's baseline
    c.showPage()
    c.save()
    for reader in ("pdfium", "pdfplumber"):
        lines = read_pdf(pdf, reader=reader).lines
        assert [line.cells for line in lines if line.cells] == [["Item", "2026"], ["Staff", "13.75"]]
        assert [line.text for line in lines if not line.cells] == ["Note: unit 10k yuan"]


def _jittered_edges(rng: random.Random) -> list[dict]:
    """Edges as real drawings leave them: a grid's rules drawn as pieces (lines and rectangle
    sides) off by fractions of a point, so snapping chains positions within 3 pt and joining
    meets gaps and overlaps around its 3 pt tolerance; pieces shorter than 1 and 3 pt; float
    positions with ties; edges with and without doctop/y0/y1."""
    edges = []
    for orientation in ("h", "v"):
        lines = sorted(rng.sample(range(20, 560, 6), k=rng.randint(1, 12)))
        for pos in lines:
            at = float(rng.randint(10, 100))
            for _ in range(rng.randint(1, 6)):
                p = pos + rng.choice([0.0, 0.0, rng.uniform(-2.9, 2.9), rng.choice([1.5, 3.0, -3.0, 0.5])])
                length = rng.choice([0.5, 2.0, 2.9, 3.0, rng.uniform(0.0, 80.0)])
                a, b = at, at + length
                at = b + rng.choice([0.0, 1.0, 3.0, 3.0001, rng.uniform(-5.0, 8.0)])
                if orientation == "h":
                    e = {"x0": a, "x1": b, "top": p, "bottom": p, "width": b - a, "height": 0.0, "orientation": "h"}
                else:
                    e = {"x0": p, "x1": p, "top": a, "bottom": b, "width": 0.0, "height": b - a, "orientation": "v"}
                if rng.random() < 0.7:
                    e["doctop"] = e["top"] + 842.0
                    e["y0"], e["y1"] = 842.0 - e["bottom"], 842.0 - e["top"]
                edges.append(e)
    rng.shuffle(edges)
    return edges


def test_ruled_edges_are_pdfplumbers():
    """The faster edge step gives ``TableFinder.get_edges``' edges (same dicts, same order) on
    random drawings and on every page of the example PDFs and the real documents."""
    from pdfplumber.table import TableFinder, TableSettings

    from extractor.ingest.ruled_edges import ruled_edges

    def reference(edges: list[dict]) -> list[dict]:
        finder = TableFinder.__new__(TableFinder)
        finder.page, finder.settings = PageObjects(1, 600.0, 842.0, [], edges), TableSettings.resolve(None)
        return finder.get_edges()

    rng = random.Random(11)
    drawings = [_jittered_edges(rng) for _ in range(400)] + [_random_edges(rng) for _ in range(100)]
    pdfs = sorted((ROOT / "examples").glob("*.pdf")) + sorted(SHARED.glob("corpus/*/*.pdf"))
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            drawings += [p.edges for p in pdf.pages if p.edges]
    moved = 0
    for edges in drawings:
        expected = reference(edges)
        assert ruled_edges(edges) == expected
        moved += sum(e not in edges for e in expected)  # snapped or joined: new edges
    assert moved > 2000
