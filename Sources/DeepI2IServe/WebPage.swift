/// The single-page UI served at `/`: self-contained HTML, CSS and JS (no CDN; the server may run
/// offline). The page reports its state in `document.title` ("deepi2i: ...") so a headless browser
/// test can read it from the DOM. `/?demo=1` runs translate and morph on the built-in sample image.
enum WebPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>deepi2i: loading</title>
<style>
 body { font-family: sans-serif; margin: 1.5em; max-width: 70em; }
 fieldset { margin-bottom: 1em; }
 #classes label { display: inline-block; margin-right: 1em; }
 #error { color: #b00; white-space: pre-wrap; }
 img { image-rendering: pixelated; border: 1px solid #ccc; margin-top: .5em; }
</style>
</head>
<body>
<h1>DeepI2I image-to-image translation</h1>
<fieldset>
 <legend>Input</legend>
 <input type="file" id="file" accept="image/png,image/jpeg">
 <button id="use-sample" type="button">use the sample image</button>
 <div><img id="preview" alt="input" hidden></div>
</fieldset>
<fieldset>
 <legend>Translate</legend>
 <div id="classes"></div>
 <label>samples <input id="samples" type="number" min="1" value="2" style="width:4em"></label>
 <label>seed <input id="seed" type="number" min="0" value="0" style="width:6em"></label>
 <label>truncation <input id="truncation" type="number" min="0" max="4" step="0.1" value="1" style="width:4em"></label>
 <button id="translate" type="button">translate</button>
 <div><img id="grid" alt="translation grid" hidden></div>
</fieldset>
<fieldset>
 <legend>Morph (class embedding interpolation at fixed z)</legend>
 <label>from <select id="from"></select></label>
 <label>to <select id="to"></select></label>
 <label>steps <input id="steps" type="number" min="2" value="8" style="width:4em"></label>
 <button id="morph" type="button">morph</button>
 <div><img id="animation" alt="morph animation" hidden></div>
</fieldset>
<p id="status"></p>
<p id="error"></p>
<script>
"use strict";
let inputBlob = null;
const $ = (id) => document.getElementById(id);
function setStatus(text) { $("status").textContent = text; document.title = "deepi2i: " + text; }
function fail(text) { $("error").textContent = text; document.title = "deepi2i: error: " + text; }

async function apiError(response) {
  try { const body = await response.json(); return body.error.message; }
  catch (e) { return "HTTP " + response.status; }
}

async function loadClasses() {
  const response = await fetch("/api/classes");
  const info = await response.json();
  $("samples").max = info.maxSamples;
  $("steps").max = info.maxMorphSteps;
  info.classes.forEach((c, i) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox"; box.value = c.name; box.checked = i < 3;
    label.append(box, " " + c.name);
    $("classes").append(label);
    for (const sel of [$("from"), $("to")]) {
      const option = document.createElement("option");
      option.value = c.name; option.textContent = c.name;
      sel.append(option);
    }
  });
  if (info.classes.length > 1) $("to").selectedIndex = 1;
  return info;
}

function setInput(blob) {
  inputBlob = blob;
  $("preview").src = URL.createObjectURL(blob);
  $("preview").hidden = false;
}

function imageLoaded(img) {
  return new Promise((resolve, reject) => {
    if (img.complete && img.naturalWidth > 0) { resolve(); return; }
    img.onload = () => resolve();
    img.onerror = () => reject(new Error("the result image did not load"));
  });
}

async function translate() {
  if (!inputBlob) { fail("choose an image first"); return false; }
  const classes = [...document.querySelectorAll("#classes input:checked")].map((b) => b.value);
  if (classes.length === 0) { fail("pick at least one class"); return false; }
  const params = new URLSearchParams({ classes: classes.join(","), samples: $("samples").value,
    seed: $("seed").value, truncation: $("truncation").value });
  setStatus("translating");
  const response = await fetch("/api/translate?" + params, { method: "POST", body: inputBlob });
  if (!response.ok) { fail(await apiError(response)); return false; }
  const result = await response.json();
  $("grid").src = "data:image/png;base64," + result.grid;
  $("grid").hidden = false;
  await imageLoaded($("grid"));
  setStatus("translated " + result.classes.length + " classes x " + result.samples + " samples, grid "
    + $("grid").naturalWidth + "x" + $("grid").naturalHeight);
  return true;
}

async function morph() {
  if (!inputBlob) { fail("choose an image first"); return false; }
  const params = new URLSearchParams({ from: $("from").value, to: $("to").value, steps: $("steps").value,
    seed: $("seed").value, truncation: $("truncation").value });
  setStatus("morphing");
  const response = await fetch("/api/morph?" + params, { method: "POST", body: inputBlob });
  if (!response.ok) { fail(await apiError(response)); return false; }
  const blob = await response.blob();
  $("animation").src = URL.createObjectURL(blob);
  $("animation").hidden = false;
  await imageLoaded($("animation"));
  setStatus("morphed, gif " + blob.size + " bytes");
  return true;
}

async function useSample() {
  const response = await fetch("/api/sample.png");
  setInput(await response.blob());
}

$("file").addEventListener("change", () => { if ($("file").files[0]) setInput($("file").files[0]); });
$("use-sample").addEventListener("click", () => useSample().catch((e) => fail(String(e))));
$("translate").addEventListener("click", () => translate().catch((e) => fail(String(e))));
$("morph").addEventListener("click", () => morph().catch((e) => fail(String(e))));

(async () => {
  try {
    await loadClasses();
    setStatus("ready");
    if (new URLSearchParams(location.search).get("demo") === "1") {
      await useSample();
      if (!(await translate())) return;
      const translated = document.title;
      if (!(await morph())) return;
      setStatus("demo ok; " + translated.replace("deepi2i: ", "") + "; " + $("status").textContent);
    }
  } catch (e) { fail(String(e)); }
})();
</script>
</body>
</html>
"""#
}
