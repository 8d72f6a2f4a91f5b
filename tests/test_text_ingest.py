"""Text renderings as converters write them: tab rows, markdown pipe tables, HTML tables, and
their edge cases (unclosed tables, omitted end tags, form feeds, prose that looks like a row)."""

from __future__ import annotations

from pathlib import Path

from extractor.ingest.text import read_text


def _read(tmp_path: Path, text: str):
    path = tmp_path / "doc.md"
    path.write_text(text, encoding="utf-8")
    return read_text(path)


def test_unclosed_html_table_does_not_swallow_the_prose_after_it(tmp_path: Path) -> None:
    doc = _read(
        tmp_path,
        "单位：万元<table><tr><td>项目<td>金额<tr><td>基本支出<td>570.03\n二、支出预算情况说明\n正文。\n",
    )
    assert [(ln.cells, ln.text) for ln in doc.lines] == [
        (None, "单位：万元"),  # text before <table> on the same line is kept
        (["项目", "金额"], "项目 金额"),  # omitted </td> and </tr>
        (["基本支出", "570.03"], "基本支出 570.03"),
        (None, "二、支出预算情况说明"),
        (None, "正文。"),
    ]
    assert doc.warnings and "not closed" in doc.warnings[0]


def test_two_tables_on_one_line_and_pages_inside_a_table(tmp_path: Path) -> None:
    doc = _read(
        tmp_path,
        "<table><tr><td>A</td><td>1.00</td></tr>\n\f<tr><td>B</td><td>2.00</td></tr></table>中间"
        "<table><tr><td>C</td><td>3.00</td></tr></table>\n第二页正文\n",
    )
    assert [(ln.cells, ln.text, ln.provenance.line, ln.provenance.page) for ln in doc.lines] == [
        (["A", "1.00"], "A 1.00", 1, 1),
        (["B", "2.00"], "B 2.00", 2, 2),  # the form feed starts page 2 within line 2
        (None, "中间", 2, 2),
        (["C", "3.00"], "C 3.00", 2, 2),
        (None, "第二页正文", 3, 2),
    ]


def test_pipe_tables_need_a_separator_row(tmp_path: Path) -> None:
    doc = _read(tmp_path, "|说明|见附件|\n| 项目 | 金额 |\n|:-|-:|\n| 办公费 | 1\\|2 |\n")
    assert [(ln.cells, ln.text) for ln in doc.lines] == [
        (None, "|说明|见附件|"),  # prose that starts and ends with "|"
        (["项目", "金额"], "项目 金额"),
        (["办公费", "1|2"], "办公费 1|2"),  # an escaped pipe stays in its cell
    ]
    assert doc.lines[1].grid_start and not doc.lines[2].grid_start


def test_a_file_of_one_broken_table_is_read_not_crashed(tmp_path: Path) -> None:
    doc = _read(tmp_path, "<table><tr><td>基本支出<td>570.03")
    assert [ln.cells for ln in doc.lines] == [["基本支出", "570.03"]]
