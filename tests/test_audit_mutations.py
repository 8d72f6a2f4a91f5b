"""Gate: the audit detects planted defects of every class and raises nothing on the clean documents
(``evals/audit_mutations.py``, floors in ``evals/thresholds/audit.json``)."""

from __future__ import annotations

import json

import pytest

from evals.audit_mutations import CLASSES, CLEAN_DOCUMENTS, run
from tests.conftest import ROOT, SHARED

GATE = json.loads((ROOT / "evals" / "thresholds" / "audit.json").read_text(encoding="utf-8"))


@pytest.mark.skipif(not all((SHARED / d).exists() for d in CLEAN_DOCUMENTS), reason="../shared seeds not present")
def test_audit_mutation_recall_and_false_alarms():
    report = run(n=GATE["n"], seed=GATE["seed"], shared=SHARED)
    assert report["false_alarm_count"] <= GATE["false_alarms_max"], report["false_alarms"]
    assert set(GATE["recall"]) == {c.name for c in CLASSES}  # every class is gated
    below = {
        name: (v["recall"], GATE["recall"][name], v["misses"][:3])
        for name, v in report["classes"].items()
        if v["recall"] is None or v["recall"] < GATE["recall"][name]
    }
    assert not below, below
