"""Read a page's characters and ruling with pdfium (C++, via pypdfium2), as pdfminer would give them.

pdfminer parses content streams in Python; that is most of the cost of reading a page. pdfium
does the same work natively. This module turns its text page and page objects into the dicts
pdfplumber's algorithms take (``page_objects.PageObjects``), computing each box the way pdfminer
does, so both readers lay a page out alike:

- a character's box spans its advance horizontally (pdfium's loose box, or the font's width
  for the character where the glyph's ink reaches past the advance) and ``descent … descent +
  font size`` vertically, from its origin and the font descriptor's descent;
- pdfium's text page leaves out text objects without ink (runs of spaces); each becomes a space
  character at its origin, as pdfminer reports it, so words split where they split there.
  pdfium's own guessed spaces are ignored: pdfminer has no such thing;
- paths become lines, rectangles or curves by pdfminer's rules (``converter.paint_path``), and
  then edges by pdfplumber's own functions; filled white rectangles (backgrounds) carry no edges.

``read_page`` returns None for a page it cannot give faithfully, and the caller reads that page
with pdfplumber: a crop box that is not the media box (or a media box not at the origin), and a
page with text in a font that is not embedded unless it is a Latin font that must carry its
/Widths (``pdfium_fonts.latin_with_widths``; Word leaves Times New Roman out this way).
Without the font pdfium draws a substitute: for a CJK font named but not embedded (STSong-Light, as iText and
reportlab write it) its own CID-to-Unicode table differs from pdfminer's (measured: the 间隔号 in a
name such as 艾尼瓦尔·艾木如拉 reads "・" U+30FB there, "·" U+00B7 in pdfminer, as the gold has it),
and the standard 14 without /Widths move by the substitute's metrics (0.15 pt over a line).

One known difference from pdfminer is pdfminer's: it adds character spacing (Tc) between the
glyphs of a string but not after the last (pdfminer.six issue #1128), so text after a string
shown with Tc ≠ 0 sits Tc too far left there; pdfium follows the spec (PDF 32000 9.4.4).
"""

from __future__ import annotations

import ctypes
from array import array
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from extractor.ingest import pdfium_calls
from extractor.ingest.char_boxes import char_dict, round3
from extractor.ingest.page_objects import Obj, PageObjects, edges_of
from extractor.ingest.pdfium_calls import address, function_address, plain, zeros
from extractor.ingest.pdfium_chars import read_chars
from extractor.ingest.pdfium_fonts import font_of

# Coordinates are rounded to 1/1000 pt: pdfium works in float32, pdfminer in float64 from the
# same decimal numbers; at this precision both give the same values (``round3``).
_WHITE = 0.95  # fill components at or above this (of 1) count as white
_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_NOTHING_DRAWN = 0.01  # a text object's bounds narrower than this: pdfium's own test for no ink
_GETTERS = {name: function_address(name) for name in ("FPDFPage_GetObject", "FPDFFormObj_GetObject")}
_OBJECT_CALLS = tuple(
    function_address(name)
    for name in ("FPDFPageObj_GetType", "FPDFTextObj_GetFont", "FPDFPageObj_GetBounds", "FPDFPageObj_GetMatrix")
)


def read_page(page: pdfium.PdfPage, number: int, doctop: float) -> PageObjects | None:
    """The characters and edges of one page, or None when pdfplumber must read it instead."""
    handle = address(page.raw)
    media, crop = page.get_mediabox(), page.get_cropbox()
    if media[:2] != (0, 0) or crop != media:
        return None
    rotate = plain("FPDFPage_GetRotation")(handle)  # quarter turns clockwise
    rot = _rotation(rotate, media)
    width, height = (media[3], media[2]) if rotate in (1, 3) else (media[2], media[3])
    objects = _walk(handle)
    if objects.unsafe_font:
        return None
    textpage = page.get_textpage()
    try:
        chars = read_chars(address(textpage.raw), rot, height, doctop, objects.fonts, objects.text_fonts)
    finally:
        textpage.close()
    chars += [_space(obj, _mul(ctm, rot), height, doctop, objects.fonts) for obj, ctm in objects.blank_texts]
    edges = _edges([(path, _mul(ctm, rot)) for path, ctm in objects.paths], height, doctop)
    return PageObjects(number=number, width=width, height=height, chars=chars, edges=edges)


