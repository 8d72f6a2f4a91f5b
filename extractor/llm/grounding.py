"""Grounding: find a text the LLM returned in the source, or reject it.

Models copy Chinese text with small changes: spaces dropped or added between CJK and digits,
full-width punctuation turned half-width (，→, （→( ：→:), a trailing 。 or ； lost. Matching is
done on a folded form of both strings (NFKC, no whitespace, one form per punctuation mark) with
a map back to the original offsets, so a match is reported as an exact ``[start, end)`` span
of the source. Anything not found this way is treated as invented.
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass

# After NFKC (which makes ，→, （→( ：→: ；→;), fold the marks NFKC leaves alone.
_FOLD = str.maketrans(
    {
        "。": ".",
        "、": ",",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "《": "<",
        "》": ">",
        "〈": "<",
        "〉": ">",
        "【": "[",
        "】": "]",
        "〔": "[",
        "〕": "]",
        "—": "-",
        "–": "-",
        "－": "-",
        "～": "~",
    }
)
_TRIM = " \t\r\n,.;:!?\"'"


@dataclass(frozen=True)
class Folded:
    """A folded string and, for each of its characters, the offset in the original."""

    text: str
    origin: list[int]


def fold(text: str) -> Folded:
    """Fold ``text`` for tolerant matching, keeping the map back to original offsets."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).translate(_FOLD).lower():
            if c.isspace():
                continue
            chars.append(c)
            origin.append(i)
    return Folded("".join(chars), origin)


class Grounder:
    """Locates texts in one source string (folded once, searched many times)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._folded = fold(source)

    def find(self, needle: str, start: int = 0, end: int | None = None) -> tuple[int, int] | None:
        """The ``[start, end)`` span of ``needle`` in the source (within the given window), or None.

        Leading/trailing punctuation of the needle is ignored, so "增长；" matches "增长。".
        """
        return self.find_from(needle, (start,), end)

    def find_from(
        self, needle: str, starts: tuple[int, ...], end: int | None = None
    ) -> tuple[int, int] | None:
        """``find`` from each of ``starts`` in turn (the needle folded once): the first span found."""
        core = fold(needle).text.strip(_TRIM)
        if not core:
            return None
        f = self._folded
        hi = len(f.text) if end is None else _first_at_or_after(f.origin, end)
        for start in starts:
            at = f.text.find(core, _first_at_or_after(f.origin, start), hi)
            if at >= 0:
                return f.origin[at], f.origin[at + len(core) - 1] + 1
        return None


def _first_at_or_after(origin: list[int], offset: int) -> int:
    """Index of the first folded char whose original offset is ≥ ``offset``."""
    return bisect.bisect_left(origin, offset)
