"""On-disk cache of validated LLM answers, so a rerun makes zero calls.

The key is a hash of everything that determines the answer: endpoint, model, mode,
temperature, prompt name and version, the rendered messages and the response schema. Entries are JSON files written
atomically (one per key), safe for parallel worker processes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from extractor.export import atomic_write_text


def cache_key(request: dict[str, object]) -> str:
    """A stable hex key for one request (a JSON-able dict of everything that shapes the answer)."""
    blob = json.dumps(
        request,
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """``<dir>/<key[:2]>/<key>.json`` holding the answer and its token usage."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        """The stored entry, or None (a corrupt entry counts as a miss)."""
        path = self._path(key)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, entry: dict) -> None:
        """Store an entry atomically."""
        atomic_write_text(self._path(key), json.dumps(entry, ensure_ascii=False))
