"""Command-line options of the LLM layer, shared by ``extract`` and ``run``."""

from __future__ import annotations

import argparse
from pathlib import Path

from extractor.llm.client import LlmClient
from extractor.llm.config import LlmMode, LlmSettings, load_settings


def add_llm_arguments(parser: argparse.ArgumentParser) -> None:
    """``--llm auto|off``, ``--llm-config``, ``--llm-model``, ``--llm-mode``, ``--llm-cache``, ``--llm-offline``."""
    g = parser.add_argument_group("LLM layer (any OpenAI-compatible endpoint)")
    g.add_argument(
        "--llm",
        choices=["auto", "off"],
        default="auto",
        help="auto: use the endpoint configured by OPENAI_BASE_URL/OPENAI_API_KEY or the config file, "
        "rules only when none is; off: rules only",
    )
    g.add_argument(
        "--llm-config", type=Path, help="TOML file with an [llm] table (default ./budget-extract.toml)"
    )
    g.add_argument("--llm-model", help="model name (overrides config and BUDGET_EXTRACT_MODEL)")
    g.add_argument("--llm-mode", choices=list(LlmMode.__args__), help="structured-output mode")  # type: ignore[attr-defined]
    g.add_argument("--llm-cache", type=Path, help="response cache directory (default .cache/llm)")
    g.add_argument("--llm-offline", action="store_true", help="answer only from the cache; make no calls")


def settings_from_args(args: argparse.Namespace) -> LlmSettings | None:
    """The LLM settings the options ask for, or None for rules only."""
    if args.llm == "off":
        return None
    settings = load_settings(args.llm_config)
    if settings is None:
        return None
    updates: dict[str, object] = {}
    if args.llm_model:
        updates["model"] = args.llm_model
    if args.llm_mode:
        updates["mode"] = args.llm_mode
    if args.llm_cache:
        updates["cache_dir"] = args.llm_cache
    if args.llm_offline:
        updates["offline"] = True
    return settings.model_copy(update=updates)


def client_from_settings(settings: LlmSettings | None) -> LlmClient | None:
    """A client for ``settings`` (None stays None): build one per worker process."""
    return LlmClient(settings) if settings is not None else None
