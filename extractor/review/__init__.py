"""Review pages (one self-contained HTML per document) and the corpus dashboard."""
