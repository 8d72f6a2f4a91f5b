"""Shared pieces of the scorers: the score record, text normalisation, one-to-one matching."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Literal, TypeVar

from extractor import labels
from schemas.provenance import Provenance

Layer = Literal["merged", "rules", "llm"]
LAYERS: tuple[Layer, ...] = ("merged", "rules", "llm")

# Which item origins belong to a layer's output. ``conflict`` keeps the rule's value (see
# schemas.provenance), so a conflicting item is the rules' output, not the LLM's; ``both``
# means both layers produced the same value, so it counts for each.
LAYER_ORIGINS: dict[Layer, frozenset[str]] = {
    "merged": frozenset({"rule", "llm", "both", "conflict"}),
    "rules": frozenset({"rule", "both", "conflict"}),
    "llm": frozenset({"llm", "both"}),
}


def item_origin(origin: str | dict[str, str] | None) -> str:
    """One origin for an item whose fields may have been filled by different layers.

    An empty field map means no LLM touched it (the rules layer fills ``origin`` lazily). The
    item belongs to the layer that found it: the origin of its identifying field (``subject`` of a
    change, ``name`` of a project) when recorded — an LLM that only split a rules-found change's
    reasons does not make the change an LLM item (the reasons are scored with their own origins).
    Otherwise any ``conflict`` field makes it a conflict, and a mix of rule and llm is ``both``.
    """
    if origin is None:
        return "rule"
    if isinstance(origin, str):
        return origin
    for key in ("subject", "name"):
        if key in origin:
            return origin[key]
    values = set(origin.values())
    if not values:
        return "rule"
    if "conflict" in values:
        return "conflict"
    if len(values) == 1:
        return values.pop()
    return "both"


def in_layer(origin: str, layer: Layer) -> bool:
    return origin in LAYER_ORIGINS[layer]


@dataclass
class Diff:
    """One disagreement with the gold: a miss, a false positive or a wrong value."""

    kind: Literal["miss", "extra", "wrong"]
    key: str
    gold: str | None = None
    pred: str | None = None
    origin: str | None = None
    provenance: Provenance | None = None
    context: str | None = None
    # A text to look up in the source when there is no provenance (gold items carry none).
    anchor: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "gold": self.gold,
            "pred": self.pred,
            "origin": self.origin,
            "provenance": self.provenance.model_dump(exclude_none=True) if self.provenance else None,
            "context": self.context,
        }


@dataclass
class Score:
    """Counts of one field family. A wrong value counts against both precision and recall."""

    tp: int = 0
    diffs: list[Diff] = field(default_factory=list)
    # Per-field accuracy over matched items: field → [correct, compared].
    fields: dict[str, list[int]] = field(default_factory=dict)

    def count(self, kind: str) -> int:
        return sum(1 for d in self.diffs if d.kind == kind)

    @property
    def fp(self) -> int:
        return self.count("extra") + self.count("wrong")

    @property
    def fn(self) -> int:
        return self.count("miss") + self.count("wrong")

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def empty(self) -> bool:
        """Nothing in the gold and nothing predicted: the family says nothing about this doc."""
        return self.tp == 0 and not self.diffs

    def field(self, name: str, ok: bool) -> None:
        acc = self.fields.setdefault(name, [0, 0])
        acc[0] += int(ok)
        acc[1] += 1

    def miss(self, key: str, gold: str, anchor: str | None) -> None:
        """A gold item that no prediction matched."""
        self.diffs.append(Diff("miss", key, gold=gold, anchor=anchor))

    def extra(
        self, key: str, pred: str, origin: str | None = None, provenance: Provenance | None = None
    ) -> None:
        """A prediction that matched no gold item."""
        self.diffs.append(Diff("extra", key, pred=pred, origin=origin, provenance=provenance))

    def wrong(
        self,
        key: str,
        gold: str,
        pred: str,
        origin: str | None,
        provenance: Provenance | None,
        anchor: str | None = None,
    ) -> None:
        """A matched pair whose values disagree."""
        self.diffs.append(
            Diff("wrong", key, gold=gold, pred=pred, origin=origin, provenance=provenance, anchor=anchor)
        )

    def wrong_fields(
        self,
        key: str,
        names: Sequence[str],
        gold: dict[str, Any],
        pred: Any,
        origin: str | None,
        provenance: Provenance | None,
        anchor: str | None = None,
    ) -> None:
        """A matched pair whose fields ``names`` disagree (gold a dict, pred an object): the key
        gets the field list, gold and pred each ``field=value, …``."""
        self.wrong(
            f"{key} [{', '.join(names)}]",
            ", ".join(f"{f}={fmt(gold.get(f))}" for f in names),
            ", ".join(f"{f}={fmt(getattr(pred, f))}" for f in names),
            origin,
            provenance,
            anchor,
        )

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.diffs.extend(other.diffs)
        for name, (ok, n) in other.fields.items():
            acc = self.fields.setdefault(name, [0, 0])
            acc[0] += ok
            acc[1] += n


_TRAILING = "。；;，,、.． "
def squash(text: str | None) -> str:
    """Whitespace removed: the printed spacing of CJK text ('2026 年') carries no meaning."""
    return labels.squash(text or "")


def normalise_text(text: str | None) -> str:
    """Comparable text: NFKC (full-width → half-width), whitespace removed, trailing 。；， dropped.

    Not ``extractor.llm.grounding.fold`` (which also lower-cases and folds 。、 and quotes to
    find a span in the source): a scorer compares with the gold's own rule, so that a change to
    the extractor's matching cannot change what counts as equal here.
    """
    s = squash(unicodedata.normalize("NFKC", text or ""))
    return s.rstrip(_TRAILING)


_YEAR_BRACKETS = re.compile(r"[\[【〔﹝(（〈]\s*(\d{4})\s*[\]】〕﹞)）〉]")


def normalise_doc_number(text: str | None) -> str:
    """文号 key: half-width digits, no spaces, year in 〔〕, trailing '文件' dropped.

    '乌高（新）党办发[2017]36 号' and '乌高（新）党办发〔2017〕36号' give the same key. Other
    brackets (an issuer's '（新）') are left as NFKC makes them on both sides.

    Deliberately independent of ``extractor.narrative.policy_documents.normalise_doc_number``,
    which fills the predicted ``doc_number_normalized``: matching with the extractor's own
    normaliser would hide its bugs (two 文号 it wrongly folds together would count as a match).
    """
    s = squash(unicodedata.normalize("NFKC", text or ""))
    s = _YEAR_BRACKETS.sub(r"〔\1〕", s)
    s = re.sub(r"(文件|文)$", "", s)
    return s


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio() if a and b else float(a == b)


T = TypeVar("T")
U = TypeVar("U")


def match_one_to_one(
    gold: Sequence[T],
    pred: Sequence[U],
    score: Callable[[T, U], float],
    threshold: float,
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Greedy one-to-one assignment by descending similarity (ties: document order).

    Returns matched (gold index, pred index) pairs, unmatched gold and unmatched pred indices.
    Greedy is optimal enough here: keys are nearly unique within a document.
    """
    pairs = [
        (s, gi, pi)
        for gi, g in enumerate(gold)
        for pi, p in enumerate(pred)
        if (s := score(g, p)) >= threshold
    ]
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    matched: list[tuple[int, int]] = []
    for _, gi, pi in pairs:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        matched.append((gi, pi))
    matched.sort()
    return (
        matched,
        [i for i in range(len(gold)) if i not in used_g],
        [i for i in range(len(pred)) if i not in used_p],
    )


def fmt(value: Any) -> str:
    """A value for a report line: Decimals as printed, None as '—'."""
    return "—" if value is None else str(value)


def read_json(path: Path) -> Any:
    """The parsed JSON file, or None when there is no such file (an optional fixture or manifest)."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
