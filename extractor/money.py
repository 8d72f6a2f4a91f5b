"""Money and number parsing: printed text → Decimal, never float."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from extractor.labels import squash
from schemas import Unit

CENT = Decimal("0.01")
"""Printed precision of money: the rounding tolerance per summed term."""

_NUMBER = re.compile(r"^[-−–]?\(?\d{1,3}(,\d{3})+(\.\d+)?\)?$|^[-−–]?\(?\d+(\.\d+)?\)?$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－", "0123456789.,-")


def normalise_text(text: str) -> str:
    """Full-width digits and punctuation to half-width, whitespace removed."""
    return squash(text.translate(_FULLWIDTH))


def is_number(text: str) -> bool:
    """True when ``text`` is a printed number such as "1,234.50", "0", "-3.2"."""
    return bool(_NUMBER.match(normalise_text(text)))


def is_year(tokens: Sequence[str | tuple], i: int) -> bool:
    """Is token ``i`` (a string, or a word tuple whose first item is its text) a year written
    before 年 ("2026 年", "2025年度")? A date, never an amount."""

    def text(t: str | tuple) -> str:
        return t if isinstance(t, str) else t[0]

    nxt = i + 1 < len(tokens) and text(tokens[i + 1]).startswith("年")
    return bool(nxt and re.fullmatch(r"(19|20)\d{2}", text(tokens[i])))


def parse_number(text: str) -> Decimal | None:
    """Parse a printed number; ``None`` for blank. Raises ValueError on anything else.

    Thousands separators are dropped; a leading minus or parentheses make it negative.
    The printed precision is kept ("0.00" stays Decimal("0.00")).
    """
    s = normalise_text(text)
    if s in ("", "-", "—", "－", "/"):
        return None
    if not _NUMBER.match(s):
        raise ValueError(f"not a number: {text!r}")
    negative = s.startswith(("-", "−", "–")) or (s.startswith("(") and s.endswith(")"))
    s = s.strip("-−–()").replace(",", "")
    try:
        value = Decimal(s)
    except InvalidOperation as exc:  # pragma: no cover - guarded by the regex
        raise ValueError(f"not a number: {text!r}") from exc
    return -value if negative else value


DECIMAL_AMOUNT = re.compile(r"(?<![\d.])\d[\d,]*\.\d{1,2}(?![\d.])")
"""A money amount printed with its decimals ("2,305,044.30", "0.00"): what marks a line as data."""

NUMBER_PATTERN = r"\d[\d,]*(?:\.\d+)?"
"""A printed amount: digits with optional thousands commas and decimals ("2,305,044.30")."""
UNIT_PATTERN = "亿元|千元|万元|元"
"""The money units a narrative prints after an amount, as a regex alternation. Table headers
("单位：万元") are read by ``parse_unit``, which keeps to 万元 and 元."""


def to_wan(value: Decimal | None, unit: Unit | None) -> Decimal | None:
    """The value in 万元 (亿元 × 10000, 千元 / 10, 元 / 10000), exact."""
    if value is None or unit is None:
        return None
    if unit == "元":
        return value / Decimal(10000)
    if unit == "千元":
        return value / Decimal(10)
    if unit == "亿元":
        return value * Decimal(10000)
    return value


def parse_unit(text: str) -> Unit | None:
    """The money unit named in a "单位：万元" style line, if any."""
    m = re.search(r"单位\s*[:：]\s*(万元|元)", text)
    return m.group(1) if m else None  # type: ignore[return-value]
