"""Research extraction runs over a corpus: ``budget-extract run INPUT_DIR --out RUN_DIR``.

discover → (process pool | Ray) per-document extraction with a time and page limit → per-document
JSON and a journal line each (resumable) → tidy tables as CSV/Parquet and one DuckDB file →
``manifest.json``.
"""

from extractor.corpus.run import RunSettings, run_corpus

__all__ = ["RunSettings", "run_corpus"]
