"""Limits on one document — pages, bytes, seconds — the same for ``extract``, its CLI and ``run``.

A document over a limit raises ``LimitExceeded`` (an ``ExtractionError``: one line naming the file
and the limit), so a batch records it and goes on.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from extractor.errors import ExtractionError

MAX_PAGES = 400
"""Default page limit (PDF pages; form-feed pages of a text rendering)."""
MAX_BYTES = 32 * 1024 * 1024
"""Default size limit: 32 MiB. Real disclosures are at most a few MB; a text rendering costs about
50 MB of memory and 3 s per MB (scripts/bench_scaling.py), so 32 MiB stays under 2 GB."""
TIMEOUT_S = 300.0
"""Default seconds per document."""


class LimitExceeded(ExtractionError):
    """A document over a page, size or time limit. ``limit`` is "pages", "bytes" or "seconds";
    ``value`` what the document has (its pages or bytes; None for time)."""

    def __init__(self, path: str, reason: str, limit: str, value: int | None = None) -> None:
        super().__init__(path, reason)
        self.limit = limit
        self.value = value


@dataclass(frozen=True)
class Limits:
    """Limits of one document; None means none."""

    max_pages: int | None = MAX_PAGES
    max_bytes: int | None = MAX_BYTES
    timeout_s: float | None = TIMEOUT_S


def check_bytes(path: str, size: int, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise LimitExceeded(path, f"too large ({size} bytes > limit {max_bytes} bytes)", "bytes", size)


def check_pages(path: str, pages: int, max_pages: int | None) -> None:
    if max_pages is not None and pages > max_pages:
        raise LimitExceeded(path, f"too many pages ({pages} > limit {max_pages})", "pages", pages)


class _Expired(BaseException):
    """Raised by the timer inside whatever code runs; a BaseException, so no ``except Exception``
    on the way (a page reader that keeps going after a bad page) swallows it."""


_RETRY_S = 0.5
"""How often the timer signal repeats after the limit, until the block has stopped."""


def timeout_reason(seconds: float) -> str:
    return f"timeout (> {seconds:g} s)"


@contextmanager
def time_limit(path: str, seconds: float | None) -> Iterator[Callable[[], None]]:
    """Stop the block after ``seconds``: yields a ``check()`` to call between steps (pages).

    In the main thread of a POSIX process a timer signal (``ITIMER_REAL``) interrupts the block
    wherever it is — pdfminer is pure Python, so one slow page is stopped too; the previous
    handler and timer are restored afterwards. The signal repeats every ``_RETRY_S`` until the
    block has stopped: an exception raised inside a finalizer or a garbage-collector callback
    (pypdfium2 closes its objects from weakref finalizers) is printed and dropped by Python, and a
    one-shot timer that landed there would never stop the block. Elsewhere (other threads) only ``check()`` enforces
    the limit, between pages and stages. Either way the block ends in ``LimitExceeded``.
    """
    if not seconds:
        yield lambda: None
        return
    deadline = time.monotonic() + seconds

    def check() -> None:
        if time.monotonic() > deadline:
            raise _Expired

    armed = True  # the handler raises until the block has stopped
    use_signal = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    previous_handler = None
    previous_timer = (0.0, 0.0)
    if use_signal:

        def expire(signum, frame) -> None:  # noqa: ARG001 (signal handler signature)
            if armed:
                raise _Expired

        previous_handler = signal.signal(signal.SIGALRM, expire)
        previous_timer = signal.setitimer(signal.ITIMER_REAL, seconds, _RETRY_S)
    start = time.monotonic()
    try:
        yield check
    except _Expired:
        armed = False  # stopped: a repeat of the signal must not break the error being raised
        raise LimitExceeded(path, timeout_reason(seconds), "seconds") from None
    finally:
        if use_signal:
            with suppress(_Expired):  # fired just as the block ended: it finished in time
                signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_handler)
            if previous_timer[0]:  # an outer timer was running: it goes on with what it has left
                left = max(previous_timer[0] - (time.monotonic() - start), 1e-3)
                signal.setitimer(signal.ITIMER_REAL, left, previous_timer[1])
