"""The corpus dashboard: one HTML page per run (or extract) directory, plots drawn by matplotlib as
inline SVG (text kept as text, so the browser's CJK fonts show the Chinese labels), and every
document linked to its review page."""

from __future__ import annotations

import html
import io
import logging
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from extractor.review.page import _asset
from schemas import BudgetDocument, TableKind

SEVERITIES = ("material", "error", "warning", "rounding")
SEVERITY_COLOURS = {"material": "#d62728", "error": "#7f0000", "warning": "#f28e00", "rounding": "#9e9e9e"}
STATUS_COLOURS = {"ok": "#2ca02c", "ok_with_findings": "#1f6fd1", "failed": "#d62728", "skipped": "#9e9e9e"}


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Text stays text in the SVG; the browser draws it with its own fonts (CJK included).
    plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "font.family": ["sans-serif"],
                         "font.sans-serif": ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "DejaVu Sans"]})
    fig, ax = plt.subplots(figsize=(width, height))
    return plt, fig, ax


def _svg(plt, fig) -> str:
    buf = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a missing CJK glyph only affects matplotlib's text measure
        logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
        fig.tight_layout()
        fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.find("<svg") :]


def _hbar(labels: list[str], series: dict[str, list[float]], colours: dict[str, str], xlabel: str, title: str) -> str:
    plt, fig, ax = _figure(7.5, max(1.6, 0.32 * len(labels) + 1.0))
    left = [0.0] * len(labels)
    for name, values in series.items():
        ax.barh(labels, values, left=left, label=name, color=colours.get(name))
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    if len(series) > 1:
        ax.legend(fontsize=8, loc="best")
    return _svg(plt, fig)


def spending_by_class(docs: list[BudgetDocument]) -> dict[str, dict[str, Decimal]]:
    """功能分类 类 (3-digit code and name) → doc_id → total 万元, from each 部门支出总表's 类 rows
    (the figures of the ``v_spending_by_function`` view)."""
    out: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for doc in docs:
        for t in doc.tables:
            if t.kind != TableKind.expenditure_summary:
                continue
            for row in t.rows:
                if row.code and len(row.code) == 3 and row.code_scheme != "economic":
                    total = next((c.value_wan for c in row.cells if c.column_id == "total" and c.value_wan is not None), None)
                    if total is not None:
                        key = f"{row.code} {row.label}"
                        out[key][doc.meta.doc_id] = max(out[key].get(doc.meta.doc_id, Decimal(0)), total)
    return out


def dashboard_html(
    docs: list[tuple[BudgetDocument, str | None]],
    statuses: list[tuple[str, str, str]],
    run_dir: Path | None,
    page_name: Callable[[str], str],
) -> str:
    """The dashboard page of the reviewed documents (``statuses``: name, status and reason of the
    documents without a page: failed or skipped)."""
    plots: list[tuple[str, str]] = []
    status = Counter(s or _status(d) for d, s in docs) + Counter(s for _, s, _ in statuses)
    names = [k for k in STATUS_COLOURS if status.get(k)] + sorted(k for k in status if k not in STATUS_COLOURS)
    plots.append(("documents by status", _hbar(names, {"documents": [status[k] for k in names]},
                                               {"documents": "#1f6fd1"}, "documents", "Documents by status")))
    cov = sorted(((d.meta.coverage.share, d.meta.doc_id) for d, _ in docs if d.meta.coverage.share is not None))
    if cov:
        plots.append(("coverage", _hbar([i for _, i in cov], {"captured": [s for s, _ in cov]}, {"captured": "#2ca02c"},
                                        "share of printed table amounts that reached facts", "Coverage per document")))
    by_check: dict[str, Counter[str]] = defaultdict(Counter)
    for d, _ in docs:
        for f in d.findings:
            by_check[f.check][f.severity] += 1
    if by_check:
        checks = sorted(by_check, key=lambda c: -sum(by_check[c].values()))
        series = {s: [by_check[c][s] for c in checks] for s in SEVERITIES if any(by_check[c][s] for c in checks)}
        plots.append(("findings", _hbar(checks, series, SEVERITY_COLOURS, "findings", "Findings by check and severity")))
    spend = spending_by_class([d for d, _ in docs])
    if spend:
        classes = sorted(spend)
        ids = sorted({i for v in spend.values() for i in v})
        palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
        if len(ids) <= len(palette):
            series = {i: [float(spend[c].get(i, 0)) for c in classes] for i in ids}
            colours = dict(zip(ids, palette, strict=False))
        else:
            series = {"all documents": [float(sum(spend[c].values())) for c in classes]}
            colours = {"all documents": "#1f77b4"}
        plots.append(("spending", _hbar(classes, series, colours, "万元 (部门支出总表, 类 rows, total)",
                                        "Spending by 功能分类 类 across documents")))
    cats = Counter(r.category for d, _ in docs for c in d.narrative.changes for r in c.reasons)
    if cats:
        names = [k for k, _ in cats.most_common()]
        plots.append(("reasons", _hbar(names, {"reasons": [cats[k] for k in names]}, {"reasons": "#e6a800"},
                                       "atomic reasons", "Reason categories")))
    rows = []
    for d, s in sorted(docs, key=lambda x: x[0].meta.doc_id):
        m = d.meta
        sev = Counter(f.severity for f in d.findings)
        audit = "—" if d.audit is None else ("pass" if d.audit.passed else f"{len(d.audit.checks)} checks")
        share = f"{m.coverage.share:.1%}" if m.coverage.share is not None else "—"
        rows.append(
            f'<tr data-doc="{html.escape(m.doc_id)}"><td><a href="{html.escape(page_name(m.doc_id))}">{html.escape(m.doc_id)}</a></td>'
            f"<td>{html.escape(m.department or '')}</td><td>{m.year or ''}</td><td>{m.doc_kind or ''}</td>"
            f"<td>{html.escape(s or _status(d))}</td><td>{m.page_count or ''}</td><td>{share}</td>"
            f"<td>{sev.get('material', 0)}</td><td>{sev.get('warning', 0)}</td><td>{len(d.narrative.changes)}</td>"
            f"<td>{audit}</td></tr>"
        )
    for name, s, reason in statuses:
        rows.append(f"<tr><td>{html.escape(name)}</td><td colspan=3>{html.escape(reason)}</td><td>{html.escape(s)}</td>"
                    "<td colspan=6></td></tr>")
    title = f"budget-extract: {html.escape(str(run_dir) if run_dir else 'documents')}"
    return "".join(
        [
            f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{title}</title>',
            f"<style>{_asset('dashboard.css')}</style></head><body>",
            f"<h1>{title}</h1><p>{len(docs)} documents reviewed; {len(statuses)} without a page (failed or skipped).</p>",
            '<div class="plots">' + "".join(f'<figure id="plot-{k}">{svg}</figure>' for k, svg in plots) + "</div>",
            '<h2>Documents</h2><table id="documents"><thead><tr><th>document</th><th>department</th><th>year</th>'
            "<th>kind</th><th>status</th><th>pages</th><th>coverage</th><th>material</th><th>warning</th>"
            "<th>changes</th><th>audit</th></tr></thead><tbody>",
            "".join(rows),
            "</tbody></table></body></html>",
        ]
    )


def _status(doc: BudgetDocument) -> str:
    """A run's status for a document reviewed outside a run: findings other than rounding slips."""
    return "ok_with_findings" if any(f.severity in ("material", "warning", "error") for f in doc.findings) else "ok"
