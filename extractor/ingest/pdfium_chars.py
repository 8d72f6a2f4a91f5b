"""A text page's characters, as pdfminer boxes them: origin, advance, font, matrix, from pdfium.

Each character's box runs from its origin over its advance and from the font's descent over
the font size, in text space (``char_boxes`` does that arithmetic). The advance is where
pdfium's loose box ends, or the font's width for the character where the glyph's ink reaches
past the advance (pdfium's loose box then ends at the ink).

pdfium is asked six things a character. Where the package's C loop is built
(``pdfium_calls.loops``), it makes those calls for the whole page into arrays and numpy works
through them (``_records_batched``); otherwise ctypes makes them one at a time
(``_records_one_by_one``). Both give the same records, value for value (tested).
"""

from __future__ import annotations

import ctypes

import numpy as np
import pypdfium2.raw as raw

from extractor.ingest import pdfium_calls
from extractor.ingest.char_boxes import CharRecords, char_dicts
from extractor.ingest.pdfium_calls import function_address, plain
from extractor.ingest.pdfium_fonts import NO_FONT, Font, font_of
from extractor.ingest.text_runs import Obj

# pdfium's guessed line breaks and its hyphen marks: no glyph of the page (its guessed spaces,
# 0x20 marked generated, are tested one by one).
_NOT_GLYPHS = (0x0D, 0x0A, 0xFFFE, 0x02)
_AXES = ("", "+x", "-x", "+y", "-y")


def read_chars(tp: int, rot: tuple, height: float, doctop: float, fonts: dict, text_fonts: dict) -> list[Obj]:
    """The characters of text page ``tp`` as pdfplumber's dicts, through the page's rotation
    ``rot`` into top-left coordinates of a page ``height`` high, ``doctop`` down the document.
    ``text_fonts``: each text object's font, from the page's walk (``fonts``: by handle)."""
    n = plain("FPDFText_CountChars")(tp)
    if n <= 0:
        return []
    rec = records(tp, n, rot, fonts, text_fonts)
    return char_dicts(rec, rot, height, doctop)


def records(tp: int, n: int, rot: tuple, fonts: dict, text_fonts: dict, batched: bool | None = None) -> CharRecords:
    """What the page's ``n`` characters are, before their boxes; ``batched``: through the C loop
    (None: where it is built)."""
    codes = _codes(tp, n)
    if batched is None:
        batched = pdfium_calls.loops is not None
    if batched:
        return _records_batched(tp, n, codes, rot, fonts, text_fonts)
    return _records_one_by_one(tp, n, codes, rot, fonts, text_fonts)


def _records_one_by_one(tp: int, n: int, codes: list[int], rot: tuple, fonts: dict, text_fonts: dict) -> CharRecords:
    ra, rb, rc, rd, _, _ = rot
    loose = raw.FS_RECTF()
    matrix = raw.FS_MATRIX()
    xy = (ctypes.c_double * 2)()
    ink = (ctypes.c_double * 4)()  # left, right, bottom, top
    advance = ctypes.c_float()
    loose_at, matrix_at, advance_at = ctypes.addressof(loose), ctypes.addressof(matrix), ctypes.addressof(advance)
    x_at, y_at = ctypes.addressof(xy), ctypes.addressof(xy) + 8
    ink_l, ink_r, ink_b, ink_t = (ctypes.addressof(ink) + 8 * i for i in range(4))
    text_object, is_generated = plain("FPDFText_GetTextObject"), plain("FPDFText_IsGenerated")
    get_matrix, font_size, text_font = plain("FPDFText_GetMatrix"), plain("FPDFText_GetFontSize"), plain("FPDFTextObj_GetFont")
    loose_box, origin, ink_box = plain("FPDFText_GetLooseCharBox"), plain("FPDFText_GetCharOrigin"), plain("FPDFText_GetCharBox")
    glyph_width = plain("FPDFFont_GetGlyphWidth")
    rec = CharRecords()
    texts, xs, ys, advs, style_of, styles = rec.texts, rec.xs, rec.ys, rec.advs, rec.style_of, rec.styles
    last_key = None
    # What the characters of one text object share: matrix, font size, font, direction.
    # (as a zero matrix leaves them: a first matrix equal to it is not worked out again)
    a = b = c = d = size_ts = scale = 0.0
    axis = ""
    upright = False
    font = NO_FONT
    style = -1
    for i in range(n):
        code = codes[i]
        if code in _NOT_GLYPHS or (code == 0x20 and is_generated(tp, i)):
            continue
        key = text_object(tp, i)
        if key != last_key or key is None:
            last_key = key
            get_matrix(tp, i, matrix_at)
            size_ts = font_size(tp, i)
            font = text_fonts.get(key) or font_of(text_font(key) if key else None, fonts)
            if (matrix.a, matrix.b, matrix.c, matrix.d) != (a, b, c, d):  # often one object a character
                a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
                axis, scale = _advance_axis(a, b, c, d)
                upright = _upright(a, b, c, d, ra, rb, rc, rd)
            low = font.descent * size_ts
            styles.append((a, b, c, d, low, low + size_ts, upright, font.name))
            style += 1
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
        style_of.append(style)
    return rec


