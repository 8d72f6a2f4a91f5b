"""A page's character boxes worked out all at once: the arithmetic of ``pdfium_page`` over arrays.

Reading a page asks pdfium for each character's origin and advance; turning those into
pdfminer's boxes (text space to device space, top-left coordinates, rounded to 1/1000 pt) was
two dozen Python float operations and five roundings a character, a third of reading a page's
characters. Here numpy does the same IEEE operations, in the same order, over the page's
arrays, so every value is the one the per-character code gave (checked by the tests against
that code). numpy comes with matplotlib, which the review pages need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import floor

import numpy as np

from extractor.ingest.text_runs import Obj


@dataclass
class CharRecords:
    """What the reader records of a page's characters, one entry a character, before their boxes.

    A character advances ``adv`` from its origin ``(x, y)`` in text space; ``style`` indexes
    ``styles``: its text object's matrix ``(a, b, c, d)``, the font's descent and top over the
    baseline (``low``, ``high``), pdfminer's upright flag and the font name. A character whose
    matrix is skewed has pdfium's loose box instead (``boxes``: position → ux, uy, vx, vy)."""

    texts: list[str] = field(default_factory=list)
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    advs: list[float] = field(default_factory=list)
    style_of: list[int] = field(default_factory=list)
    styles: list[tuple] = field(default_factory=list)  # (a, b, c, d, low, high, upright, fontname)
    boxes: dict[int, tuple[float, float, float, float]] = field(default_factory=dict)


def char_dicts(rec: CharRecords, rot: tuple, height: float, doctop: float) -> list[Obj]:
    """The characters as pdfplumber's dicts: each box spans ``low … high`` across the baseline and
    the advance along it, through the page's rotation ``rot`` into top-left coordinates of a
    page ``height`` high, whose top is ``doctop`` down the document."""
    if not rec.texts:
        return []
    ra, rb, rc, rd, rx, ry = rot
    numeric = np.array([s[:6] for s in rec.styles], dtype=np.float64)[np.array(rec.style_of, dtype=np.intp)]
    a, b, c, d, low, high = numeric.T
    x, y, adv = (np.array(v, dtype=np.float64) for v in (rec.xs, rec.ys, rec.advs))
    ux, uy = x + c * low, y + d * low
    vx, vy = x + a * adv + c * high, y + b * adv + d * high
    if rec.boxes:
        at = np.array(list(rec.boxes), dtype=np.intp)
        ux[at], uy[at], vx[at], vy[at] = np.array(list(rec.boxes.values()), dtype=np.float64).T
    px, py = ra * ux + rc * uy + rx, rb * ux + rd * uy + ry
    qx, qy = ra * vx + rc * vy + rx, rb * vx + rd * vy + ry
    # ``(p, q) if p <= q else (q, p)``, as the per-character code had it (NaN included)
    first_x = px <= qx
    x0, x1 = np.where(first_x, px, qx), np.where(first_x, qx, px)
    first_y = py <= qy
    y0, y1 = np.where(first_y, py, qy), np.where(first_y, qy, py)
    x0r, x1r, top_r, bottom_r, size_r = (round3_array(v) for v in (x0, x1, height - y1, height - y0, y1 - y0))
    widths, heights, doctops = x1r - x0r, bottom_r - top_r, top_r + doctop
    flags = [(s[6], s[7]) for s in rec.styles]
    return [
        {
            "object_type": "char",
            "text": text,
            "x0": v0,
            "x1": v1,
            "top": t,
            "bottom": bt,
            "width": w,
            "height": h,
            "doctop": dt,
            "upright": flags[k][0],
            "fontname": flags[k][1],
            "size": sz,
        }
        for text, v0, v1, t, bt, w, h, dt, k, sz in zip(
            rec.texts,
            x0r.tolist(),
            x1r.tolist(),
            top_r.tolist(),
            bottom_r.tolist(),
            widths.tolist(),
            heights.tolist(),
            doctops.tolist(),
            rec.style_of,
            size_r.tolist(),
            strict=True,
        )
    ]


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


def round3_array(v: np.ndarray) -> np.ndarray:
    """``round3`` of every value: the integer nearest to ``v * 1000``, over 1000;
    values next to a tie, zero and anything not finite go to ``round(v, 3)`` one by one."""
    t = v * 1000.0
    n = np.floor(t + 0.5)
    out = n / 1000.0
    with np.errstate(invalid="ignore"):
        frac = t - n
        exact = (t > -1e12) & (t < 1e12) & (n != 0) & (frac > -0.4999) & (frac < 0.4999)
    if not exact.all():
        for i in np.flatnonzero(~exact).tolist():
            out[i] = round(float(v[i]), 3)
    return out
