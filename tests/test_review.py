"""Review pages, the dashboard and the data package, without a browser (tests/test_review_browser.py
drives Chromium over the same pages).

Boxes are checked against pdfplumber's own words on the page (not against the marks' text), text
spans against the cell's printed text, and the data package with the ``frictionless`` library.
"""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest

from extractor.review.boxes import _display
from extractor.review.marks import build_marks
from extractor.review.page import review_html
from extractor.tables.checks import CheckTally, row_ref, table_ref
from extractor.tables.coverage import measure
from extractor.tables.locate import segment
from tests.conftest import EXAMPLES, PUTUO, SEEDS

PDF_002 = EXAMPLES / f"{SEEDS[1]}.pdf"
TXT_001 = EXAMPLES / f"{SEEDS[0]}.txt"


def _norm(text: str) -> str:
    return re.sub(r"[\s,]", "", text)


def _words_in(words_by_page: dict, page: int, box: list[float]) -> str:
    x0, top, x1, bottom = box
    inside = [
        w for w in words_by_page[page]
        if x0 - 1 <= (w["x0"] + w["x1"]) / 2 <= x1 + 1 and top - 1 <= (w["top"] + w["bottom"]) / 2 <= bottom + 1
    ]  # fmt: skip
    return "".join(w["text"] for w in sorted(inside, key=lambda w: w["x0"]))


@pytest.fixture(scope="module")
def pdf_marks(ingested, extracted):
    from extractor.review.page import render_pdf_pages

    doc, source = extracted(PDF_002), ingested(PDF_002)
    boxes, sizes, _ = render_pdf_pages(PDF_002, images_too=False)
    marks, nav = build_marks(doc, source, boxes, None)
    return doc, marks, nav, sizes


@pytest.fixture(scope="module")
def plumber_words():
    with pdfplumber.open(PDF_002) as pdf:
        return {i: p.extract_words(use_text_flow=False, keep_blank_chars=False) for i, p in enumerate(pdf.pages, 1)}


def test_every_fact_of_a_pdf_gets_the_box_of_its_printed_number(pdf_marks, plumber_words):
    doc, marks, _, sizes = pdf_marks
    cells = {(ti, r.index, c.column_id): c for ti, t in enumerate(doc.tables) for r in t.rows for c in r.cells
             if c.value is not None}  # fmt: skip
    values = [m for m in marks if "ti" in m]
    assert len(values) == len(cells) == sum(1 for t in doc.tables for r in t.rows for c in r.cells if c.value is not None)
    assert doc.meta.page_count == len(sizes)
    for m in values:
        cell = cells[(m["ti"], m["ri"], m["col"])]
        assert m["x"], f"no own box for {cell.raw} on page {m['p']}"
        # pdfplumber reads the same place as the printed number itself.
        assert _norm(_words_in(plumber_words, m["p"], m["b"])) == _norm(cell.raw)
        assert m["d"]["value"] == format(cell.value, "f") and m["d"]["column_id"] == cell.column_id
        # …and the box lies inside its row's box (the provenance the extraction recorded).
        rb = cell.provenance.bbox
        assert rb[0] - 2 <= m["b"][0] and m["b"][2] <= rb[2] + 2 and rb[1] - 2 <= m["b"][1] and m["b"][3] <= rb[3] + 2


def test_summary_halves_on_one_line_get_their_own_side(pdf_marks):
    doc, marks, *_ = pdf_marks
    summary = next(i for i, t in enumerate(doc.tables) if t.kind.value == "budget_summary")
    by_line: dict[tuple, dict[str, list]] = {}
    rows = {r.index: r for r in doc.tables[summary].rows}
    for m in marks:
        if m.get("ti") == summary:
            row = rows[m["ri"]]
            by_line.setdefault((row.provenance.page, row.provenance.line), {}).setdefault(row.section, []).append(m["b"])
    shared = [v for v in by_line.values() if v.get("income") and v.get("expenditure")]
    assert shared, "the 收支总表 prints 收入 and 支出 rows on one line"
    for sides in shared:
        assert max(b[2] for b in sides["income"]) < min(b[0] for b in sides["expenditure"])


