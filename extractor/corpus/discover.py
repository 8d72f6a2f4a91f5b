"""Find the inputs of a run, give each a stable doc_id and set identical files aside."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

INPUT_SUFFIXES = (".pdf", ".txt", ".md")


@dataclass(frozen=True)
class InputFile:
    """One discovered file. ``duplicate_of`` is the relpath of an identical file found first."""

    path: Path
    relpath: str
    doc_id: str
    sha256: str
    size: int
    duplicate_of: str | None = None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def doc_ids(relpaths: list[str]) -> list[str]:
    """Relative path without suffix, ``/`` → ``__`` (a flat folder gives the file stem, as
    ``budget-extract extract`` does); where two inputs share it (a PDF and its text rendering),
    the suffix is appended (``001-pdf``, ``001-txt``)."""
    bases = [str(Path(r).with_suffix("")).replace("/", "__") for r in relpaths]
    counts = Counter(bases)
    ids = [
        b if counts[b] == 1 else f"{b}-{Path(r).suffix.lstrip('.').lower()}"
        for b, r in zip(bases, relpaths, strict=True)
    ]
    # "a/x.pdf" and "a__x.pdf" would still collide: number the later ones.
    seen: Counter[str] = Counter()
    out = []
    for i in ids:
        seen[i] += 1
        out.append(i if seen[i] == 1 else f"{i}-{seen[i]}")
    return out


def discover(input_dir: Path) -> list[InputFile]:
    """Every .pdf/.txt/.md under ``input_dir`` (hidden files and folders skipped), sorted by path.

    Files with identical bytes are extracted once: the first in path order is the original, the
    others carry ``duplicate_of``.
    """
    paths = sorted(
        p
        for p in input_dir.rglob("*")
        if p.is_file()
        and p.suffix.lower() in INPUT_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(input_dir).parts)
    )
    relpaths = [p.relative_to(input_dir).as_posix() for p in paths]
    first_by_hash: dict[str, str] = {}
    out: list[InputFile] = []
    for path, rel, doc_id in zip(paths, relpaths, doc_ids(relpaths), strict=True):
        digest = sha256_file(path)
        original = first_by_hash.setdefault(digest, rel)
        out.append(
            InputFile(
                path=path,
                relpath=rel,
                doc_id=doc_id,
                sha256=digest,
                size=path.stat().st_size,
                duplicate_of=None if original == rel else original,
            )
        )
    return out
