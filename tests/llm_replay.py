"""Replaying real LLM exchanges: vcrpy settings and the client the cassettes were recorded with.

Cassettes in tests/cassettes/ were recorded from a real OpenAI-compatible server (see
README "Recording cassettes"). Tests replay them offline; set ``BUDGET_EXTRACT_RECORD=1`` with
a server at ``RECORD_BASE_URL`` to record missing ones. Requests are matched on their body
too, so a changed prompt, schema or input fails loudly instead of replaying a stale answer.
"""

from __future__ import annotations

import os
from pathlib import Path

import vcr

from extractor.llm.client import LlmClient
from extractor.llm.config import LlmSettings

CASSETTES = Path(__file__).parent / "cassettes"
RECORD_BASE_URL = "http://127.0.0.1:8765/v1"
RECORD_MODEL = "qwen2.5-coder-1.5b"
RECORDING = os.environ.get("BUDGET_EXTRACT_RECORD") == "1"

replay = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="once" if RECORDING else "none",
    match_on=["method", "scheme", "host", "port", "path", "body"],
    filter_headers=["authorization", "api-key", "x-api-key", "openai-organization", "cookie", "set-cookie"],
    decode_compressed_response=True,
)


def recorded_client(cache_dir: Path) -> LlmClient:
    """The client configuration the cassettes were recorded with (fresh cache: every call is sent)."""
    settings = LlmSettings(
        base_url=RECORD_BASE_URL,
        api_key="local",
        model=RECORD_MODEL,
        mode="json_object_schema",
        timeout_s=900.0,
        max_retries=0,
        max_reasks=1,
        cache_dir=cache_dir,
    )
    return LlmClient(settings)
