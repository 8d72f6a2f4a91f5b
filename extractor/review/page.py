"""One self-contained HTML review page per document: the pages (PDF images or the text) with every
value's box, the narrative, projects, findings and audit linked to their places."""

from __future__ import annotations

import base64
import html
import io
import json
from collections import Counter
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from extractor.review.boxes import PageBoxes, TextSpans, page_chars, tokens_of
from extractor.review.marks import Mark, build_marks
from schemas import BudgetDocument, SourceDocument

PAGE_SCALE = 1.4  # render scale (1 = 72 dpi): legible digits at a modest size
IMAGE_QUALITY = 50  # WebP quality: text stays sharp, a page is ~40–70 KB
LEGEND = [
    ("fact", "value read into a fact"),
    ("finding", "value in a finding"),
    ("llm", "LLM-derived"),
    ("miss", "printed, not captured"),
    ("change", "change statement"),
    ("reason", "reason"),
    ("project", "project"),
    ("policy", "policy document"),
]
INLINE = {"fact", "finding", "llm", "miss", "reason"}  # text view: marks drawn as spans in the line


@dataclass
class ReviewPage:
    """A written review page: its size, the page images it embeds and how many marks it draws."""

    path: Path
    bytes: int
    pages: int
    marks: int
    marks_exact: int


def _asset(name: str) -> str:
    return files("extractor.review").joinpath("assets", name).read_text(encoding="utf-8")


