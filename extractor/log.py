"""Logging: the library logs under ``extractor.*``; the command line decides what is shown.

Levels: WARNING and above by default (a document's LLM layer failing, one line per document),
INFO with ``--verbose`` (what the LLM layer did for every document, stage timings at DEBUG), only
errors with ``--quiet``. Third-party loggers that log every attempt of a call (instructor's "API
call failed on attempt N") are demoted to DEBUG: the per-document summary says it once.
"""

from __future__ import annotations

import logging
import sys

from schemas import LlmRun

LOGGER = "extractor"
QUIET, NORMAL, VERBOSE = logging.ERROR, logging.WARNING, logging.DEBUG
# Loggers of libraries that log per attempt or per object; their records are shown only at DEBUG.
NOISY = ("instructor", "openai", "httpx", "httpcore", "pdfminer", "pdfplumber")


class _Relay(logging.Handler):
    """Re-logs a noisy library's records as DEBUG records of ``extractor.vendor``."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(f"{LOGGER}.vendor").debug("%s: %s", record.name, record.getMessage())


_RELAY = _Relay()


def demote_noisy_loggers() -> None:
    """Route the noisy libraries' records (their modules log under these names, whenever they are
    imported) to DEBUG, instead of Python's last-resort stderr output of every WARNING/ERROR."""
    for name in NOISY:
        logger = logging.getLogger(name)
        if _RELAY not in logger.handlers:
            logger.addHandler(_RELAY)
        logger.propagate = False
    # pdfminer logs every object it parses at DEBUG: never worth showing.
    logging.getLogger("pdfminer").setLevel(logging.WARNING)


def configure(level: int = NORMAL) -> None:
    """Show records of ``level`` and above on stderr as "budget-extract: <level>: <message>"."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("budget-extract: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_budget_extract", False):
            root.removeHandler(h)
    handler._budget_extract = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    demote_noisy_loggers()


def llm_summary(source: str, run: LlmRun) -> tuple[int, str] | None:
    """One line (and its level) saying what the LLM layer did for a document; None when it was off.

    "x.pdf: LLM layer partial: 6 calls, 2 cached, 3 retries; failures timeout ×2; rules kept where it
    failed" — WARNING when something failed, INFO otherwise."""
    if not run.enabled:
        return None
    u = run.usage
    text = f"{source}: LLM layer {run.status}: {u.calls} calls, {u.cache_hits} cached, {u.retries} retries"
    if u.ungrounded_dropped:
        text += f", {u.ungrounded_dropped} ungrounded items dropped"
    if u.failures:
        kinds = ", ".join(f"{k} ×{n}" for k, n in sorted(u.failures.items()))
        text += f"; failures {kinds}; rules kept where it failed"
        return logging.WARNING, text
    return logging.INFO, text
