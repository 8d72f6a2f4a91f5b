"""Eval reports: ``report.json`` (everything), ``report.md`` (scores), ``report.html`` (for a person:
scores and every difference with the source text around it), and the comparison of two runs."""

from __future__ import annotations

import html
import json
import time
from pathlib import Path
from typing import Any

from evals.common import LAYERS, Diff, Score
from evals.gold import GoldDoc, gold_id_for, load_gold_dir
from evals.runs import Run, Sources, grounding, load_run, run_metadata
from evals.scoring import FAMILIES, aggregate, prf, score_document


def _context(diff: Diff, sources: Sources, source_file: str) -> str | None:
    prov = diff.provenance
    if prov is not None and prov.page is not None and diff.anchor:
        # PDF line numbers are the ingest's reading order, not pdfplumber's: look the text up.
        ctx = sources.find(prov.file, diff.anchor, prov.page)
        if ctx:
            return ctx
    if prov is not None:
        ctx = sources.at(prov)
        if ctx:
            return ctx
    return sources.find(source_file, diff.anchor) if diff.anchor else None


def _llm_usage(run: Run) -> dict[str, dict[str, float]]:
    """The LLM layer's usage per task, summed over the run's documents."""
    out: dict[str, dict[str, float]] = {}
    for doc in run.docs.values():
        for task, u in doc.narrative.llm.usage.tasks.items():
            acc = out.setdefault(task, dict.fromkeys(u.model_dump(), 0))
            for k, v in u.model_dump().items():
                acc[k] += v
    return out


def build_report(run: Run, gold: dict[str, GoldDoc], context: bool = True) -> dict[str, Any]:
    """Score every predicted document that has gold, in every layer; collect the differences."""
    start = time.perf_counter()
    sources = Sources(run.path, enabled=context)
    pairs = {pid: gold_id_for(pid, gold) for pid in run.docs}
    scored = {pid: gid for pid, gid in pairs.items() if gid}
    layers: dict[str, Any] = {}
    per_doc: dict[str, Any] = {pid: {} for pid in scored}
    diffs: dict[str, Any] = {}
    llm_used = any(d.narrative.llm.enabled for d in run.docs.values())
    for layer in LAYERS:
        if layer == "llm" and not llm_used:
            continue
        results: dict[str, dict[str, Score]] = {}
        for pid, gid in scored.items():
            results[pid] = score_document(run.docs[pid], gold[gid], layer)
            per_doc[pid][layer] = {fam: prf(s) for fam, s in results[pid].items()}
        layers[layer] = aggregate(results)
        if layer == "merged":
            for pid, fams in results.items():
                src = run.docs[pid].meta.source_file
                diffs[pid] = {}
                for fam, s in fams.items():
                    for d in s.diffs:
                        d.context = _context(d, sources, src)
                    diffs[pid][fam] = [d.as_dict() for d in s.diffs]
    meta = run_metadata(run)
    meta["eval_time_s"] = round(time.perf_counter() - start, 3)
    return {
        "meta": meta,
        "documents": [
            {
                "doc_id": pid,
                "gold": gid,
                "source_file": run.docs[pid].meta.source_file,
                "format": run.docs[pid].meta.source_format,
                "llm": run.docs[pid].narrative.llm.status,
            }
            for pid, gid in scored.items()
        ],
        "unscored_predictions": sorted(pid for pid, gid in pairs.items() if not gid),
        "gold_without_prediction": sorted(set(gold) - set(scored.values())),
        "skipped_files": run.skipped,
        "layers": layers,
        "llm_usage": _llm_usage(run),
        "grounding": grounding(list(run.docs.values())),
        "per_document": per_doc,
        "diffs": diffs,
        "notes": [
            "A wrong value counts as a false positive and a miss. Micro sums counts over documents; "
            "macro averages per-document scores over documents where the family has any item.",
            "Layers: rules = items whose origin is rule/both/conflict (conflict keeps the rule's value); "
            "llm = origin llm/both; merged = everything. Cells and findings are rules-only.",
            "Overall sums cells, indicators, changes, reasons_normalised, projects, policy_documents, "
            "allocations and findings.",
        ],
    }


