"""The run journal: one JSON line per finished document, appended by the parent process only.

A line is the commit point of a document (its JSON is written first). A run killed mid-append
leaves at most one torn last line, which ``read`` ignores: that document is simply done again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, dict[str, Any]]:
        """relpath → its latest entry."""
        entries: dict[str, dict[str, Any]] = {}
        if not self.path.exists():
            return entries
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn line from a kill
            if isinstance(entry, dict) and "relpath" in entry:
                entries[entry["relpath"]] = entry
        return entries

    def append(self, entry: dict[str, Any]) -> None:
        """One ``write`` of a whole line with O_APPEND, then fsync: durable before we go on."""
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            # After a torn last line, start on a fresh line so this entry stays parseable.
            if os.fstat(fd).st_size and not self._ends_with_newline():
                line = "\n" + line
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"
