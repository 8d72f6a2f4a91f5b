"""Mutation harness for the disclosure audit: plant defects of every class into clean documents and
measure what the audit detects.

Each clean document (the seed text renderings and the text of the seed PDFs) is ingested once; for
every defect class, ``n`` copies get one defect each at a random eligible line (seeded ``random``),
go through the stages after ingest, and count as detected when the audit reports a check of the
class's names that the unmutated document does not have. The unmutated documents' checks are the
false alarms.

    python -m evals.audit_mutations --n 5 --seed 7 [--out report.json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from extractor.ingest import ingest
from extractor.pipeline import extract_source
from schemas import BudgetDocument, SourceDocument, SourceLine

SHARED = Path(__file__).resolve().parents[2] / "shared"
CLEAN_DOCUMENTS = (
    "seeds/001_6d2149f5b3f07333.txt",
    "seeds/002_e70514054a2d30bc.txt",
    "fixtures/pdf/001_6d2149f5b3f07333.pdf",
    "fixtures/pdf/002_e70514054a2d30bc.pdf",
)

Plant = Callable[[SourceDocument, BudgetDocument, random.Random], str | None]
"""Changes the document in place; returns what it planted, or None where it has no eligible place."""


def _prose(doc: SourceDocument, pattern: str) -> list[SourceLine]:
    rx = re.compile(pattern)
    return [ln for ln in doc.lines if ln.cells is None and rx.search(ln.text)]


def _replace_in(rng: random.Random, lines: list[SourceLine], old: str, new: str) -> str | None:
    if not lines:
        return None
    line = rng.choice(lines)
    starts = [m.start() for m in re.finditer(re.escape(old), line.text)]
    at = rng.choice(starts)
    line.text = line.text[:at] + new + line.text[at + len(old) :]
    return f"{line.provenance.page}:{line.provenance.line} {old!r}→{new!r}"


def _heading_lines(doc: SourceDocument, clean: BudgetDocument, year: int) -> list[SourceLine]:
    toc_end = _toc_end(doc)
    return [
        ln
        for i, ln in enumerate(doc.lines)
        if i > toc_end and ln.cells is None and len(ln.text) <= 50 and not re.search(r"[，。；：:]", ln.text)
        and re.search(rf"{year}\s*年", ln.text) and re.search(r"预算|说明|情况|概况", ln.text)
    ]


def _toc_end(doc: SourceDocument) -> int:
    start = next((i for i, ln in enumerate(doc.lines) if re.fullmatch(r"目\s*录", ln.text.strip())), -1)
    if start < 0:
        return -1
    page = doc.lines[start].provenance.page
    for i in range(start + 1, len(doc.lines)):
        t = doc.lines[i].text.strip()
        if (page is not None and doc.lines[i].provenance.page not in (page, page + 1)) or len(t) > 70 or "。" in t:
            return i - 1
        if page is None and re.sub(r"\s", "", t).endswith("部门概况") and i > start + 3:
            return i - 1
    return start


def _toc_table_entries(doc: SourceDocument) -> list[int]:
    from extractor.tables.kinds import title_kind

    end = _toc_end(doc)
    start = next((i for i, ln in enumerate(doc.lines) if re.fullmatch(r"目\s*录", ln.text.strip())), end)
    return [i for i in range(start + 1, end + 1) if title_kind(re.sub(r"^\S+、\s*", "", doc.lines[i].text.strip()))]


def plant_placeholder(doc, clean, rng):
    dept = clean.meta.department or ""
    return _replace_in(rng, _prose(doc, re.escape(dept)), dept, dept[:4] + "XX局") if dept else None


def plant_department_name(doc, clean, rng):
    dept = clean.meta.department or ""
    lines = _prose(doc, r"编制部门[:：]")
    return _replace_in(rng, lines, dept, "上海市普陀区财政局") if dept and lines else None


def plant_heading_year(doc, clean, rng):
    y = clean.meta.year
    lines = _heading_lines(doc, clean, y) if y else []
    if not lines:
        return None
    line = rng.choice(lines)
    line.text = re.sub(rf"{y}(\s*年)", rf"{y - 1}\1", line.text, count=1)
    return f"{line.provenance.page}:{line.provenance.line} heading year {y}→{y - 1}"


def plant_comparison_year(doc, clean, rng):
    y = clean.meta.year
    return _replace_in(rng, _prose(doc, r"比上年预算"), "比上年预算", f"比{y}年预算") if y else None


def plant_as_of_year(doc, clean, rng):
    y = clean.meta.year
    lines = [ln for ln in _prose(doc, r"。$") if len(ln.text) > 20]
    if not y or not lines:
        return None
    line = rng.choice(lines)
    line.text += f"截至{y + 1}年6月30日，本部门共有车辆2辆。"
    return f"{line.provenance.page}:{line.provenance.line} 截至{y + 1}年 appended"


def plant_toc_missing(doc, clean, rng):
    entries = _toc_table_entries(doc)
    if not entries:
        return None
    line = doc.lines[rng.choice(entries)]
    line.text = re.sub(r"(、\s*).*$", r"\1国有资产占用情况表", line.text)
    return f"{line.provenance.page}:{line.provenance.line} 目录 entry → 国有资产占用情况表"


def plant_toc_order(doc, clean, rng):
    entries = _toc_table_entries(doc)
    pairs = [(a, b) for a, b in zip(entries, entries[1:], strict=False) if b == a + 1]
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    la, lb = doc.lines[a], doc.lines[b]
    la.text, lb.text = lb.text, la.text
    return f"{la.provenance.page}:{la.provenance.line} 目录 entries swapped"


def plant_empty_unexplained(doc, clean, rng):
    from extractor.tables.locate import segment

    seg = segment(doc)
    regions = [r for r in seg.regions if r.empty_statement is not None]
    if not regions:
        return None
    region = rng.choice(regions)
    target = region.empty_statement
    # every sentence that explains this table (the seeds say it again in their 情况说明)
    explains = re.compile(r"为空表|本表无|无数据")
    doc.lines = [
        ln for ln in doc.lines
        if ln is not target and not (explains.search(ln.text) and region.title in ln.text)
    ]
    return f"{target.provenance.page}:{target.provenance.line} every statement that {region.title} is empty removed"


def _sub_match(rng: random.Random, doc: SourceDocument, pattern: str, old: str, new: str) -> str | None:
    """Replace ``old`` inside one random match of ``pattern`` (not elsewhere on the line)."""
    rx = re.compile(pattern)
    places = [(ln, m) for ln in doc.lines if ln.cells is None for m in rx.finditer(ln.text)]
    if not places:
        return None
    line, m = rng.choice(places)
    line.text = line.text[: m.start()] + m.group(0).replace(old, new, 1) + line.text[m.end() :]
    return f"{line.provenance.page}:{line.provenance.line} {m.group(0)!r}: {old!r}→{new!r}"


def plant_direction(doc, clean, rng):
    # the comparison itself (not a reason's "增加 6 人"), and not a change of 0.00
    return _sub_match(rng, doc, r"比上年(?:预算)?(?:执行数)?增加\s*(?!0\.00(?!\d))[\d.]+\s*万元", "增加", "减少")


def plant_leftover(doc, clean, rng):
    return _sub_match(rng, doc, r"比上年.{0,12}?增加", "增加", "增加（减少）")


def plant_empty_reason(doc, clean, rng):
    lines = _prose(doc, r"主要原因(是|为)?[:：]?[^。]{4,}。")
    if not lines:
        return None
    line = rng.choice(lines)
    line.text = re.sub(r"(主要原因(?:是|为)?[:：]?)[^。]{4,}。", r"\1。", line.text, count=1)
    return f"{line.provenance.page}:{line.provenance.line} reason emptied"


def plant_doubled(doc, clean, rng):
    return _replace_in(rng, _prose(doc, r"[^。]。[^。]"), "。", "。。")


def plant_unbalanced(doc, clean, rng):
    return _replace_in(rng, _prose(doc, r"“[^”]{1,20}”"), "”", "")


def plant_stray(doc, clean, rng):
    return _replace_in(rng, _prose(doc, r"[^。，]，[^，。]"), "，", "，。")


def plant_unbalanced_bracket(doc, clean, rng):
    return _replace_in(rng, _prose(doc, r"（[^）]{1,20}）"), "）", "")


def plant_toc_unlisted(doc, clean, rng):
    entries = _toc_table_entries(doc)
    if not entries:
        return None
    line = doc.lines[rng.choice(entries)]
    doc.lines = [ln for ln in doc.lines if ln is not line]
    return f"{line.provenance.page}:{line.provenance.line} 目录 entry removed"


def plant_repeated_page(doc, clean, rng):
    if not doc.page_count or doc.page_count < 4:
        return None
    from extractor.tables.locate import prose_lines, segment

    prose = prose_lines(doc, segment(doc).regions)
    long_lines: dict[int, int] = {}
    for ln in prose:
        if len(ln.text.strip()) >= 20:
            long_lines[ln.provenance.page] = long_lines.get(ln.provenance.page, 0) + 1
    pages = sorted(p for p, k in long_lines.items() if k >= 5)  # a page of prose, not a title or two
    pairs = [(a, a + 1) for a in pages if a + 1 in long_lines]
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    copied = [
        ln.model_copy(update={"provenance": ln.provenance.model_copy(update={"page": b, "line": 900 + i})})
        for i, ln in enumerate(ln for ln in prose if ln.provenance.page == a)
    ]
    end = max(i for i, ln in enumerate(doc.lines) if ln.provenance.page == b)
    doc.lines[end + 1 : end + 1] = copied
    return f"page {a}'s prose repeated on page {b}"


def plant_class_name(doc, clean, rng):
    return _replace_in(rng, [ln for ln in doc.lines if "卫生健康支出" in ln.text and ln.cells is None], "卫生健康支出", "医疗卫生与计划生育支出")


def plant_self_name(doc, clean, rng):
    y = clean.meta.year
    lines = [ln for ln in _heading_lines(doc, clean, y) if re.search(rf"{y}\s*年\s*部门预算", ln.text)] if y else []
    return _replace_in(rng, lines, "部门预算", "单位预算")


def plant_personnel(doc, clean, rng):
    lines = _prose(doc, r"人员经费\s*[\d.]+\s*万元")
    if not lines:
        return None
    line = rng.choice(lines)
    line.text = re.sub(r"(人员经费\s*)([\d.]+)", lambda m: f"{m[1]}{float(m[2]) + 10:.2f}", line.text, count=1)
    return f"{line.provenance.page}:{line.provenance.line} 人员经费 +10"


def plant_blank_page(doc, clean, rng):
    if not doc.page_count or doc.page_count < 4:
        return None
    page = rng.randrange(2, doc.page_count)
    doc.lines = [ln for ln in doc.lines if ln.provenance.page != page]
    return f"page {page} emptied"


def plant_missing_period(doc, clean, rng):
    lines = [ln for ln in _prose(doc, r"主要原因(是|为)?[:：]?[^。；]{4,}。$")]
    if not lines:
        return None
    line = rng.choice(lines)
    i = doc.lines.index(line)
    if i + 1 >= len(doc.lines) or not re.match(r"^\s*([（(]?[一二三四五六七八九十\d]+[、.．)）])", doc.lines[i + 1].text):
        return None
    line.text = line.text[:-1]
    return f"{line.provenance.page}:{line.provenance.line} final 。 removed"


@dataclass(frozen=True)
class DefectClass:
    name: str
    plant: Plant
    detected_by: frozenset[str]


_GROWTH = {"growth_mismatch", "comparison_wording", "direction_mismatch", "sum_mismatch", "narrative_vs_table"}
CLASSES: tuple[DefectClass, ...] = (
    DefectClass("placeholder", plant_placeholder, frozenset({"placeholder"})),
    DefectClass("department_name", plant_department_name, frozenset({"department_name"})),
    DefectClass("heading_year", plant_heading_year, frozenset({"heading_year"})),
    DefectClass("comparison_year", plant_comparison_year, frozenset({"comparison_year", "wrong_year"})),
    DefectClass("as_of_year", plant_as_of_year, frozenset({"as_of_year"})),
    DefectClass("toc_missing", plant_toc_missing, frozenset({"toc_missing", "toc_unlisted"})),
    DefectClass("toc_order", plant_toc_order, frozenset({"toc_order"})),
    DefectClass("toc_unlisted", plant_toc_unlisted, frozenset({"toc_unlisted"})),
    DefectClass("empty_table_unexplained", plant_empty_unexplained, frozenset({"empty_table_unexplained"})),
    DefectClass("comparison_wording", plant_direction, frozenset(_GROWTH)),
    DefectClass("template_leftover", plant_leftover, frozenset({"template_leftover"})),
    DefectClass("empty_reason", plant_empty_reason, frozenset({"empty_reason"})),
    DefectClass("doubled_punctuation", plant_doubled, frozenset({"doubled_punctuation"})),
    DefectClass("unbalanced_quotes", plant_unbalanced, frozenset({"unbalanced_quotes"})),
    DefectClass("unbalanced_brackets", plant_unbalanced_bracket, frozenset({"unbalanced_brackets"})),
    DefectClass("stray_punctuation", plant_stray, frozenset({"stray_punctuation"})),
    DefectClass("classification_name", plant_class_name, frozenset({"classification_name"})),
    DefectClass("department_vs_unit", plant_self_name, frozenset({"department_vs_unit"})),
    DefectClass("basic_expenditure_mismatch", plant_personnel, frozenset({"basic_expenditure_mismatch", "narrative_vs_table", "sum_mismatch"})),
    DefectClass("blank_page", plant_blank_page, frozenset({"blank_page"})),
    DefectClass("repeated_page_text", plant_repeated_page, frozenset({"repeated_page_text"})),
    DefectClass("missing_period", plant_missing_period, frozenset({"missing_period"})),
)


def _keys(doc: BudgetDocument) -> set[tuple[str, str]]:
    return {(c.name, c.message) for c in (doc.audit.checks if doc.audit else [])}


def run(n: int = 5, seed: int = 7, documents: tuple[str, ...] = CLEAN_DOCUMENTS, shared: Path = SHARED) -> dict:
    """Recall per defect class and the false alarms on the unmutated documents."""
    rng = random.Random(seed)
    per_class = {c.name: {"planted": 0, "detected": 0, "misses": []} for c in CLASSES}
    false_alarms: dict[str, list[str]] = {}
    for rel in documents:
        path = shared / rel
        if not path.exists():
            continue
        source = ingest(path)
        clean = extract_source(source, path.stem)
        false_alarms[rel] = [f"{c.name}: {c.message}" for c in (clean.audit.checks if clean.audit else [])]
        before = _keys(clean)
        for cls in CLASSES:
            for _ in range(n):
                mutated = source.model_copy(deep=True)
                what = cls.plant(mutated, clean, rng)
                if what is None:
                    break  # no eligible place in this document
                doc = extract_source(mutated, path.stem)
                new = {name for name, _ in _keys(doc) - before}
                per_class[cls.name]["planted"] += 1
                if new & cls.detected_by:
                    per_class[cls.name]["detected"] += 1
                else:
                    per_class[cls.name]["misses"].append(f"{rel} {what}: new checks {sorted(new)}")
    for v in per_class.values():
        v["recall"] = round(v["detected"] / v["planted"], 4) if v["planted"] else None
    return {
        "n": n,
        "seed": seed,
        "documents": [d for d in documents if (shared / d).exists()],
        "classes": per_class,
        "false_alarms": false_alarms,
        "false_alarm_count": sum(len(v) for v in false_alarms.values()),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=5, help="defects per class and document")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", help="write the report as JSON here")
    args = p.parse_args(argv)
    report = run(args.n, args.seed)
    for name, v in report["classes"].items():
        print(f"{name:28s} planted {v['planted']:3d} detected {v['detected']:3d} recall {v['recall']}")
        for miss in v["misses"][:3]:
            print(f"    miss: {miss[:160]}")
    print(f"false alarms on the unmutated documents: {report['false_alarm_count']}")
    if args.out:
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