def _f(x: Any) -> str:
    return "—" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)


def _meta_lines(meta: dict[str, Any]) -> list[tuple[str, str]]:
    keys = (
        "run",
        "date",
        "git_commit",
        "model",
        "prompt_versions",
        "extractor_versions",
        "documents",
        "llm_enabled_documents",
        "calls",
        "tokens",
        "prompt_tokens",
        "completion_tokens",
        "cache_hits",
        "llm_latency_s",
        "run_time",
        "eval_time_s",
    )
    return [
        (
            k,
            json.dumps(meta.get(k), ensure_ascii=False)
            if isinstance(meta.get(k), dict | list)
            else _f(meta.get(k)),
        )
        for k in keys
    ]


def _side_by_side(report: dict[str, Any]) -> list[str]:
    """Micro P/R/F1 of every family in each layer (rules, llm, merged) in one table, with the LLM
    layer's cost beside it: what the LLM adds, per field, at what price."""
    layers = [name for name in LAYERS if name in report["layers"]]
    if len(layers) < 2:
        return []
    families = list(report["layers"][layers[0]]["families"])
    out = [
        "",
        "## Layers side by side (micro P / R / F1)",
        "",
        "| family | " + " | ".join(layers) + " |",
        "|---|" + "---|" * len(layers),
    ]
    for fam in families:
        cells = []
        for name in layers:
            m = report["layers"][name]["families"].get(fam, {}).get("micro")
            cells.append(f"{_f(m['precision'])} / {_f(m['recall'])} / {_f(m['f1'])}" if m else "–")
        out.append(f"| {fam} | " + " | ".join(cells) + " |")
    usage = report.get("llm_usage") or {}
    if usage:
        out += [
            "",
            "| LLM task | calls | cache hits | prompt tokens | completion tokens | retries | failures | seconds |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for task, u in sorted(usage.items()):
            out.append(
                f"| {task} | {u['calls']} | {u['cache_hits']} | {u['prompt_tokens']} | {u['completion_tokens']} | "
                f"{u['retries']} | {u['failures']} | {u['seconds']:.1f} |"
            )
    return out


def render_markdown(report: dict[str, Any]) -> str:
    out = ["# Eval report", ""]
    out += [f"- {k}: {v}" for k, v in _meta_lines(report["meta"])]
    g = report["grounding"]
    out += [
        f"- LLM grounding rate: {_f(g['grounding_rate'])} ({g['grounded']} kept, {g['ungrounded_dropped']} dropped)"
    ]
    out += ["", "Documents: " + ", ".join(f"{d['doc_id']} → {d['gold']}" for d in report["documents"])]
    if report["unscored_predictions"]:
        out += ["", "No gold for: " + ", ".join(report["unscored_predictions"])]
    out += _side_by_side(report)
    for layer, agg in report["layers"].items():
        o = agg["overall"]["micro"]
        out += [
            "",
            f"## {layer}",
            "",
            f"Overall micro P {_f(o['precision'])} R {_f(o['recall'])} F1 {_f(o['f1'])}; "
            f"macro over families F1 {_f(agg['overall']['macro_over_families_f1'])}",
            "",
            "| family | P | R | F1 | tp | fp | fn | macro F1 (docs) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for fam, s in agg["families"].items():
            m, ma = s["micro"], s["macro"]
            out.append(
                f"| {fam} | {_f(m['precision'])} | {_f(m['recall'])} | {_f(m['f1'])} | {m['tp']} | "
                f"{m['fp']} | {m['fn']} | {_f(ma['f1'])} ({ma['documents']}) |"
            )
    merged = report["layers"].get("merged", {}).get("families", {})
    fields = [(fam, k, v) for fam, s in merged.items() for k, v in s["fields"].items()]
    if fields:
        out += [
            "",
            "## Field accuracy on matched items (merged)",
            "",
            "| family | field | correct / compared |",
            "|---|---|---|",
        ]
        out += [f"| {fam} | {k} | {v['correct']} / {v['compared']} |" for fam, k, v in fields]
    out += [
        "",
        "## Per document (merged F1)",
        "",
        "| document | " + " | ".join(FAMILIES) + " |",
        "|---|" + "---|" * len(FAMILIES),
    ]
    for pid, layers in report["per_document"].items():
        fams = layers.get("merged", {})
        out.append(
            f"| {pid} | " + " | ".join(_f(fams[f]["f1"]) if f in fams else "" for f in FAMILIES) + " |"
        )
    n = sum(len(v) for fams in report["diffs"].values() for v in fams.values())
    out += ["", f"{n} differences are listed in report.html and report.json."]
    out += ["", *[f"> {note}" for note in report["notes"]], ""]
    return "\n".join(out)


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;vertical-align:top}
th{background:#eee}.miss{background:#fdecea}.extra{background:#fff4e0}.wrong{background:#eaf1fd}
.ctx{white-space:pre-wrap;font-family:monospace;font-size:90%;max-width:600px}.low{color:#b00;font-weight:bold}"""


def render_html(report: dict[str, Any]) -> str:
    e = html.escape
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Eval report</title><style>{_CSS}</style>"
        "</head><body><h1>Eval report</h1><table>"
    ]
    parts += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _meta_lines(report["meta"])]
    g = report["grounding"]
    parts.append(
        f"<tr><th>grounding rate</th><td>{e(_f(g['grounding_rate']))} ({g['grounded']} kept, "
        f"{g['ungrounded_dropped']} dropped)</td></tr></table>"
    )
    for layer, agg in report["layers"].items():
        o = agg["overall"]["micro"]
        parts.append(
            f"<h2>{e(layer)}</h2><p>Overall micro P {_f(o['precision'])} R {_f(o['recall'])} "
            f"F1 {_f(o['f1'])}</p><table><tr><th>family</th><th>P</th><th>R</th><th>F1</th><th>tp</th>"
            "<th>fp</th><th>fn</th><th>macro F1</th><th>docs</th></tr>"
        )
        for fam, s in agg["families"].items():
            m, ma = s["micro"], s["macro"]
            cls = " class='low'" if m["f1"] < 0.5 else ""
            parts.append(
                f"<tr><td>{e(fam)}</td><td>{_f(m['precision'])}</td><td>{_f(m['recall'])}</td>"
                f"<td{cls}>{_f(m['f1'])}</td><td>{m['tp']}</td><td>{m['fp']}</td><td>{m['fn']}</td>"
                f"<td>{_f(ma['f1'])}</td><td>{ma['documents']}</td></tr>"
            )
        parts.append("</table>")
        fields = [(fam, k, v) for fam, s in agg["families"].items() for k, v in s["fields"].items()]
        if fields and layer == "merged":
            parts.append(
                "<h3>Field accuracy on matched items</h3><table><tr><th>family</th><th>field</th>"
                "<th>correct</th><th>compared</th></tr>"
            )
            parts += [
                f"<tr><td>{e(f)}</td><td>{e(k)}</td><td>{v['correct']}</td><td>{v['compared']}</td></tr>"
                for f, k, v in fields
            ]
            parts.append("</table>")
    parts.append("<h2>Differences (merged output)</h2>")
    for pid, fams in report["diffs"].items():
        parts.append(f"<h3>{e(pid)}</h3>")
        for fam, items in fams.items():
            if not items:
                continue
            parts.append(
                f"<h4>{e(fam)} — {len(items)}</h4><table><tr><th>kind</th><th>key</th><th>gold</th>"
                "<th>predicted</th><th>origin</th><th>where</th><th>source text</th></tr>"
            )
            for d in items:
                where = ", ".join(f"{k} {v}" for k, v in (d["provenance"] or {}).items() if k != "file")
                parts.append(
                    f"<tr class='{e(d['kind'])}'><td>{e(d['kind'])}</td><td>{e(d['key'])}</td>"
                    f"<td>{e(d['gold'] or '')}</td><td>{e(d['pred'] or '')}</td><td>{e(d['origin'] or '')}</td>"
                    f"<td>{e(where)}</td><td class='ctx'>{e(d['context'] or '')}</td></tr>"
                )
            parts.append("</table>")
    parts += [f"<p><small>{e(n)}</small></p>" for n in report["notes"]]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(report: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "report.json": json.dumps(report, ensure_ascii=False, indent=1, default=str),
        "report.md": render_markdown(report),
        "report.html": render_html(report),
    }
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    return [out / n for n in files]


def evaluate(pred: Path, gold: Path, context: bool = True) -> dict[str, Any]:
    return build_report(load_run(pred), load_gold_dir(gold), context=context)


def _diff_ids(report: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    """Differences keyed by what they are about: document, family, kind, key and both values."""
    out = {}
    for pid, fams in report["diffs"].items():
        for fam, items in fams.items():
            for d in items:
                out[(pid, fam, d["kind"], d["key"], d["gold"] or "", d["pred"] or "")] = dict(
                    d, doc=pid, family=fam
                )
    return out


def compare_reports(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """What changed from run A to run B: score deltas and per-item differences, regressions first."""
    scores = []
    for layer in sorted(set(a["layers"]) | set(b["layers"])):
        fa = a["layers"].get(layer, {}).get("families", {})
        fb = b["layers"].get(layer, {}).get("families", {})
        for fam in FAMILIES:
            if fam not in fa and fam not in fb:
                continue
            ma, mb = fa.get(fam, {}).get("micro"), fb.get(fam, {}).get("micro")
            f1a, f1b = (ma or {}).get("f1"), (mb or {}).get("f1")
            delta = None if f1a is None or f1b is None else round(f1b - f1a, 4)
            scores.append(
                {
                    "layer": layer,
                    "family": fam,
                    "f1_a": f1a,
                    "f1_b": f1b,
                    "delta": delta,
                    "p_a": (ma or {}).get("precision"),
                    "p_b": (mb or {}).get("precision"),
                    "r_a": (ma or {}).get("recall"),
                    "r_b": (mb or {}).get("recall"),
                }
            )
    scores.sort(key=lambda s: (s["delta"] if s["delta"] is not None else 0.0, s["layer"], s["family"]))
    da, db = _diff_ids(a), _diff_ids(b)
    regressions = [db[k] for k in db if k not in da]  # wrong in B, was right in A
    fixes = [da[k] for k in da if k not in db]
    gold_a, gold_b = ({d["gold"] for d in r["documents"]} for r in (a, b))
    return {
        "a": a["meta"],
        "b": b["meta"],
        "scores": scores,
        "regressions": regressions,
        "fixes": fixes,
        "documents_only_in_a": sorted(gold_a - gold_b),
        "documents_only_in_b": sorted(gold_b - gold_a),
    }


def render_compare_markdown(c: dict[str, Any]) -> str:
    out = [
        "# Run comparison",
        "",
        f"- A: {c['a']['run']} (commit {c['a']['git_commit']}, model {c['a']['model']})",
        f"- B: {c['b']['run']} (commit {c['b']['git_commit']}, model {c['b']['model']})",
        "",
    ]
    worse = [s for s in c["scores"] if s["delta"] is not None and s["delta"] < 0]
    out += [
        f"{len(worse)} families got worse, {len(c['regressions'])} new differences (regressions), "
        f"{len(c['fixes'])} fixed.",
        "",
        "## Scores (worst change first)",
        "",
        "| layer | family | F1 A | F1 B | Δ |",
        "|---|---|---|---|---|",
    ]
    out += [
        f"| {s['layer']} | {s['family']} | {_f(s['f1_a'])} | {_f(s['f1_b'])} | {_f(s['delta'])} |"
        for s in c["scores"]
    ]
    for title, items in (("Regressions (new in B)", c["regressions"]), ("Fixed in B", c["fixes"])):
        out += ["", f"## {title}", ""]
        out += [
            f"- {d['doc']} · {d['family']} · {d['kind']} · {d['key']}: gold {d['gold'] or '—'}, "
            f"predicted {d['pred'] or '—'}"
            for d in items
        ] or ["(none)"]
    if c["documents_only_in_a"] or c["documents_only_in_b"]:
        out += ["", f"Only in A: {c['documents_only_in_a']}; only in B: {c['documents_only_in_b']}"]
    return "\n".join(out) + "\n"
