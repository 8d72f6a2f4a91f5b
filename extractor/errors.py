"""Errors that name the file and the reason."""

from __future__ import annotations


class ExtractionError(Exception):
    """A file that could not be extracted. ``str()`` is one line: "<file>: <reason>"."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
