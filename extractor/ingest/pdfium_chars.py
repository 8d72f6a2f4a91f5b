"""A text page's characters, as pdfminer boxes them: origin, advance, font, matrix, from pdfium.

Each character's box runs from its origin over its advance and from the font's descent over
the font size, in text space (``char_boxes`` does that arithmetic). The advance is where
pdfium's loose box ends, or the font's width for the character where the glyph's ink reaches
past the advance (pdfium's loose box then ends at the ink).

pdfium is asked six things a character. Where the package's C loop is built
(``pdfium_calls.loops``), it makes those calls for the whole page into arrays and works the
boxes out from them (``_chars_batched``); otherwise ctypes makes the calls one at a time and
Python does the arithmetic (``_records_one_by_one``, ``char_boxes.char_dicts``). Both give
the same characters, bit for bit (tested).
"""

from __future__ import annotations

import ctypes
from array import array

import pypdfium2.raw as raw

from extractor.ingest import pdfium_calls
from extractor.ingest.char_boxes import CharRecords, char_dicts, made_dict, round3
from extractor.ingest.pdfium_calls import function_address, plain, zeros
from extractor.ingest.pdfium_fonts import NO_FONT, Font, font_of
from extractor.ingest.text_runs import Obj

# pdfium's guessed line breaks and its hyphen marks: no glyph of the page (its guessed spaces,
# 0x20 marked generated, are tested one by one).
_NOT_GLYPHS = (0x0D, 0x0A, 0xFFFE, 0x02)
_AXES = ("", "+x", "-x", "+y", "-y")
# The functions the C loop calls, in its order.
_CHAR_CALLS = tuple(
    map(
        function_address,
        (
            "FPDFText_GetTextObject",
            "FPDFText_GetLooseCharBox",
            "FPDFText_GetCharOrigin",
            "FPDFText_GetCharBox",
            "FPDFText_GetMatrix",
            "FPDFText_GetFontSize",
        ),
    )
)
_GLYPH_WIDTH = function_address("FPDFFont_GetGlyphWidth")


def read_chars(
    tp: int, rot: tuple, height: float, doctop: float, fonts: dict, text_fonts: dict, batched: bool | None = None
) -> list[Obj]:
    """The characters of text page ``tp`` as pdfplumber's dicts, through the page's rotation
    ``rot`` into top-left coordinates of a page ``height`` high, ``doctop`` down the document.
    ``text_fonts``: each text object's font, from the page's walk (``fonts``: by handle).
    ``batched``: through the C loop (None: where it is built)."""
    n = plain("FPDFText_CountChars")(tp)
    if n <= 0:
        return []
    codes = _codes(tp, n)
    if batched is None:
        batched = pdfium_calls.loops is not None
    if batched:
        return _chars_batched(tp, n, codes, rot, height, doctop, fonts, text_fonts)
    return char_dicts(_records_one_by_one(tp, n, codes, rot, fonts, text_fonts), rot, height, doctop)


class _Styles:
    """The page's text objects in reading order, each once its first character is met: what
    their characters share (``rows``, ``CharRecords.styles``' shape), with the font, direction
    and scale of the advance, and the font size of each (``looks``)."""

    def __init__(self, rot: tuple, fonts: dict, text_fonts: dict) -> None:
        self.rot, self.fonts, self.text_fonts = rot, fonts, text_fonts
        self.rows: list[tuple] = []  # (a, b, c, d, low, high, upright, fontname)
        self.looks: list[tuple[Font, str, float, float]] = []  # (font, axis, scale, font size)
        self._shapes: dict[tuple, tuple[str, float, bool]] = {}  # matrix → axis, scale, upright
        self._text_font = plain("FPDFTextObj_GetFont")

    def add(self, key: int | None, a: float, b: float, c: float, d: float, size_ts: float) -> tuple[Font, str, float]:
        """The style of text object ``key`` (None: a character with none), shown with matrix
        ``(a, b, c, d)`` at ``size_ts``; returns its font and its advance's axis and scale."""
        font = self.text_fonts.get(key) or font_of(self._text_font(key) if key else None, self.fonts)
        shape = self._shapes.get((a, b, c, d))
        if shape is None:  # often one object a character, most with the same matrix
            axis, scale = _advance_axis(a, b, c, d)
            ra, rb, rc, rd, _, _ = self.rot
            shape = self._shapes[(a, b, c, d)] = (axis, scale, _upright(a, b, c, d, ra, rb, rc, rd))
        axis, scale, upright = shape
        low = font.descent * size_ts
        self.rows.append((a, b, c, d, low, low + size_ts, upright, font.name))
        self.looks.append((font, axis, scale, size_ts))
        return font, axis, scale