def _records_batched(tp: int, n: int, codes: list[int], rot: tuple, fonts: dict, text_fonts: dict) -> CharRecords:
    """``_records_one_by_one``'s records, from the C loop's arrays: the same calls, the same
    float32 and float64 values, the same operations in the same order, done over arrays."""
    ra, rb, rc, rd, _, _ = rot
    objects = np.empty(n, dtype=np.uint64)
    loose = np.empty((n, 4), dtype=np.float32)  # left, top, right, bottom
    origins = np.empty((n, 2), dtype=np.float64)
    ink = np.empty((n, 4), dtype=np.float64)  # left, right, bottom, top
    matrices = np.empty((n, 6), dtype=np.float32)
    sizes = np.empty(n, dtype=np.float64)
    pdfium_calls.loops.char_calls(_char_functions(), tp, n, objects, loose, origins, ink, matrices, sizes)
    code = np.array(codes, dtype=np.int64)
    keep = ~np.isin(code, _NOT_GLYPHS)
    is_generated = plain("FPDFText_IsGenerated")
    for i in np.flatnonzero(keep & (code == 0x20)).tolist():
        if is_generated(tp, i):
            keep[i] = False
    at = np.flatnonzero(keep)
    keys = objects[at]
    # A text object starts where the object changes (or is none), among the kept characters.
    starts = np.ones(len(at), dtype=bool)
    starts[1:] = keys[1:] != keys[:-1]
    starts |= keys == 0
    rec = CharRecords()
    text_font = plain("FPDFTextObj_GetFont")
    fonts_used: list[Font] = []
    sizes_used: list[float] = []
    axis_of: list[int] = []
    scale_of: list[float] = []
    shapes: dict[tuple, tuple[str, float, bool]] = {}
    first = at[starts]
    for key, m, size_ts in zip(keys[starts].tolist(), matrices[first, :4].tolist(), sizes[first].tolist(), strict=True):
        key = key or None
        font = text_fonts.get(key) or font_of(text_font(key) if key else None, fonts)
        a, b, c, d = m
        shape = shapes.get((a, b, c, d))
        if shape is None:
            axis, scale = _advance_axis(a, b, c, d)
            shape = shapes[(a, b, c, d)] = (axis, scale, _upright(a, b, c, d, ra, rb, rc, rd))
        axis, scale, upright = shape
        low = font.descent * size_ts
        rec.styles.append((a, b, c, d, low, low + size_ts, upright, font.name))
        fonts_used.append(font)
        sizes_used.append(size_ts)
        axis_of.append(_AXES.index(axis))
        scale_of.append(scale)
    style_of = np.cumsum(starts) - 1
    axis = np.array(axis_of, dtype=np.int64)[style_of]
    scale = np.array(scale_of, dtype=np.float64)[style_of]
    x, y = origins[at, 0], origins[at, 1]
    lb = loose[at].astype(np.float64)
    left, top, right, bottom = lb[:, 0], lb[:, 1], lb[:, 2], lb[:, 3]
    ink = ink[at]
    # _reach, by axis: how far the loose box and the ink reach from the origin along the advance
    reach = np.select([axis == 1, axis == 2, axis == 3, axis == 4], [right - x, x - left, top - y, y - bottom], 0.0)
    ink_reach = np.select(
        [axis == 1, axis == 2, axis == 3, axis == 4], [ink[:, 1] - x, x - ink[:, 0], ink[:, 3] - y, y - ink[:, 2]], 0.0
    )
    along = axis != 0
    adv = np.zeros(len(at), dtype=np.float64)
    np.divide(reach, scale, out=adv, where=along)
    # Where the loose box ends at the ink, the advance is the font's width for it.
    glyph_width = plain("FPDFFont_GetGlyphWidth")
    advance = ctypes.c_float()
    advance_at = ctypes.addressof(advance)
    with np.errstate(invalid="ignore"):
        at_ink = np.flatnonzero(along & (np.abs(reach - ink_reach) < 0.01))
    kept_codes = code[at]
    for j, k in zip(at_ink.tolist(), style_of[at_ink].tolist(), strict=True):
        if glyph_width(fonts_used[k].handle, int(kept_codes[j]), sizes_used[k], advance_at):
            adv[j] = advance.value
    for j in np.flatnonzero(~along).tolist():  # skewed: pdfium's box
        rec.boxes[j] = (float(left[j]), float(bottom[j]), float(right[j]), float(top[j]))
    rec.texts = [chr(c) for c in kept_codes.tolist()]
    rec.xs, rec.ys, rec.advs, rec.style_of = x.tolist(), y.tolist(), adv.tolist(), style_of.tolist()
    return rec


def _char_functions() -> tuple[int, ...]:
    """The addresses of the functions the C loop calls, in its order."""
    names = (
        "FPDFText_GetTextObject",
        "FPDFText_GetLooseCharBox",
        "FPDFText_GetCharOrigin",
        "FPDFText_GetCharBox",
        "FPDFText_GetMatrix",
        "FPDFText_GetFontSize",
    )
    return tuple(map(function_address, names))


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
