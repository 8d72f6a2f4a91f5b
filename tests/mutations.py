"""Mutations of real inputs for fuzzing ingest and parsing (tests/test_fuzz_ingest.py and
scripts/fuzz_ingest.py): each takes the bytes of a real text rendering or PDF and a seeded
``random.Random`` and returns damaged bytes, and a short name of what was done."""

from __future__ import annotations

import random
import re
import unicodedata
import zlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

# --- text renderings ------------------------------------------------------------------------------

ODD_SPACES = ["\u3000", "\t", "\r", "\f", "\u200b", "\ufeff", "\xa0", "  ", "\v", "\u2028"]
FRAGMENTS = [
    "<table><tr><td>",
    "</td></tr>",
    "</table>",
    "| --- | --- |",
    "|",
    "\t\t\t",
    "表1",
    "单位：万元",
    "合计",
    "主要原因是",
    "比上年预算增加",
    "（类）",
    "<b>",
    "# ",
    "2080505",
    "-1,234.56",
    "1e308",
    "９９９",
    "一是",
]


def _lines(text: str) -> list[str]:
    return text.split("\n")


def cut(text: str, rng: random.Random) -> str:
    a = rng.randrange(len(text) + 1)
    b = rng.randrange(a, len(text) + 1)
    return text[a:b]


def insert_lines(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    for _ in range(rng.randint(1, 20)):
        lines.insert(rng.randrange(len(lines) + 1), rng.choice([*FRAGMENTS, rng.choice(lines)]))
    return "\n".join(lines)


def delete_lines(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    for _ in range(rng.randint(1, max(1, len(lines) // 4))):
        if lines:
            del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def shuffle_cells(text: str, rng: random.Random) -> str:
    out = []
    for line in _lines(text):
        if "\t" in line and rng.random() < 0.5:
            cells = line.split("\t")
            rng.shuffle(cells)
            line = "\t".join(cells)
        out.append(line)
    return "\n".join(out)


def odd_whitespace(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 200)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(ODD_SPACES))
    return "".join(chars)


def widths(text: str, rng: random.Random) -> str:
    """Half-width text made full-width (digits, punctuation) or the reverse, line by line."""
    out = []
    for line in _lines(text):
        r = rng.random()
        if r < 0.3:
            line = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in line)
        elif r < 0.6:
            line = unicodedata.normalize("NFKC", line)
        out.append(line)
    return "\n".join(out)


def fragments(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 30)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(FRAGMENTS))
    return "".join(chars)


TEXT_OPS: dict[str, Callable[[str, random.Random], str]] = {
    "cut": cut,
    "insert_lines": insert_lines,
    "delete_lines": delete_lines,
    "shuffle_cells": shuffle_cells,
    "odd_whitespace": odd_whitespace,
    "widths": widths,
    "fragments": fragments,
}


def mutate_text(text: str, rng: random.Random) -> tuple[bytes, str]:
    """1–3 text mutations, then the bytes: UTF-8, or (mixed encodings) a part in GBK / UTF-16 /
    Latin-1, a BOM, or stray NUL bytes."""
    names = rng.sample(sorted(TEXT_OPS), rng.randint(1, 3))
    for name in names:
        text = TEXT_OPS[name](text, rng) or text[:10]
    data = text.encode("utf-8")
    r = rng.random()
    if r < 0.08:
        a = rng.randrange(len(text) + 1)
        data = text[:a].encode("utf-8") + text[a:].encode("gbk", errors="replace")
        names.append("gbk_tail")
    elif r < 0.12:
        data = text.encode("utf-16")
        names.append("utf16")
    elif r < 0.16:
        data = b"\xef\xbb\xbf" + data
        names.append("bom")
    elif r < 0.20:
        data = text.encode("utf-8").replace(b"\n", b"\n\x00", 3)
        names.append("nul")
    elif r < 0.24:
        data = text.encode("latin-1", errors="replace")
        names.append("latin1")
    return data, "+".join(names)


# --- PDFs -----------------------------------------------------------------------------------------

_OBJ = re.compile(rb"\n(\d+) 0 obj\b.*?endobj", re.DOTALL)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(8, len(data))]


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 50)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def remove_object(data: bytes, rng: random.Random) -> bytes:
    objs = list(_OBJ.finditer(data))
    if not objs:
        return truncate(data, rng)
    for m in rng.sample(objs, min(len(objs), rng.randint(1, 3))):
        data = data[: m.start()] + b"\n" * (m.end() - m.start()) + data[m.end() :]  # offsets kept
    return data