@dataclass
class _Objects:
    paths: list = field(default_factory=list)  # (path object, matrix to page space)
    blank_texts: list = field(default_factory=list)  # text objects without ink, with their matrix
    fonts: dict = field(default_factory=dict)  # font handle address → Font
    text_fonts: dict = field(default_factory=dict)  # text object address → its Font
    unsafe_font: bool = False


def _walk(page_handle: int) -> _Objects:
    """Every path and text object of the page, Form XObjects included, with its matrix."""
    if pdfium_calls.loops is not None:
        return _walk_batched(page_handle)
    return _walk_one_by_one(page_handle)


def _walk_one_by_one(page_handle: int) -> _Objects:
    return _walk_with(page_handle, _object_reads_one_by_one)


def _walk_batched(page_handle: int) -> _Objects:
    return _walk_with(page_handle, _object_reads_batched)


def _walk_with(page_handle: int, read) -> _Objects:  # noqa: ANN001 - one of the _object_reads_*
    """The walk, each page's or form's objects read by ``read``."""
    out = _Objects()
    form_count = plain("FPDFFormObj_CountObjects")

    def walk(count: int, getter: str, owner: int, parent: tuple) -> None:
        for obj, kind, font_handle, width, m in read(getter, owner, count):
            if kind == raw.FPDF_PAGEOBJ_TEXT:
                font = out.text_fonts[obj] = font_of(font_handle or None, out.fonts)
                if not font.safe:
                    out.unsafe_font = True
                    return
                if width < _NOTHING_DRAWN:
                    out.blank_texts.append((obj, _mul(m, parent)))
                continue
            if kind not in (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM):
                continue
            ctm = _mul(m, parent)
            if kind == raw.FPDF_PAGEOBJ_PATH:
                out.paths.append((obj, ctm))
            else:
                walk(form_count(obj), "FPDFFormObj_GetObject", obj, ctm)
            if out.unsafe_font:
                return

    walk(plain("FPDFPage_CountObjects")(page_handle), "FPDFPage_GetObject", page_handle, _IDENTITY)
    return out


def _object_reads_one_by_one(getter: str, owner: int, count: int) -> list[tuple]:
    """Each of ``owner``'s objects (``getter``: pdfium's function giving its i-th) as (handle,
    type, font handle of a text, width of a text's bounds, matrix), through ctypes."""
    m = raw.FS_MATRIX()
    m_at = ctypes.addressof(m)
    box = (ctypes.c_float * 4)()  # left, bottom, right, top
    at = [ctypes.addressof(box) + 4 * i for i in range(4)]
    get, kind_of, text_font = plain(getter), plain("FPDFPageObj_GetType"), plain("FPDFTextObj_GetFont")
    bounds, matrix = plain("FPDFPageObj_GetBounds"), plain("FPDFPageObj_GetMatrix")
    out = []
    for i in range(count):
        obj = get(owner, i)
        kind = kind_of(obj)
        font = 0
        if kind == raw.FPDF_PAGEOBJ_TEXT:
            font = text_font(obj)
            bounds(obj, *at)
        if kind in (raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM):
            matrix(obj, m_at)
        out.append((obj, kind, font, box[2] - box[0], (m.a, m.b, m.c, m.d, m.e, m.f)))
    return out


def _object_reads_batched(getter: str, owner: int, count: int) -> list[tuple]:
    """``_object_reads_one_by_one``'s reads, the same calls made by the C loop."""
    if count <= 0:
        return []
    objects, fonts, kinds = zeros("Q", count), zeros("Q", count), zeros("i", count)
    bounds, matrices = zeros("f", 4 * count), zeros("f", 6 * count)  # left, bottom, right, top; a b c d e f
    pdfium_calls.loops.object_calls((_GETTERS[getter], *_OBJECT_CALLS), owner, count, objects, kinds, fonts, bounds, matrices)
    box, matrix = bounds.tolist(), matrices.tolist()
    return [
        (obj, kind, font, box[4 * i + 2] - box[4 * i], tuple(matrix[6 * i : 6 * i + 6]))
        for i, (obj, kind, font) in enumerate(zip(objects.tolist(), kinds.tolist(), fonts.tolist(), strict=True))
    ]


