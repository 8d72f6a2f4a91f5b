"""Find the documents to review (files, their JSON, an ``extract`` output or a run directory) and
write a review page for each, and the dashboard where there are several."""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from extractor.errors import ExtractionError
from extractor.export import atomic_write_text
from extractor.ingest import ingest
from extractor.pipeline import doc_id_for, extract_source
from schemas import BudgetDocument, SourceDocument


@dataclass
class Reviewed:
    """What a review run wrote: pages (doc_id → file and figures), failures (name → reason)."""

    pages: dict[str, dict] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)
    dashboard: Path | None = None


@dataclass
class Item:
    """One document to review: its extraction (or the file to extract) and where its source is."""

    name: str
    doc: BudgetDocument | None = None
    source_path: Path | None = None
    status: str | None = None
    reason: str = ""


def page_name(doc_id: str) -> str:
    """The file name of a document's review page."""
    return f"{doc_id}.html"


def _source_for(doc: BudgetDocument, json_path: Path, input_dir: Path | None, relpath: str | None) -> Path | None:
    """The file a document was read from: as recorded, beside its JSON, or under the run's input."""
    recorded = Path(doc.meta.source_file)
    candidates = [recorded]
    if not recorded.is_absolute():
        candidates += [json_path.parent / recorded, json_path.parent.parent / recorded]
    if input_dir is not None and relpath:
        candidates.append(input_dir / relpath)
    return next((c for c in candidates if c.is_file()), None)


def collect(inputs: list[Path]) -> tuple[list[Item], list[tuple[str, str]], Path | None]:
    """The documents named by ``inputs``; failures; and the run (or extract) directory, if one was given."""
    items: list[Item] = []
    failures: list[tuple[str, str]] = []
    run_dir: Path | None = None
    for p in inputs:
        if p.is_dir() and (p / "manifest.json").is_file() and (p / "docs").is_dir():
            run_dir = p
            manifest = json.loads((p / "manifest.json").read_text(encoding="utf-8"))
            input_dir = Path(manifest["input_dir"]) if manifest.get("input_dir") else None
            for e in manifest.get("documents", []):
                jp = p / "docs" / f"{e['doc_id']}.json"
                if e.get("status") in ("ok", "ok_with_findings") and jp.is_file():
                    items.append(_from_json(jp, input_dir, e.get("relpath"), e.get("status")))
                elif e.get("status") in ("failed", "skipped"):
                    items.append(Item(name=e.get("relpath") or e["doc_id"], status=e["status"], reason=e.get("reason") or ""))
        elif p.is_dir() and (p / "documents.csv").is_file():
            run_dir = p
            with (p / "documents.csv").open(encoding="utf-8", newline="") as fh:
                ids = [r["doc_id"] for r in csv.DictReader(fh) if r.get("doc_id")]
            items += [_from_json(p / f"{i}.json", None, None, None) for i in ids]
            if (p / "failures.csv").is_file():
                with (p / "failures.csv").open(encoding="utf-8", newline="") as fh:
                    items += [Item(name=r["file"], status="failed", reason=r["reason"]) for r in csv.DictReader(fh)]
        elif p.is_dir():
            failures.append((str(p), "not a run directory (no manifest.json and docs/) nor an extract output (no documents.csv)"))
        elif p.suffix.lower() == ".json":
            items.append(_from_json(p, None, None, None))
        elif p.is_file():
            items.append(Item(name=str(p), source_path=p))
        else:
            failures.append((str(p), "no such file or directory"))
    return items, failures, run_dir


def _from_json(path: Path, input_dir: Path | None, relpath: str | None, status: str | None) -> Item:
    try:
        doc = BudgetDocument.model_validate_json(path.read_bytes())
    except (OSError, ValueError) as exc:
        return Item(name=str(path), status=f"unreadable: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    return Item(name=str(path), doc=doc, source_path=_source_for(doc, path, input_dir, relpath), status=status)


def prepare(item: Item) -> tuple[BudgetDocument, SourceDocument | None, Path | None]:
    """The document, its ingested source (for places given as page and line) and its source path."""
    if item.doc is None:
        assert item.source_path is not None
        source = ingest(item.source_path)
        return extract_source(source, doc_id_for(item.source_path)), source, item.source_path
    source = None
    if item.source_path is not None:
        try:
            source = ingest(item.source_path, max_pages=None, max_bytes=None)
        except ExtractionError:
            source = None
    return item.doc, source, item.source_path


def write_reviews(inputs: list[Path], out_dir: Path, on_done=None) -> Reviewed:
    """A review page per document under ``out_dir``; with a run or extract directory (or several
    documents) also ``index.html``, the dashboard."""
    from extractor.review.dashboard import dashboard_html
    from extractor.review.page import review_html

    items, failures, run_dir = collect(inputs)
    result = Reviewed(failures=list(failures))
    docs: list[tuple[BudgetDocument, str | None]] = []
    statuses: list[tuple[str, str, str]] = []
    for item in items:
        if item.doc is None and item.source_path is None:
            unreadable = bool(item.status and item.status.startswith("unreadable"))
            statuses.append((item.name, "failed" if unreadable else item.status or "failed",
                             item.status if unreadable else item.reason))
            if unreadable:
                result.failures.append((item.name, item.status))
            continue
        start = time.perf_counter()
        try:
            doc, source, source_path = prepare(item)
            text, stats = review_html(doc, source, source_path)
        except ExtractionError as exc:
            result.failures.append((exc.path, exc.reason))
            statuses.append((item.name, "failed", exc.reason))
            continue
        path = out_dir / page_name(doc.meta.doc_id)
        atomic_write_text(path, text)
        stats.update(bytes=len(text.encode("utf-8")), seconds=round(time.perf_counter() - start, 2), path=str(path),
                     source_found=source_path is not None)
        result.pages[doc.meta.doc_id] = stats
        docs.append((doc, item.status))
        if on_done:
            on_done(doc.meta.doc_id, stats)
    if run_dir is not None or len(docs) + len(statuses) > 1:
        result.dashboard = out_dir / "index.html"
        atomic_write_text(result.dashboard, dashboard_html(docs, statuses, run_dir, page_name))
    return result
