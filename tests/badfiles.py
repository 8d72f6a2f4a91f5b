"""Bad input files, made the way tests/test_bad_input.py makes them."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import EXAMPLES

SEED_PDF = EXAMPLES / "002_e70514054a2d30bc.pdf"


def image_only_pdf(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (200, 200), "white").save(path)
    return path


def encrypted_pdf(path: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(SEED_PDF).pages[:1]:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def long_pdf(path: Path, pages: int) -> Path:
    """A real budget page repeated ``pages`` times (the resources are shared: the file stays small)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    page = PdfReader(SEED_PDF).pages[0]
    for _ in range(pages):
        writer.add_page(page)
    with path.open("wb") as fh:
        writer.write(fh)
    return path
