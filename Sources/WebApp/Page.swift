// The one page of the web app: plain HTML, CSS and a little JavaScript, no build step.
// It reads the method list from /api/methods, posts the form to /api/restore and renders the JSON answer.
// A result stays viewable at /#result=<id> while the server keeps it.

let indexPage = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Deblur Workbench</title>
<style>
  :root { --fg:#1d2330; --muted:#5d6575; --line:#d8dce3; --bg:#f5f6f8; --card:#fff; --accent:#2a62d6; --bad:#b3261e; }
  * { box-sizing: border-box; }
  [hidden] { display:none !important; }
  body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
  header { padding:14px 24px; background:#1d2330; color:#fff; display:flex; align-items:baseline; gap:16px; }
  header h1 { font-size:20px; margin:0; font-weight:600; }
  header span { color:#b8c0cf; font-size:14px; }
  main { max-width:1440px; margin:0 auto; padding:18px 24px 40px; }
  .card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:16px 18px; margin-bottom:18px; }
  h2 { font-size:17px; margin:0 0 12px; }
  .form { display:grid; grid-template-columns: 1fr 1fr 1.4fr; gap:18px; }
  .drop { border:2px dashed #aab3c2; border-radius:8px; padding:14px; text-align:center; min-height:150px; cursor:pointer;
          display:flex; flex-direction:column; align-items:center; justify-content:center; gap:6px; background:#fafbfc; }
  .drop.over { border-color:var(--accent); background:#eef3fd; }
  .drop img { max-width:100%; max-height:110px; border-radius:4px; }
  .drop .name { font-size:13px; color:var(--muted); word-break:break-all; }
  .drop input { display:none; }
  .label { font-weight:600; margin-bottom:6px; display:block; }
  .hint { color:var(--muted); font-size:13px; }
  fieldset { border:0; padding:0; margin:0 0 10px; }
  .methods label { display:inline-flex; align-items:center; gap:5px; margin:2px 12px 2px 0; white-space:nowrap; }
  .psfrow { display:flex; gap:8px; align-items:center; flex-wrap:wrap; }
  .psfrow input[type=text] { font:inherit; padding:5px 8px; border:1px solid var(--line); border-radius:5px; width:170px; }
  button, .btn { font:inherit; border:1px solid var(--line); background:#fff; border-radius:5px; padding:4px 10px; cursor:pointer; color:var(--fg); text-decoration:none; display:inline-block; }
  button.primary { background:var(--accent); color:#fff; border-color:var(--accent); padding:8px 22px; font-weight:600; }
  button:disabled { opacity:.55; cursor:default; }
  .chip { font-size:13px; padding:2px 8px; }
  #status { margin-left:12px; color:var(--muted); }
  #error { display:none; color:var(--bad); background:#fdecea; border:1px solid #f3c1bd; border-radius:6px; padding:10px 14px; margin-top:12px; }
  #results { display:none; }
  .summary { display:flex; gap:22px; align-items:flex-start; flex-wrap:wrap; }
  .psfbox { text-align:center; }
  .psfbox img { width:128px; height:128px; object-fit:contain; image-rendering:pixelated; background:#000; border-radius:4px; }
  .toolbar { display:flex; gap:10px; align-items:center; flex-wrap:wrap; margin-bottom:10px; }
  .grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(250px, 1fr)); gap:14px; }
  .panel { border:1px solid var(--line); border-radius:6px; overflow:hidden; background:#fff; }
  .panel .cap { padding:6px 10px; display:flex; justify-content:space-between; align-items:center; gap:8px; border-bottom:1px solid var(--line); }
  .panel .cap b { font-size:14px; }
  .panel .cap .t { color:var(--muted); font-size:13px; }
  .viewport { height:360px; overflow:auto; background:#222; }
  .viewport.fit { height:auto; }
  .viewport img { display:block; image-rendering:auto; }
  .viewport.fit img { width:100%; height:auto; }
  .viewport.zoomed img { image-rendering:pixelated; max-width:none; }
  .panel .foot { padding:5px 10px 8px; font-size:13px; color:var(--muted); min-height:28px; }
  .panel .foot .dl { margin-top:6px; }
  .compare { position:relative; max-width:900px; margin:0 auto; user-select:none; background:#222; }
  .compare img { display:block; width:100%; }
  .compare .top { position:absolute; inset:0; }
  .compare .top img { height:100%; object-fit:contain; }
  .compare .bar { position:absolute; top:0; bottom:0; width:2px; background:#fff; box-shadow:0 0 3px #000; pointer-events:none; }
  .compare .tag { position:absolute; top:8px; background:rgba(0,0,0,.6); color:#fff; font-size:13px; padding:2px 8px; border-radius:4px; }
  #slider { width:100%; max-width:900px; display:block; margin:8px auto 0; }
  table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; }
  th, td { padding:6px 10px; border-bottom:1px solid var(--line); text-align:right; }
  th:first-child, td:first-child { text-align:left; }
  th { background:#f0f2f5; font-weight:600; }
  td.best { font-weight:700; color:#11612f; }
  tr.baseline td { color:var(--muted); font-style:italic; }
  ol.variants { font-size:13px; color:var(--muted); padding-left:20px; margin:10px 0 0; }
  .warn { color:#8a5a00; }
  @media (max-width: 900px) { .form { grid-template-columns:1fr; } }
</style>
</head>
<body>
<header><h1>Deblur Workbench</h1><span>Restore a blurred photo with classical deconvolution or a learned model, and compare.</span></header>
<main>
<form id="form" class="card" autocomplete="off">
  <div class="form">
    <div>
      <span class="label">Blurred photo</span>
      <label class="drop" id="dropImage"><input type="file" name="image" accept="image/png,image/jpeg">
        <span class="msg">Drop a PNG or JPEG here, or click to choose</span><img hidden alt=""><span class="name"></span></label>
    </div>
    <div>
      <span class="label">Sharp reference <span class="hint">(optional)</span></span>
      <label class="drop" id="dropReference"><input type="file" name="reference" accept="image/png,image/jpeg">
        <span class="msg">Drop the sharp original here, or click — it enables the metrics table</span><img hidden alt=""><span class="name"></span></label>
      <button type="button" id="clearReference" class="chip" hidden>Remove reference</button>
    </div>
    <div>
      <fieldset class="methods" id="classical"><span class="label">Classical methods <span class="hint">(use the PSF below)</span></span></fieldset>
      <fieldset class="methods" id="learned" hidden><span class="label">Learned models <span class="hint">(no PSF needed)</span></span></fieldset>
      <span class="label">PSF (blur kernel)</span>
      <div class="psfrow">
        <input type="text" id="psf" placeholder="e.g. motion:15,30" value="gaussian:2" aria-label="PSF spec">
        <button type="button" class="chip" data-psf="gaussian:2">gaussian:2</button>
        <button type="button" class="chip" data-psf="disk:4">disk:4</button>
        <button type="button" class="chip" data-psf="motion:15,30">motion:15,30</button>
        <label id="estimateLabel"><input type="checkbox" id="estimate"> estimate</label>
      </div>
      <div class="hint" id="psfHint">gaussian:SIGMA, disk:RADIUS, motion:LENGTH,ANGLE (degrees) or shake:SEED.</div>
      <div style="margin-top:14px"><button class="primary" id="run" type="submit">Restore</button><span id="status"></span></div>
    </div>
  </div>
  <div id="error" role="alert"></div>
</form>

<section id="results">
  <div class="card summary" id="summary"></div>
  <div class="card">
    <h2>Before / after</h2>
    <div class="toolbar">Left <select id="leftSel"></select> Right <select id="rightSel"></select>
      <span class="hint">Drag the slider to reveal one over the other.</span></div>
    <div class="compare" id="compare"><img id="cmpBottom" alt=""><div class="top" id="cmpTopWrap"><img id="cmpTop" alt=""></div>
      <div class="bar" id="cmpBar"></div><span class="tag" style="left:8px" id="tagLeft"></span><span class="tag" style="right:8px" id="tagRight"></span></div>
    <input type="range" id="slider" min="0" max="100" value="50" aria-label="before/after position">
  </div>
  <div class="card">
    <h2>Side by side</h2>
    <div class="toolbar">Zoom (all panels together):
      <button type="button" class="chip zoom" data-zoom="0">Fit</button><button type="button" class="chip zoom" data-zoom="1">100%</button>
      <button type="button" class="chip zoom" data-zoom="2">200%</button><button type="button" class="chip zoom" data-zoom="4">400%</button>
      <span class="hint">Scrolling one panel scrolls them all.</span></div>
    <div class="grid" id="grid"></div>
  </div>
  <div class="card" id="metricsCard"><h2>Metrics against the reference</h2><div id="metrics"></div></div>
</section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let methods = [], canEstimate = false, current = null, zoom = 0;

function fmtSeconds(s) { return s < 1 ? (s * 1000).toFixed(0) + " ms" : s.toFixed(2) + " s"; }
function fmtScore(v) { return typeof v === "number" ? (Math.abs(v) >= 10 ? v.toFixed(2) : v.toFixed(4)) : String(v); }
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) { if (k === "class") e.className = v; else e.setAttribute(k, v); }
  for (const c of children) e.append(c);
  return e;
}
function showError(message) { const e = $("error"); e.textContent = message; e.style.display = message ? "block" : "none"; }

function setupDrop(zoneId) {
  const zone = $(zoneId), input = zone.querySelector("input"), img = zone.querySelector("img"), name = zone.querySelector(".name"), msg = zone.querySelector(".msg");
  const show = () => {
    const f = input.files[0];
    img.hidden = !f; msg.hidden = !!f; name.textContent = f ? f.name + " (" + (f.size / 1024).toFixed(0) + " kB)" : "";
    if (f) img.src = URL.createObjectURL(f);
    if (zoneId === "dropReference") $("clearReference").hidden = !f;
  };
  input.addEventListener("change", show);
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault(); zone.classList.remove("over");
    if (e.dataTransfer.files.length) { const dt = new DataTransfer(); dt.items.add(e.dataTransfer.files[0]); input.files = dt.files; show(); }
  });
  return () => { input.value = ""; show(); };
}
setupDrop("dropImage");
const clearReference = setupDrop("dropReference");
$("clearReference").addEventListener("click", clearReference);
document.querySelectorAll("[data-psf]").forEach((b) => b.addEventListener("click", () => { $("psf").value = b.dataset.psf; $("estimate").checked = false; $("psf").disabled = false; }));
$("estimate").addEventListener("change", () => { $("psf").disabled = $("estimate").checked; });

async function loadMethods() {
  const r = await fetch("/api/methods"); const j = await r.json();
  methods = j.methods; canEstimate = j.canEstimatePSF;
  for (const m of methods) {
    const box = el("input", { type: "checkbox", value: m.name });
    if (m.name === "wiener" || m.name === "rl-accel") box.checked = true;
    const params = (m.parameters || []).map((p) => p.name + " = " + (p["default"] !== undefined ? p["default"] : p.automatic)).join("; ");
    $(m.isLearned ? "learned" : "classical").append(el("label", { title: m.name + ": " + m.help + (params ? " (" + params + ")" : "") }, box, m.label));
    if (m.isLearned) $("learned").hidden = false;
  }
  if (!canEstimate) {
    $("estimate").disabled = true; $("estimateLabel").title = "PSF estimation is not available on this server yet";
    $("estimateLabel").classList.add("hint"); $("estimateLabel").append(" (not available yet)");
  }
}

$("form").addEventListener("submit", async (e) => {
  e.preventDefault(); showError("");
  const image = $("dropImage").querySelector("input").files[0];
  if (!image) { showError("Choose a blurred photo first (PNG or JPEG)."); return; }
  const chosen = [...document.querySelectorAll(".methods input:checked")].map((b) => b.value);
  if (!chosen.length) { showError("Tick at least one method."); return; }
  const fd = new FormData();
  fd.append("image", image);
  const ref = $("dropReference").querySelector("input").files[0];
  if (ref) fd.append("reference", ref);
  fd.append("methods", chosen.join(","));
  fd.append("psf", $("estimate").checked ? "estimate" : $("psf").value.trim());
  $("run").disabled = true; $("status").textContent = "Restoring with " + chosen.length + " method(s)…";
  const t0 = performance.now();
  try {
    const r = await fetch("/api/restore", { method: "POST", body: fd });
    const j = await r.json().catch(() => ({ error: { message: "The server answered " + r.status + " without details." } }));
    if (!r.ok) { showError(j.error ? j.error.message : "The server answered " + r.status + "."); $("status").textContent = ""; return; }
    $("status").textContent = "Done in " + fmtSeconds((performance.now() - t0) / 1000) + ".";
    history.replaceState(null, "", "#result=" + j.id);
    render(j);
    $("results").scrollIntoView({ behavior: "smooth" });
  } catch (err) {
    showError("Could not reach the server: " + err.message); $("status").textContent = "";
  } finally { $("run").disabled = false; }
});

function views(j) {
  const v = [{ key: "blurred", label: "Blurred input", url: j.image.url }];
  for (const r of j.results) v.push({ key: r.method, label: r.label, url: r.url, result: r });
  if (j.reference) v.push({ key: "reference", label: "Sharp reference", url: j.reference.url });
  return v;
}

function render(j) {
  current = j; $("results").style.display = "block";
  const s = $("summary"); s.replaceChildren();
  const info = el("div", {}, el("h2", {}, "Input"),
    el("div", {}, j.image.width + "×" + j.image.height + " px, " + (j.image.channels === 1 ? "gray" : "colour")),
    el("div", { class: "hint" }, j.results.length + " method(s), total " + fmtSeconds(j.totalSeconds) + (j.queueSeconds > 0.05 ? ", waited " + fmtSeconds(j.queueSeconds) + " in the queue" : "")));
  s.append(info);
  const lead = j.metrics[0];
  if (lead && j.results.length) {
    const ranked = j.results.filter((r) => typeof r.scores[lead.id] === "number").sort((a, b) => (lead.higherIsBetter ? -1 : 1) * (a.scores[lead.id] - b.scores[lead.id]));
    if (ranked.length) {
      const b = ranked[0], base = j.blurredScores[lead.id], d = b.scores[lead.id] - base;
      s.append(el("div", {}, el("h2", {}, "Best by " + lead.name), el("div", {}, b.label + ": " + fmtScore(b.scores[lead.id])),
        el("div", { class: "hint" }, (d >= 0 ? "+" : "") + fmtScore(d) + " against the blurred input (" + fmtScore(base) + ")")));
    }
  }
  if (j.psf) {
    s.append(el("div", { class: "psfbox" }, el("img", { src: j.psf.url, alt: "PSF " + j.psf.spec }),
      el("div", {}, "PSF " + j.psf.spec), el("div", { class: "hint" }, j.psf.width + "×" + j.psf.height + " px, " + j.psf.source)));
  }
  // Show the settings that produced this result in the form, so a rerun starts from them.
  if (j.psf && j.psf.source === "given") $("psf").value = j.psf.spec;
  document.querySelectorAll(".methods input").forEach((b) => { b.checked = j.results.some((r) => r.method === b.value); });
  $("compare").style.maxWidth = Math.min(900, Math.max(400, 2 * j.image.width)) + "px";
  $("slider").style.maxWidth = $("compare").style.maxWidth;
  const vs = views(j);
  for (const sel of [$("leftSel"), $("rightSel")]) { sel.replaceChildren(...vs.map((v) => el("option", { value: v.key }, v.label))); }
  $("leftSel").value = "blurred"; $("rightSel").value = vs.length > 1 ? vs[1].key : "blurred";
  updateCompare();

  const g = $("grid"); g.replaceChildren();
  for (const v of vs) {
    const cap = el("div", { class: "cap" }, el("b", {}, v.label));
    if (v.result) cap.append(el("span", { class: "t" }, fmtSeconds(v.result.seconds)));
    const vp = el("div", { class: "viewport" }, el("img", { src: v.url, alt: v.label }));
    const foot = el("div", { class: "foot" });
    if (v.result) {
      const parts = j.metrics.filter((m) => v.result.scores[m.id] !== undefined).map((m) => m.name + " " + fmtScore(v.result.scores[m.id]));
      foot.textContent = parts.join(" · ");
      if (v.result.clippedValues > 0) foot.append(el("div", { class: "warn" }, "clipped " + v.result.clippedValues + " of " + v.result.totalValues + " values to [0, 1]"));
      foot.append(el("div", { class: "dl" }, el("a", { class: "btn chip", href: v.result.downloadURL, download: "deblur-" + v.key + ".png" }, "⬇ Download PNG")));
    } else if (v.key === "blurred" && Object.keys(j.blurredScores).length) {
      foot.textContent = j.metrics.filter((m) => j.blurredScores[m.id] !== undefined).map((m) => m.name + " " + fmtScore(j.blurredScores[m.id])).join(" · ");
    }
    g.append(el("div", { class: "panel" }, cap, vp, foot));
  }
  setZoom(zoom); syncScroll();
  renderMetrics(j);
}

function updateCompare() {
  if (!current) return;
  const vs = views(current), L = vs.find((v) => v.key === $("leftSel").value), R = vs.find((v) => v.key === $("rightSel").value);
  // The left image is drawn on top and clipped to the slider's position.
  $("cmpBottom").src = R.url; $("cmpTop").src = L.url;
  $("tagLeft").textContent = L.label; $("tagRight").textContent = R.label;
  const p = $("slider").value;
  $("cmpTopWrap").style.clipPath = "inset(0 " + (100 - p) + "% 0 0)"; $("cmpBar").style.left = p + "%";
}
$("slider").addEventListener("input", updateCompare);
$("leftSel").addEventListener("change", updateCompare); $("rightSel").addEventListener("change", updateCompare);
$("compare").addEventListener("pointermove", (e) => {
  if (e.buttons !== 1) return;
  const r = $("compare").getBoundingClientRect(); $("slider").value = Math.round(100 * (e.clientX - r.left) / r.width); updateCompare();
});

function setZoom(z) {
  zoom = z;
  document.querySelectorAll(".zoom").forEach((b) => b.classList.toggle("primary", Number(b.dataset.zoom) === z));
  document.querySelectorAll(".viewport").forEach((vp) => {
    vp.classList.toggle("fit", z === 0); vp.classList.toggle("zoomed", z > 0);
    const img = vp.querySelector("img");
    img.style.width = z === 0 ? "" : (current.image.width * z) + "px";
    img.style.height = z === 0 ? "" : (current.image.height * z) + "px";
  });
}
document.querySelectorAll(".zoom").forEach((b) => b.addEventListener("click", () => setZoom(Number(b.dataset.zoom))));
function syncScroll() {
  const vps = [...document.querySelectorAll(".viewport")]; let busy = false;
  for (const vp of vps) vp.addEventListener("scroll", () => {
    if (busy) return; busy = true;
    for (const o of vps) if (o !== vp) { o.scrollLeft = vp.scrollLeft; o.scrollTop = vp.scrollTop; }
    busy = false;
  });
}

function renderMetrics(j) {
  const box = $("metrics"); box.replaceChildren();
  if (!j.reference) { box.append(el("p", { class: "hint" }, "Upload a sharp reference of the same size to score the restorations.")); return; }
  const head = el("tr", {}, el("th", {}, "Method"));
  j.metrics.forEach((m, i) => head.append(el("th", { title: m.variant }, m.name + " " + (m.higherIsBetter ? "↑" : "↓") + " [" + (i + 1) + "]")));
  head.append(el("th", {}, "Time"), el("th", {}, "Clipped"));
  const rows = [{ label: "Blurred input (baseline)", scores: j.blurredScores, baseline: true }].concat(j.results.map((r) => ({ label: r.label, scores: r.scores, r })));
  const best = {};
  for (const m of j.metrics) {
    const vals = j.results.map((r) => r.scores[m.id]).filter((v) => typeof v === "number");
    if (vals.length) best[m.id] = m.higherIsBetter ? Math.max(...vals) : Math.min(...vals);
  }
  const table = el("table", {}, head);
  for (const row of rows) {
    const tr = el("tr", row.baseline ? { class: "baseline" } : {}, el("td", {}, row.label));
    for (const m of j.metrics) {
      const v = row.scores[m.id];
      tr.append(el("td", !row.baseline && v === best[m.id] ? { class: "best" } : {}, v === undefined ? "—" : fmtScore(v)));
    }
    tr.append(el("td", {}, row.r ? fmtSeconds(row.r.seconds) : "—"),
      el("td", {}, row.r ? (row.r.clippedValues ? (100 * row.r.clippedValues / row.r.totalValues).toFixed(2) + "%" : "0") : "—"));
    table.append(tr);
  }
  box.append(table);
  const ol = el("ol", { class: "variants" });
  for (const m of j.metrics) ol.append(el("li", {}, m.variant));
  box.append(ol, el("p", { class: "hint" }, j.scoredImageNote));
  for (const s of j.skippedMetrics) box.append(el("p", { class: "hint" }, "Not scored — " + s.id + ": " + s.reason));
}

async function loadFromHash() {
  const m = /result=([0-9a-f]{32})/.exec(location.hash);
  if (!m) return;
  const r = await fetch("/results/" + m[1] + "-result.json");
  if (!r.ok) { const j = await r.json().catch(() => null); showError(j && j.error ? j.error.message : "That result is no longer available."); return; }
  render(await r.json());
}
loadMethods().then(loadFromHash);
</script>
</body>
</html>
"""#
