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
/Widths (``_latin_with_widths``; Word leaves Times New Roman out this way). Without the font
pdfium draws a substitute: for a CJK font named but not embedded (STSong-Light, as iText and
reportlab write it) its own CID-to-Unicode table differs from pdfminer's (measured: the 间隔号 in a
name such as 艾尼瓦尔·艾木如拉 reads "・" U+30FB there, "·" U+00B7 in pdfminer, as the gold has it),
and the standard 14 without /Widths move by the substitute's metrics (0.15 pt over a line).

One known difference from pdfminer is pdfminer's: it adds character spacing (Tc) between the
glyphs of a string but not after the last (pdfminer.six issue #1128), so text after a string
shown with Tc ≠ 0 sits Tc too far left there; pdfium follows the spec (PDF 32000 9.4.4).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from math import floor

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from extractor.ingest.page_objects import Obj, PageObjects, edges_of
from extractor.ingest.pdfium_calls import address, plain

# Coordinates are rounded to 1/1000 pt: pdfium works in float32, pdfminer in float64 from the
# same decimal numbers; at this precision both give the same values (``round3``).
_WHITE = 0.95  # fill components at or above this (of 1) count as white
_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


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
        chars = _chars(address(textpage.raw), (rot, height), doctop, objects)
    finally:
        textpage.close()
    chars += [_space(obj, _mul(ctm, rot), height, doctop, objects.fonts) for obj, ctm in objects.blank_texts]
    edges = _edges([(path, _mul(ctm, rot)) for path, ctm in objects.paths], height, doctop)
    return PageObjects(number=number, width=width, height=height, chars=chars, edges=edges)


@dataclass
class _Objects:
    paths: list = field(default_factory=list)  # (path object, matrix to page space)
    blank_texts: list = field(default_factory=list)  # text objects without ink, with their matrix
    fonts: dict = field(default_factory=dict)  # font handle address → _Font
    text_fonts: dict = field(default_factory=dict)  # text object address → its _Font
    unsafe_font: bool = False


@dataclass(frozen=True)
class _Font:
    name: str
    descent: float  # as a share of the font size (negative below the baseline)
    handle: object
    safe: bool  # pdfium places its characters as the PDF says (see _read_font)
    embedded: bool = True


def _walk(page_handle: int) -> _Objects:
    """Every path and text object of the page, Form XObjects included, with its matrix."""
    out = _Objects()
    m = raw.FS_MATRIX()
    m_at = ctypes.addressof(m)
    box = (ctypes.c_float * 4)()  # left, bottom, right, top
    at = [ctypes.addressof(box) + 4 * i for i in range(4)]
    kind_of, text_font = plain("FPDFPageObj_GetType"), plain("FPDFTextObj_GetFont")
    bounds, matrix = plain("FPDFPageObj_GetBounds"), plain("FPDFPageObj_GetMatrix")
    form_count, form_object = plain("FPDFFormObj_CountObjects"), plain("FPDFFormObj_GetObject")

    def walk(count, get, owner, parent) -> None:
        for i in range(count):
            obj = get(owner, i)
            kind = kind_of(obj)
            if kind == raw.FPDF_PAGEOBJ_TEXT:
                font = out.text_fonts[obj] = _font_of(text_font(obj), out.fonts)
                if not font.safe:
                    out.unsafe_font = True
                    return
                bounds(obj, *at)
                if box[2] - box[0] < 0.01:  # pdfium's own test for "nothing drawn"
                    matrix(obj, m_at)
                    out.blank_texts.append((obj, _mul((m.a, m.b, m.c, m.d, m.e, m.f), parent)))
                continue
            if kind not in (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM):
                continue
            matrix(obj, m_at)
            ctm = _mul((m.a, m.b, m.c, m.d, m.e, m.f), parent)
            if kind == raw.FPDF_PAGEOBJ_PATH:
                out.paths.append((obj, ctm))
            else:
                walk(form_count(obj), form_object, obj, ctm)
            if out.unsafe_font:
                return

    walk(plain("FPDFPage_CountObjects")(page_handle), plain("FPDFPage_GetObject"), page_handle, _IDENTITY)
    return out


def _font_of(handle: int | None, fonts: dict) -> _Font:
    font = fonts.get(handle)
    if font is None:
        font = fonts[handle] = _read_font(handle)
    return font


def _read_font(handle: int | None) -> _Font:
    if not handle:
        return _Font("", 0.0, handle, False)
    descent = ctypes.c_float()
    plain("FPDFFont_GetDescent")(handle, 1000.0, ctypes.addressof(descent))
    base_name = plain("FPDFFont_GetBaseFontName")
    n = base_name(handle, None, 0)
    name = ""
    if n > 1:
        buf = ctypes.create_string_buffer(n)
        base_name(handle, ctypes.addressof(buf), n)
        name = buf.value.decode("latin-1")  # PDF names are bytes; only compared and deduplicated
    embedded = bool(plain("FPDFFont_GetIsEmbedded")(handle))
    safe = embedded or _latin_with_widths(name, plain("FPDFFont_GetFlags")(handle))
    return _Font(name, descent.value / 1000.0, handle, safe, embedded)


_NONSYMBOLIC, _SYMBOLIC = 1 << 5, 1 << 2  # font descriptor /Flags bits 6 and 3
_STANDARD_14 = ("Times-", "Times,", "Helvetica", "Courier", "Symbol", "ZapfDingbats")


def _latin_with_widths(name: str, flags: int) -> bool:
    """A font that is not embedded, is standard Latin (its descriptor says Nonsymbolic) and is
    not one of the standard 14: the PDF must then give its /Widths, which pdfium positions by,
    as pdfminer does. The standard 14 may come without widths (pdfium's own metrics differ
    from Adobe's by up to 0.15 pt), and a CJK font named but not embedded is Symbolic."""
    if flags < 0 or not flags & _NONSYMBOLIC or flags & _SYMBOLIC:
        return False
    return not name.startswith(_STANDARD_14) and name not in ("Times", "Helvetica", "Courier")


def round3(v: float) -> float:
    """``round(v, 3)``, exactly, in 170 ns instead of 450 (``round`` with digits formats the
    number as decimal digits; a character's dict rounds five numbers).

    Away from a tie, the integer nearest to ``v * 1000`` is the decimal rounding, and dividing
    it by 1000 is correctly rounded, as ``round``'s result is. The product's own rounding error
    (under 1e-4 for any page coordinate) can only matter next to a tie, so values within 1e-4
    of one, zero (``round`` keeps the sign of -0.0), and anything not finite go to ``round``."""
    t = v * 1000.0
    if -1e12 < t < 1e12:
        n = floor(t + 0.5)
        if n and -0.4999 < t - n < 0.4999:
            return n / 1000.0
    return round(v, 3)


def _r(v: float) -> float:
    return round3(v) + 0.0  # + 0.0 turns -0.0 into 0.0


def _chars(tp: int, page: tuple, doctop: float, objects: _Objects) -> list[Obj]:
    """The text page's characters with pdfminer's boxes: from the origin over the advance and
    from the font's descent over the font size, in text space, then through the page's
    rotation (``page`` = rotation matrix, device height). ``objects``: the page's walk, which
    has read each text object's font."""
    fonts, text_fonts = objects.fonts, objects.text_fonts
    n = plain("FPDFText_CountChars")(tp)
    if n <= 0:
        return []
    rot, height = page
    ra, rb, rc, rd, rx, ry = rot
    codes = _codes(tp, n)
    loose = raw.FS_RECTF()
    matrix = raw.FS_MATRIX()
    xy = (ctypes.c_double * 2)()
    ink = (ctypes.c_double * 4)()  # left, right, bottom, top
    advance = ctypes.c_float()
    loose_at, matrix_at, advance_at = ctypes.addressof(loose), ctypes.addressof(matrix), ctypes.addressof(advance)
    xy_at = (ctypes.addressof(xy), ctypes.addressof(xy) + 8)
    ink_at = tuple(ctypes.addressof(ink) + 8 * i for i in range(4))
    text_object, is_generated = plain("FPDFText_GetTextObject"), plain("FPDFText_IsGenerated")
    get_matrix, font_size, text_font = plain("FPDFText_GetMatrix"), plain("FPDFText_GetFontSize"), plain("FPDFTextObj_GetFont")
    loose_box, origin, ink_box = plain("FPDFText_GetLooseCharBox"), plain("FPDFText_GetCharOrigin"), plain("FPDFText_GetCharBox")
    glyph_width = plain("FPDFFont_GetGlyphWidth")
    out: list[Obj] = []
    last_key = None
    # What the characters of one text object share: matrix, font size, font, direction.
    # (as a zero matrix leaves them: a first matrix equal to it is not worked out again)
    a = b = c = d = size_ts = scale = 0.0
    axis = ""
    upright = False
    font = _Font("", 0.0, None, False)
    for i in range(n):
        code = codes[i]
        # pdfium's guessed spaces and line breaks, and its hyphen marks: no glyph of the page.
        if code in (0x0D, 0x0A, 0xFFFE, 0x02) or (code == 0x20 and is_generated(tp, i)):
            continue
        key = text_object(tp, i)
        if key != last_key or key is None:
            last_key = key
            get_matrix(tp, i, matrix_at)
            size_ts = font_size(tp, i)
            font = text_fonts.get(key) or _font_of(text_font(key) if key else None, fonts)
            if (matrix.a, matrix.b, matrix.c, matrix.d) != (a, b, c, d):  # often one object a character
                a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
                axis, scale = _advance_axis(a, b, c, d)
                # pdfminer's upright test, on the matrix in device space
                da, db, dc, dd = a * ra + b * rc, a * rb + b * rd, c * ra + d * rc, c * rb + d * rd
                upright = da * dd > 0 and db * dc <= 0
        loose_box(tp, i, loose_at)
        origin(tp, i, *xy_at)
        x, y = xy[0], xy[1]
        if axis:
            ink_box(tp, i, *ink_at)
            if axis == "+x":  # the common case, inline
                reach, ink_reach = loose.right - x, ink[1] - x
            else:
                reach, ink_reach = _reach(axis, x, y, loose, ink)
            # Where the loose box ends at the ink, the advance is the font's width for it.
            if abs(reach - ink_reach) < 0.01 and glyph_width(font.handle, code, size_ts, advance_at):
                adv = advance.value
            else:
                adv = reach / scale
            low = font.descent * size_ts
            high = low + size_ts
            ux, uy = x + c * low, y + d * low
            vx, vy = x + a * adv + c * high, y + b * adv + d * high
        else:  # skewed: pdfium's box
            ux, uy, vx, vy = loose.left, loose.bottom, loose.right, loose.top
        # Through the page's rotation to device space, then top-left coordinates.
        px, py = ra * ux + rc * uy + rx, rb * ux + rd * uy + ry
        qx, qy = ra * vx + rc * vy + rx, rb * vx + rd * vy + ry
        x0, x1 = (px, qx) if px <= qx else (qx, px)
        y0, y1 = (py, qy) if py <= qy else (qy, py)
        out.append(_char(chr(code), x0, x1, height - y1, height - y0, doctop, upright, font.name, y1 - y0))
    return out


def _advance_axis(a: float, b: float, c: float, d: float) -> tuple[str, float]:
    """The user-space direction text advances in ("+x", "-x", "+y", "-y", or "" when skewed),
    with the matrix's scale along it."""
    eps = 1e-6
    if abs(b) < eps and abs(c) < eps and abs(a) > eps:
        return ("+x" if a > 0 else "-x"), abs(a)
    if abs(a) < eps and abs(d) < eps and abs(b) > eps:
        return ("+y" if b > 0 else "-y"), abs(b)
    return "", 0.0


def _reach(axis: str, x: float, y: float, loose, ink: list) -> tuple[float, float]:
    """How far the loose box and the ink reach from the origin along the advance."""
    left, right, bottom, top = ink
    if axis == "+x":
        return loose.right - x, right - x
    if axis == "-x":
        return x - loose.left, x - left
    if axis == "+y":
        return loose.top - y, top - y
    return y - loose.bottom, y - bottom


def _rotation(rotate: int, box: tuple) -> tuple:
    """pdfminer's page matrix for a /Rotate (``PDFPageInterpreter.process_page``)."""
    x0, y0, x1, y1 = box
    return {
        1: (0.0, -1.0, 1.0, 0.0, -y0, x1),
        2: (-1.0, 0.0, 0.0, -1.0, x1, y1),
        3: (0.0, 1.0, -1.0, 0.0, y1, -x0),
    }.get(rotate, (1.0, 0.0, 0.0, 1.0, -x0, -y0))


def _codes(tp: int, n: int) -> list[int]:
    """Every character's code point, in one call where the page has no surrogate pairs."""
    buf = (ctypes.c_ushort * (n + 1))()
    got = plain("FPDFText_GetText")(tp, 0, n, ctypes.addressof(buf))
    codes = list(buf[:n])
    if got != n + 1 or any(0xD800 <= c <= 0xDFFF for c in codes):
        unicode = plain("FPDFText_GetUnicode")
        codes = [unicode(tp, i) for i in range(n)]
    return codes


def _space(obj, ctm: tuple, height: float, doctop: float, fonts: dict) -> Obj:
    """A text object without ink (spaces) as one space character from its origin over the
    advance of a space; ``ctm`` maps its text space to the device."""
    a, b, c, d, e, f = ctm
    size = ctypes.c_float()
    plain("FPDFTextObj_GetFontSize")(obj, ctypes.addressof(size))
    font = _font_of(plain("FPDFTextObj_GetFont")(obj), fonts)
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
    return _char(" ", x0, x1, height - y1, height - y0, doctop, upright, font.name, y1 - y0)


def _char(text, x0, x1, top, bottom, doctop, upright, fontname, size) -> Obj:
    """A character as pdfplumber's dicts have it (the keys its text and table code reads)."""
    x0, x1, top, bottom = round3(x0), round3(x1), round3(top), round3(bottom)
    return {
        "object_type": "char",
        "text": text,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "width": x1 - x0,
        "height": bottom - top,
        "doctop": top + doctop,
        "upright": upright,
        "fontname": fontname,
        "size": round3(size),
    }


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


def _edges(paths: list, height: float, doctop: float) -> list[Obj]:
    shapes: dict[str, list[Obj]] = {"line": [], "rect": [], "curve": []}
    out = _Out()  # one set of out-parameters for all the page's paths
    for path, ctm in paths:
        for kind, obj in _shapes(path, ctm, height, doctop, out):
            shapes[kind].append(obj)
    return edges_of(shapes["line"], shapes["rect"], shapes["curve"])


class _Out:
    """Out-parameters of the path calls, with their addresses."""

    def __init__(self) -> None:
        self.mode = (ctypes.c_int * 2)()  # fill mode, stroke
        self.mode_at = (ctypes.addressof(self.mode), ctypes.addressof(self.mode) + 4)
        self.point = (ctypes.c_float * 2)()
        self.point_at = (ctypes.addressof(self.point), ctypes.addressof(self.point) + 4)


def _shapes(path, ctm: tuple, height: float, doctop: float, out: _Out):
    """pdfminer's ``paint_path`` on one painted path: each subpath a line, rectangle or curve."""
    mode = out.mode
    _DRAW_MODE(path, *out.mode_at)
    background = bool(mode[0]) and not mode[1] and _white_fill(path)
    a, b, c, d, e, f = ctm
    point, point_at = out.point, out.point_at
    subpaths: list[tuple[str, list[tuple[float, float]]]] = []
    ops: list[str] = []
    pts: list[tuple[float, float]] = []
    bezier = 0
    for i in range(_SEGMENTS(path)):
        seg = _SEGMENT(path, i)
        kind = _SEGMENT_TYPE(seg)
        _SEGMENT_POINT(seg, *point_at)
        x, y = point
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
        if _SEGMENT_CLOSE(seg):
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