def _r(v: float) -> float:
    return round3(v) + 0.0  # + 0.0 turns -0.0 into 0.0


def _rotation(rotate: int, box: tuple) -> tuple:
    """pdfminer's page matrix for a /Rotate (``PDFPageInterpreter.process_page``)."""
    x0, y0, x1, y1 = box
    return {
        1: (0.0, -1.0, 1.0, 0.0, -y0, x1),
        2: (-1.0, 0.0, 0.0, -1.0, x1, y1),
        3: (0.0, 1.0, -1.0, 0.0, y1, -x0),
    }.get(rotate, (1.0, 0.0, 0.0, 1.0, -x0, -y0))


def _space(obj, ctm: tuple, height: float, doctop: float, fonts: dict) -> Obj:
    """A text object without ink (spaces) as one space character from its origin over the
    advance of a space; ``ctm`` maps its text space to the device."""
    a, b, c, d, e, f = ctm
    size = ctypes.c_float()
    plain("FPDFTextObj_GetFontSize")(obj, ctypes.addressof(size))
    font = font_of(plain("FPDFTextObj_GetFont")(obj), fonts)
    advance = ctypes.c_float()
    if not plain("FPDFFont_GetGlyphWidth")(font.handle, 0x20, size.value, ctypes.addressof(advance)):
        advance.value = 0.25 * size.value  # a quarter em, the narrowest common space
    low = font.descent * size.value
    high = low + size.value
    p0 = (e + c * low, f + d * low)
    p1 = (e + a * advance.value + c * high, f + b * advance.value + d * high)
    x0, x1 = sorted((p0[0], p1[0]))
    y0, y1 = sorted((p0[1], p1[1]))
    upright = a * d > 0 and b * c <= 0
    return char_dict(" ", x0, x1, height - y1, height - y0, doctop, upright, font.name, y1 - y0)


def _mul(m1: tuple, m2: tuple) -> tuple:
    """The matrix product m1 · m2 (m1 applied first), as PDF's [a b c d e f]."""
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


# Called for every path of a page (tens of thousands in a document).
_SEGMENTS, _SEGMENT = plain("FPDFPath_CountSegments"), plain("FPDFPath_GetPathSegment")
_SEGMENT_TYPE, _SEGMENT_POINT = plain("FPDFPathSegment_GetType"), plain("FPDFPathSegment_GetPoint")
_SEGMENT_CLOSE, _DRAW_MODE = plain("FPDFPathSegment_GetClose"), plain("FPDFPath_GetDrawMode")
_FILL_COLOR = plain("FPDFPageObj_GetFillColor")
_PATH_CALLS = tuple(function_address(name) for name in ("FPDFPath_CountSegments", "FPDFPath_GetDrawMode"))
_SEGMENT_CALLS = tuple(
    function_address(name)
    for name in ("FPDFPath_GetPathSegment", "FPDFPathSegment_GetType", "FPDFPathSegment_GetPoint", "FPDFPathSegment_GetClose")
)


def _edges(paths: list, height: float, doctop: float) -> list[Obj]:
    shapes: dict[str, list[Obj]] = {"line": [], "rect": [], "curve": []}
    read = _path_reads_batched if pdfium_calls.loops is not None and paths else _path_reads_one_by_one
    for (path, ctm), (fill, stroke, segments) in zip(paths, read([path for path, _ in paths]), strict=True):
        background = bool(fill) and not stroke and _white_fill(path)
        for kind, obj in _shapes(segments, ctm, background, height, doctop):
            shapes[kind].append(obj)
    return edges_of(shapes["line"], shapes["rect"], shapes["curve"])


def _path_reads_one_by_one(paths: list) -> list[tuple[int, int, list[tuple]]]:
    """Each path's draw mode (fill mode, stroke) and segments (type, x, y, closes), by ctypes."""
    mode = (ctypes.c_int * 2)()  # fill mode, stroke
    mode_at = (ctypes.addressof(mode), ctypes.addressof(mode) + 4)
    point = (ctypes.c_float * 2)()
    x_at, y_at = ctypes.addressof(point), ctypes.addressof(point) + 4
    out = []
    for path in paths:
        segments = []
        _DRAW_MODE(path, *mode_at)
        for i in range(_SEGMENTS(path)):
            seg = _SEGMENT(path, i)
            kind = _SEGMENT_TYPE(seg)
            _SEGMENT_POINT(seg, x_at, y_at)
            segments.append((kind, point[0], point[1], _SEGMENT_CLOSE(seg)))
        out.append((mode[0], mode[1], segments))
    return out


