"""Reading a run directory: its ``<doc_id>.json`` documents, its manifest, and the source texts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evals.common import read_json, squash
from extractor.corpus.manifest import git_commit
from schemas import BudgetDocument
from schemas.provenance import Provenance

ROOT = Path(__file__).resolve().parent.parent
# Keys a run manifest (budget-extract run) may use for what a report records.
_RUNTIME_KEYS = ("run_time_s", "elapsed_s", "duration_s", "wall_time_s", "elapsed")
_SKIP_NAMES = {"manifest.json", "report.json", "compare.json"}


@dataclass
class Run:
    path: Path
    docs: dict[str, BudgetDocument] = field(default_factory=dict)
    manifest: dict[str, Any] | None = None
    skipped: list[str] = field(default_factory=list)


def load_run(path: Path) -> Run:
    """Every BudgetDocument JSON under ``path`` (recursively, ``docs/`` included), by doc id.

    Files that are not documents (tidy CSVs, reports, a manifest) are skipped; a JSON that looks
    like a document but does not validate is listed in ``skipped``.
    """
    run = Run(path=path, manifest=read_json(path / "manifest.json"))
    for f in sorted(path.rglob("*.json")):
        if f.name in _SKIP_NAMES:
            continue
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if not (isinstance(data, dict) and "meta" in data and "tables" in data):
            continue
        try:
            doc = BudgetDocument.model_validate(data)
        except ValidationError as exc:
            run.skipped.append(f"{f}: {exc.error_count()} validation errors")
            continue
        run.docs[doc.meta.doc_id] = doc
    return run


def run_metadata(run: Run) -> dict[str, Any]:
    """Model, prompt versions, commit, date, documents, calls, tokens, cache hits, run time."""
    m = run.manifest or {}
    llms = [d.narrative.llm for d in run.docs.values()]
    prompts: dict[str, str] = {}
    for llm in llms:
        prompts.update(llm.prompt_versions)
    prompts.update(m.get("prompt_versions") or {})
    models = sorted({llm.model for llm in llms if llm.model} | ({m["model"]} if m.get("model") else set()))
    usage = [llm.usage for llm in llms]
    run_time = next((m[k] for k in _RUNTIME_KEYS if m.get(k) is not None), None)
    if run_time is None and m.get("started") and m.get("finished"):
        run_time = f"{m['started']} → {m['finished']}"
    head = git_commit(mark_dirty=False)  # the eval's own code, as committed
    return {
        "run": str(run.path),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": m.get("git_commit") or m.get("commit") or head,
        "eval_git_commit": head,
        "model": models or None,
        "prompt_versions": prompts,
        "extractor_versions": sorted({d.meta.extractor_version for d in run.docs.values()}),
        "documents": len(run.docs),
        "llm_enabled_documents": sum(1 for llm in llms if llm.enabled),
        "calls": sum(u.calls for u in usage),
        "prompt_tokens": sum(u.prompt_tokens for u in usage),
        "completion_tokens": sum(u.completion_tokens for u in usage),
        "tokens": sum(u.prompt_tokens + u.completion_tokens for u in usage),
        "cache_hits": sum(u.cache_hits for u in usage),
        "llm_latency_s": round(sum(u.latency_s for u in usage), 3),
        "run_time": run_time,
        "manifest": bool(run.manifest),
    }


def grounding(docs: list[BudgetDocument]) -> dict[str, Any]:
    """Share of LLM items found verbatim in the source (kept) among all the LLM proposed."""
    grounded = sum(d.narrative.llm.usage.grounded for d in docs)
    dropped = sum(d.narrative.llm.usage.ungrounded_dropped for d in docs)
    total = grounded + dropped
    return {
        "grounded": grounded,
        "ungrounded_dropped": dropped,
        "grounding_rate": round(grounded / total, 4) if total else None,
    }


class Sources:
    """Source texts, read lazily once per file, for the text around a difference."""

    def __init__(self, run_dir: Path, width: int = 60, enabled: bool = True) -> None:
        self.run_dir = run_dir
        self.width = width
        self.enabled = enabled
        self._pages: dict[str, list[str] | None] = {}
        # Per file and page: the whitespace-free text and, per its character, the printed offset.
        self._squashed: dict[str, list[tuple[str, list[int]]]] = {}

    def _resolve(self, name: str) -> Path | None:
        p = Path(name)
        for cand in (p, self.run_dir / p, ROOT / p, Path.cwd() / p):
            if cand.is_file():
                return cand
        return None

    def pages(self, name: str) -> list[str] | None:
        """The file's text, one string per page (a text file is one page)."""
        if not self.enabled:
            return None
        if name not in self._pages:
            path = self._resolve(name)
            text: list[str] | None = None
            if path is not None and path.suffix.lower() == ".pdf":
                import pdfplumber

                with pdfplumber.open(path) as pdf:
                    text = [page.extract_text() or "" for page in pdf.pages]
            elif path is not None:
                text = [path.read_text(encoding="utf-8", errors="replace")]
            self._pages[name] = text
        return self._pages[name]

    def at(self, prov: Provenance) -> str | None:
        """The text around a provenance: char offsets for text files, the line for PDF pages."""
        pages = self.pages(prov.file)
        if not pages:
            return None
        if prov.page is None and prov.char_start is not None:
            text = pages[0]
            end = prov.char_end if prov.char_end is not None else prov.char_start
            return self._window(text, prov.char_start, end)
        text = pages[(prov.page or 1) - 1] if (prov.page or 1) <= len(pages) else ""
        lines = text.splitlines()
        if prov.line is None or not lines:
            return text[: 2 * self.width] or None
        i = min(max(prov.line - 1, 0), len(lines) - 1)
        return "\n".join(lines[max(i - 1, 0) : i + 2])

    def find(self, name: str, anchor: str, page: int | None = None) -> str | None:
        """The text around the first occurrence of ``anchor`` (whitespace ignored), on ``page`` if given."""
        pages = self.pages(name)
        key = squash(anchor)[:24]
        if not pages or not key:
            return None
        if name not in self._squashed:
            self._squashed[name] = [_squash_with_positions(text) for text in pages]
        indices = range(len(pages)) if page is None else range(len(pages))[page - 1 : page]
        for i in indices:
            # Search the whitespace-free text, then map back to the printed positions.
            flat, positions = self._squashed[name][i]
            hit = flat.find(key)
            if hit >= 0:
                return self._window(
                    pages[i], positions[hit], positions[min(hit + len(key), len(positions)) - 1] + 1
                )
        return None

    def _window(self, text: str, start: int, end: int) -> str:
        a, b = max(start - self.width, 0), min(end + self.width, len(text))
        return (
            ("…" if a else "")
            + text[a:start]
            + "【"
            + text[start:end]
            + "】"
            + text[end:b]
            + ("…" if b < len(text) else "")
        )


def _squash_with_positions(text: str) -> tuple[str, list[int]]:
    """``text`` without whitespace, and the offset in ``text`` of each character kept."""
    positions = [i for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(text[i] for i in positions), positions
