"""Row labels: printed text → the comparable name used as a row key."""

from __future__ import annotations

import re

_TAGS = re.compile(r"</?[a-zA-Z][^>]*>")
_WHITESPACE = re.compile(r"\s+")
_CJK_WRAP = re.compile(r"(?<=[^\x00-\x7f])\n(?=[^\x00-\x7f])")
_ORDINAL = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|\d+[、.．](?!\d)|[（(][一二三四五六七八九十\d]+[)）]、?)"
)


def strip_markup(text: str) -> str:
    """Remove HTML-ish tags such as ``<b>`` and markdown emphasis."""
    return _TAGS.sub("", text).replace("**", "")


def squash(text: str) -> str:
    """``text`` with all whitespace removed (how titles, labels and lines are compared)."""
    return _WHITESPACE.sub("", text)


def clean_cell(text: str | None) -> str:
    """A cell's text with markup removed and line breaks joined (CJK wraps have no space)."""
    if text is None:
        return ""
    text = strip_markup(text)
    return _WHITESPACE.sub(" ", _CJK_WRAP.sub("", text)).strip()


def normalise_label(text: str) -> str:
    """Row key form: whitespace removed, leading ordinal and "其中：" removed."""
    s = squash(strip_markup(text))
    for _ in range(2):
        s = re.sub(r"^其中[:：]", "", s)
        s = _ORDINAL.sub("", s)
    return s