def test_cells_of_a_finding_are_coloured_and_every_placed_finding_has_its_box(pdf_marks):
    doc, marks, nav, *_ = pdf_marks
    in_findings = {(t, r) for f in doc.findings for t in f.tables for r in f.rows}
    for m in marks:
        if "ti" not in m:
            continue
        table = doc.tables[m["ti"]]
        row = next(r for r in table.rows if r.index == m["ri"])
        named = [f for f in doc.findings if table_ref(table) in f.tables and row_ref(row) in f.rows
                 and f.column in (None, m["col"])]  # fmt: skip
        assert (m["c"] == "finding") == bool(named), (table_ref(table), row_ref(row), m["col"])
    assert in_findings and any(m["c"] == "finding" for m in marks)
    for entry in nav["findings"]:
        f = doc.findings[entry["i"]]
        if f.provenance is not None and f.provenance.page is not None:
            target = marks[entry["m"]]
            assert target["c"] == "findbox" and target["p"] == f.provenance.page


def test_a_printed_number_no_fact_holds_is_drawn_as_a_miss_in_its_place(ingested, extracted):
    """Remove one fact, measure coverage with the real coverage stage: the miss lands on the number."""
    source = ingested(PDF_002)
    doc = extracted(PDF_002).model_copy(deep=True)
    table = next(t for t in doc.tables if t.kind.value == "expenditure_summary")
    row = next(r for r in table.rows if r.code and any(c.value is not None for c in r.cells))
    removed = next(c for c in row.cells if c.value is not None)
    row.cells.remove(removed)
    doc.meta.coverage = measure(source, segment(source).regions, doc.tables, CheckTally())
    assert doc.meta.coverage.amounts_captured == doc.meta.coverage.amounts_printed - 1
    from extractor.review.page import render_pdf_pages

    boxes, *_ = render_pdf_pages(PDF_002, images_too=False)
    marks, _ = build_marks(doc, source, boxes, None)
    misses = [m for m in marks if m["c"] == "miss"]
    assert len(misses) == 1 and misses[0]["x"] and misses[0]["d"]["printed"] == removed.raw
    with pdfplumber.open(PDF_002) as pdf:
        words = {misses[0]["p"]: pdf.pages[misses[0]["p"] - 1].extract_words()}
    assert _norm(_words_in(words, misses[0]["p"], misses[0]["b"])) == _norm(removed.raw)


def test_text_rendering_values_are_spans_of_their_printed_text(ingested, extracted):
    doc, source = extracted(TXT_001), ingested(TXT_001)
    page, stats = review_html(doc, source, TXT_001)
    text = TXT_001.read_text(encoding="utf-8-sig")
    marks = json.loads(re.search(r'<script type="application/json" id="marks">(.*?)</script>', page, re.S).group(1))
    cells = {(ti, r.index, c.column_id): c for ti, t in enumerate(doc.tables) for r in t.rows for c in r.cells
             if c.value is not None}  # fmt: skip
    values = [m for m in marks if "ti" in m]
    assert len(values) == len(cells)
    for m in values:
        cell = cells[(m["ti"], m["ri"], m["col"])]
        assert m["x"] and text[m["s"] : m["e"]] == cell.raw.strip()
        assert cell.provenance.char_start <= m["s"] < m["e"] <= (cell.provenance.char_end or len(text))
        assert f'id="m{m["id"]}"' in page
    # Reasons narrowed to their verbatim text inside the statement.
    reasons = [m for m in marks if m["c"] == "reason"]
    assert reasons and all(text[m["s"] : m["e"]] == m["d"]["text"] for m in reasons if m["x"])
    assert sum(m["x"] for m in reasons) >= 0.9 * len(reasons)
    assert stats["values"] >= len(cells) and "http://" not in page.replace("http://www.w3.org", "")


def test_review_of_a_file_writes_one_self_contained_page(tmp_path):
    """``review FILE --out DIR``: the file extracted (rules only) and its page written; nothing in
    the page is fetched at view time."""
    from extractor.cli import main

    assert main(["review", str(TXT_001), "--out", str(tmp_path), "-q"]) == 0
    assert [p.name for p in tmp_path.iterdir()] == [f"{SEEDS[0]}.html"]  # one document: no dashboard
    page = (tmp_path / f"{SEEDS[0]}.html").read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="(https?:)?//', page) and "<link" not in page
    assert page.count("<script") == 3  # the marks, the page sizes and the page's own code, inline


