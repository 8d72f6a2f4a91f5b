"""One structured call to an OpenAI-compatible endpoint: cache, retries, re-ask, usage.

``LlmClient.ask`` never raises for an endpoint's misbehaviour (timeout, 429, 5xx, invalid
JSON, schema violation, empty answer): it returns None and records the failure kind in the
document's ``LlmUsage``, so the caller falls back to the rules and flags it.
"""

from __future__ import annotations

import json
import threading
import time
from typing import TypeVar

from pydantic import BaseModel

from extractor.llm.cache import ResponseCache, cache_key
from extractor.llm.config import LlmSettings
from extractor.llm.prompts import load_prompt
from extractor.log import demote_noisy_loggers
from schemas import LlmUsage, TaskUsage

T = TypeVar("T", bound=BaseModel)

_INSTRUCTOR_MODES = {
    "tools": "TOOLS",
    "json_schema": "JSON_SCHEMA",
    "json": "JSON",
    "md_json": "MD_JSON",
    # instructor's JSON mode, with the schema added to response_format (see _extra_body).
    "json_object_schema": "JSON",
}


class LlmClient:
    """A configured endpoint plus the cache; one instance serves many documents."""

    def __init__(self, settings: LlmSettings, http_client: object | None = None) -> None:
        self.settings = settings
        self.cache = ResponseCache(settings.cache_dir) if settings.cache_dir else None
        self._http_client = http_client
        self._client = None
        self._requests = 0  # HTTP requests sent, counted by an event hook (retries included)
        self._lock = threading.Lock()  # usage records are shared by the worker threads of one document
        self._local = threading.local()
        demote_noisy_loggers()  # instructor logs each failed attempt; the document's summary says it once

    def _instructor(self):  # noqa: ANN202 - instructor's client type is internal
        if self._client is None:
            import instructor
            from openai import DefaultHttpxClient, OpenAI

            s = self.settings
            http = self._http_client if self._http_client is not None else DefaultHttpxClient()
            http.event_hooks["request"].append(self._count_request)  # type: ignore[attr-defined]
            openai_client = OpenAI(
                base_url=s.base_url,
                api_key=s.api_key or "not-needed",
                timeout=s.effective_timeout_s,
                max_retries=s.effective_max_retries,
                http_client=http,  # type: ignore[arg-type]
            )
            mode = getattr(instructor.Mode, _INSTRUCTOR_MODES[s.mode])
            self._client = instructor.from_openai(openai_client, mode=mode)
        return self._client

    def _count_request(self, request: object) -> None:
        # httpx's sync client runs the hook in the thread that sends: a per-thread count.
        self._local.sent = getattr(self._local, "sent", 0) + 1

    def ask(
        self,
        prompt_name: str,
        response_model: type[T],
        usage: LlmUsage,
        *,
        prompt_version: str | None = None,
        **values: str,
    ) -> T | None:
        """Render prompt ``prompt_name`` with ``values`` and return a validated ``response_model``.

        Cached answers are returned without a call. On any failure returns None and counts it
        in ``usage.failures``. Safe to call from several threads with one ``usage``; every count
        is also kept per task (``usage.tasks[prompt_name]``).
        """
        s = self.settings
        prompt = load_prompt(prompt_name, prompt_version)
        messages = prompt.render(**values)
        schema = response_model.model_json_schema()
        key = cache_key(
            {
                "endpoint": s.endpoint_host,
                "model": s.model,
                "mode": s.mode,
                "temperature": s.temperature,
                "prompt": prompt.name,
                "version": prompt.version,
                "messages": messages,
                "schema": schema,
            }
        )
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            try:
                answer = response_model.model_validate(hit["answer"])
            except (KeyError, TypeError, ValueError):  # a stale or foreign entry is a miss
                answer = None
            if answer is not None:
                self._record(usage, prompt_name, cache_hits=1)
                return answer
        if s.offline:
            self._record(usage, prompt_name, failure="cache_miss_offline")
            return None
        started = time.perf_counter()
        self._local.sent = 0
        failure = None
        answer = completion = None
        try:
            answer, completion = self._instructor().chat.completions.create_with_completion(
                model=s.model,
                messages=messages,
                response_model=response_model,
                max_retries=s.max_reasks + 1,
                temperature=s.temperature,
                **self._extra_body(schema),
            )
        except Exception as exc:  # every endpoint failure ends in a flagged fallback
            failure = failure_kind(exc)
        tokens = getattr(completion, "usage", None)
        self._record(
            usage,
            prompt_name,
            calls=1,
            # Transport retries (429, 5xx, timeouts) and validation re-asks beyond the first request.
            retries=max(0, getattr(self._local, "sent", 0) - 1),
            seconds=time.perf_counter() - started,
            prompt_tokens=(tokens.prompt_tokens or 0) if tokens is not None else 0,
            completion_tokens=(tokens.completion_tokens or 0) if tokens is not None else 0,
            failure=failure,
        )
        if failure is not None or answer is None:
            return None
        if self.cache is not None:
            self.cache.put(
                key,
                {"prompt": prompt.name, "version": prompt.version, "answer": answer.model_dump(mode="json")},
            )
        return answer

    def _record(
        self,
        usage: LlmUsage,
        task: str,
        calls: int = 0,
        cache_hits: int = 0,
        retries: int = 0,
        seconds: float = 0.0,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        failure: str | None = None,
    ) -> None:
        """Add one request's counts to the document's usage and to its task's."""
        with self._lock:
            per_task = usage.tasks.setdefault(task, TaskUsage())
            for record in (usage, per_task):
                record.calls += calls
                record.cache_hits += cache_hits
                record.retries += retries
                record.prompt_tokens += prompt_tokens
                record.completion_tokens += completion_tokens
            usage.latency_s += seconds
            per_task.seconds += seconds
            if failure is not None:
                _fail(usage, failure)
                per_task.failures += 1

    def _extra_body(self, schema: dict) -> dict:
        if self.settings.mode != "json_object_schema":
            return {}
        # Overrides instructor's {"type": "json_object"}: llama.cpp-style servers then constrain
        # generation to the schema's grammar.
        return {"extra_body": {"response_format": {"type": "json_object", "schema": schema}}}


def failure_kind(exc: BaseException) -> str:
    """A short name for why a call failed: timeout, rate_limit, server_error, invalid_json, …"""
    import openai

    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for e in chain:
        if isinstance(e, openai.APITimeoutError):
            return "timeout"
        if isinstance(e, openai.RateLimitError):
            return "rate_limit"
        if isinstance(e, openai.APIStatusError):
            return "server_error" if e.status_code >= 500 else f"http_{e.status_code}"
        if isinstance(e, openai.APIConnectionError):
            return "connection"
    last = getattr(exc, "last_completion", None)
    content = _content(last)
    if last is not None and not (content or "").strip():
        return "empty"
    if content is not None:
        try:
            json.loads(_strip_fence(content))
        except ValueError:
            return "invalid_json"
        return "schema"
    if any(isinstance(e, json.JSONDecodeError) for e in chain):
        return "invalid_json"
    return f"error:{type(exc).__name__}"


def _content(completion: object) -> str | None:
    try:
        return completion.choices[0].message.content  # type: ignore[union-attr]
    except (AttributeError, IndexError, TypeError):
        return None


def _strip_fence(text: str) -> str:
    text = text.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text


def _fail(usage: LlmUsage, kind: str) -> None:
    usage.failures[kind] = usage.failures.get(kind, 0) + 1
