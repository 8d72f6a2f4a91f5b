"""pdfplumber's words, text lines and text over a page's characters: the same results, faster.

pdfplumber's ``WordExtractor`` tests every character through general, direction-aware helpers
(a method call and a dozen dict lookups a character) and clusters lines through generic
utilities; its words, text lines and cell texts were 6% of reading a document. Here the common
page — every character upright, left to right, top to bottom, with pdfplumber's default
settings — takes a direct path; anything else (rotated characters, a coordinate that is not a
number) goes to pdfplumber itself. What follows the words (the text map and its search) is
pdfplumber's own code.
"""

from __future__ import annotations

from itertools import groupby
from operator import itemgetter
from typing import Any

from pdfplumber.utils import cluster_objects
from pdfplumber.utils.text import DEFAULT_X_TOLERANCE, DEFAULT_Y_TOLERANCE, LIGATURES, WordExtractor, WordMap

Obj = dict[str, Any]  # a character or word, as pdfplumber's dicts
WordTuple = tuple[Obj, list[Obj]]
_X0, _X1, _TOP, _BOTTOM, _TEXT = (itemgetter(k) for k in ("x0", "x1", "top", "bottom", "text"))


def word_tuples(chars: list[Obj], y_tolerance: float = DEFAULT_Y_TOLERANCE, plain: bool | None = None) -> list[WordTuple]:
    """``WordExtractor(y_tolerance=y_tolerance).iter_extract_tuples(chars)``: each word (as
    pdfplumber's dict) with its characters, in pdfplumber's order (lines by ``top``, clustered
    within ``y_tolerance``; characters by ``x0``; a word ends at a space, at a step back, at a gap
    over ``x_tolerance`` 3 or at a line change over ``y_tolerance``). ``plain``: ``is_plain(chars)``,
    where the caller knows it (every function here takes it, so a page is tested once)."""
    return _word_tuples(chars, y_tolerance, is_plain(chars) if plain is None else plain)


def _word_tuples(chars: list[Obj], y_tolerance: float, plain: bool) -> list[WordTuple]:
    if not plain:
        return list(WordExtractor(y_tolerance=y_tolerance).iter_extract_tuples(chars))
    out: list[WordTuple] = []
    x_tolerance = DEFAULT_X_TOLERANCE
    for line in _clusters(chars, y_tolerance):
        line.sort(key=_X0)  # as pdfplumber's sort of each line (stable, by x0)
        word: list[Obj] = []
        for c in line:
            text = c["text"]
            if text.isspace():
                if word:
                    out.append(_merge(word))
                word = []
            elif not text:  # "" is "in" pdfplumber's (empty) punctuation: a word of its own
                if word:
                    out.append(_merge(word))
                out.append(_merge([c]))
                word = []
            elif word and (
                c["x0"] < (prev := word[-1])["x0"]
                or c["x0"] > prev["x1"] + x_tolerance
                or abs(c["top"] - prev["top"]) > y_tolerance
            ):
                out.append(_merge(word))
                word = [c]
            else:
                word.append(c)
        if word:
            out.append(_merge(word))
    return out


def words(chars: list[Obj], y_tolerance: float = DEFAULT_Y_TOLERANCE, plain: bool | None = None) -> list[Obj]:
    """pdfplumber's ``extract_words(chars, y_tolerance=…)`` with its other settings at default."""
    return [w for w, _ in word_tuples(chars, y_tolerance, plain)]