def test_a_file_that_fails_is_named_with_its_reason_and_the_rest_goes_on(tmp_path, capsys):
    from extractor.cli import main

    notes = tmp_path / "notes.txt"
    notes.write_text("会议纪要：本周无事。\n", encoding="utf-8")
    assert main(["review", str(notes), str(TXT_001), "--out", str(tmp_path / "r"), "-q"]) == 0
    assert f"error: {notes}: not a budget disclosure" in capsys.readouterr().err
    assert (tmp_path / "r" / f"{SEEDS[0]}.html").is_file()
    index = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert f"{notes}</td><td colspan=3>not a budget disclosure" in index
    assert main(["review", str(tmp_path / "nothing.pdf")]) == 2


def test_review_of_a_json_whose_source_is_gone_still_writes_a_page(tmp_path, extracted):
    from extractor.review.build import write_reviews

    doc = extracted(TXT_001).model_copy(deep=True)
    doc.meta.source_file = str(tmp_path / "gone.txt")
    (tmp_path / "d.json").write_text(doc.model_dump_json(), encoding="utf-8")
    result = write_reviews([tmp_path / "d.json"], tmp_path / "out")
    page = (tmp_path / "out" / f"{doc.meta.doc_id}.html").read_text(encoding="utf-8")
    assert "was not found" in page and result.pages[doc.meta.doc_id]["source_found"] is False


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A corpus run over the two seed text renderings and a file that fails."""
    from extractor.corpus import RunSettings, run_corpus

    base = tmp_path_factory.mktemp("review_run")
    inp = base / "in"
    inp.mkdir()
    for s in SEEDS:
        (inp / f"{s}.txt").write_bytes((EXAMPLES / f"{s}.txt").read_bytes())
    (inp / "notes.txt").write_text("会议纪要：本周无事。\n", encoding="utf-8")
    run = base / "run"
    run_corpus(RunSettings(input_dir=inp, run_dir=run, workers=1, progress=False))
    return run


def test_review_of_a_run_writes_every_page_and_a_dashboard_linking_them(run_dir, capsys):
    from extractor.cli import main

    assert main(["review", str(run_dir)]) == 0
    out = run_dir / "review"
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    ok = [e["doc_id"] for e in manifest["documents"] if e["status"] in ("ok", "ok_with_findings")]
    assert len(ok) == 2 and sorted(p.stem for p in out.glob("*.html") if p.name != "index.html") == sorted(ok)
    index = (out / "index.html").read_text(encoding="utf-8")
    for doc_id in ok:
        assert f'href="{doc_id}.html"' in index
    assert "notes.txt" in index and "not a budget disclosure" in index  # the failure is listed, not dropped
    assert index.count("<svg") == 5  # status, coverage, findings, spending by 类, reason categories
    # The spending plot holds the 类 rows of each 部门支出总表: 210 卫生健康支出 in both seeds.
    assert "210 卫生健康支出" in index
    said = capsys.readouterr().out
    assert said.count("ok: ") == 2 and "dashboard:" in said


def test_spending_by_class_matches_the_run_view(run_dir):
    """The dashboard's 功能分类 figures are the DuckDB view's (the same facts, another route)."""
    import duckdb

    from extractor.review.dashboard import spending_by_class
    from schemas import BudgetDocument

    docs = [BudgetDocument.model_validate_json(p.read_bytes()) for p in sorted((run_dir / "docs").glob("*.json"))]
    plotted = {(d, k.split()[0]): v for k, per in spending_by_class(docs).items() for d, v in per.items()}
    con = duckdb.connect(str(run_dir / "corpus.duckdb"), read_only=True)
    view = {(d, c): Decimal(str(t)) for d, c, t in con.execute(
        "SELECT doc_id, code, total_wan FROM v_spending_by_function WHERE total_wan IS NOT NULL").fetchall()}  # fmt: skip
    con.close()
    assert plotted and plotted == view


def _validate(path: Path):
    frictionless = pytest.importorskip("frictionless", reason="frictionless is in the dev extra")
    return frictionless.validate(str(path))


def test_run_directory_datapackage_validates_with_frictionless(run_dir):
    package = json.loads((run_dir / "datapackage.json").read_text(encoding="utf-8"))
    names = {r["name"] for r in package["resources"]}
    from extractor.export import TIDY_TABLES

    assert names == set(TIDY_TABLES) and all(r["path"] == f"tables/{r['name']}.csv" for r in package["resources"])
    report = _validate(run_dir / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    # OFDP: measures in CNY with the printed unit's factor, phase and direction.
    measures = package["model"]["measures"]
    assert measures["approved_expenditure_wanyuan"] == {
        "source": "approved_expenditure_wanyuan", "resource": "fiscal_facts", "currency": "CNY", "factor": 10000,
        "phase": "approved", "direction": "expenditure",
    }  # fmt: skip
    assert measures["executed_revenue_yuan"]["factor"] == 1 and measures["executed_revenue_yuan"]["phase"] == "executed"
    dims = package["model"]["dimensions"]
    assert {dims[k]["classificationType"] for k in dims if dims[k]["dimensionType"] == "classification"} == {
        "administrative", "functional", "economic"}  # fmt: skip


def test_fiscal_facts_carry_phase_direction_and_classifications(run_dir):
    with (run_dir / "tables" / "fiscal_facts.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    with (run_dir / "tables" / "facts.csv").open(encoding="utf-8", newline="") as fh:
        facts = list(csv.DictReader(fh))
    # 001: 表3 部门支出总体情况表, 2101101 行政单位医疗, total 11.30 万元 (read in the seed text).
    row = next(r for r in rows if r["doc_id"].startswith("001") and r["table_kind"] == "expenditure_summary"
               and r["functional_subitem_code"] == "2101101" and r["column_id"] == "total")  # fmt: skip
    fact = next(f for f in facts if f["doc_id"] == row["doc_id"] and f["table_kind"] == "expenditure_summary"
                and f["code"] == "2101101" and f["column_id"] == "total")  # fmt: skip
    assert row["phase"] == "approved" and row["direction"] == "expenditure"
    assert row["approved_expenditure_wanyuan"] == fact["value"]
    assert (row["functional_class_code"], row["functional_class"]) == ("210", "卫生健康支出")
    assert (row["functional_item_code"], row["functional_subitem"]) == ("21011", "行政单位医疗")
    # Every fact of a table with a direction is there once; 收入 halves and 收入表 are revenue.
    assert {r["direction"] for r in rows if r["table_kind"] == "revenue_summary"} == {"revenue"}
    econ = next(r for r in rows if r["economic_class_code"])
    assert len(econ["economic_class_code"]) == 3 and econ["economic_class"]


def test_a_wrong_value_fails_validation(run_dir, tmp_path):
    """The schema has teeth: a text in a number column is an error frictionless reports."""
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(run_dir / "tables", copy / "tables")
    shutil.copy(run_dir / "datapackage.json", copy / "datapackage.json")
    facts = copy / "tables" / "facts.csv"
    lines = facts.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    cells = next(csv.reader([lines[1]]))
    cells[head.index("value")] = "十二"
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    facts.write_text("\n".join([lines[0], buf.getvalue().rstrip("\n"), *lines[2:]]) + "\n", encoding="utf-8")
    report = _validate(copy / "datapackage.json")
    assert not report.valid
    errors = report.flatten(["fieldName", "type"])
    assert ["value", "type-error"] in errors


def test_extract_output_has_a_datapackage_too(tmp_path):
    from extractor.cli import main

    assert main(["extract", str(TXT_001), "--out", str(tmp_path / "o"), "-q"]) == 0
    report = _validate(tmp_path / "o" / "datapackage.json")
    assert report.valid
    package = json.loads((tmp_path / "o" / "datapackage.json").read_text(encoding="utf-8"))
    assert {"facts", "fiscal_facts", "failures"} <= {r["name"] for r in package["resources"]}
    # `review OUT` reads the documents documents.csv lists (datapackage.json is no document).
    assert main(["review", str(tmp_path / "o"), "-q"]) == 0
    assert sorted(p.name for p in (tmp_path / "o" / "review").iterdir()) == [f"{SEEDS[0]}.html", "index.html"]


def test_rotated_page_boxes_map_to_the_displayed_page():
    """pdfium gives char boxes in PDF user space; a /Rotate 90 page shows x as y (pdfplumber's frame)."""
    f = _display(90, (0, 0, 595, 842))
    assert f((153.7, 265.1, 159.9, 268.6)) == (265.1, 153.7, 268.6, 159.9)
    g = _display(0, (0, 0, 595, 842))
    assert g((10, 800, 20, 810)) == (10, 32, 20, 42)


@pytest.mark.skipif(not PUTUO.is_dir(), reason="../shared/corpus/putuo is absent")
def test_rotated_jiangsu_table_pages_get_exact_boxes(tmp_path):
    jiangsu = PUTUO.parent / "jiangsu" / "js_swbgt_2018_budget_tables.pdf"
    if not jiangsu.is_file():
        pytest.skip("Jiangsu 2018 table volume absent")
    from extractor.ingest import ingest
    from extractor.pipeline import extract_source
    from extractor.review.page import render_pdf_pages

    source = ingest(jiangsu)
    doc = extract_source(source, "js2018")
    boxes, *_ = render_pdf_pages(jiangsu, images_too=False)
    marks, _ = build_marks(doc, source, boxes, None)
    values = [m for m in marks if "ti" in m]
    with pdfplumber.open(jiangsu) as pdf:
        words = {i: p.extract_words() for i, p in enumerate(pdf.pages, 1)}
    assert values and all(m["x"] for m in values)
    cells = {(ti, r.index, c.column_id): c for ti, t in enumerate(doc.tables) for r in t.rows for c in r.cells}
    for m in values:
        assert _norm(_words_in(words, m["p"], m["b"])) == _norm(cells[(m["ti"], m["ri"], m["col"])].raw)


def test_llm_derived_reasons_are_marked_as_such(tmp_path):
    """A document extracted with the LLM layer (a replayed real exchange): the reasons it supplied
    carry the LLM mark on the page, the rules' ones do not."""
    from llm_replay import recorded_client, replay

    from extractor import extract
    from extractor.ingest import ingest

    source = EXAMPLES / f"{SEEDS[1]}.txt"
    with replay.use_cassette("extract_002_txt.yaml"):
        doc = extract(source, llm=recorded_client(tmp_path / "cache"))
    page, _ = review_html(doc, ingest(source), source)
    marks = json.loads(re.search(r'<script type="application/json" id="marks">(.*?)</script>', page, re.S).group(1))
    reasons = [(r, c) for c in doc.narrative.changes for r in c.reasons]
    shown = [m for m in marks if m["c"] == "reason"]
    assert len(shown) == len(reasons)
    by_text = {}
    for m in shown:
        by_text.setdefault(m["d"]["text"], set()).add(bool(m.get("l")))
    llm = [r for r, _ in reasons if r.origin != "rule"]
    assert llm, "the cassette's LLM layer supplies reasons"
    for r, _ in reasons:
        assert (r.origin != "rule") in by_text[r.text]
    assert 'class="llmtag"' in page


def test_reasons_and_statements_are_boxed_on_their_printed_lines(pdf_marks):
    """A reason's boxes hold exactly its verbatim text, as pdfplumber reads the characters there."""
    doc, marks, *_ = pdf_marks
    narrative = [m for m in marks if m["c"] in ("reason", "change")]
    assert narrative and sum(m["x"] for m in narrative) >= 0.9 * len(narrative)
    with pdfplumber.open(PDF_002) as pdf:
        chars = {}
        for m in narrative:
            if not m["x"]:
                continue
            page = chars.setdefault(m["p"], pdf.pages[m["p"] - 1].chars)
            inside = [
                c["text"] for c in page
                # pdfplumber's boxes are em boxes, pdfium's are ink: a "。" overlaps by its ink only.
                if any(min(c["x1"], r[2]) - max(c["x0"], r[0]) >= 0.25 * (c["x1"] - c["x0"])
                       and r[1] - 0.5 <= (c["top"] + c["bottom"]) / 2 <= r[3] + 0.5 for r in [m["b"], *m.get("r", [])])
            ]  # fmt: skip
            want = m["d"]["text"] if m["c"] == "reason" else m["d"]["statement"]
            assert _norm("".join(inside)) == _norm(want)
