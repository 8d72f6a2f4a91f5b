// Review page: boxes drawn lazily per page, a click shows a mark's details, links scroll to marks.
(function () {
  "use strict";
  const MARKS = JSON.parse(document.getElementById("marks").textContent);
  const PAGES = JSON.parse(document.getElementById("pages").textContent);
  const byPage = new Map();
  for (const m of MARKS) {
    if (m.p == null) continue;
    if (!byPage.has(m.p)) byPage.set(m.p, []);
    byPage.get(m.p).push(m);
  }
  const built = new Set();
  const info = document.getElementById("info");
  let selected = null;

  const TIP = ["table", "row", "code", "column", "column_id", "canonical_id", "value", "unit", "check", "category", "text"];
  // Hover: the mark's table, row, column, canonical id and value (a click shows everything).
  function tip(m) {
    return [m.t].concat(TIP.filter((k) => m.d[k] != null).map((k) => k + ": " + m.d[k])).join("\n");
  }
  document.querySelectorAll(".v[data-m]").forEach((el) => { el.title = tip(MARKS[Number(el.dataset.m)]); });

  function pageEl(p) { return document.getElementById("page-" + p); }

  function build(p) {
    if (built.has(p)) return;
    const el = pageEl(p);
    const size = PAGES[String(p)];
    if (!el || !size) return;
    built.add(p);
    const img = el.querySelector("img");
    if (img && !img.getAttribute("src") && img.dataset.src) img.src = img.dataset.src;
    const frag = document.createDocumentFragment();
    for (const m of byPage.get(p) || []) {
      const [x0, top, x1, bottom] = m.b;
      const box = document.createElement("div");
      box.id = "m" + m.id;
      box.className = "mk " + m.c + (m.l ? " l" : "") + (m.x ? "" : " approx") + (m.sev ? " sev-" + m.sev : "");
      box.style.left = (100 * x0 / size.w) + "%";
      box.style.top = (100 * top / size.h) + "%";
      box.style.width = Math.max(0.3, 100 * (x1 - x0) / size.w) + "%";
      box.style.height = Math.max(0.3, 100 * (bottom - top) / size.h) + "%";
      box.title = tip(m);
      box.dataset.m = m.id;
      frag.appendChild(box);
      for (const r of m.r || []) {  // the further printed lines of a phrase that wraps
        const more = box.cloneNode(false);
        more.removeAttribute("id");
        more.style.left = (100 * r[0] / size.w) + "%";
        more.style.top = (100 * r[1] / size.h) + "%";
        more.style.width = Math.max(0.3, 100 * (r[2] - r[0]) / size.w) + "%";
        more.style.height = Math.max(0.3, 100 * (r[3] - r[1]) / size.h) + "%";
        frag.appendChild(more);
      }
    }
    el.appendChild(frag);
  }

  if (window.IntersectionObserver) {
    const io = new IntersectionObserver((entries) => {
      for (const e of entries) if (e.isIntersecting) build(Number(e.target.dataset.page));
    }, { rootMargin: "1200px 0px" });
    document.querySelectorAll(".page").forEach((el) => io.observe(el));
  } else {
    Object.keys(PAGES).forEach((p) => build(Number(p)));
  }

  function esc(s) {
    return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  }

  function elementOf(id) {
    const m = MARKS[id];
    if (m.p != null) build(m.p);
    return document.getElementById("m" + id) || document.querySelector('.ln[data-m~="' + id + '"]');
  }

  function show(id) {
    const m = MARKS[id];
    if (!m) return;
    if (selected) selected.classList.remove("sel");
    selected = elementOf(id);
    if (selected) selected.classList.add("sel");
    const where = m.p != null ? "page " + m.p : "line " + (m.ln != null ? m.ln : "?");
    let rows = '<tr><td>kind</td><td data-key="kind">' + esc(m.c) + (m.l ? ' <span class="llmtag">LLM</span>' : "") + "</td></tr>";
    for (const [k, v] of Object.entries(m.d)) rows += '<tr><td>' + esc(k) + '</td><td data-key="' + esc(k) + '">' + esc(v) + "</td></tr>";
    rows += '<tr><td>where</td><td data-key="where">' + esc(where) + (m.x ? "" : " (row or line box)") + "</td></tr>";
    info.innerHTML = "<table>" + rows + "</table>";
    info.dataset.mark = id;
  }

  function go(id) {
    const el = elementOf(id);
    if (!el) return false;
    el.scrollIntoView({ block: "center" });
    el.classList.remove("flash");
    void el.offsetWidth;  // restart the animation
    el.classList.add("flash");
    show(id);
    return true;
  }

  document.addEventListener("click", (ev) => {
    const link = ev.target.closest("[data-go]");
    if (link) { ev.preventDefault(); go(Number(link.dataset.go)); return; }
    const box = ev.target.closest("[data-m]");
    if (box) {
      const ids = box.dataset.m.trim().split(/\s+/).map(Number);
      show(ids[0]);
    }
  });
  window.review = { go: go, show: show, marks: MARKS, build: build };
})();