def _json_script(id_: str, data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    return f'<script type="application/json" id="{id_}">{text}</script>'


def render_pdf_pages(
    path: Path, images_too: bool = True
) -> tuple[dict[int, PageBoxes], dict[str, dict[str, float]], list[str]]:
    """Each page of a PDF: its number tokens, its size in points and (``images_too``) its image as
    a data URI."""
    import pypdfium2 as pdfium

    boxes: dict[int, PageBoxes] = {}
    sizes: dict[str, dict[str, float]] = {}
    images: list[str] = []
    pdf = pdfium.PdfDocument(str(path))
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                w, h = page.get_size()
                sizes[str(i + 1)] = {"w": round(w, 2), "h": round(h, 2)}
                chars = page_chars(page)
                boxes[i + 1] = PageBoxes(tokens_of(chars), chars)
                if not images_too:
                    continue
                buf = io.BytesIO()
                page.render(scale=PAGE_SCALE).to_pil().convert("RGB").save(buf, "WEBP", quality=IMAGE_QUALITY, method=0)
                images.append("data:image/webp;base64," + base64.b64encode(buf.getvalue()).decode("ascii"))
            finally:
                page.close()
    finally:
        pdf.close()
    return boxes, sizes, images


def review_html(doc: BudgetDocument, source: SourceDocument | None, source_path: Path | None) -> tuple[str, dict[str, int]]:
    """The review page of ``doc`` (``source``: its ingested lines, for places given as page and line;
    ``source_path``: the PDF or text it was read from, None when it cannot be found)."""
    pdf = doc.meta.source_format == "pdf"
    boxes: dict[int, PageBoxes] | None = None
    sizes: dict[str, dict[str, float]] = {}
    images: list[str] = []
    text: TextSpans | None = None
    if source_path is not None and pdf:
        boxes, sizes, images = render_pdf_pages(source_path)
    elif source_path is not None:
        text = TextSpans(source_path.read_text(encoding="utf-8-sig"))
    marks, nav = build_marks(doc, source, boxes, text)
    if pdf:
        body = _pdf_body(sizes, images)
    elif text is not None:
        body = _text_body(text.text, marks)
    else:
        body = ""
    if source_path is None:
        body = (
            f'<div class="note">The source file {html.escape(doc.meta.source_file)} was not found: '
            "the values are listed in the panel, without the pages.</div>" + body
        )
    values = [mk for mk in marks if mk["c"] in ("fact", "finding", "llm", "miss")]
    stats = {
        "pages": len(images),
        "marks": len(marks),
        "values": len(values),
        "values_exact": sum(1 for mk in values if mk.get("x")),
    }
    page = "".join(
        [
            '<!doctype html><html lang="zh"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>Review: {html.escape(doc.meta.doc_id)}</title><style>{_asset('review.css')}</style></head><body>",
            f'<aside id="side">{_side(doc, marks, nav)}</aside>',
            f'<main id="doc" data-format="{doc.meta.source_format}">{body}</main>',
            _json_script("marks", marks),
            _json_script("pages", sizes),
            f"<script>{_asset('review.js')}</script></body></html>",
        ]
    )
    return page, stats


def _pdf_body(sizes: dict[str, dict[str, float]], images: list[str]) -> str:
    out = []
    for i, uri in enumerate(images, 1):
        s = sizes[str(i)]
        # Width in CSS px at 96 dpi from points; the image is decoded only near the viewport.
        w, h = s["w"] * 4 / 3, s["h"] * 4 / 3
        out.append(
            f'<section class="page" id="page-{i}" data-page="{i}" style="width:{w:.0f}px;aspect-ratio:{w:.0f}/{h:.0f}">'
            f'<span class="pno">p{i}</span><img alt="page {i}" decoding="async" data-src="{uri}"></section>'
        )
    return "".join(out)


def _text_body(text: str, marks: list[Mark]) -> str:
    """The text rendering line by line; values and exact reasons as spans, other marks on their lines."""
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    import bisect

    inline: dict[int, list[Mark]] = {}
    by_line: dict[int, list[int]] = {}
    for mk in marks:
        if "s" not in mk or mk["s"] is None:
            continue
        first = bisect.bisect_right(starts, mk["s"]) - 1
        if mk["c"] in INLINE and mk.get("x"):
            inline.setdefault(first, []).append(mk)
            continue
        end = mk["e"] if mk["e"] is not None else mk["s"] + 1
        last = max(first, bisect.bisect_right(starts, max(end - 1, mk["s"])) - 1)
        for n in range(first, last + 1):
            by_line.setdefault(n, []).append(mk["id"])
    classes = {mk["id"]: mk["c"] for mk in marks}
    out = ['<div id="text">']
    for n, start in enumerate(starts):
        end = starts[n + 1] - 1 if n + 1 < len(starts) else len(text)
        spans = sorted(inline.get(n, []), key=lambda mk: mk["s"])
        parts, pos = [], start
        for mk in spans:
            if mk["s"] < pos:
                continue  # overlaps the span before it: the line still shows it
            parts.append(html.escape(text[pos : mk["s"]]))
            cls = mk["c"] + (" l" if mk.get("l") else "")
            parts.append(
                f'<span class="v {cls}" id="m{mk["id"]}" data-m="{mk["id"]}" title="{html.escape(mk["t"])}">'
                f"{html.escape(text[mk['s'] : mk['e']])}</span>"
            )
            pos = mk["e"]
        parts.append(html.escape(text[pos:end].replace("\f", "")))
        ids = by_line.get(n, [])
        line_cls = " ".join(sorted({classes[i] for i in ids}))
        data = f' data-m=" {" ".join(map(str, ids))} "' if ids else ""
        out.append(f'<div class="ln {line_cls}" id="L{n + 1}"{data}><span class="no">{n + 1}</span>{"".join(parts)}</div>')
    out.append("</div>")
    return "".join(out)


def _go(mark: int | None, label: str) -> str:
    if mark is None:
        return html.escape(label)
    return f'<a class="go" data-go="{mark}" href="#m{mark}">{html.escape(label)}</a>'


def _side(doc: BudgetDocument, marks: list[Mark], nav: dict[str, Any]) -> str:
    m, cov = doc.meta, doc.meta.coverage
    counts = Counter(mk["c"] for mk in marks)
    kind = {"budget": "预算", "final_accounts": "决算"}.get(m.doc_kind or "", "?")
    share = f"{cov.share:.1%}" if cov.share is not None else "—"
    out = [
        f"<h1>{html.escape(m.department or m.doc_id)}</h1>",
        f'<div class="meta">{m.year or "?"} {kind} · {html.escape(m.template_family)} · {m.source_format} · '
        f"{m.page_count or '—'} pages · coverage {share} ({cov.amounts_captured}/{cov.amounts_printed})<br>"
        f"{html.escape(m.source_file)}</div>",
        '<div class="legend">'
        + "".join(
            f'<span><i class="sw" style="border-color:var(--{c})"></i>{html.escape(t)} '
            f'(<b data-count="{c}">{counts.get(c, 0)}</b>)</span>'
            for c, t in LEGEND
        )
        + "</div>",
        '<div id="info">Click a box or a link.</div><nav>',
    ]
    sev = Counter(f.severity for f in doc.findings)
    out.append(
        f'<details open id="nav-findings"><summary>Findings ({len(doc.findings)}: '
        + ", ".join(f"{k} {v}" for k, v in sorted(sev.items()))
        + ")</summary><ol>"
    )
    order = {"material": 0, "error": 1, "warning": 2, "rounding": 3}
    for f in sorted(nav["findings"], key=lambda f: (order.get(f["severity"], 9), f["i"])):
        out.append(
            f'<li class="finding-link" data-finding="{f["i"]}"><span class="sev-{f["severity"]}">{f["severity"]}</span> '
            f"{_go(f['m'], f['check'])}: {html.escape(f['message'])}</li>"
        )
    out.append("</ol></details>")
    out.append(f'<details open id="nav-tables"><summary>Tables ({len(nav["tables"])})</summary><ol>')
    for t in nav["tables"]:
        what = f"{t['rows']} rows" + (f", {t['indicators']} indicators" if t["indicators"] else "")
        out.append(f"<li>{_go(t['m'], t['t'])} <small>({html.escape(t['kind'])}, {what})</small></li>")
    out.append("</ol></details>")
    out.append(f'<details id="nav-changes"><summary>Change statements ({len(nav["changes"])})</summary><ol>')
    for c in nav["changes"]:
        nums = " · ".join(
            x
            for x in (
                f"{c['amount']} {c['unit']}" if c["amount"] else "",
                f"Δ {c['delta']}" if c["delta"] else "",
                f"{c['growth']}%" if c["growth"] else "",
                c["base"] or "",
                c["status"] if c["status"] != "changed" else "",
            )
            if x
        )
        llm = ' <span class="llmtag">LLM</span>' if c["llm"] else ""
        out.append(f"<li>{_go(c['m'], c['subject'])}{llm} <small>{html.escape(nums)}</small>")
        if c["reasons"]:
            out.append("<ul>")
            for r in c["reasons"]:
                tag = ' <span class="llmtag">LLM</span>' if r["origin"] != "rule" else ""
                out.append(f'<li><span class="cat">{html.escape(r["category"])}</span>{tag} {_go(r["m"], r["text"])}</li>')
            out.append("</ul>")
        out.append("</li>")
    out.append("</ol></details>")
    out.append(f'<details id="nav-projects"><summary>Projects ({len(nav["projects"])})</summary><ol>')
    for p in nav["projects"]:
        amount = f" <small>{p['amount']} {p['unit']}</small>" if p["amount"] else ""
        out.append(f"<li>{_go(p['m'], p['name'])}{amount}")
        if p["documents"]:
            out.append("<ul>")
            for d in p["documents"]:
                label = " ".join(x for x in (f"《{d['title']}》" if d["title"] else "", d["doc_number"] or "") if x)
                out.append(f"<li>{_go(d['m'], label)}</li>")
            out.append("</ul>")
        elif p["basis"] is None:
            out.append(" <small>(no 政策依据 printed)</small>")
        out.append("</li>")
    out.append("</ol></details>")
    if doc.audit is not None:
        out.append(
            f'<details id="nav-audit"><summary>Audit ({html.escape(doc.audit.template)}: '
            f"{len(doc.audit.checks)} checks fired)</summary><ol>"
        )
        for c in nav["audit_checks"]:
            out.append(
                f'<li><span class="sev-{c["severity"]}">{c["severity"]}</span> {_go(c["m"], c["check"])}'
                f" <small>[{html.escape(c['item'] or '')}]</small> {html.escape(c['message'])}</li>"
            )
        out.append("</ol><ul>")
        for it in nav["audit_items"]:
            out.append(f'<li><span class="st-{it["status"]}">{it["status"]}</span> {_go(it["m"], it["item"])}</li>')
        out.append("</ul></details>")
    out.append("</nav>")
    return "".join(out)