def _path_reads_batched(paths: list) -> list[tuple[int, int, list[tuple]]]:
    """``_path_reads_one_by_one``'s reads, the same calls made by the C loop."""
    n = len(paths)
    handles, counts, modes = array("Q", paths), zeros("i", n), zeros("i", 2 * n)
    pdfium_calls.loops.path_calls(_PATH_CALLS, n, handles, counts, modes)
    total = sum(max(count, 0) for count in counts)
    kinds, points, closes = zeros("i", total), zeros("f", 2 * total), zeros("i", total)
    pdfium_calls.loops.path_segments(_SEGMENT_CALLS, n, handles, counts, kinds, points, closes)
    xy = points.tolist()
    flat = list(zip(kinds.tolist(), xy[0::2], xy[1::2], closes.tolist(), strict=True))
    mode = modes.tolist()
    out = []
    at = 0
    for fill, stroke, count in zip(mode[0::2], mode[1::2], counts.tolist(), strict=True):
        count = max(count, 0)
        out.append((fill, stroke, flat[at : at + count]))
        at += count
    return out


def _shapes(segments: list[tuple], ctm: tuple, background: bool, height: float, doctop: float):
    """pdfminer's ``paint_path`` on one painted path: each subpath a line, rectangle or curve;
    ``background``: a white fill behind text, whose rectangles a reader sees no rule in."""
    a, b, c, d, e, f = ctm
    subpaths: list[tuple[str, list[tuple[float, float]]]] = []
    ops: list[str] = []
    pts: list[tuple[float, float]] = []
    bezier = 0
    for kind, x, y, closes in segments:
        px, py = x * a + y * c + e, x * b + y * d + f
        if kind == raw.FPDF_SEGMENT_MOVETO:
            if ops:
                subpaths.append(("".join(ops), pts))
            ops, pts, bezier = ["m"], [(px, py)], 0
        elif not ops:
            continue  # a path must start with a move; pdfminer ignores one that does not
        elif kind == raw.FPDF_SEGMENT_BEZIERTO:
            bezier += 1
            if bezier % 3:
                continue  # control points: pdfminer keeps only each curve's end point
            ops.append("c")
            pts.append((px, py))
        else:
            ops.append("l")
            pts.append((px, py))
        if closes:
            ops.append("h")
            pts.append(pts[0])
    if ops:
        subpaths.append(("".join(ops), pts))
    for shape, points in subpaths:
        if len(shape) > 3 and shape[-2:] == "lh" and points[-2] == points[0]:
            shape = shape[:-2] + "h"  # a redundant "l" on a closed path, as pdfminer drops it
            points = points[:-2] + points[-1:]
        top_pts = [(_r(px), _r(height - py)) for px, py in points]
        if shape in ("mlh", "ml"):
            yield "line", _obj("line", top_pts[:2], height, doctop)
        elif shape in ("mlllh", "mllll") and _is_rect(points):
            if not background:  # a white fill behind text: a reader sees no rule there
                yield "rect", _obj("rect", [top_pts[0], top_pts[2]], height, doctop)
        else:
            yield "curve", _obj("curve", top_pts, height, doctop)


def _is_rect(pts: list[tuple[float, float]]) -> bool:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3), last = pts
    closed = pts[0] == last
    square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
        y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
    )
    return closed and square


def _white_fill(path) -> bool:
    rgba = (ctypes.c_uint * 4)()
    if not _FILL_COLOR(path, *(ctypes.addressof(rgba) + 4 * i for i in range(4))):
        return False
    return all(v / 255 >= _WHITE for v in rgba[:3])


def _obj(kind: str, pts: list[tuple[float, float]], height: float, doctop: float) -> Obj:
    """A line, rectangle or curve as pdfplumber's object dict (what its ``*_to_edges`` read)."""
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
    return {
        "object_type": kind,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "y0": _r(height - bottom),
        "y1": _r(height - top),
        "doctop": _r(top + doctop),
        "width": _r(x1 - x0),
        "height": _r(bottom - top),
        "pts": pts,
    }