def _kept(tp: int, codes: list[int]) -> list[int]:
    """The characters that are glyphs of the page (not pdfium's guessed spaces, line breaks or
    hyphen marks)."""
    is_generated = plain("FPDFText_IsGenerated")
    return [i for i, code in enumerate(codes) if code not in _NOT_GLYPHS and not (code == 0x20 and is_generated(tp, i))]


def _records_one_by_one(tp: int, n: int, codes: list[int], rot: tuple, fonts: dict, text_fonts: dict) -> CharRecords:
    loose = raw.FS_RECTF()
    matrix = raw.FS_MATRIX()
    xy = (ctypes.c_double * 2)()
    ink = (ctypes.c_double * 4)()  # left, right, bottom, top
    advance = ctypes.c_float()
    loose_at, matrix_at, advance_at = ctypes.addressof(loose), ctypes.addressof(matrix), ctypes.addressof(advance)
    x_at, y_at = ctypes.addressof(xy), ctypes.addressof(xy) + 8
    ink_l, ink_r, ink_b, ink_t = (ctypes.addressof(ink) + 8 * i for i in range(4))
    text_object, get_matrix, font_size = (
        plain("FPDFText_GetTextObject"),
        plain("FPDFText_GetMatrix"),
        plain("FPDFText_GetFontSize"),
    )
    loose_box, origin, ink_box = plain("FPDFText_GetLooseCharBox"), plain("FPDFText_GetCharOrigin"), plain("FPDFText_GetCharBox")
    glyph_width = plain("FPDFFont_GetGlyphWidth")
    styles = _Styles(rot, fonts, text_fonts)
    rec = CharRecords(styles=styles.rows)
    texts, xs, ys, advs, style_of = rec.texts, rec.xs, rec.ys, rec.advs, rec.style_of
    last_key = None
    font, axis, scale, size_ts = NO_FONT, "", 0.0, 0.0
    for i in _kept(tp, codes):
        code = codes[i]
        key = text_object(tp, i)
        if key != last_key or key is None:  # a text object starts (or a character has none)
            last_key = key
            get_matrix(tp, i, matrix_at)
            size_ts = font_size(tp, i)
            font, axis, scale = styles.add(key, matrix.a, matrix.b, matrix.c, matrix.d, size_ts)
        loose_box(tp, i, loose_at)
        origin(tp, i, x_at, y_at)
        x, y = xy[0], xy[1]
        if axis:
            ink_box(tp, i, ink_l, ink_r, ink_b, ink_t)
            if axis == "+x":  # the common case, inline
                reach, ink_reach = loose.right - x, ink[1] - x
            else:
                reach, ink_reach = _reach(axis, x, y, loose, ink)
            # Where the loose box ends at the ink, the advance is the font's width for it.
            if abs(reach - ink_reach) < 0.01 and glyph_width(font.handle, code, size_ts, advance_at):
                advs.append(advance.value)
            else:
                advs.append(reach / scale)
        else:  # skewed: pdfium's box
            rec.boxes[len(texts)] = (loose.left, loose.bottom, loose.right, loose.top)
            advs.append(0.0)
        texts.append(chr(code))
        xs.append(x)
        ys.append(y)
        style_of.append(len(styles.rows) - 1)
    return rec


