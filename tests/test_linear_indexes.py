"""The indexes that keep long documents linear give exactly what the all-pairs definitions give.

Each reference below is the rule as its docstring states it (every pair scored, every row scanned);
the indexed versions in the extractor must agree on any input, not only on the samples.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.narrative.changes import _FUNCTIONAL_PART, _Standalone, resolve_functional
from extractor.narrative.projects import _assign, _similarity
from schemas import Provenance, Row, Table, TableKind

NAME_PIECES = ["基金监管", "专项经费", "项目", "补助资金", "（建设部分）", "2026年度", "信息化", "运维", " "]


def _greedy_all_pairs(names: list[str], candidates: list[str]) -> dict[int, int]:
    scored = sorted(
        ((_similarity(n, c), i, j) for i, n in enumerate(names) for j, c in enumerate(candidates)),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    out: dict[int, int] = {}
    for score, i, j in scored:
        if score > 0 and i not in out and j not in out.values():
            out[i] = j
    return out


names = st.lists(st.lists(st.sampled_from(NAME_PIECES), max_size=4).map("".join), max_size=8)


@settings(max_examples=300, deadline=None)
@given(names, names)
def test_assign_is_the_all_pairs_greedy_matching(a, b):
    got = _assign(a, b)
    assert list(got.items()) == list(_greedy_all_pairs(a, b).items())


def test_assign_examples():
    # equal names beat containment; one-to-one; ties go to the earlier name and candidate
    assert _assign(["基金监管专项经费", "基金监管"], ["基金监管专项经费项目", "基金监管专项经费"]) == {0: 0, 1: 1}
    assert _assign(["补助资金", "补助资金"], ["补助资金"]) == {0: 0}
    assert _assign(["abc"], ["abcd"]) == {}  # shorter than 4 characters: only equality counts


spans = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 8)), max_size=8)


@settings(max_examples=300, deadline=None)
@given(spans, st.integers(0, 80), st.integers(0, 10))
def test_standalone_overlap_and_next_start(raw, a, length):
    # non-overlapping, ordered spans, as finditer gives them
    matches, pos = [], 0
    for gap, width in raw:
        start = pos + gap
        matches.append((start, start + width))
        pos = start + width
    text = "x" * (pos + 100)
    found = [re.compile("x+").match(text, s, e) for s, e in matches]
    idx = _Standalone(found)
    b = a + length
    expected = any(s <= a < e or s < b <= e for s, e in matches)
    assert idx.overlaps(a, b) == expected
    assert idx.next_start(a, 999) == min([s for s, _ in matches if s > a] + [999])


def _row(code: str, label: str, index: int, project: str | None = None) -> Row:
    return Row(
        index=index,
        label=label,
        printed_label=label,
        code=code,
        code_scheme="functional",
        project=project,
        cells=[],
        provenance=Provenance(file="t.txt", line=index + 1),
    )


def _code_by_labels_all_rows(subject: str, tables: list[Table]) -> str | None:
    """The old definition: every functional row's label normalised for each level."""
    order = [TableKind.general_public_expenditure, TableKind.expenditure_summary, TableKind.revenue_summary]
    rows = [r for k in order for t in tables if t.kind == k and not t.empty for r in t.rows if r.code and not r.project]
    norm = lambda s: re.sub(r"[\s“”\"（）()]", "", s)  # noqa: E731
    code = None
    for p in _FUNCTIONAL_PART.finditer(subject):
        width = {"类": 3, "款": 5, "项": 7}[p["level"]]
        hits = [
            r.code
            for r in rows
            if len(r.code) == width and norm(r.label) == norm(p["name"]) and (code is None or r.code.startswith(code))
        ]
        if not hits:
            return None
        code = hits[0]
    return code


def test_functional_codes_resolved_by_label_through_the_index():
    rows_a = [_row("210", "卫生健康支出", 0), _row("21011", "行政事业单位医疗", 1), _row("2101101", "行政单位医疗", 2)]
    # a second table with the same 款 name under another 类: the prefix decides
    rows_b = [_row("208", "社会保障和就业支出", 0), _row("20811", "行政事业单位医疗", 1), _row("2081101", "行政单位医疗", 2)]
    where = {"unit": "万元", "provenance": Provenance(file="t.txt", line=1)}
    tables = [
        Table(table_no="5", title="一般公共预算支出表", kind=TableKind.general_public_expenditure, **where, rows=rows_b + rows_a),
        Table(table_no="3", title="支出总表", kind=TableKind.expenditure_summary, **where, rows=rows_a),
    ]
    for subject in (
        "卫生健康支出（类）行政事业单位医疗（款）行政单位医疗（项）",
        "社会保障和就业支出（类）行政事业单位医疗（款）行政单位医疗（项）",
        "卫生健康支出（类）行政单位医疗（项）",
        "卫生健康支出（类）不存在（款）",
    ):
        code, refs = resolve_functional(subject, tables)
        assert code == _code_by_labels_all_rows(subject, tables)
        if code:
            # rows of the first table kind holding the code (一般公共预算支出表 here), each once
            assert refs and all(r.startswith(code) for r in refs)
            assert len(refs) == len(set(refs))
    assert resolve_functional("卫生健康支出（类）行政事业单位医疗（款）行政单位医疗（项）", tables)[0] == "2101101"
    assert resolve_functional("社会保障和就业支出（类）行政事业单位医疗（款）行政单位医疗（项）", tables)[0] == "2081101"
