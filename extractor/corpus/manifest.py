"""``RUN_DIR/manifest.json``: how the run was made and what became of every document."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from extractor.export import atomic_write_text

MANIFEST_FORMAT = "budget-extract-run/1"
PACKAGES = (
    "budget-extract",
    "pdfplumber",
    "pdfminer.six",
    "pypdfium2",
    "pydantic",
    "pyarrow",
    "duckdb",
    "tqdm",
    "ray",
    "openai",
    "instructor",
)
STATUSES = ("ok", "ok_with_findings", "failed", "skipped")
_REPO = Path(__file__).resolve().parents[2]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def git_commit(mark_dirty: bool = True) -> str | None:
    """The commit of the extractor's checkout (None without git or a repository), with "+dirty"
    when it has uncommitted changes and ``mark_dirty`` is set."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "-C", str(_REPO), *args], capture_output=True, text=True, timeout=10)

    try:
        head = git("rev-parse", "HEAD")
        if head.returncode or not head.stdout.strip():
            return None
        if not mark_dirty:
            return head.stdout.strip()
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def prompt_templates() -> dict[str, str]:
    """``name.vN`` → sha256 prefix of each template in prompts/ (empty when not installed there)."""
    try:
        import prompts

        folder = Path(prompts.__file__).parent
    except ImportError:
        folder = _REPO / "prompts"
    return {
        p.name.removesuffix(".md"): hashlib.sha256(p.read_bytes()).hexdigest()[:12]
        for p in sorted(folder.glob("*.v*.md"))
    }


def totals(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Sums over the documents: counts by status, pages, seconds, LLM calls, tokens, cache hits."""
    llm = [e.get("llm") or {} for e in entries]
    cov = [e.get("coverage") or {} for e in entries]
    printed = sum(c.get("amounts_printed", 0) for c in cov)
    captured = sum(c.get("amounts_captured", 0) for c in cov)
    checks = sum(c.get("identity_checks", 0) for c in cov)
    holds = sum(c.get("identity_holds", 0) for c in cov)
    return {
        "documents": len(entries),
        **{s: sum(1 for e in entries if e["status"] == s) for s in STATUSES},
        "pages": sum(e.get("pages") or 0 for e in entries if e["status"].startswith("ok")),
        "seconds": round(sum(e.get("seconds") or 0 for e in entries), 3),
        "llm_calls": sum(u.get("calls", 0) for u in llm),
        "llm_cache_hits": sum(u.get("cache_hits", 0) for u in llm),
        "llm_prompt_tokens": sum(u.get("prompt_tokens", 0) for u in llm),
        "llm_completion_tokens": sum(u.get("completion_tokens", 0) for u in llm),
        "llm_failures": sum(sum((u.get("failures") or {}).values()) for u in llm),
        "amounts_printed": printed,
        "amounts_captured": captured,
        "coverage": round(captured / printed, 4) if printed else None,
        "identity_checks": checks,
        "identity_holds": holds,
        "identity_share": round(holds / checks, 4) if checks else None,
    }


def llm_seen(entries: list[dict[str, Any]]) -> tuple[list[str], dict[str, str]]:
    """Models and prompt versions the documents report having used."""
    models = sorted({m for e in entries if (m := (e.get("llm") or {}).get("model"))})
    versions: dict[str, str] = {}
    for e in entries:
        versions.update((e.get("llm") or {}).get("prompt_versions") or {})
    return models, dict(sorted(versions.items()))


def read_manifest(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / "manifest.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def write_manifest(run_dir: Path, manifest: dict[str, Any]) -> None:
    atomic_write_text(run_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")


def fingerprint(entries: list[dict[str, Any]]) -> str:
    """What the corpus outputs depend on: which documents, from which bytes, with which result."""
    key = [(e["doc_id"], e["sha256"], e["status"], e.get("finished_at")) for e in entries]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()
