"""Replaying real LLM exchanges: vcrpy settings and the client the cassettes were recorded with.

Cassettes in tests/cassettes/ were recorded from a real OpenAI-compatible server (see
README "Recording cassettes"). Tests replay them offline; set ``BUDGET_EXTRACT_RECORD=1`` with
a server at ``RECORD_BASE_URL`` to record missing ones. Requests are matched on the chat
request they carry, so a changed prompt, schema or input fails loudly instead of replaying a
stale answer (delete the cassette and record again).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import vcr
from flat_text import CORPUS

from extractor.llm.client import LlmClient
from extractor.llm.config import LlmSettings

CASSETTES = Path(__file__).parent / "cassettes"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
RECORD_BASE_URL = "http://127.0.0.1:8765/v1"
RECORD_MODEL = "qwen2.5-coder-1.5b"
RECORDING = os.environ.get("BUDGET_EXTRACT_RECORD") == "1"


def _chat_request(r1: object, r2: object) -> None:
    """Same chat request: model, messages, response format and temperature (JSON-compared, so key
    order or fields a newer client adds do not matter; a changed prompt or schema does)."""
    keys = ("model", "messages", "response_format", "temperature")
    a, b = (json.loads(r.body or b"{}") for r in (r1, r2))  # type: ignore[attr-defined]
    assert {k: a.get(k) for k in keys} == {k: b.get(k) for k in keys}, (
        "chat request differs from the cassette"
    )


replay = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="once" if RECORDING else "none",
    match_on=["method", "scheme", "host", "port", "path", "chat_request"],
    filter_headers=["authorization", "api-key", "x-api-key", "openai-organization", "cookie", "set-cookie"],
    decode_compressed_response=True,
)
replay.register_matcher("chat_request", _chat_request)


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


# Whole documents recorded with the LLM layer (scripts/llm_replay_run.py): every document of the
# seeds, Putuo and Jiangsu families as published, gold id → (source, cassette). Putuo 万里 and
# Jiangsu 2017 full give change_reasons' few-shot texts, so their reason scores do not measure
# the model (their changes, projects and policy documents do).
DOCUMENT_RUNS: dict[str, tuple[Path, str]] = {
    "002_e70514054a2d30bc": (EXAMPLES / "002_e70514054a2d30bc.txt", "extract_002_txt.yaml"),
    "001_6d2149f5b3f07333": (EXAMPLES / "001_6d2149f5b3f07333.txt", "extract_001_txt.yaml"),
    **{
        name: (CORPUS / family / f"{name}.pdf", cassette)
        for family, name, cassette in (
            ("putuo", "putuo_justice_bureau_2026_department_budget", "extract_putuo_justice.yaml"),
            ("putuo", "putuo_finance_bureau_2024_department_final_accounts", "extract_putuo_finance.yaml"),
            ("putuo", "putuo_wanli_subdistrict_2024_department_budget", "extract_putuo_wanli.yaml"),
            ("jiangsu", "js_swbgt_2017_budget_full", "extract_js_2017_full.yaml"),
            ("jiangsu", "js_swbgt_2018_budget_full", "extract_js_2018_full.yaml"),
            ("jiangsu", "js_swbgt_2019_budget_full", "extract_js_2019_full.yaml"),
        )
    },
}
# Flattened-text renderings recorded with the LLM layer (``flat_text.flat_source``), gold id →
# cassette; each is scored against its document's gold as ``<gold id>-text``.
FLAT_RUNS: dict[str, str] = {
    "002_e70514054a2d30bc": "extract_002_flat.yaml",
    "001_6d2149f5b3f07333": "extract_001_flat.yaml",
    "putuo_justice_bureau_2026_department_budget": "extract_putuo_justice_flat.yaml",
    "putuo_finance_bureau_2024_department_final_accounts": "extract_putuo_finance_flat.yaml",
    "js_swbgt_2018_budget_full": "extract_js_2018_full_flat.yaml",
    "js_swbgt_2019_budget_full": "extract_js_2019_full_flat.yaml",
}
