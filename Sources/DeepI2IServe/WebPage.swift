/// The single-page UI served at `/`: self-contained HTML, CSS and JS (no CDN, no fonts, no libraries;
/// the server may run offline). Input by upload, drag-and-drop, paste or the model's sample images,
/// previewed as the model sees it (/api/prepare); a searchable class picker for hundreds of classes
/// (hidden for a model with one target domain); a labelled gallery with a lightbox and a zip of all
/// results (written in the browser, store-only); morph as animation and strip.
/// The page reports its state in `document.title` ("deepi2i: ...") and exposes `window.deepi2i`
/// (`ready`, `pending`, `zipResults()`) so headless-browser tests can drive it through the DOM.
/// `/?demo=1` translates and morphs the first sample image.
enum WebPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>deepi2i: loading</title>
<style>
 :root { --fg: #1d2330; --muted: #5b6475; --line: #d9dde5; --bg: #f5f6f8; --card: #fff; --accent: #2f5bd3;
         --accent-soft: #e6ecfb; --bad: #a3141c; --bad-soft: #fde9ea; --tile: 112px; }
 * { box-sizing: border-box; }
 body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
        background: var(--bg); margin: 0; }
 header { padding: .8rem 1.2rem; background: var(--card); border-bottom: 1px solid var(--line); }
 header h1 { font-size: 1.25rem; margin: 0; }
 header p { margin: .15rem 0 0; color: var(--muted); font-size: .9rem; }
 main { display: grid; grid-template-columns: minmax(18rem, 24rem) 1fr; gap: 1rem; padding: 1rem 1.2rem;
        max-width: 90rem; margin: 0 auto; align-items: start; }
 .column { display: grid; gap: 1rem; min-width: 0; }
 section { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: .9rem 1rem; min-width: 0; }
 section h2 { font-size: 1rem; margin: 0 0 .6rem; }
 button, .button { font: inherit; padding: .35rem .75rem; border: 1px solid var(--line); border-radius: 6px;
        background: #fff; color: var(--fg); cursor: pointer; text-decoration: none; display: inline-block; }
 button:hover, .button:hover { border-color: var(--accent); }
 button.primary { background: var(--accent); color: #fff; border-color: var(--accent); font-weight: 600; }
 button:disabled { opacity: .5; cursor: default; }
 input[type=number] { width: 5em; }
 input, select { font: inherit; padding: .3rem .4rem; border: 1px solid var(--line); border-radius: 6px; max-width: 100%; }
 .row { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0; }
 .muted { color: var(--muted); font-size: .88rem; }
 #drop { border: 2px dashed var(--line); border-radius: 10px; padding: 1rem; text-align: center; }
 #drop.over { border-color: var(--accent); background: var(--accent-soft); }
 #file { position: absolute; width: 1px; height: 1px; opacity: 0; }
 #samples-list { display: flex; gap: .4rem; overflow-x: auto; padding-bottom: .3rem; }
 #samples-list button { padding: 2px; display: grid; justify-items: center; font-size: .75rem; min-width: 64px; }
 #samples-list img { width: 56px; height: 56px; object-fit: cover; border-radius: 4px; }
 #samples-list button.chosen { border-color: var(--accent); background: var(--accent-soft); }
 #preview-box { display: flex; gap: .8rem; align-items: center; margin-top: .6rem; }
 #preview { width: 128px; height: 128px; border-radius: 6px; border: 1px solid var(--line); background: #eee; }
 img.pixels { image-rendering: pixelated; }
 #class-search { width: 100%; }
 #class-list { max-height: 16rem; overflow-y: auto; border: 1px solid var(--line); border-radius: 6px; padding: .25rem; }
 #class-list label { display: flex; gap: .4rem; align-items: center; padding: .1rem .35rem; border-radius: 4px; cursor: pointer; }
 #class-list label:hover { background: var(--accent-soft); }
 #class-list .index { color: var(--muted); font-size: .78rem; margin-left: auto; }
 #chips { display: flex; flex-wrap: wrap; gap: .3rem; margin: .4rem 0; max-height: 8rem; overflow-y: auto; }
 .chip { display: inline-flex; align-items: center; gap: .2rem; background: var(--accent-soft); border-radius: 999px;
         padding: .05rem .2rem .05rem .6rem; font-size: .85rem; }
 .chip button { border: 0; background: transparent; padding: 0 .35rem; font-size: 1rem; line-height: 1; }
 #error { display: none; background: var(--bad-soft); color: var(--bad); border: 1px solid #f3b5b9; border-radius: 8px;
          padding: .6rem .8rem; margin: 0; white-space: pre-wrap; }
 #error.shown { display: block; }
 #progress-box { display: none; gap: .6rem; align-items: center; }
 #progress-box.shown { display: flex; }
 #progress { flex: 1; height: .8rem; }
 #gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(var(--tile), 1fr)); gap: .6rem; }
 #gallery figure { margin: 0; background: var(--bg); border-radius: 8px; padding: .35rem; position: relative; }
 #gallery img { width: 100%; aspect-ratio: 1; border-radius: 4px; cursor: zoom-in; display: block; }
 #gallery figcaption { font-size: .8rem; line-height: 1.25; margin-top: .25rem; overflow-wrap: anywhere; padding-right: 1.4rem; }
 #gallery figcaption b { display: block; }
 #gallery a.save { position: absolute; right: .35rem; bottom: .35rem; text-decoration: none; font-size: 1rem; }
 #morph-result { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
 #animation { width: 160px; height: 160px; border-radius: 6px; }
 #strip-box { overflow-x: auto; max-width: 100%; }
 #strip { height: 96px; }
 dialog { border: 0; border-radius: 10px; padding: 1rem; max-width: 96vw; }
 dialog::backdrop { background: rgba(0, 0, 0, .6); }
 #lightbox img { width: min(80vw, 70vh, 512px); height: auto; aspect-ratio: 1; display: block; }
 [hidden] { display: none !important; }
 @media (max-width: 820px) {
   main { grid-template-columns: 1fr; padding: .6rem; gap: .6rem; }
   header { padding: .6rem; }
   :root { --tile: 96px; }
 }
</style>
</head>
<body>
<header>
 <h1>DeepI2I image-to-image translation</h1>
 <p id="model-info">loading the model's description</p>
</header>
<main>
 <div class="column">
  <section id="input-panel" aria-labelledby="input-title">
   <h2 id="input-title">1. Input image</h2>
   <div id="drop">
    <div>Drop an image here, paste it (Ctrl/Cmd+V), or</div>
    <div class="row" style="justify-content:center">
     <label class="button" for="file">choose a file</label>
     <input type="file" id="file" accept="image/png,image/jpeg">
    </div>
   </div>
   <div id="samples-box">
    <div class="muted" style="margin-top:.6rem">or pick a sample image:</div>
    <div id="samples-list"></div>
   </div>
   <div id="preview-box" hidden>
    <img id="preview" class="pixels" alt="the input as the model sees it">
    <div id="preview-caption" class="muted"></div>
   </div>
  </section>
  <section id="classes-panel" aria-labelledby="classes-title">
   <h2 id="classes-title">2. Target classes</h2>
   <input id="class-search" type="search" placeholder="search classes" autocomplete="off" aria-controls="class-list">
   <div class="row">
    <button id="select-all" type="button" title="select every class that matches the search">all</button>
    <button id="select-none" type="button">none</button>
    <span>random <input id="random-n" type="number" min="1" value="4" aria-label="how many random classes"></span>
    <button id="pick-random" type="button">pick</button>
   </div>
   <div id="class-count" class="muted"></div>
   <div id="chips" aria-label="chosen classes"></div>
   <div id="class-list" role="group" aria-label="classes"></div>
  </section>
 </div>
 <div class="column">
  <section id="translate-panel" aria-labelledby="translate-title">
   <h2 id="translate-title">3. Translate</h2>
   <div class="row">
    <label>samples <input id="samples" type="number" min="1" value="2"></label>
    <label>seed <input id="seed" type="number" min="0" value="0"></label>
    <label>truncation <input id="truncation" type="number" min="0" max="4" step="0.1" value="1"></label>
    <button id="translate" type="button" class="primary">translate</button>
   </div>
   <div id="progress-box"><progress id="progress"></progress></div>
   <p id="status" class="muted" role="status" aria-live="polite"></p>
   <p id="error" role="alert"></p>
   <div class="row" id="gallery-bar" hidden>
    <span id="gallery-title" class="muted"></span>
    <button id="download-all" type="button">download all (.zip)</button>
   </div>
   <div id="gallery"></div>
  </section>
  <section id="morph-panel" aria-labelledby="morph-title">
   <h2 id="morph-title">4. Morph between classes</h2>
   <div class="row">
    <label>from <select id="from"></select></label>
    <label>via <input id="via" type="text" placeholder="optional: a, b" size="10" title="classes to pass through, comma-separated"></label>
    <label>to <select id="to"></select></label>
    <label>steps <input id="steps" type="number" min="2" value="8"></label>
    <button id="morph" type="button" class="primary">morph</button>
   </div>
   <div id="morph-result" hidden>
    <figure style="margin:0"><img id="animation" class="pixels" alt="morph animation"><figcaption class="muted">
     animation · <a id="save-gif" download>save .gif</a></figcaption></figure>
    <figure id="strip-box" style="margin:0"><img id="strip" class="pixels" alt="morph strip: every frame">
     <figcaption class="muted">every frame, left to right · <a id="save-strip" download>save .png</a></figcaption></figure>
   </div>
  </section>
 </div>
</main>
<dialog id="lightbox">
 <img id="lightbox-image" class="pixels" alt="">
 <div class="row"><span id="lightbox-caption"></span>
  <span style="margin-left:auto"></span>
  <button id="lightbox-prev" type="button" aria-label="previous">&larr;</button>
  <button id="lightbox-next" type="button" aria-label="next">&rarr;</button>
  <a id="lightbox-save" class="button" download>download</a>
  <button id="lightbox-close" type="button">close</button></div>
</dialog>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const app = { info: null, classes: [], chosen: new Set(), input: null, inputName: "input", results: [],
              busy: false, pending: Promise.resolve(true), lightboxIndex: 0 };

// ---- status, progress and errors ----
function setStatus(text) { $("status").textContent = text; document.title = "deepi2i: " + text; }
// fraction null: indeterminate. While shown, the status counts the seconds the server has worked.
function showProgress(fraction, text) {
  $("progress-box").classList.add("shown");
  if (fraction === null) $("progress").removeAttribute("value"); else $("progress").value = fraction;
  setStatus(text);
  clearInterval(app.timer);
  const since = Date.now();
  app.timer = setInterval(() => { $("status").textContent = text + " \u00b7 " + Math.round((Date.now() - since) / 1000) + " s"; }, 1000);
}
function hideProgress() { clearInterval(app.timer); $("progress-box").classList.remove("shown"); }
function clearError() { $("error").textContent = ""; $("error").classList.remove("shown"); }
function fail(text) {
  $("error").textContent = text; $("error").classList.add("shown");
  hideProgress();
  document.title = "deepi2i: error: " + text;
}
const ERROR_WORDS = {
  "upload-too-large": "That file is too large to upload.",
  "image-too-large": "That image has too many pixels to process.",
  "not-an-image": "That file is not an image the server can read (PNG or JPEG).",
  "truncated": "That image file is cut short.",
  "corrupt": "That image file is damaged.",
  "unsupported": "That image format is not supported.",
  "zero-byte": "That file is empty.",
  "empty-body": "No image was sent.",
  "busy": "The server is busy with other requests; try again in a moment.",
  "unknown-class": "A class name is not known to this model.",
  "too-many-classes": "Too many classes for one request.",
  "bad-parameter": "A setting is out of range.",
  "bad-multipart": "The upload was malformed.",
};
class APIFailure extends Error {}
async function apiError(response) {
  let code = "", message = "";
  try { const body = await response.json(); code = body.error.code; message = body.error.message; } catch (e) {}
  const words = ERROR_WORDS[code] || (response.status >= 500 ? "The server could not do that." : "The request was refused.");
  return new APIFailure(words + (message ? " " + message[0].toUpperCase() + message.slice(1) + "." : " (HTTP " + response.status + ")"));
}
async function call(url, options) {
  let response;
  try { response = await fetch(url, options); }
  catch (e) { throw new APIFailure("Could not reach the server (is deepi2i serve still running?)."); }
  if (!response.ok) throw await apiError(response);
  return response;
}
// Runs one user action at a time; its promise is app.pending (tests await it).
function act(action) {
  if (app.busy) return app.pending;
  app.busy = true;
  for (const b of document.querySelectorAll("button.primary")) b.disabled = true;
  app.pending = (async () => {
    try { return await action(); }
    catch (e) { fail(e instanceof APIFailure ? e.message : "Something went wrong in the page: " + e); return false; }
    finally { app.busy = false; for (const b of document.querySelectorAll("button.primary")) b.disabled = false; }
  })();
  return app.pending;
}
function b64(bytes) { return "data:image/png;base64," + bytes; }
function bytesOf(base64) { const s = atob(base64); const a = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; }
function imageLoaded(img) {
  return new Promise((resolve, reject) => {
    if (img.complete && img.naturalWidth > 0) { resolve(); return; }
    img.onload = () => resolve(); img.onerror = () => reject(new Error("an image did not load"));
  });
}

// ---- input: upload, drop, paste, samples; preview as the model sees it ----
async function setInput(blob, name) {
  clearError();
  showProgress(null, "reading " + name);
  const prepared = await (await call("/api/prepare", { method: "POST", body: blob })).json();
  app.input = blob;
  app.inputName = name;
  $("preview").src = b64(prepared.image);
  await imageLoaded($("preview"));
  const side = prepared.resolution + "\u00d7" + prepared.resolution;
  $("preview-caption").textContent = name + ": as the model sees it, " + side + (prepared.width === prepared.resolution
    && prepared.height === prepared.resolution ? " as uploaded" : (prepared.width === prepared.height ? ", resized" : ", centre-cropped")
    + " from " + prepared.width + "\u00d7" + prepared.height);
  $("preview-box").hidden = false;
  hideProgress();
  setStatus("input " + name + " " + prepared.width + "x" + prepared.height);
  return true;
}
function firstImage(files) { return [...(files || [])].find((f) => f.type.startsWith("image/")) || (files && files[0]); }
$("file").addEventListener("change", () => { const f = $("file").files[0]; if (f) act(() => setInput(f, f.name)); $("file").value = ""; });
$("drop").addEventListener("dragover", (e) => { e.preventDefault(); $("drop").classList.add("over"); });
$("drop").addEventListener("dragleave", () => $("drop").classList.remove("over"));
$("drop").addEventListener("drop", (e) => {
  e.preventDefault(); $("drop").classList.remove("over");
  const f = firstImage(e.dataTransfer && e.dataTransfer.files);
  if (f) act(() => setInput(f, f.name || "dropped image")); else fail("Drop an image file (PNG or JPEG).");
});
document.addEventListener("paste", (e) => {
  const f = firstImage(e.clipboardData && e.clipboardData.files);
  if (f) { e.preventDefault(); act(() => setInput(f, "pasted image")); }
});
function stem(name) { return name.replace(/\.[^.]*$/, "").replace(/[^A-Za-z0-9_-]+/g, "-") || "input"; }
async function pickSample(url, name, button) {
  const blob = await (await call(url)).blob();
  const ok = await setInput(blob, name);
  for (const b of document.querySelectorAll("#samples-list button")) b.classList.toggle("chosen", b === button);
  return ok;
}
async function loadSamples() {
  const list = (await (await call("/api/samples")).json()).samples
    .concat([{ name: "synthetic test image", url: "/api/sample.png" }]);
  for (const s of list) {
    const button = document.createElement("button");
    button.type = "button"; button.title = s.name; button.dataset.url = s.url;
    const img = document.createElement("img"); img.src = s.url; img.alt = "";
    const label = document.createElement("span"); label.textContent = s.name.length > 12 ? s.name.slice(0, 11) + "\u2026" : s.name;
    button.append(img, label);
    button.addEventListener("click", () => act(() => pickSample(s.url, s.name, button)));
    $("samples-list").append(button);
  }
}

// ---- class picker: search, all/none/random, chips ----
function visibleBoxes() { return [...document.querySelectorAll("#class-list label:not([hidden]) input")]; }
function renderChosen() {
  for (const box of document.querySelectorAll("#class-list input")) box.checked = app.chosen.has(Number(box.value));
  $("chips").replaceChildren(...[...app.chosen].sort((a, b) => a - b).map((i) => {
    const chip = document.createElement("span"); chip.className = "chip"; chip.textContent = app.classes[i].name;
    const remove = document.createElement("button"); remove.type = "button"; remove.textContent = "\u00d7";
    remove.setAttribute("aria-label", "remove " + app.classes[i].name);
    remove.addEventListener("click", () => { app.chosen.delete(i); renderChosen(); });
    chip.append(remove);
    return chip;
  }));
  const n = app.chosen.size, per = app.info.maxClasses;
  $("class-count").textContent = n + " of " + app.classes.length + " chosen"
    + (n > per ? " (sent as " + Math.ceil(n / per) + " requests of up to " + per + ")" : "");
}
function filterClasses() {
  const terms = $("class-search").value.toLowerCase().split(/\s+/).filter(Boolean);
  for (const label of document.querySelectorAll("#class-list label"))
    label.hidden = !terms.every((t) => label.dataset.name.includes(t));
}
function buildPicker() {
  $("class-search").placeholder = "search " + app.classes.length + " classes";
  $("class-list").replaceChildren(...app.classes.map((c) => {
    const label = document.createElement("label"); label.dataset.name = c.name.toLowerCase();
    const box = document.createElement("input"); box.type = "checkbox"; box.value = c.index;
    box.addEventListener("change", () => { if (box.checked) app.chosen.add(c.index); else app.chosen.delete(c.index); renderChosen(); });
    const index = document.createElement("span"); index.className = "index"; index.textContent = c.index;
    label.append(box, c.name, index);
    return label;
  }));
  $("class-search").addEventListener("input", filterClasses);
  $("class-search").addEventListener("keydown", (e) => { // Enter picks the first match
    if (e.key !== "Enter") return;
    const first = visibleBoxes()[0];
    if (first) { app.chosen.add(Number(first.value)); $("class-search").value = ""; filterClasses(); renderChosen(); }
  });
  $("select-all").addEventListener("click", () => { for (const b of visibleBoxes()) app.chosen.add(Number(b.value)); renderChosen(); });
  $("select-none").addEventListener("click", () => { app.chosen.clear(); renderChosen(); });
  $("pick-random").addEventListener("click", () => {
    const pool = visibleBoxes().map((b) => Number(b.value));
    const n = Math.max(1, Math.min(pool.length, Number($("random-n").value) || 1));
    for (let i = pool.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [pool[i], pool[j]] = [pool[j], pool[i]]; }
    app.chosen = new Set(pool.slice(0, n)); renderChosen();
  });
  for (const sel of [$("from"), $("to")])
    for (const c of app.classes) { const o = document.createElement("option"); o.value = c.index; o.textContent = c.name; sel.append(o); }
  if (app.classes.length > 1) $("to").selectedIndex = 1;
}

// ---- translate: chunks of maxClasses, a labelled gallery, lightbox, zip ----
async function translate() {
  if (!app.input) throw new APIFailure("Choose an input image first.");
  const single = app.classes.length <= 1;
  const chosen = single ? [0] : [...app.chosen].sort((a, b) => a - b);
  if (chosen.length === 0) throw new APIFailure("Pick at least one target class.");
  clearError();
  const samples = Number($("samples").value), per = app.info.maxClasses, total = chosen.length * samples;
  const results = [];
  app.results = results; renderGallery();
  const started = Date.now();
  for (let k = 0; k < chosen.length; k += per) {
    const part = chosen.slice(k, k + per);
    showProgress(chosen.length > per ? results.length / total : null, "translating: " + results.length + " of " + total + " images");
    const params = new URLSearchParams({ classes: part.join(","), samples: samples,
      seed: $("seed").value, truncation: $("truncation").value });
    const out = await (await call("/api/translate?" + params, { method: "POST", body: app.input })).json();
    for (let c = 0; c < out.classes.length; c++)
      for (let s = 0; s < out.samples; s++)
        results.push({ className: out.classes[c], sample: s, png: out.images[s][c] });
    renderGallery();
  }
  hideProgress();
  await Promise.all([...document.querySelectorAll("#gallery img")].map(imageLoaded));
  setStatus("translated " + chosen.length + " classes x " + samples + " samples: " + results.length + " images in "
    + ((Date.now() - started) / 1000).toFixed(1) + " s");
  return true;
}
function fileName(r) { return stem(app.inputName) + "_" + r.className.replace(/[^A-Za-z0-9_-]+/g, "-") + "_" + r.sample + ".png"; }
function renderGallery() {
  $("gallery").replaceChildren(...app.results.map((r, i) => {
    const figure = document.createElement("figure");
    const img = document.createElement("img"); img.className = "pixels"; img.src = b64(r.png);
    img.alt = r.className + ", sample " + (r.sample + 1);
    img.tabIndex = 0;
    img.addEventListener("click", () => openLightbox(i));
    img.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openLightbox(i); } });
    const caption = document.createElement("figcaption");
    const name = document.createElement("b"); name.textContent = r.className;
    caption.append(name, "sample " + (r.sample + 1));
    const save = document.createElement("a"); save.className = "save"; save.href = img.src; save.download = fileName(r);
    save.textContent = "\u2913"; save.title = "download " + fileName(r);
    figure.append(img, caption, save);
    return figure;
  }));
  $("gallery-bar").hidden = app.results.length === 0;
  $("gallery-title").textContent = app.results.length + " images";
}
function openLightbox(i) {
  const n = app.results.length; app.lightboxIndex = ((i % n) + n) % n;
  const r = app.results[app.lightboxIndex];
  $("lightbox-image").src = b64(r.png); $("lightbox-image").alt = r.className + ", sample " + (r.sample + 1);
  $("lightbox-caption").textContent = r.className + " \u00b7 sample " + (r.sample + 1) + "  (" + (app.lightboxIndex + 1) + "/" + n + ")";
  $("lightbox-save").href = b64(r.png); $("lightbox-save").download = fileName(r);
  if (!$("lightbox").open) $("lightbox").showModal();
}
$("lightbox-close").addEventListener("click", () => $("lightbox").close());
$("lightbox-prev").addEventListener("click", () => openLightbox(app.lightboxIndex - 1));
$("lightbox-next").addEventListener("click", () => openLightbox(app.lightboxIndex + 1));
$("lightbox").addEventListener("click", (e) => { if (e.target === $("lightbox")) $("lightbox").close(); });
document.addEventListener("keydown", (e) => {
  if (!$("lightbox").open) return;
  if (e.key === "ArrowLeft") openLightbox(app.lightboxIndex - 1);
  if (e.key === "ArrowRight") openLightbox(app.lightboxIndex + 1);
});

