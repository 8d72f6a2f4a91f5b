"""The fonts of a page as the pdfium reader needs them: name, descent, and whether pdfium places
their characters as the PDF says (``safe``; where not, pdfplumber reads the page)."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

from extractor.ingest.pdfium_calls import plain


@dataclass(frozen=True)
class Font:
    name: str
    descent: float  # as a share of the font size (negative below the baseline)
    handle: object
    safe: bool  # pdfium places its characters as the PDF says (see read_font)
    embedded: bool = True


NO_FONT = Font("", 0.0, None, False)


def font_of(handle: int | None, fonts: dict) -> Font:
    """The font behind pdfium's ``handle``, read once per page (``fonts``: handle → Font)."""
    font = fonts.get(handle)
    if font is None:
        font = fonts[handle] = read_font(handle)
    return font


def read_font(handle: int | None) -> Font:
    """A font's name, descent and safety, from pdfium."""
    if not handle:
        return Font("", 0.0, handle, False)
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
    safe = embedded or latin_with_widths(name, plain("FPDFFont_GetFlags")(handle))
    return Font(name, descent.value / 1000.0, handle, safe, embedded)


_NONSYMBOLIC, _SYMBOLIC = 1 << 5, 1 << 2  # font descriptor /Flags bits 6 and 3
_STANDARD_14 = ("Times-", "Times,", "Helvetica", "Courier", "Symbol", "ZapfDingbats")


def latin_with_widths(name: str, flags: int) -> bool:
    """A font that is not embedded, is standard Latin (its descriptor says Nonsymbolic) and is
    not one of the standard 14: the PDF must then give its /Widths, which pdfium positions by,
    as pdfminer does. The standard 14 may come without widths (pdfium's own metrics differ
    from Adobe's by up to 0.15 pt), and a CJK font named but not embedded is Symbolic."""
    if flags < 0 or not flags & _NONSYMBOLIC or flags & _SYMBOLIC:
        return False
    return not name.startswith(_STANDARD_14) and name not in ("Times", "Helvetica", "Courier")
