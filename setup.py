"""The optional C loop of the pdfium reader (extractor/ingest/_pdfium_loops.c); everything else is in
pyproject.toml. ``optional=True``: where no C compiler is found the package installs without it and
reads pages through ctypes alone (same output, slower)."""

import sys

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "extractor.ingest._pdfium_loops",
            ["extractor/ingest/_pdfium_loops.c"],
            # The loop does the reader's float arithmetic; fusing a multiply and an add (where the
            # CPU has an instruction for it) would round once where Python rounds twice.
            extra_compile_args=[] if sys.platform == "win32" else ["-ffp-contract=off"],
            libraries=[] if sys.platform == "win32" else ["m"],
            optional=True,
        )
    ]
)
