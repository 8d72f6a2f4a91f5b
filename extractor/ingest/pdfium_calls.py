"""pdfium's C functions called with plain addresses (ints) instead of ctypes' typed pointers.

pypdfium2's raw bindings type every handle as a pointer class, so each call builds pointer
objects and comparing two handles needs ``ctypes.cast``: ~5 µs a call where the C function
takes well under one. Reading a page makes several calls per character, so here each function
is re-declared from its own address with pointer arguments and results as ``c_void_p``: handles
become ints (hashable, comparable), out-parameters are passed as ``ctypes.addressof(...)``.
Only pypdfium2's public ``raw`` module is used; the functions and their signatures are its own.
"""

from __future__ import annotations

import ctypes
from array import array
from functools import cache

import pypdfium2.raw as raw

try:  # the C loop making the per-character and per-segment calls of a page (_pdfium_loops.c)
    from extractor.ingest import _pdfium_loops as loops
except ImportError:  # built at install where a C compiler is found; ctypes does without it
    loops = None

_ADDRESS = ctypes.c_void_p


def _plain(kind):
    """A pointer type becomes ``c_void_p``; numbers stay as they are."""
    if kind is not None and isinstance(kind, type) and issubclass(kind, (ctypes._Pointer, ctypes.c_char_p)):
        return _ADDRESS
    return kind


@cache
def plain(name: str):
    """pdfium's function ``name`` taking and returning addresses for its pointers."""
    function = getattr(raw, name)
    prototype = ctypes.CFUNCTYPE(_plain(function.restype), *map(_plain, function.argtypes))
    return prototype(function_address(name))


def address(handle) -> int:
    """The address of a handle pypdfium2 gives as a typed pointer (0 for NULL)."""
    return ctypes.cast(handle, _ADDRESS).value or 0


def function_address(name: str) -> int:
    """The address of pdfium's function ``name`` (for the C loop, which calls it directly)."""
    return ctypes.cast(getattr(raw, name), _ADDRESS).value


def zeros(typecode: str, n: int) -> array:
    """A buffer of ``n`` zeros of ``array`` type ``typecode``, for the C loop to fill."""
    return array(typecode, [0]) * n
