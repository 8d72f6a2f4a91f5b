"""Fuzzed ingest and parsing: damaged text renderings and PDFs (tests/mutations.py) end in a
``BudgetDocument`` or a one-line ``ExtractionError`` naming the file, within a bounded time — never
another exception, never a hang. Few, small examples keep the suite fast; scripts/fuzz_ingest.py
runs the same mutations longer."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor import ExtractionError, extract
from schemas import BudgetDocument
from tests.conftest import EXAMPLES, SEEDS
from tests.mutations import mutate_pdf, mutate_text, small_pdf

SECONDS = 20.0  # the time limit given to extract; a document must end well within it
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SEED_TEXT = (EXAMPLES / f"{SEEDS[1]}.txt").read_text(encoding="utf-8")


def _outcome(path: Path) -> str:
    """"ok" or the error's reason; fails the test on anything else."""
    start = time.monotonic()
    try:
        doc = extract(path, timeout_s=SECONDS)
    except ExtractionError as exc:
        text = str(exc)
        assert "\n" not in text and text.startswith(f"{path}: ") and exc.reason
        assert time.monotonic() - start < SECONDS + 5
        return exc.reason
    assert isinstance(doc, BudgetDocument)
    assert time.monotonic() - start < SECONDS + 5
    doc.model_dump_json()  # the result serialises
    return "ok"


@FUZZ
@given(st.randoms(use_true_random=False), st.sampled_from([".txt", ".md"]))
def test_mutated_text_renderings(tmp_path, rng, suffix):
    # a window of the seed (a few kB) keeps each example fast; the mutations damage it further
    a = rng.randrange(len(SEED_TEXT) - 4000)
    data, _ = mutate_text(SEED_TEXT[a : a + rng.randint(200, 8000)], rng)
    path = tmp_path / f"doc{suffix}"
    path.write_bytes(data)
    _outcome(path)


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    # the 说明 page before 表1 and 表1 itself (seed 002, pages 5–6): a budget disclosure on its own
    return small_pdf(EXAMPLES / f"{SEEDS[1]}.pdf", pages=2, first=4)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_mutated_pdfs(tmp_path, pdf_bytes, rng):
    data, _ = mutate_pdf(pdf_bytes, rng)
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    _outcome(path)


def test_the_mutations_damage_and_the_outcomes_vary(tmp_path, pdf_bytes):
    """The fuzzers are not vacuous: over fixed seeds they produce both results and errors."""
    outcomes = set()
    for seed in range(8):
        rng = random.Random(seed)
        data, _ = mutate_pdf(pdf_bytes, rng)
        assert data != pdf_bytes
        path = tmp_path / f"m{seed}.pdf"
        path.write_bytes(data)
        outcomes.add("ok" if _outcome(path) == "ok" else "error")
    assert outcomes == {"ok", "error"}
    text_outcomes = set()
    for seed in range(12):
        data, names = mutate_text(SEED_TEXT, random.Random(seed))
        assert data != SEED_TEXT.encode("utf-8"), names
        path = tmp_path / f"m{seed}.txt"
        path.write_bytes(data)
        text_outcomes.add("ok" if _outcome(path) == "ok" else "error")
    assert "ok" in text_outcomes


# --- crashes the fuzzers found, kept as regression tests --------------------------------------------


def test_a_damaged_page_tree_is_one_line_not_a_traceback(tmp_path, pdf_bytes):
    """Found by test_mutated_pdfs: a flipped byte in a page's /MediaBox made pdfminer fail while
    listing the pages; pdfplumber's close() then walked the page tree again and its exception
    replaced the one-line error (a PdfminerException traceback). pdfium, the default reader,
    reads the page anyway; pdfplumber, where it reads, must still end in the one line."""
    from extractor.ingest.pdf import read_pdf

    at = pdf_bytes.index(b"/MediaBox [ 0 0") + len(b"/MediaBox [ ")
    path = tmp_path / "mediabox.pdf"
    path.write_bytes(pdf_bytes[:at] + b"x" + pdf_bytes[at + 1 :])  # same length: offsets stay right
    with pytest.raises(ExtractionError) as exc:
        read_pdf(path, reader="pdfplumber")
    assert str(exc.value).startswith(f"{path}: unreadable PDF (")
    assert "\n" not in str(exc.value)
    assert read_pdf(path).page_readers[0] == "pdfium"


def test_an_indicator_row_with_more_cells_than_headers_is_not_realigned():
    """Found by scripts/fuzz_ingest.py (cells inserted into a 绩效目标表 row): a row with no 三级指标
    and more filled cells than the header has columns made the left-shift repair zip unequal
    lists (ValueError)."""
    from extractor.tables.performance import parse_performance
    from schemas import Provenance, SourceLine

    def line(n: int, cells: list[str]) -> SourceLine:
        return SourceLine(text=" ".join(cells), cells=cells, provenance=Provenance(file="t.txt", line=n))

    header = ["一级指标", "二级指标", "三级指标", "指标值", "指标分值权重"]
    good = ["产出指标", "数量指标", "参保人数", ">=100人", "10"]
    extra = ["产出指标", "数量指标", "", ">=5人", "10", "多余", "单元格"]  # 6 filled, 5 headers
    _, indicators, _ = parse_performance([line(1, header), line(2, good), line(3, extra), line(4, good)])
    assert [i.level3 for i in indicators if i.level3] == ["参保人数", "参保人数"]
    assert indicators[0].value_raw == ">=100人" and indicators[0].weight == 10
