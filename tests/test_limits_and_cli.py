"""Limits on every entry point, honest file lists and exit codes, output modes, --out reuse, logs."""

from __future__ import annotations

import csv
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from extractor import ExtractionError, extract
from extractor.corpus import RunSettings, run_corpus
from extractor.limits import LimitExceeded
from tests.badfiles import long_pdf
from tests.conftest import EXAMPLES, SEEDS

TEXT = EXAMPLES / f"{SEEDS[1]}.txt"
PDF = EXAMPLES / f"{SEEDS[1]}.pdf"


def _cli(*args: str, cwd: Path | None = None, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    def set_umask() -> None:
        if umask is not None:
            os.umask(umask)

    return subprocess.run(
        [sys.executable, "-m", "extractor", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        preexec_fn=set_umask if umask is not None else None,
    )


def _failures(out: Path) -> dict[str, str]:
    with (out / "failures.csv").open(encoding="utf-8", newline="") as fh:
        return {Path(r["file"]).name: r["reason"] for r in csv.DictReader(fh)}


def _random_pdf(path: Path) -> Path:
    """Random bytes named .pdf, with many form feeds (0x0c) in them: what once read as 791 pages."""
    data = bytearray(os.urandom(200_000))
    data[:8] = b"\x89junk\x00\x0c\x0c"
    for i in range(0, len(data), 97):
        data[i] = 0x0C
    path.write_bytes(bytes(data))
    return path


# --- limits: the Python API ---------------------------------------------------------------------


def test_api_page_limit_names_file_and_limit(tmp_path):
    pdf = long_pdf(tmp_path / "five.pdf", pages=5)
    with pytest.raises(LimitExceeded) as exc:
        extract(pdf, max_pages=3)
    assert str(exc.value) == f"{pdf}: too many pages (5 > limit 3)"
    assert exc.value.limit == "pages" and exc.value.value == 5
    assert isinstance(exc.value, ExtractionError)


def test_api_page_limit_of_a_text_counts_form_feeds(tmp_path):
    p = tmp_path / "pages.txt"
    p.write_text("\f".join([TEXT.read_text(encoding="utf-8")] * 4), encoding="utf-8")
    with pytest.raises(LimitExceeded, match=r"too many pages \(4 > limit 2\)"):
        extract(p, max_pages=2)
    assert extract(p, max_pages=4).meta.page_count == 4


def test_api_byte_limit(tmp_path):
    size = TEXT.stat().st_size
    with pytest.raises(LimitExceeded) as exc:
        extract(TEXT, max_bytes=1000)
    assert str(exc.value) == f"{TEXT}: too large ({size} bytes > limit 1000 bytes)"
    assert extract(TEXT, max_bytes=None).meta.doc_id == SEEDS[1]


@pytest.fixture(scope="module")
def long_seed_pdf(tmp_path_factory) -> Path:
    """The seed PDF ten times over (280 pages, ~3 s): the time limits below must be exceeded on
    any machine, and the seed alone now extracts in about 0.35 s."""
    from pypdf import PdfReader, PdfWriter

    writer, pdf = PdfWriter(), tmp_path_factory.mktemp("long") / "long.pdf"
    for _ in range(10):
        for page in PdfReader(PDF).pages:
            writer.add_page(page)
    with pdf.open("wb") as fh:
        writer.write(fh)
    return pdf


def test_api_time_limit_stops_a_long_pdf_in_time(long_seed_pdf):
    start = time.monotonic()
    with pytest.raises(LimitExceeded) as exc:
        extract(long_seed_pdf, timeout_s=0.3)
    assert str(exc.value) == f"{long_seed_pdf}: timeout (> 0.3 s)"
    assert time.monotonic() - start < 2.5  # stopped near the limit, not after the whole document


def test_api_time_limit_off_the_main_thread_is_checked_between_pages(long_seed_pdf):
    box: dict[str, BaseException | None] = {}

    def work() -> None:
        try:
            extract(long_seed_pdf, timeout_s=0.3)
            box["error"] = None
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            box["error"] = exc

    t = threading.Thread(target=work)
    t.start()
    t.join(60)
    assert isinstance(box["error"], LimitExceeded) and "timeout (> 0.3 s)" in str(box["error"])


def test_time_limit_stops_a_block_that_swallowed_the_first_signal():
    """Python drops an exception raised inside a finalizer or a garbage-collector callback (where
    pypdfium2 closes its objects); the timer repeats, so the block still stops soon after."""
    from extractor.limits import time_limit

    swallowed = 0
    start = time.monotonic()
    with pytest.raises(LimitExceeded), time_limit("slow.pdf", 0.2):
        while time.monotonic() - start < 10:
            try:
                while time.monotonic() - start < 10:
                    pass
            except BaseException:  # noqa: BLE001 - as a finalizer's error is dropped
                if swallowed:
                    raise
                swallowed += 1
    assert swallowed == 1
    assert time.monotonic() - start < 2  # the repeat came 0.5 s after the first


def test_api_time_limit_restores_an_outer_timer():
    import signal

    fired = []
    old = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 30)
        extract(TEXT, timeout_s=20)
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 20 < left <= 30  # the outer timer runs on
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert not fired


def test_api_reports_pages_done():
    seen: list[tuple[int, int]] = []
    doc = extract(PDF, on_page=lambda done, total: seen.append((done, total)))
    n = doc.meta.page_count
    assert n > 3 and seen == [(k, n) for k in range(1, n + 1)]


# --- limits, file lists and exit codes: the extract command -------------------------------------


def test_extract_cli_limits_list_the_document_and_the_batch_goes_on(tmp_path):
    pdf = long_pdf(tmp_path / "six.pdf", pages=6)
    out = tmp_path / "out"
    run = _cli("extract", str(pdf), str(TEXT), "--out", str(out), "--max-pages", "5", "--max-bytes", "10M")
    assert run.returncode == 0, run.stderr
    assert f"error: {pdf}: too many pages (6 > limit 5)" in run.stderr
    assert _failures(out) == {"six.pdf": "too many pages (6 > limit 5)"}
    assert (out / f"{SEEDS[1]}.json").exists()
    small = _cli("extract", str(TEXT), "--out", str(tmp_path / "o2"), "--max-bytes", "1K")
    assert small.returncode == 1  # nothing extracted
    assert f"too large ({TEXT.stat().st_size} bytes > limit 1024 bytes)" in small.stderr


def test_extract_cli_timeout(tmp_path, long_seed_pdf):
    pdf = long_seed_pdf
    out = tmp_path / "out"
    run = _cli("extract", str(pdf), "--out", str(out), "--timeout", "0.5")
    assert run.returncode == 1
    assert _failures(out) == {pdf.name: "timeout (> 0.5 s)"}


def test_extract_cli_shows_pages_done_and_documents(tmp_path):
    from pypdf import PdfReader

    n = len(PdfReader(PDF).pages)
    run = _cli("extract", str(PDF), str(TEXT), "--out", str(tmp_path / "out"))
    assert f"{PDF.name}: page {n}/{n}" in run.stderr  # a long document's progress
    assert "2/2" in run.stderr  # the batch's
    quiet = _cli("extract", str(PDF), str(TEXT), "--out", str(tmp_path / "q"), "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""


def test_every_file_of_a_folder_is_extracted_or_listed(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TEXT, src / TEXT.name)
    _random_pdf(src / "random.pdf")
    (src / "random.bin").write_bytes(os.urandom(2000))
    (src / "sheet.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(500))
    (src / ".hidden").write_text("ignored", encoding="utf-8")
    out = tmp_path / "out"
    run = _cli("extract", str(src), "--out", str(out))
    assert run.returncode == 0, run.stderr
    failures = _failures(out)
    assert set(failures) == {"random.pdf", "random.bin", "sheet.xlsx"}
    assert failures["random.pdf"].startswith("not a PDF")
    assert failures["random.bin"].startswith("unsupported file type (.bin")
    assert failures["sheet.xlsx"].startswith("unsupported file type (.xlsx")
    # a file named on the command line is tried whatever its suffix
    given = _cli("extract", str(src / "random.bin"), "--out", str(tmp_path / "o2"))
    assert given.returncode == 1 and "unsupported file type (neither PDF nor UTF-8 text)" in given.stderr


def test_pdf_magic_within_the_first_1024_bytes(tmp_path):
    # A header after junk is still a PDF, read as one (its offsets are then off: pdfium finds its
    # objects anyway, where pdfminer alone calls it damaged); past the first 1024 bytes it is not one.
    p = tmp_path / "prefixed.txt"
    p.write_bytes(b"\x00" * 300 + PDF.read_bytes())
    prefixed = extract(p, max_pages=None)
    assert prefixed.meta.source_format == "pdf"
    assert len(prefixed.tables) == len(extract(PDF, max_pages=None).tables) > 0
    late = tmp_path / "late.pdf"
    late.write_bytes(b"\x00" * 1100 + PDF.read_bytes())
    with pytest.raises(ExtractionError, match="not a PDF"):
        extract(late)
    assert extract(PDF, max_pages=None).meta.source_format == "pdf"


# --- the run command --------------------------------------------------------------------------


def test_run_lists_unsupported_files_and_random_bytes_fail_as_not_a_pdf(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TEXT, src / "doc.txt")
    _random_pdf(src / "random.pdf")
    (src / "random.bin").write_bytes(os.urandom(2000))
    (src / "sheet.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(500))
    manifest = run_corpus(RunSettings(src, tmp_path / "run", workers=1, progress=False))
    docs = {e["relpath"]: e for e in manifest["documents"]}
    assert docs["random.pdf"]["status"] == "failed"
    assert docs["random.pdf"]["reason"].startswith("not a PDF")
    assert docs["random.bin"]["status"] == docs["sheet.xlsx"]["status"] == "skipped"
    assert docs["sheet.xlsx"]["reason"].startswith("unsupported file type (.xlsx")
    assert docs["doc.txt"]["status"].startswith("ok")
    assert manifest["totals"]["documents"] == 4


def test_run_exit_codes(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    _random_pdf(bad / "random.pdf")
    (bad / "poem.txt").write_text("床前明月光，疑是地上霜。\n", encoding="utf-8")
    run = _cli("run", str(bad), "--out", str(tmp_path / "r1"), "--no-progress", "--llm", "off")
    assert run.returncode == 1, run.stderr  # nothing extracted
    assert "failed: random.pdf: not a PDF" in run.stderr
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(TEXT, good / "doc.txt")
    _random_pdf(good / "random.pdf")
    ok = _cli("run", str(good), "--out", str(tmp_path / "r2"), "--quiet", "--llm", "off")
    assert ok.returncode == 0 and ok.stdout == ""
    assert "failed: random.pdf" in ok.stderr  # failures are listed even when quiet
    again = _cli("run", str(good), "--out", str(tmp_path / "r2"), "--quiet", "--llm", "off", "--max-pages", "7")
    assert again.returncode == 2 and "results would mix" in again.stderr


# --- outputs: modes and --out reuse ---------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_outputs_respect_the_umask(tmp_path, umask):
    out = tmp_path / "out"
    run = _cli("extract", str(TEXT), "--out", str(out), umask=umask)
    assert run.returncode == 0, run.stderr
    files = [p for p in out.iterdir() if p.is_file()]
    assert {p.suffix for p in files} == {".json", ".csv"}
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o666 & ~umask}


def test_run_outputs_respect_the_umask(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TEXT, src / "doc.txt")
    run = _cli("run", str(src), "--out", str(tmp_path / "run"), "--quiet", "--llm", "off", umask=0o022)
    assert run.returncode == 0, run.stderr
    written = [p for p in (tmp_path / "run").rglob("*") if p.is_file()]
    assert {p.name for p in written} >= {"manifest.json", "corpus.duckdb", "doc-txt.json", "facts.parquet"}
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o644}


def test_out_of_a_previous_extract_is_reused_and_stale_json_removed(tmp_path):
    out = tmp_path / "out"
    first = _cli("extract", str(TEXT), str(EXAMPLES / f"{SEEDS[0]}.txt"), "--out", str(out))
    assert first.returncode == 0
    assert (out / f"{SEEDS[0]}.json").exists()
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # not ours: never touched
    second = _cli("extract", str(TEXT), "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert f"removed 1 file(s) of a previous run no longer produced: {SEEDS[0]}.json" in second.stdout
    # the documents' JSON (datapackage.json describes the CSVs and is rewritten each time)
    assert sorted(p.name for p in out.glob("*.json") if p.name != "datapackage.json") == [f"{SEEDS[1]}.json"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    with (out / "documents.csv").open(encoding="utf-8") as fh:
        assert [r["doc_id"] for r in csv.DictReader(fh)] == [SEEDS[1]]


def test_out_that_is_not_an_extract_output_is_refused(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.json").write_text("{}", encoding="utf-8")
    run = _cli("extract", str(TEXT), "--out", str(foreign))
    assert run.returncode == 2
    assert "not empty and not written by budget-extract extract" in run.stderr
    assert [p.name for p in foreign.iterdir()] == ["thesis.json"]
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(TEXT, src / "doc.txt")
    assert _cli("run", str(src), "--out", str(tmp_path / "run"), "--quiet", "--llm", "off").returncode == 0
    refused = _cli("extract", str(TEXT), "--out", str(tmp_path / "run"))
    assert refused.returncode == 2 and "a `budget-extract run` directory" in refused.stderr


# --- logs -------------------------------------------------------------------------------------


def test_version():
    from extractor import __version__

    run = _cli("--version")
    assert run.returncode == 0 and run.stdout.strip() == f"budget-extract {__version__}"


LLM_DOWN = """
import sys
from pathlib import Path
import httpx2
sys.path.insert(0, str(Path.cwd() / "tests"))
from llm_mock import Endpoint, mock_client
from extractor import extract
from extractor.log import configure
configure(int(sys.argv[2]))
endpoint = Endpoint(httpx2.Response(500, json={"error": "down"}))
doc = extract(sys.argv[1], llm=mock_client(endpoint, Path(sys.argv[3])))
print(doc.narrative.llm.status, doc.narrative.llm.usage.calls, len(endpoint.requests))
"""


@pytest.mark.parametrize("level", [logging.WARNING, logging.DEBUG])
def test_one_llm_line_per_document_instead_of_one_per_failed_attempt(tmp_path, level):
    """The console (stderr) of a document whose endpoint answers 500 to everything: one line
    saying what the LLM layer did, not instructor's "API call failed on attempt N" per attempt
    (those only with --verbose, as DEBUG)."""
    from tests.conftest import ROOT

    run = subprocess.run(
        [sys.executable, "-c", LLM_DOWN, str(TEXT), str(level), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    status, calls, requests = run.stdout.split()
    assert status == "failed" and int(calls) >= 2 and int(requests) >= int(calls)
    lines = run.stderr.splitlines()
    summary = [x for x in lines if "LLM layer" in x]
    assert summary == [
        f"budget-extract: WARNING: {TEXT}: LLM layer failed: {calls} calls, 0 cached, 0 retries; "
        f"failures server_error ×{calls}; rules kept where it failed"
    ]
    attempts = [x for x in lines if "API call failed on attempt" in x]
    if level == logging.WARNING:
        assert lines == summary  # nothing else on the console
    else:
        assert attempts and all(x.startswith("budget-extract: DEBUG: ") for x in attempts)


def test_run_shows_the_pages_of_the_documents_being_read(tmp_path, long_seed_pdf):
    # 280 pages: the 28-page seed is now read within one or two ticks of the progress thread
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(long_seed_pdf, src / "long.pdf")
    out = tmp_path / "run"
    run = _cli("run", str(src), "--out", str(out), "--workers", "1", "--llm", "off")
    assert run.returncode == 0, run.stderr
    from pypdf import PdfReader

    n = len(PdfReader(long_seed_pdf).pages)
    seen = [int(k) for k in re.findall(rf"long-pdf p(\d+)/{n}", run.stderr)]
    assert seen and all(1 <= k <= n for k in seen)  # pages done while it was read
    assert not (out / ".progress").exists()  # the notes are gone when the run ends


def test_the_command_freezes_its_objects_and_the_api_does_not(tmp_path):
    """``budget-extract`` (console_main) freezes what it imported and what it made, so no
    collection walks them (nor the one at exit); ``main``, for in-process callers, never does."""
    code = (
        "import gc, sys\n"
        "from extractor.cli import console_main, main\n"
        "args = ['extract', sys.argv[1], '--out', sys.argv[2], '-q', '--llm', 'off']\n"
        "assert main(args) == 0 and gc.get_freeze_count() == 0\n"
        "assert console_main(args) == 0\n"
        "print(gc.get_freeze_count())\n"
    )
    seed = EXAMPLES / f"{SEEDS[1]}.txt"
    done = subprocess.run(
        [sys.executable, "-c", code, str(seed), str(tmp_path / "out")], capture_output=True, text=True, check=True
    )
    assert int(done.stdout) > 10_000
    assert (tmp_path / "out" / "facts.csv").exists()
    rc = subprocess.run([sys.executable, "-m", "extractor", "extract", str(seed), "--out", str(tmp_path / "m"), "-q"])
    assert rc.returncode == 0 and (tmp_path / "m" / "facts.csv").exists()
