"""The optional C loop of the pdfium reader (extractor/ingest/_pdfium_loops.c); everything else is in
pyproject.toml. ``optional=True``: where no C compiler is found the package installs without it and
reads pages through ctypes alone (same output, slower)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "extractor.ingest._pdfium_loops",
            ["extractor/ingest/_pdfium_loops.c"],
            optional=True,
        )
    ]
)
