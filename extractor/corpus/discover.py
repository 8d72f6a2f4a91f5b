"""Find the inputs of a run, give each a stable doc_id and set identical files aside."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

INPUT_SUFFIXES = (".pdf", ".txt", ".md")


@dataclass(frozen=True)
class InputFile:
    """One discovered file. ``duplicate_of`` is the relpath of an identical file found first;
    ``unsupported`` says why a file of another type is not extracted."""

    path: Path
    relpath: str
    doc_id: str
    sha256: str
    size: int
    duplicate_of: str | None = None
    unsupported: str | None = None


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


DOC_ID_HASH_LEN = 8


def _joins_cleanly(parts: list[str]) -> bool:
    """``"__".join(parts)`` can be split back into ``parts``: no ``__`` inside a part and no ``_``
    touching a join, so the only double underscores are the joins."""
    return all("__" not in p for p in parts) and all(
        not a.endswith("_") and not b.startswith("_") for a, b in zip(parts, parts[1:], strict=False)
    )


def doc_id_for(relpath: str) -> str:
    """The doc_id of the input at ``relpath`` (POSIX, relative to the input folder): a function of
    that path alone, so adding or removing other files never renames a document.

    ``<path without suffix, "/" → "__">-<suffix as written>``: ``001.pdf`` → ``001-pdf``,
    ``2024/a.txt`` → ``2024__a-txt``. Where the ``__`` joining could be read two ways (``a/x.pdf``
    and ``a__x.pdf``; a part with ``__`` in it or an ``_`` next to a ``/``), the id ends with a short
    hash of the path instead: ``a__x-pdf-1f2e3d4c``. Distinct paths thus get distinct ids.
    """
    rel = PurePosixPath(relpath)
    parts = [*rel.parent.parts, rel.stem] if rel.parent != PurePosixPath(".") else [rel.stem]
    doc_id = f"{'__'.join(parts)}-{rel.suffix.lstrip('.')}"
    if _joins_cleanly(parts):
        return doc_id
    return f"{doc_id}-{hashlib.sha256(relpath.encode()).hexdigest()[:DOC_ID_HASH_LEN]}"


def doc_ids(relpaths: list[str]) -> list[str]:
    """``doc_id_for`` of each path; raises if two ever coincide (a hash prefix collision)."""
    ids = [doc_id_for(r) for r in relpaths]
    dupes = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dupes:
        raise ValueError(f"doc_id collision: {', '.join(dupes)}; rename one of the files")
    return ids


def unsupported_reason(path: Path) -> str | None:
    """Why a file found in a folder is not extracted (None: it is a .pdf, .txt or .md)."""
    if path.suffix.lower() in INPUT_SUFFIXES:
        return None
    kind = path.suffix.lower() or "no suffix"
    return f"unsupported file type ({kind}; extracted: {', '.join(INPUT_SUFFIXES)})"


def discover(input_dir: Path) -> list[InputFile]:
    """Every file under ``input_dir`` (hidden files and folders skipped), sorted by path: the
    .pdf/.txt/.md files to extract, and the others with ``unsupported`` saying why they are not.

    Files with identical bytes are extracted once: the first in path order is the original, the
    others carry ``duplicate_of``.
    """
    paths = sorted(
        p
        for p in input_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(input_dir).parts)
    )
    relpaths = [p.relative_to(input_dir).as_posix() for p in paths]
    first_by_hash: dict[str, str] = {}
    out: list[InputFile] = []
    for path, rel, doc_id in zip(paths, relpaths, doc_ids(relpaths), strict=True):
        digest = sha256_file(path)
        unsupported = unsupported_reason(path)
        original = rel if unsupported else first_by_hash.setdefault(digest, rel)
        out.append(
            InputFile(
                path=path,
                relpath=rel,
                doc_id=doc_id,
                sha256=digest,
                size=path.stat().st_size,
                duplicate_of=None if original == rel else original,
                unsupported=unsupported,
            )
        )
    return out
