"""A scripted OpenAI-compatible endpoint for tests that need answers a real server will not give
on demand (429, 5xx, timeouts, malformed or invented answers)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
from openai import DefaultHttpxClient

from extractor.llm.client import LlmClient
from extractor.llm.config import LlmSettings


def completion(content: str) -> dict:
    """An OpenAI chat completion body answering ``content``."""
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


class Endpoint:
    """A scripted endpoint: answers the queued responses in order and counts requests."""

    def __init__(self, *responses: httpx2.Response | Exception) -> None:
        self.responses = list(responses)
        self.requests: list[dict] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(json.loads(request.content))
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(item, Exception):
            raise item
        return item


def mock_client(endpoint: Endpoint, tmp_path: Path, **settings: object) -> LlmClient:
    """A client whose HTTP goes to ``endpoint`` (no network), with a fresh cache under tmp_path."""
    base = {
        "base_url": "http://llm.test/v1",
        "api_key": "k",
        "model": "m",
        "mode": "json",
        "max_retries": 0,
        "cache_dir": tmp_path / "cache",
        "timeout_s": 5.0,
        "concurrency": 1,  # a scripted endpoint answers in arrival order
    }
    http = DefaultHttpxClient(transport=httpx2.MockTransport(endpoint))
    return LlmClient(LlmSettings.model_validate(base | settings), http_client=http)