def garble_streams(data: bytes, rng: random.Random) -> bytes:
    """Page content streams (Flate) decoded, their text operands replaced by random bytes, re-encoded
    at the same place: a text layer of garbage glyphs in an otherwise valid file."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ContentStream

    reader = PdfReader(BytesIO(data))
    writer = PdfWriter()
    for page in reader.pages:
        content = ContentStream(page.get_contents(), reader)
        for operands, op in content.operations:
            if op in (b"Tj", b"TJ") and operands and rng.random() < 0.7:
                from pypdf.generic import ByteStringObject

                operands[0] = ByteStringObject(bytes(rng.randrange(256) for _ in range(rng.randint(1, 12))))
        page.replace_contents(content)
        writer.add_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def garbage_glyph_pdf(rng: random.Random) -> bytes:
    """A PDF drawn with reportlab whose text is random characters (CJK, symbols, private use,
    controls) in random places and sizes, with a few ruled boxes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    pools = ["表1收支总表单位万元合计一是二是", "0123456789.,-", "\ue000\ue001\uf8ff", "\x01\x02\x7f", "ｱｲｳ①②③"]
    for _ in range(rng.randint(1, 3)):
        for _ in range(rng.randint(1, 40)):
            text = "".join(rng.choice(rng.choice(pools)) for _ in range(rng.randint(1, 30)))
            c.setFont("STSong-Light", rng.choice([4, 8, 10.5, 14, 30]))
            c.drawString(rng.uniform(-20, 600), rng.uniform(-20, 850), text)
        for _ in range(rng.randint(0, 10)):
            c.rect(rng.uniform(0, 500), rng.uniform(0, 800), rng.uniform(1, 200), rng.uniform(1, 60))
        c.showPage()
    c.save()
    return out.getvalue()


def deflate_bomb_pdf(rng: random.Random) -> bytes:
    """A one-page PDF whose content stream inflates to megabytes of a repeated text operator."""
    body = (b"BT /F1 9 Tf 10 10 Td (" + bytes([48 + rng.randrange(10)]) * 20 + b") Tj ET\n") * 40000
    stream = zlib.compress(body, 9)
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_from_objects(objs)


def pdf_from_objects(objs: list[bytes]) -> bytes:
    """A PDF file of the numbered objects ``objs`` (the first is the catalog), with its xref table."""
    out = BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


PDF_OPS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": truncate,
    "flip_bytes": flip_bytes,
    "remove_object": remove_object,
    "garble_streams": garble_streams,
}


def mutate_pdf(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One or two PDF mutations of ``data``, or a fresh PDF of garbage glyphs / a deflate bomb."""
    r = rng.random()
    if r < 0.1:
        return garbage_glyph_pdf(rng), "garbage_glyph_pdf"
    if r < 0.13:
        return deflate_bomb_pdf(rng), "deflate_bomb_pdf"
    names = rng.sample(sorted(PDF_OPS), rng.randint(1, 2))
    for name in names:
        try:
            data = PDF_OPS[name](data, rng)
        except Exception:  # pypdf could not parse what an earlier mutation left: keep the bytes
            names[names.index(name)] = f"{name}(skipped)"
    return data, "+".join(names)


def small_pdf(source: Path, pages: int = 2, first: int = 0) -> bytes:
    """``pages`` pages of a real PDF from page index ``first`` (fast to extract; same fonts and
    ruling)."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(source)
    writer = PdfWriter()
    for page in reader.pages[first : first + pages]:
        writer.add_page(page)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
