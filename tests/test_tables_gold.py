"""Every numeric cell of both seed documents, text and PDF, against hand-read gold labels."""

from __future__ import annotations

import pytest

from evals.table_scoring import gold_cells, predicted_cells, score_cells
from tests.conftest import EXAMPLES, GOLD, SEEDS


@pytest.mark.parametrize("suffix", ["txt", "pdf"])
@pytest.mark.parametrize("doc", SEEDS)
def test_every_cell_matches_gold(extracted, doc, suffix):
    result = extracted(EXAMPLES / f"{doc}.{suffix}")
    score = score_cells(predicted_cells(result), gold_cells(GOLD / doc / "tables.json"))
    assert not score.missing, f"missing: {score.missing[:10]}"
    assert not score.wrong, f"wrong: {score.wrong[:10]}"
    assert not score.extra, f"extra: {score.extra[:10]}"
    assert score.tp == len(gold_cells(GOLD / doc / "tables.json"))


@pytest.mark.parametrize("suffix", ["txt", "pdf"])
@pytest.mark.parametrize("doc", SEEDS)
def test_tables_located_with_numbers_kinds_and_empties(extracted, doc, suffix):
    import json

    result = extracted(EXAMPLES / f"{doc}.{suffix}")
    gold = json.loads((GOLD / doc / "tables.json").read_text(encoding="utf-8"))
    numbered = [(t.table_no, t.kind.value, t.empty) for t in result.tables if t.table_no]
    expected = [(g["table_no"], g["kind"], g["empty"]) for g in gold["tables"]]
    assert numbered == expected
    assert all(t.unit == "万元" for t in result.tables if t.table_no)
