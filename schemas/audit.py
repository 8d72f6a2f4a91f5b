"""The disclosure audit: which required items a document discloses, and what is wrong with them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

AuditStatus = Literal["present", "missing", "empty-explained", "defective", "not-judged"]
"""``present``: found, no check fired on it; ``missing``: required by the template and not found;
``empty-explained``: a table printed empty with a sentence saying why; ``defective``: found, with at
least one check on it; ``not-judged``: the text cannot tell (timeliness, a part published in another
volume, a screenshot)."""

AuditSeverity = Literal["material", "warning"]
"""``material``: the content is wrong (a wrong year, amount, name or a missing part); ``warning``:
form (punctuation, brackets, template leftovers) — still a 否 on an official 检查表."""


class AuditEvidence(BaseModel):
    """Where a check looked: PDF page and line on the page (text: line number), and the text."""

    page: int | None = None
    line: int | None = None
    text: str


class AuditCheck(BaseModel):
    """One check that fired. ``item`` is the disclosure item the evidence lies in; ``source`` says
    whether the audit found it (``audit``) or it is a validation finding taken over (``finding``)."""

    name: str
    severity: AuditSeverity
    item: str | None = None
    message: str
    evidence: list[AuditEvidence] = []
    source: Literal["audit", "finding"] = "audit"


class AuditItem(BaseModel):
    """One disclosure item (封面, 目录, 主要职能, each standard table, …) and its status."""

    item: str
    label: str
    required: bool
    status: AuditStatus
    evidence: list[AuditEvidence] = []
    message: str = ""
    checks: list[str] = []
    parent: str | None = None


class Audit(BaseModel):
    """The audit of one document: the requirement list applied (``template``), every item, every
    check that fired, and notes on what could not be judged from the text."""

    template: str
    items: list[AuditItem] = []
    checks: list[AuditCheck] = []
    notes: list[str] = []

    @property
    def passed(self) -> bool:
        """No required item missing or defective and no check fired."""
        return not self.checks and all(i.status in ("present", "empty-explained", "not-judged") for i in self.items)
