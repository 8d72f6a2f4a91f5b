"""Review pages and the dashboard in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``) driven by Selenium. Nothing is downloaded: the system browser and its own
driver are used, and the tests skip with the reason where either is missing.

Checked against the document's data (the ``BudgetDocument``), never against the page's own text:
a click on a value's box shows that cell's value, column and row; a finding link scrolls the
finding's page into view; no console errors. ``BUDGET_EXTRACT_SCREENSHOT=PATH`` saves the
screenshot the README shows.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, PUTUO, SEEDS

CHROMIUM = os.environ.get("BUDGET_EXTRACT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("BUDGET_EXTRACT_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,900",
]
PDF_002 = EXAMPLES / f"{SEEDS[1]}.pdf"
TXT_001 = EXAMPLES / f"{SEEDS[0]}.txt"


def _skip_reason() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    for path, what in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (Path(path).is_file() or shutil.which(path)):
            return f"no {what} at {path} (apt-get install chromium chromium-driver)"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="budget-extract-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except Exception as exc:  # a browser that cannot start here is a skip, with the reason
        shutil.rmtree(profile, ignore_errors=True)
        pytest.skip(f"headless Chromium did not start: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def pages(tmp_path_factory, ingested, extracted):
    """Review pages of the 002 PDF and the 001 text, written as ``review`` writes them."""
    from extractor.export import atomic_write_text
    from extractor.review.page import review_html

    out = tmp_path_factory.mktemp("review_pages")
    written = {}
    for path in (PDF_002, TXT_001):
        doc = extracted(path)
        html, _ = review_html(doc, ingested(path), path)
        atomic_write_text(out / f"{doc.meta.doc_id}.html", html)
        written[path] = (out / f"{doc.meta.doc_id}.html", doc)
    return written


def _open(browser, path: Path) -> float:
    """Load a page; returns its load time in ms (navigation timing: start to the load event end)."""
    browser.get(path.as_uri())
    for _ in range(50):
        ms = browser.execute_script(
            "const n = performance.getEntriesByType('navigation')[0]; return n && n.loadEventEnd;"
        )
        if ms:
            return float(ms)
        time.sleep(0.1)
    raise AssertionError(f"{path.name}: no load event")


def _console_errors(browser) -> list[str]:
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def _info(browser) -> dict[str, str]:
    rows = browser.find_elements("css selector", "#info td[data-key]")
    return {r.get_attribute("data-key"): r.text for r in rows}


def _click_mark(browser, mark_id: int) -> None:
    from selenium.webdriver.common.by import By

    browser.execute_script("review.build(review.marks[arguments[0]].p);", mark_id)
    el = browser.find_element(By.ID, f"m{mark_id}")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    el.click()  # a real click, at the box's place on the page


def _cell_marks(browser, doc, picks):
    """(mark id, cell, row) for chosen cells of the document, found by table/row/column."""
    marks = browser.execute_script("return review.marks.filter(m => m.ti !== undefined).map(m => [m.id, m.ti, m.ri, m.col]);")
    index = {(ti, ri, col): mid for mid, ti, ri, col in marks}
    out = []
    for ti, table in enumerate(doc.tables):
        for row in table.rows:
            for cell in row.cells:
                if cell.value is not None and picks(table, row, cell):
                    out.append((index[(ti, row.index, cell.column_id)], cell, row))
    return out


def test_pdf_review_page_renders_and_a_click_shows_the_cells_value(browser, pages):
    path, doc = pages[PDF_002]
    ms = _open(browser, path)
    assert len(browser.find_elements("css selector", "section.page")) == doc.meta.page_count
    # Cells picked from the document: the 收支总表 totals and every 60th fact elsewhere.
    n = [0]

    def pick(table, row, cell):
        n[0] += 1
        return (table.kind.value == "budget_summary" and row.is_total) or n[0] % 60 == 0

    chosen = _cell_marks(browser, doc, pick)
    assert len(chosen) >= 5
    for mark_id, cell, row in chosen:
        _click_mark(browser, mark_id)
        shown = _info(browser)
        assert shown["value"] == format(cell.value, "f"), (row.label, cell.column_id)
        assert shown["column_id"] == cell.column_id and shown["unit"] == cell.unit
        assert shown["row"] == (row.printed_label or row.label)
        assert shown["printed"] == cell.raw
        # Hovering shows the same: table, row, column, canonical id and value.
        table = next(t for t in doc.tables if row in t.rows)
        title = browser.find_element("id", f"m{mark_id}").get_attribute("title")
        assert f"canonical_id: {table.kind.value}/{row.code or row.label}/{cell.column_id}" in title
        assert f"value: {format(cell.value, 'f')}" in title
    assert not _console_errors(browser)
    print(f"\n{path.name}: load {ms:.0f} ms, {doc.meta.page_count} pages")


def test_a_finding_link_scrolls_to_its_place(browser, pages):
    from selenium.webdriver.common.by import By

    path, doc = pages[PDF_002]
    _open(browser, path)
    placed = [i for i, f in enumerate(doc.findings) if f.provenance and f.provenance.page]
    assert placed
    for i in placed[:3]:
        finding = doc.findings[i]
        link = browser.find_element(By.CSS_SELECTOR, f'li.finding-link[data-finding="{i}"] a.go')
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
        link.click()
        time.sleep(0.2)
        target = browser.find_element(By.ID, f"m{link.get_attribute('data-go')}")
        # The box is inside the finding's page, and that page is on screen.
        page = target.find_element(By.XPATH, "./ancestor::section[contains(@class, 'page')]")
        assert page.get_attribute("data-page") == str(finding.provenance.page)
        visible = browser.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight;", target
        )
        assert visible, finding.message
        assert _info(browser)["check"] == finding.check
    assert not _console_errors(browser)


def test_text_review_page_click_shows_the_cells_value(browser, pages):
    path, doc = pages[TXT_001]
    _open(browser, path)
    n = [0]

    def pick(table, row, cell):
        n[0] += 1
        return n[0] % 40 == 0

    chosen = _cell_marks(browser, doc, pick)
    assert len(chosen) >= 5
    from selenium.webdriver.common.by import By

    for mark_id, cell, _row in chosen:
        el = browser.find_element(By.ID, f"m{mark_id}")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
        el.click()
        assert el.text == cell.raw.strip()
        shown = _info(browser)
        assert shown["value"] == format(cell.value, "f") and shown["column_id"] == cell.column_id
    assert not _console_errors(browser)


def test_dashboard_renders_and_links_every_review_page(browser, tmp_path, extracted):
    from selenium.webdriver.common.by import By

    from extractor.review.build import write_reviews

    texts = [EXAMPLES / f"{s}.txt" for s in SEEDS]
    jsons = []
    for path in texts:
        doc = extracted(path).model_copy(deep=True)
        doc.meta.source_file = str(path)
        j = tmp_path / f"{doc.meta.doc_id}.json"
        j.write_text(doc.model_dump_json(), encoding="utf-8")
        jsons.append(j)
    result = write_reviews(jsons, tmp_path / "review")
    assert result.dashboard is not None
    _open(browser, result.dashboard)
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure svg")) == 5
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#documents a")]
    assert sorted(Path(h).name for h in links) == sorted(f"{extracted(p).meta.doc_id}.html" for p in texts)
    browser.find_element(By.CSS_SELECTOR, "#documents a").click()
    assert browser.execute_script("return !!window.review && review.marks.length > 0;")
    assert not _console_errors(browser)


@pytest.mark.skipif(not PUTUO.is_dir(), reason="../shared/corpus/putuo is absent")
def test_putuo_wanli_33_pages_load_fast_and_screenshot(browser, tmp_path, ingested, extracted):
    """The 33-page 万里街道 PDF: load time of its review page, a click, the README screenshot."""

    from extractor.export import atomic_write_text
    from extractor.review.page import review_html

    pdf = PUTUO / "putuo_wanli_subdistrict_2024_department_budget.pdf"
    start = time.perf_counter()
    html, stats = review_html(extracted(pdf), ingested(pdf), pdf)
    seconds = time.perf_counter() - start
    page = tmp_path / "wanli.html"
    atomic_write_text(page, html)
    assert stats["pages"] == 33 and html.count('data-src="data:image/webp;base64,') == 33
    ms = _open(browser, page)
    assert ms < 10_000, f"load took {ms:.0f} ms"
    # The 部门支出预算总表's 20129 群众团体事务 total, clicked (the README's screenshot): the value the
    # document holds for that cell.
    doc = extracted(pdf)
    ti, table = next((i, t) for i, t in enumerate(doc.tables) if t.kind.value == "expenditure_summary")
    row = next(r for r in table.rows if r.code == "20129")
    cell = next(c for c in row.cells if c.column_id == "total")
    target = browser.execute_script(
        "return review.marks.find(m => m.ti === arguments[0] && m.ri === arguments[1] && m.col === 'total');", ti, row.index
    )
    _click_mark(browser, target["id"])
    shown = _info(browser)
    assert (shown["value"], shown["printed"], shown["code"]) == (format(cell.value, "f"), cell.raw, "20129")
    browser.execute_script("document.getElementById('m' + arguments[0]).scrollIntoView({block: 'start'});"
                           "document.getElementById('doc').scrollBy(0, -250);", target["id"])
    time.sleep(0.5)
    shot = tmp_path / "review.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("BUDGET_EXTRACT_SCREENSHOT"):
        from PIL import Image

        # A palette PNG: small enough to commit, the boxes' colours kept.
        Image.open(shot).convert("RGB").quantize(colors=128).save(os.environ["BUDGET_EXTRACT_SCREENSHOT"], optimize=True)
    assert not _console_errors(browser)
    print(f"\n{pdf.name}: {stats['pages']} pages, {len(html.encode()) / 1e6:.2f} MB, page made in {seconds:.1f} s, "
          f"load {ms:.0f} ms")
