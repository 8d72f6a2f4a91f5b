"""Bad input: one clear line naming the file and the reason; a batch goes on."""

from __future__ import annotations

import subprocess
import sys

import pytest

from extractor import ExtractionError, extract
from tests.conftest import EXAMPLES


def _reason(path) -> str:
    with pytest.raises(ExtractionError) as exc:
        extract(path)
    assert str(path) in str(exc.value)
    return exc.value.reason


def test_missing(tmp_path):
    assert "not found" in _reason(tmp_path / "nope.pdf")


def test_empty(tmp_path):
    p = tmp_path / "empty.pdf"
    p.write_bytes(b"")
    assert "empty" in _reason(p)


def test_not_a_pdf(tmp_path):
    p = tmp_path / "fake.pdf"
    p.write_bytes(b"PK\x03\x04 this is a zip")
    assert "not a PDF" in _reason(p)


def test_binary(tmp_path):
    p = tmp_path / "blob.bin"
    p.write_bytes(bytes(range(256)) * 4)
    assert "unsupported" in _reason(p)


def test_image_only_pdf(tmp_path):
    from PIL import Image

    p = tmp_path / "scan.pdf"
    Image.new("RGB", (200, 200), "white").save(p)
    assert "no text layer" in _reason(p)


def test_encrypted_pdf(tmp_path):
    from pypdfium2 import PdfDocument  # noqa: F401  (pdfplumber's dependency; proves it is there)

    pytest.importorskip("pypdf", reason="pypdf writes the encrypted fixture")
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(EXAMPLES / "002_e70514054a2d30bc.pdf").pages[:1]:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    p = tmp_path / "locked.pdf"
    with p.open("wb") as fh:
        writer.write(fh)
    assert "encrypted" in _reason(p)


def test_not_a_budget(tmp_path):
    p = tmp_path / "poem.txt"
    p.write_text("床前明月光，疑是地上霜。\n举头望明月，低头思故乡。\n", encoding="utf-8")
    assert "not a budget disclosure" in _reason(p)


def test_batch_goes_on_and_lists_failures(tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"garbage")
    out = tmp_path / "out"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "extractor",
            "extract",
            str(bad),
            str(EXAMPLES / "002_e70514054a2d30bc.txt"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0
    assert f"{bad}: not a PDF" in run.stderr
    assert (out / "002_e70514054a2d30bc.json").exists()
    failures = (out / "failures.csv").read_text(encoding="utf-8")
    assert "bad.pdf" in failures and "not a PDF" in failures
    only_bad = subprocess.run(
        [sys.executable, "-m", "extractor", "extract", str(bad), "--out", str(tmp_path / "o2")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert only_bad.returncode == 1
