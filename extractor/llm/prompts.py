"""Prompt templates: ``prompts/<name>.v<N>.md``, loaded by name and version.

A template has a ``## system`` and a ``## user`` section; ``$name`` placeholders are filled
with ``string.Template`` (so JSON braces in a template need no escaping). The version is part
of the cache key and of every report, so changing a prompt means adding a new version file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

import prompts

PROMPT_DIR = Path(prompts.__file__).resolve().parent

# The version each task uses; bump here when a new template file is added.
CURRENT = {
    "change_reasons": "v3",
    "policy_documents": "v1",
    "indicators": "v3",
    "performance_project": "v1",
    "change_statements": "v1",
}

_SECTION = re.compile(r"^## (system|user)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Prompt:
    """A loaded template."""

    name: str
    version: str
    system: str
    user: str

    def render(self, **values: str) -> list[dict[str, str]]:
        """Chat messages with the placeholders filled (a missing value is an error)."""
        return [
            {"role": "system", "content": Template(self.system).substitute(values)},
            {"role": "user", "content": Template(self.user).substitute(values)},
        ]


@cache
def load_prompt(name: str, version: str | None = None) -> Prompt:
    """Load ``prompts/<name>.<version>.md`` (default: the version in ``CURRENT``)."""
    version = version or CURRENT[name]
    path = PROMPT_DIR / f"{name}.{version}.md"
    text = path.read_text(encoding="utf-8")
    parts = _SECTION.split(text)
    sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
    if set(sections) != {"system", "user"}:
        raise ValueError(f"{path}: needs a '## system' and a '## user' section")
    return Prompt(name, version, sections["system"], sections["user"])


def prompt_versions() -> dict[str, str]:
    """Task → template version in use, for reports and manifests."""
    return dict(CURRENT)