def text_lines(chars: list[Obj], plain: bool | None = None) -> list[Obj]:
    """``chars_to_textmap(chars).extract_text_lines(strip=True, return_chars=False)``: each line's
    text and box (``x0``, ``top``, ``x1``, ``bottom``).

    pdfplumber's text map groups runs of consecutive words whose tops cluster within 3 pt,
    spells each word out letter by letter with a space between words, and finds each line's text
    and box by a regular expression over the whole page. Where every word has a text with no
    space in it, a line is its words joined by spaces and its box is theirs; otherwise (empty
    texts, which print nothing, or texts holding spaces) pdfplumber's text map does it."""
    plain = is_plain(chars) if plain is None else plain
    tuples = _word_tuples(chars, DEFAULT_Y_TOLERANCE, plain)
    if not plain or not all(w["text"] and " " not in w["text"] and "\n" not in w["text"] for w, _ in tuples):
        return WordMap(tuples).to_textmap(presorted=True).extract_text_lines(strip=True, return_chars=False)
    cluster = _cluster_ids([w["top"] for w, _ in tuples], DEFAULT_Y_TOLERANCE)
    lines: list[Obj] = []
    for _, group in groupby((w for w, _ in tuples), key=lambda w: cluster[w["top"]]):
        ws = list(group)
        lines.append(
            {
                "text": " ".join([w["text"] for w in ws]),
                "x0": min(map(_X0, ws)),
                "top": min(map(_TOP, ws)),
                "x1": max(map(_X1, ws)),
                "bottom": max(map(_BOTTOM, ws)),
            }
        )
    return lines


def text(chars: list[Obj]) -> str:
    """pdfplumber's ``extract_text(chars)`` (not laid out): words joined by spaces, lines by
    newlines."""
    lines = cluster_objects(words(chars), _TOP, DEFAULT_Y_TOLERANCE)
    return "\n".join(" ".join(w["text"] for w in line) for line in lines)


def is_plain(chars: list[Obj]) -> bool:
    """Every character upright (one direction of reading) and placed by numbers, not NaN: the
    direct path applies. It holds for any subset of such characters, and for copies whose
    ``top`` is another of their tops."""
    return all(c["upright"] is True and c["top"] == c["top"] and c["x0"] == c["x0"] for c in chars)


def line_clusters(chars: list[Obj], tolerance: float, plain: bool | None = None) -> list[list[Obj]]:
    """pdfplumber's ``cluster_objects(chars, "top", tolerance)``: the distinct tops, sorted,
    chained while each is within ``tolerance`` of the one before; characters in input order
    within a line."""
    plain = is_plain(chars) if plain is None else plain
    return _clusters(chars, tolerance) if plain else cluster_objects(chars, _TOP, tolerance)


def _cluster_ids(values: list[float], tolerance: float) -> dict[float, int]:
    """pdfplumber's ``make_cluster_dict``: each distinct value → its cluster's number, clusters
    being the sorted values chained while each is within ``tolerance`` of the one before."""
    cluster: dict[float, int] = {}
    n, last = -1, 0.0
    for value in sorted(set(values)):
        if n < 0 or value > last + tolerance:
            n += 1
        cluster[value] = n
        last = value
    return cluster


def _clusters(chars: list[Obj], tolerance: float) -> list[list[Obj]]:
    cluster = _cluster_ids([c["top"] for c in chars], tolerance)
    lines: list[list[Obj]] = [[] for _ in range(len(set(cluster.values())))]
    for c in chars:
        lines[cluster[c["top"]]].append(c)
    return lines


def _merge(chars: list[Obj]) -> WordTuple:
    """pdfplumber's ``WordExtractor.merge_chars``: the word's text (ligatures expanded), box and
    doctop, with its characters (in ``x0`` order, so the first has the smallest ``x0``)."""
    first = chars[0]
    if len(chars) == 1:
        x0, top, x1, bottom = first["x0"], first["top"], first["x1"], first["bottom"]
    else:
        x0, top, x1, bottom = first["x0"], min(map(_TOP, chars)), max(map(_X1, chars)), max(map(_BOTTOM, chars))
    word = {
        "text": "".join([LIGATURES.get(t, t or "") for t in map(_TEXT, chars)]),
        "x0": x0,
        "x1": x1,
        "top": top,
        "doctop": top + (first["doctop"] - first["top"]),
        "bottom": bottom,
        "upright": first["upright"],
        "height": bottom - top,
        "width": x1 - x0,
        "direction": "ltr",
    }
    return word, chars
