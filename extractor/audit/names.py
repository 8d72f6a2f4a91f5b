"""Names: the department in 编制部门 lines and headings, 部门 vs 单位 self-naming, 功能分类 names."""

from __future__ import annotations

import re

from extractor.audit.context import AuditContext, evidence
from extractor.audit.rules import CLASS_NAMES, PLACEHOLDERS, SELF_NAME
from extractor.labels import squash
from schemas import AuditCheck

_DEPT_LINE = re.compile(r"(?:编制部门|预算主管部门|部门名称)\s*(?:（盖章）|\(盖章\))?\s*[:：]\s*(\S+)")
_HEADING_NAME = re.compile(r"^(.{4,40}?)(?:（部门）|\(部门\))?(?:主要职能|机构设置)$")
# 中共 / 中国共产党 … 委员会 and 省委 name the same party body; compared without them.
_PARTY = re.compile(r"^(?:中国共产党|中共)")


def _norm(name: str) -> str:
    name = re.sub(r"[\s（(]盖章[）)]|[（(]部门[）)]|单位[:：].*$", "", name)
    return _PARTY.sub("", squash(name))


def _same(a: str, b: str) -> bool:
    a, b = _norm(a), _norm(b)
    return a == b or a in b or b in a or a.replace("委员会", "委") == b.replace("委员会", "委")


def check_department_names(ctx: AuditContext) -> list[AuditCheck]:
    """编制部门/预算主管部门 lines and "<name>主要职能/机构设置" headings name the document's department."""
    dept = ctx.doc.meta.department
    if not dept:
        return []
    out = []
    named = [(line, m[1]) for line in ctx.lines if (m := _DEPT_LINE.search(line.text))]
    named += [(line, m[1]) for _, line, text in ctx.body_headings if (m := _HEADING_NAME.match(text.strip()))]
    for line, name in named:
        if PLACEHOLDERS.pattern.search(name):
            continue  # reported as a placeholder
        if not _same(name, dept):
            out.append(
                AuditCheck(
                    name="department_name",
                    severity="material",
                    message=f"names “{name}”, but the document is {dept}’s",
                    evidence=[evidence(line)],
                )
            )
    return out


def check_self_name(ctx: AuditContext) -> list[AuditCheck]:
    """A volume names itself 部门预算 or 单位预算 (决算) throughout: the minority form in its cover,
    headings and titles is reported where the disclosure level says which one it is."""
    level = ctx.doc.meta.disclosure_level
    if level is None:
        return []
    want = "部门" if level == "department" else "单位"
    out = []
    heads = [(line, text) for _, line, text in ctx.body_headings] + [(e.line, e.text) for e in ctx.toc]
    for line, text in heads:
        for m in SELF_NAME.finditer(text):
            if m[1] != want and re.search(r"20\d\d\s*年度?\s*$", text[: m.start()]):
                out.append(
                    AuditCheck(
                        name="department_vs_unit",
                        severity="material",
                        message=f"a {want}{m[2]} calls itself “{m.group(0)}”: “{text.strip()[:60]}”",
                        evidence=[evidence(line, text)],
                    )
                )
    return out


def check_class_names(ctx: AuditContext) -> list[AuditCheck]:
    """功能分类 类 names against the name in force in the document's year (``rules.CLASS_NAMES``)."""
    if ctx.year is None:
        return []
    out = []
    for line in ctx.lines:
        text = line.text
        for c in CLASS_NAMES:
            wrong, right = (c.old, c.new) if ctx.year >= c.year else (c.new, c.old)
            if wrong in text:
                out.append(
                    AuditCheck(
                        name="classification_name",
                        severity="material",
                        message=(
                            f"{c.code} is “{right}” in {ctx.year} (renamed from “{c.old}” in {c.year}); "
                            f"the text says “{wrong}”"
                        ),
                        evidence=[evidence(line)],
                    )
                )
    return out
