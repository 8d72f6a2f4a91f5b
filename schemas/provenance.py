"""Where a value came from, so a person can check it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Origin = Literal["rule", "llm", "both", "conflict"]
"""Who filled a value: a deterministic rule, the LLM layer, ``both`` (they agreed) or ``conflict``
(they differed: the rule's value is kept and a ``llm_rule_conflict`` finding records the LLM's)."""


class Provenance(BaseModel):
    """A location in a source file.

    Text renderings carry 1-based ``line`` numbers and 0-based ``char_start``/``char_end``
    offsets into the file's text; PDFs carry a 1-based ``page``, the line's index on that
    page (``line``, 1-based, in reading order) and a ``bbox`` (x0, top, x1, bottom in PDF points).
    """

    model_config = ConfigDict(frozen=True)

    file: str
    page: int | None = None
    line: int | None = None
    char_start: int | None = None
    char_end: int | None = None
    bbox: tuple[float, float, float, float] | None = None