def _chars_batched(
    tp: int, n: int, codes: list[int], rot: tuple, height: float, doctop: float, fonts: dict, text_fonts: dict
) -> list[Obj]:
    """``char_dicts`` of ``_records_one_by_one``, from the C loop: the same pdfium calls, made for
    the whole page (``char_calls``), and the same arithmetic on what they return (``char_boxes``)."""
    loops = pdfium_calls.loops
    objects, loose, origins = zeros("Q", n), zeros("f", 4 * n), zeros("d", 2 * n)
    ink, matrices, sizes = zeros("d", 4 * n), zeros("f", 6 * n), zeros("d", n)
    loops.char_calls(_CHAR_CALLS, tp, n, objects, loose, origins, ink, matrices, sizes)
    kept = _kept(tp, codes)
    keys, matrix, size_of = objects.tolist(), matrices.tolist(), sizes.tolist()
    styles = _Styles(rot, fonts, text_fonts)
    style_of: list[int] = []
    last = None
    for i in kept:
        key = keys[i]
        if key != last or not key:  # a text object starts (or a character has none)
            last = key
            styles.add(key or None, *matrix[6 * i : 6 * i + 4], size_of[i])
        style_of.append(len(styles.rows) - 1)
    numbers = [v for row, (_, _, scale, size_ts) in zip(styles.rows, styles.looks, strict=True) for v in (*row[:6], scale, size_ts)]
    m = len(kept)
    out, exact = zeros("d", 5 * m), zeros("i", 5 * m)
    loops.char_boxes(
        _GLYPH_WIDTH,
        m,
        array("i", kept),
        array("i", style_of),
        array("I", codes),
        array("d", numbers),
        array("i", [_AXES.index(axis) for _, axis, _, _ in styles.looks]),
        array("Q", [font.handle or 0 for font, _, _, _ in styles.looks]),
        loose,
        origins,
        ink,
        rot,
        height,
        out,
        exact,
    )
    v = out.tolist()
    if 0 in exact:  # next to a tie, zero or not finite: rounded as round3 rounds it
        for q, done in enumerate(exact):
            if not done:
                v[q] = round3(v[q])
    rows = styles.rows
    return [
        made_dict(chr(codes[i]), v[5 * j], v[5 * j + 1], v[5 * j + 2], v[5 * j + 3], doctop, *rows[k][6:], v[5 * j + 4])
        for j, (i, k) in enumerate(zip(kept, style_of, strict=True))
    ]


def _upright(a: float, b: float, c: float, d: float, ra: float, rb: float, rc: float, rd: float) -> bool:
    """pdfminer's upright test, on the text matrix taken into device space."""
    da, db, dc, dd = a * ra + b * rc, a * rb + b * rd, c * ra + d * rc, c * rb + d * rd
    return da * dd > 0 and db * dc <= 0


def _advance_axis(a: float, b: float, c: float, d: float) -> tuple[str, float]:
    """The user-space direction text advances in ("+x", "-x", "+y", "-y", or "" when skewed),
    with the matrix's scale along it."""
    eps = 1e-6
    if abs(b) < eps and abs(c) < eps and abs(a) > eps:
        return ("+x" if a > 0 else "-x"), abs(a)
    if abs(a) < eps and abs(d) < eps and abs(b) > eps:
        return ("+y" if b > 0 else "-y"), abs(b)
    return "", 0.0


def _reach(axis: str, x: float, y: float, loose, ink) -> tuple[float, float]:
    """How far the loose box and the ink reach from the origin along the advance."""
    left, right, bottom, top = ink
    if axis == "+x":
        return loose.right - x, right - x
    if axis == "-x":
        return x - loose.left, x - left
    if axis == "+y":
        return loose.top - y, top - y
    return y - loose.bottom, y - bottom


def _codes(tp: int, n: int) -> list[int]:
    """Every character's code point, in one call where the page has no surrogate pairs."""
    buf = (ctypes.c_ushort * (n + 1))()
    got = plain("FPDFText_GetText")(tp, 0, n, ctypes.addressof(buf))
    codes = list(buf[:n])
    if got != n + 1 or any(0xD800 <= c <= 0xDFFF for c in codes):
        unicode = plain("FPDFText_GetUnicode")
        codes = [unicode(tp, i) for i in range(n)]
    return codes
