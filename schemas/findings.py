"""Validation findings: what the checks found, never silently fixed."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from schemas.provenance import Provenance

Severity = Literal["rounding", "material", "warning", "error"]
"""``rounding``: |diff| ≤ 0.01 per summed term; ``material``: a larger arithmetic disagreement;
``warning``: implausible or ambiguous content; ``error``: something could not be parsed."""


class Finding(BaseModel):
    """One check result worth a researcher's attention."""

    check: str
    severity: Severity
    tables: list[str] = []
    rows: list[str] = []
    column: str | None = None
    expected: Decimal | None = None
    actual: Decimal | None = None
    message: str
    provenance: Provenance | None = None
