"""Turn Chinese government department budget disclosures (部门预算/决算公开) into research data.

>>> from extractor import extract
>>> doc = extract("examples/001_6d2149f5b3f07333.pdf")  # doctest: +SKIP
>>> doc.tables[0].kind
"""

__version__ = "0.1.0"

from extractor.errors import ExtractionError  # noqa: E402
from extractor.pipeline import extract  # noqa: E402

__all__ = ["ExtractionError", "__version__", "extract"]
