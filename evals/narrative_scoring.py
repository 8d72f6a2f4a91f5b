"""Narrative scoring: change statements, their reasons, projects, policy documents, allocations.

Gold items are the dicts of ``narrative.json``; predicted items are schema objects, so a
difference carries the predicted origin and provenance. Matching rules (see evals/GUIDE.md):

- changes: one-to-one on (section, code) when both carry a code, else (section, normalised
  subject) with a similarity fallback ≥ 0.8; a matched change is correct only when amount,
  delta, growth_percent, share_percent, status and base are all equal (Decimal equality).
- reasons: per matched change, as sets, exact text and normalised text (``normalise_text``);
  reasons of unmatched changes are misses / false positives. Category accuracy is scored on the
  normalised matches.
- projects: one-to-one on normalised name (similarity ≥ 0.8); correct when budget_amount, start
  and end date agree. policy documents and allocations are matched inside matched projects.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from evals.common import (
    Layer,
    Score,
    fmt,
    in_layer,
    item_origin,
    match_one_to_one,
    normalise_doc_number,
    normalise_text,
    similarity,
)
from schemas.narrative import ChangeStatement, PolicyDocument, Project

CHANGE_VALUES = ("amount", "delta", "growth_percent", "share_percent", "status", "base")
CHANGE_FAMILIES = ("changes", "reasons_exact", "reasons_normalised", "reason_category")
PROJECT_FAMILIES = ("projects", "policy_documents", "allocations")
FAMILIES = CHANGE_FAMILIES + PROJECT_FAMILIES


def _dec(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _same(field: str, gold: Any, pred: Any) -> bool:
    if field in ("status", "base"):
        return gold == pred
    return _dec(gold) == _dec(pred)


def _near(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if a and b and (a in b or b in a):
        return 0.9
    return similarity(a, b)


def _change_sim(g: dict[str, Any], p: ChangeStatement) -> float:
    if g["section"] != p.section:
        return 0.0
    if g.get("code") and p.code:
        return 1.0 if g["code"] == p.code else 0.0
    return _near(normalise_text(g["subject"]), normalise_text(p.subject))


def _change_key(g: dict[str, Any]) -> str:
    return f"{g['section']} · {g.get('code') or g['subject']}"


def score_changes(gold: Sequence[dict[str, Any]], pred: Sequence[ChangeStatement], layer: Layer = "merged"):
    """Score changes and their reasons. Returns ``{family: Score}`` for the change families.

    Changes are matched over every prediction, then counted for ``layer`` only if the layer
    found them; reasons are counted by their own origin, so the LLM's split of a rules-found
    change is scored for the LLM layer.
    """
    out = {f: Score() for f in CHANGE_FAMILIES}
    matched, miss_g, miss_p = match_one_to_one(gold, pred, _change_sim, 0.8)
    for gi in miss_g:
        _missed_change(out, gold[gi])
    for pi in miss_p:
        p = pred[pi]
        key = f"{p.section} · {p.code or p.subject}"
        if in_layer(item_origin(p.origin), layer):
            out["changes"].extra(key, _change_summary(p.model_dump()), item_origin(p.origin), p.provenance)
        for r in p.reasons:
            if in_layer(r.origin, layer):
                for fam in ("reasons_exact", "reasons_normalised"):
                    out[fam].extra(f"{key} · reason", r.text, r.origin, r.provenance or p.provenance)
    for gi, pi in matched:
        g, p = gold[gi], pred[pi]
        key = _change_key(g)
        if in_layer(item_origin(p.origin), layer):
            _score_change_fields(out["changes"], key, g, p)
        else:
            out["changes"].miss(key, _change_summary(g), g.get("reason_text") or g["subject"])
        reasons = [r for r in p.reasons if in_layer(r.origin, layer)]
        for fam, norm in (("reasons_exact", lambda s: s or ""), ("reasons_normalised", normalise_text)):
            _score_reasons(
                out[fam],
                key,
                g.get("reasons", []),
                reasons,
                p,
                norm,
                out["reason_category"] if fam == "reasons_normalised" else None,
            )
    return out


def _missed_change(out: dict[str, Score], g: dict[str, Any]) -> None:
    key = _change_key(g)
    out["changes"].miss(key, _change_summary(g), g.get("reason_text") or g["subject"])
    for r in g.get("reasons", []):
        for fam in ("reasons_exact", "reasons_normalised"):
            out[fam].miss(f"{key} · reason", r["text"], r["text"])


def _score_change_fields(score: Score, key: str, g: dict[str, Any], p: ChangeStatement) -> None:
    wrong = [f for f in CHANGE_VALUES if not _same(f, g.get(f), getattr(p, f))]
    for f in CHANGE_VALUES:
        score.field(f, f not in wrong)
    score.field("reason_text", normalise_text(g.get("reason_text")) == normalise_text(p.reason_text))
    if "previous_amount" in g:  # labelled only where the template prints it (Putuo)
        score.field("previous_amount", _same("previous_amount", g["previous_amount"], p.previous_amount))
    if wrong:
        score.wrong_fields(key, wrong, g, p, item_origin(p.origin), p.provenance)
    else:
        score.tp += 1


def _score_reasons(score, key, gold, pred, change, norm, categories) -> None:
    pairs, miss_g, miss_p = match_one_to_one(
        gold, pred, lambda g, p: float(norm(g["text"]) == norm(p.text)), 1.0
    )
    score.tp += len(pairs)
    for gi in miss_g:
        score.miss(f"{key} · reason", gold[gi]["text"], gold[gi]["text"])
    for pi in miss_p:
        r = pred[pi]
        score.extra(f"{key} · reason", r.text, r.origin, r.provenance or change.provenance)
    if categories is None:
        return
    for gi, pi in pairs:
        g, r = gold[gi], pred[pi]
        if g["category"] == r.category:
            categories.tp += 1
        else:
            categories.wrong(
                f"{key} · {g['text'][:30]}",
                g["category"],
                r.category,
                r.origin,
                r.provenance or change.provenance,
            )


def _change_summary(c: dict[str, Any]) -> str:
    parts = [c.get("subject") or ""]
    parts += [f"{f}={fmt(c.get(f))}" for f in CHANGE_VALUES if c.get(f) is not None]
    return " ".join(parts)


def _doc_key(d: dict[str, Any] | PolicyDocument) -> tuple[str, str]:
    get = d.get if isinstance(d, dict) else lambda k: getattr(d, k)
    number = get("doc_number") or get("doc_number_normalized")
    return normalise_doc_number(number), normalise_text((get("title") or "").strip("《》"))


def policy_doc_sim(g: dict[str, Any], p: PolicyDocument) -> float:
    """1.0 when the normalised 文号 agree, or — where either side has no 文号 — the titles do."""
    (gn, gt), (pn, pt) = _doc_key(g), _doc_key(p)
    if gn and pn:
        return float(gn == pn)
    return float(bool(gt) and gt == pt)


def score_projects(gold: Sequence[dict[str, Any]], pred: Sequence[Project], layer: Layer = "merged"):
    """Projects, their policy documents and allocations. Returns ``{family: Score}``."""
    pred = [p for p in pred if in_layer(item_origin(p.origin), layer)]
    out = {f: Score() for f in PROJECT_FAMILIES}
    matched, miss_g, miss_p = match_one_to_one(
        gold, pred, lambda g, p: _near(normalise_text(g["name"]), normalise_text(p.name)), 0.8
    )
    for gi in miss_g:
        g = gold[gi]
        out["projects"].miss(g["name"], f"{g['name']} {fmt(g.get('budget_amount'))}", g["name"])
        _children(out, g, None, layer)
    for pi in miss_p:
        p = pred[pi]
        out["projects"].extra(p.name, f"{p.name} {fmt(p.budget_amount)}", item_origin(p.origin), p.provenance)
        _children(out, None, p, layer)
    for gi, pi in matched:
        g, p = gold[gi], pred[pi]
        checks = {
            "budget_amount": _dec(g.get("budget_amount")) == p.budget_amount,
            "start_date": (g.get("start_date") or None)
            == (p.start_date.isoformat() if p.start_date else None),
            "end_date": (g.get("end_date") or None) == (p.end_date.isoformat() if p.end_date else None),
        }
        for f, ok in checks.items():
            out["projects"].field(f, ok)
        out["projects"].field(
            "implementing_unit",
            normalise_text(g.get("implementing_unit")) == normalise_text(p.implementing_unit),
        )
        out["projects"].field(
            "policy_basis", normalise_text(g.get("policy_basis")) == normalise_text(p.policy_basis)
        )
        wrong = [f for f, ok in checks.items() if not ok]
        if wrong:
            out["projects"].wrong_fields(g["name"], wrong, g, p, item_origin(p.origin), p.provenance)
        else:
            out["projects"].tp += 1
        _children(out, g, p, layer)
    return out


def _children(out: dict[str, Score], g: dict[str, Any] | None, p: Project | None, layer: Layer) -> None:
    """Policy documents and allocations of one project pair (either side may be missing)."""
    name = (g or {}).get("name") or (p.name if p else "")
    gdocs = (g or {}).get("policy_documents", [])
    pdocs = [d for d in (p.policy_documents if p else []) if in_layer(d.origin, layer)]
    pairs, miss_g, miss_p = match_one_to_one(gdocs, pdocs, policy_doc_sim, 1.0)
    score = out["policy_documents"]
    score.tp += len(pairs)
    for gi, pi in pairs:
        gd, pd = gdocs[gi], pdocs[pi]
        score.field("title", normalise_text(gd.get("title")) == normalise_text(pd.title))
        if gd.get("doc_number"):
            score.field("doc_number_normalized", gd.get("doc_number_normalized") == pd.doc_number_normalized)
    for gi in miss_g:
        gd = gdocs[gi]
        ident = gd.get("doc_number") or gd.get("title")
        score.miss(f"{name} · {ident}", f"《{fmt(gd.get('title'))}》 {fmt(gd.get('doc_number'))}", ident)
    for pi in miss_p:
        pd = pdocs[pi]
        score.extra(
            f"{name} · {pd.doc_number or pd.title}",
            f"《{fmt(pd.title)}》 {fmt(pd.doc_number)}",
            pd.origin,
            pd.provenance or (p.provenance if p else None),
        )
    galloc = (g or {}).get("allocations", [])
    palloc = list(p.allocations) if p and in_layer(item_origin(p.origin.get("allocations")), layer) else []
    pairs, miss_g, miss_p = match_one_to_one(
        galloc, palloc, lambda a, b: _near(normalise_text(a["purpose"]), normalise_text(b.purpose)), 0.8
    )
    score = out["allocations"]
    for gi, pi in pairs:
        ga, pa = galloc[gi], palloc[pi]
        if _dec(ga.get("amount")) == pa.amount:
            score.tp += 1
        else:
            score.wrong(
                f"{name} · {ga['purpose']}",
                fmt(ga.get("amount")),
                fmt(pa.amount),
                item_origin(p.origin.get("allocations")),
                pa.provenance,
            )
    for gi in miss_g:
        ga = galloc[gi]
        score.miss(f"{name} · {ga['purpose']}", f"{ga['purpose']} {fmt(ga.get('amount'))}", ga["purpose"])
    for pi in miss_p:
        pa = palloc[pi]
        score.extra(f"{name} · {pa.purpose}", f"{pa.purpose} {fmt(pa.amount)}", provenance=pa.provenance)


def score_narrative(gold: dict[str, Any], changes, projects, layer: Layer = "merged") -> dict[str, Score]:
    """All narrative families of one document."""
    out = score_changes(gold.get("changes", []), changes, layer)
    out.update(score_projects(gold.get("projects", []), projects, layer))
    return out
