"""Which OpenAI-compatible endpoint the LLM layer talks to, and how.

Settings come from a TOML file (``--llm-config``, or ``budget-extract.toml`` in the working
directory, table ``[llm]``) and are overridden by the environment:

    OPENAI_BASE_URL      endpoint, e.g. https://api.deepseek.com/v1, http://127.0.0.1:8000/v1
    OPENAI_API_KEY       key (any string for local servers)
    BUDGET_EXTRACT_MODEL model name (also OPENAI_MODEL)
    BUDGET_EXTRACT_MODE  tools | json_schema | json | md_json | json_object_schema
    BUDGET_EXTRACT_CONCURRENCY, BUDGET_EXTRACT_BATCH_SIZE, BUDGET_EXTRACT_INDICATOR_BATCH_SIZE,
    BUDGET_EXTRACT_TIMEOUT_S

With neither a base URL nor a key, no endpoint is configured and the rules run alone.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

LlmMode = Literal["tools", "json_schema", "json", "md_json", "json_object_schema"]
"""How structured output is asked for. ``tools``: function calling (OpenAI); ``json_schema``:
OpenAI's strict response_format; ``json``: response_format json_object with the schema in the
prompt (DeepSeek, most servers); ``md_json``: schema in the prompt, JSON in a code block (servers
with no JSON mode); ``json_object_schema``: ``{"type": "json_object", "schema": …}``, grammar-
constrained JSON on llama.cpp-style servers."""

DEFAULT_CONFIG = Path("budget-extract.toml")


class LlmSettings(BaseModel):
    """Endpoint, model and behaviour of the LLM layer."""

    base_url: str | None = None
    api_key: str | None = Field(default=None, repr=False)
    model: str = "gpt-4o-mini"
    mode: LlmMode = "json"
    timeout_s: float | None = Field(
        default=None,
        description="seconds per request; default 900 for a local server (a slow CPU model: 5-20 generated "
        "tokens/s, and an abandoned request keeps running on the server), 60 for a hosted one",
    )
    max_retries: int | None = Field(
        default=None,
        description="transport retries (429, 5xx, timeouts) with backoff; default 0 for a local server (a "
        "retry would queue behind the abandoned request), 2 for a hosted one",
    )
    max_reasks: int = Field(default=1, description="re-asks after an answer fails validation")
    concurrency: int | None = Field(
        default=None, ge=1, description="requests in flight; default 1 for a local server, 4 for a hosted one"
    )
    batch_size: int = Field(
        default=1, ge=1, description="reason texts per change_reasons request (small models answer one reliably)"
    )
    indicator_batch_size: int = Field(
        default=1,
        ge=1,
        description="flattened 绩效目标表 rows per indicators request (v3; small models answer one reliably)",
    )
    temperature: float = 0.0
    cache_dir: Path | None = Field(default=Path(".cache/llm"), description="None disables the cache")
    offline: bool = Field(default=False, description="answer only from the cache; a miss is a failure")

    @property
    def local(self) -> bool:
        """Is the endpoint on this machine or a private network (a self-hosted server)?"""
        from ipaddress import ip_address
        from urllib.parse import urlsplit

        host = urlsplit(self.base_url or "").hostname or ""
        if host == "localhost" or host.endswith(".local"):
            return True
        try:
            return ip_address(host).is_private or ip_address(host).is_loopback
        except ValueError:
            return False

    @property
    def effective_timeout_s(self) -> float:
        """``timeout_s``, or its default for the kind of endpoint."""
        return self.timeout_s if self.timeout_s is not None else (900.0 if self.local else 60.0)

    @property
    def effective_max_retries(self) -> int:
        """``max_retries``, or its default for the kind of endpoint."""
        return self.max_retries if self.max_retries is not None else (0 if self.local else 2)

    @property
    def effective_concurrency(self) -> int:
        """``concurrency``, or its default for the kind of endpoint."""
        return self.concurrency if self.concurrency is not None else (1 if self.local else 4)

    @property
    def endpoint_host(self) -> str | None:
        """The endpoint without path or credentials, for reports."""
        if not self.base_url:
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(self.base_url)
        return parts.hostname and f"{parts.scheme}://{parts.hostname}" + (
            f":{parts.port}" if parts.port else ""
        )


def load_settings(config_file: Path | None = None, env: dict[str, str] | None = None) -> LlmSettings | None:
    """Settings from the config file and environment, or None when no endpoint is configured."""
    env = dict(os.environ) if env is None else env
    values: dict[str, object] = {}
    path = config_file or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    if path is not None:
        with open(path, "rb") as fh:
            values.update(tomllib.load(fh).get("llm", {}))
    for key, var in (
        ("base_url", "OPENAI_BASE_URL"),
        ("api_key", "OPENAI_API_KEY"),
        ("model", "OPENAI_MODEL"),
        ("model", "BUDGET_EXTRACT_MODEL"),
        ("mode", "BUDGET_EXTRACT_MODE"),
        ("concurrency", "BUDGET_EXTRACT_CONCURRENCY"),
        ("batch_size", "BUDGET_EXTRACT_BATCH_SIZE"),
        ("indicator_batch_size", "BUDGET_EXTRACT_INDICATOR_BATCH_SIZE"),
        ("timeout_s", "BUDGET_EXTRACT_TIMEOUT_S"),
    ):
        if env.get(var):
            values[key] = env[var]
    if not values.get("base_url") and not values.get("api_key"):
        return None
    return LlmSettings.model_validate(values)