// A store-only (uncompressed) zip: PNGs do not compress further, so this is all a download needs.
const CRC_TABLE = (() => { const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1; t[n] = c >>> 0; }
  return t; })();
function crc32(bytes) { let c = 0xFFFFFFFF; for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xFF] ^ (c >>> 8); return (c ^ 0xFFFFFFFF) >>> 0; }
function zipStore(files) {
  const utf8 = new TextEncoder(), parts = [], central = [];
  let offset = 0, centralSize = 0;
  for (const f of files) {
    const name = utf8.encode(f.name), crc = crc32(f.bytes), size = f.bytes.length;
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true); local.setUint16(4, 20, true); local.setUint16(6, 0x0800, true);
    local.setUint16(12, 0x21, true); local.setUint32(14, crc, true); local.setUint32(18, size, true);
    local.setUint32(22, size, true); local.setUint16(26, name.length, true);
    parts.push(local, name, f.bytes);
    const entry = new DataView(new ArrayBuffer(46));
    entry.setUint32(0, 0x02014b50, true); entry.setUint16(4, 20, true); entry.setUint16(6, 20, true);
    entry.setUint16(8, 0x0800, true); entry.setUint16(14, 0x21, true); entry.setUint32(16, crc, true);
    entry.setUint32(20, size, true); entry.setUint32(24, size, true); entry.setUint16(28, name.length, true);
    entry.setUint32(42, offset, true);
    central.push(entry, name);
    offset += 30 + name.length + size; centralSize += 46 + name.length;
  }
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true); end.setUint16(8, files.length, true); end.setUint16(10, files.length, true);
  end.setUint32(12, centralSize, true); end.setUint32(16, offset, true);
  return new Blob([...parts, ...central, end], { type: "application/zip" });
}
function zipResults() { return zipStore(app.results.map((r) => ({ name: fileName(r), bytes: bytesOf(r.png) }))); }
function saveBlob(blob, name) {
  const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = name;
  document.body.append(a); a.click(); a.remove(); setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
$("download-all").addEventListener("click", () => saveBlob(zipResults(), stem(app.inputName) + "_translations.zip"));

// ---- morph: animation and strip from one request ----
async function morph() {
  if (!app.input) throw new APIFailure("Choose an input image first.");
  clearError();
  showProgress(null, "morphing");
  const params = new URLSearchParams({ from: $("from").value, to: $("to").value, via: $("via").value.trim(), steps: $("steps").value,
    seed: $("seed").value, truncation: $("truncation").value, format: "json" });
  const out = await (await call("/api/morph?" + params, { method: "POST", body: app.input })).json();
  const base = stem(app.inputName) + "_" + out.classes.join("-").replace(/[^A-Za-z0-9_-]+/g, "-");
  $("animation").src = "data:image/gif;base64," + out.gif; $("save-gif").href = $("animation").src; $("save-gif").download = base + ".gif";
  $("strip").src = b64(out.strip); $("save-strip").href = $("strip").src; $("save-strip").download = base + ".png";
  $("morph-result").hidden = false;
  await Promise.all([imageLoaded($("animation")), imageLoaded($("strip"))]);
  hideProgress();
  setStatus("morphed " + out.classes.join(" to ") + ": " + out.frames + " frames, strip " + $("strip").naturalWidth + "x" + $("strip").naturalHeight);
  return true;
}
$("translate").addEventListener("click", () => act(translate));
$("morph").addEventListener("click", () => act(morph));

// ---- start ----
async function start() {
  app.info = await (await call("/api/classes")).json();
  app.classes = app.info.classes;
  const single = app.classes.length <= 1;
  $("model-info").textContent = app.info.resolution + "\u00d7" + app.info.resolution + " model, "
    + (single ? "one target domain" : app.classes.length + " classes") + "; up to " + app.info.maxSamples + " samples";
  $("samples").max = app.info.maxSamples; $("steps").max = app.info.maxMorphSteps;
  // One target domain (e.g. a StyleGAN model): nothing to pick and nothing to morph between.
  $("classes-panel").hidden = single; $("morph-panel").hidden = app.classes.length < 2;
  $("translate-title").textContent = single ? "2. Translate" : "3. Translate";
  $("morph-title").textContent = "4. Morph between classes";
  buildPicker();
  app.chosen = new Set(app.classes.slice(0, Math.min(4, app.classes.length)).map((c) => c.index));
  renderChosen();
  await loadSamples();
  setStatus("ready");
  return true;
}
const ready = act(start);
window.deepi2i = { ready, get pending() { return app.pending; }, zipResults };
ready.then(async (ok) => {
  if (!ok || new URLSearchParams(location.search).get("demo") !== "1") return;
  const first = document.querySelector("#samples-list button");
  if (!(await act(() => pickSample(first.dataset.url, first.title, first)))) return;
  if (!(await act(translate))) return;
  const translated = document.title.replace("deepi2i: ", "");
  if (app.classes.length > 1 && !(await act(morph))) return;
  setStatus("demo ok; " + translated + "; " + (app.classes.length > 1 ? $("status").textContent : "no morph"));
});
</script>
</body>
</html>
"""#
}
