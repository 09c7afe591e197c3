import DeepI2I
import DeepI2IServe
import Foundation
import Hummingbird
import ImageIO
import TestSupport
import XCTest

/// The web page in headless Chromium. The page writes its state into document.title and the DOM,
/// which `--dump-dom` prints; interactions are driven by a same-origin test page that loads `/` in an
/// iframe, clicks and types through the DOM and writes a JSON report. Skipped only when no chromium
/// binary is installed.
final class WebPageTests: XCTestCase {
    /// Where the screenshots for a person to look at are written.
    static let screenshotFolder = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-page-screenshots")

    /// `/?demo=1` on the 5-class test model: picks the sample image, translates 4 classes x 2 samples
    /// and morphs; everything is shown.
    func testDemoRunsInHeadlessChromium() async throws {
        let server = try await ServerHarness.start()
        defer { server.stop() }
        let dom = try await Self.dumpDOM(server.url("/?demo=1"))
        let title = Self.title(dom)
        XCTAssertTrue(title.hasPrefix("deepi2i: demo ok"), "page title: \(title)")
        XCTAssertTrue(title.contains("translated 4 classes x 2 samples: 8 images"), title)
        XCTAssertTrue(title.contains("morphed bear to bird: 8 frames, strip 274x36"), title)
        XCTAssertEqual(dom.components(separatedBy: "<figure>").count - 1, 8, "gallery figures")
        XCTAssertTrue(dom.contains("<b>bear</b>sample 1"), "labelled gallery")
        XCTAssertTrue(dom.contains("id=\"animation\" class=\"pixels\" alt=\"morph animation\" src=\"data:image/gif;base64,"), "animation not shown")
    }

    /// A 149-class model (the paper's Animal faces count): search narrows the list, all/none/random/
    /// chips/Enter pick classes, the sample image translates into the expected labelled results (18
    /// classes: two requests of at most 16), the lightbox and the zip work, morph shows both forms,
    /// and an oversized drop, a non-image upload and a paste give the right words.
    func testPickerTranslationAndErrorsWith149Classes() async throws {
        let chromium = try Self.chromium()
        let fixture = try PageFixture(classCount: 149)
        defer { fixture.remove() }
        var options = fixture.options
        options.maxUploadBytes = 40_000
        let server = try await ServerHarness.start(options: options, translator: fixture.translator) { router in
            router.get("/test/driver") { _, _ in
                Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                         body: ResponseBody(byteBuffer: ByteBuffer(string: Self.driverPage)))
            }
        }
        defer { server.stop() }
        let dom = try await Self.dumpDOM(server.url("/test/driver"), chromium: chromium, budget: 90_000)
        XCTAssertEqual(Self.title(dom), "driver: done", String(dom.suffix(2000)))
        let report = try Self.report(dom)
        let names = fixture.names

        // Search narrows the list (case-insensitive substring, every word must match).
        XCTAssertEqual(report["total"] as? Int, 149)
        let searches = report["search"] as? [String: Int] ?? [:]
        for query in Self.queries {
            let terms = query.lowercased().split(separator: " ")
            let expected = names.filter { name in terms.allSatisfy { name.lowercased().contains($0) } }.count
            XCTAssertEqual(searches[query], expected, "search '\(query)'")
        }
        XCTAssertLessThan(searches["tiger"] ?? 149, 149)
        XCTAssertEqual(searches["zebra"], 0)
        let tigers = names.filter { $0.contains("tiger") }.count
        XCTAssertEqual(report["tigerChips"] as? Int, tigers, "select all selects the matching classes")
        XCTAssertEqual(report["afterRemove"] as? Int, tigers - 1, "a chip's x removes it")
        XCTAssertEqual(report["afterEnter"] as? [String], ["husky_4"], "Enter picks the first match")
        XCTAssertEqual(report["visibleAfterEnter"] as? Int, 149, "Enter clears the search")

        // The sample image, previewed at the model resolution, translated into 18 x 2 labelled results.
        XCTAssertEqual(report["sample"] as? Bool, true)
        XCTAssertEqual(report["previewSize"] as? [Int], [32, 32])
        XCTAssertEqual(report["previewCaption"] as? String, "owl.png: as the model sees it, 32\u{d7}32, resized from 48\u{d7}48")
        let chosen = report["chosen"] as? [String] ?? []
        XCTAssertEqual(chosen.count, 18)
        XCTAssertTrue(Set(chosen).isSubset(of: names))
        XCTAssertEqual(report["translated"] as? Bool, true, "\(report["title"] ?? "")")
        let labels = report["labels"] as? [String] ?? []
        XCTAssertEqual(labels.count, 36)
        XCTAssertEqual(Set(labels), Set(chosen.flatMap { name in ["\(name)sample 1", "\(name)sample 2"] }))
        XCTAssertEqual(report["images"] as? Int, 36, "every result image decoded at 32 px")
        XCTAssertTrue((report["title"] as? String ?? "").contains("translated 18 classes x 2 samples: 36 images"))

        // Click to enlarge, step to the next one; download all as a zip that unzip accepts.
        let lightbox = report["lightbox"] as? [String: Any] ?? [:]
        XCTAssertEqual(lightbox["open"] as? Bool, true)
        XCTAssertEqual(lightbox["same"] as? Bool, true)
        XCTAssertTrue((lightbox["caption"] as? String ?? "").hasSuffix("(4/36)"), "\(lightbox)")
        XCTAssertTrue((report["lightboxNext"] as? String ?? "").hasSuffix("(5/36)"))
        try Self.checkZip(report["zip"] as? String ?? "",
                          expectedNames: Set(chosen.flatMap { name in ["owl_\(name)_0.png", "owl_\(name)_1.png"] }))

        XCTAssertEqual(report["morphed"] as? Bool, true)
        XCTAssertTrue((report["morphTitle"] as? String ?? "").contains("8 frames, strip 274x36"), "\(report["morphTitle"] ?? "")")
        XCTAssertEqual(report["gif"] as? Bool, true)
        // Two legs of 8 steps share their joining frame: 15 frames.
        XCTAssertEqual(report["morphedVia"] as? Bool, true)
        XCTAssertTrue((report["morphViaTitle"] as? String ?? "").contains("morphed fox_0 to tiger_2 to wolf_1: 15 frames, strip 512x36"),
                      "\(report["morphViaTitle"] ?? "")")
        XCTAssertEqual(report["busyError"] as? String,
                       "The server is busy with other requests; try again in a moment. Too many requests are waiting for the model; retry shortly.")
        XCTAssertTrue((report["offlineError"] as? String ?? "").hasPrefix("Could not reach the server"))

        // Errors in words; the previous input is kept.
        XCTAssertGreaterThan(report["bigBytes"] as? Int ?? 0, 40_000)
        XCTAssertEqual(report["bigResult"] as? Bool, false)
        let bigError = report["bigError"] as? String ?? ""
        XCTAssertTrue(bigError.contains("That file is too large to upload.") && bigError.contains("40000 bytes"), bigError)
        XCTAssertEqual(report["errorShown"] as? Bool, true)
        XCTAssertTrue((report["previewAfter"] as? String ?? "").hasPrefix("owl.png"))
        XCTAssertTrue((report["textError"] as? String ?? "").hasPrefix("That file is not an image the server can read"),
                      "\(report["textError"] ?? "")")
        XCTAssertEqual(report["pasted"] as? Bool, true)
        XCTAssertTrue((report["pasteCaption"] as? String ?? "").hasPrefix("pasted image: as the model sees it, 32\u{d7}32, resized from 40\u{d7}40"))
        XCTAssertEqual(report["errorAfterPaste"] as? Bool, false)
    }

    /// Screenshots of the demo at laptop and phone widths, for a person to look at: written to
    /// `$TMPDIR/deepi2i-page-screenshots/page-1280.png` and `page-390.png`. At both widths the page
    /// needs no sideways scrolling (wide content scrolls inside its own box).
    func testScreenshotsAtLaptopAndPhoneWidths() async throws {
        let chromium = try Self.chromium()
        let fixture = try PageFixture(classCount: 149)
        defer { fixture.remove() }
        let server = try await ServerHarness.start(options: fixture.options, translator: fixture.translator) { router in
            router.get("/test/layout") { request, _ in
                let width = request.uri.queryParameters["width"].map(String.init) ?? "390"
                return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: Self.layoutPage(width: width))))
            }
        }
        defer { server.stop() }
        for width in [390, 1280] {
            let dom = try await Self.dumpDOM(server.url("/test/layout?width=\(width)"), chromium: chromium, budget: 60_000)
            let report = try Self.report(dom)
            XCTAssertTrue((report["title"] as? String ?? "").hasPrefix("deepi2i: demo ok"), "\(report)")
            // The frame's vertical scrollbar takes up to ~15 px of the width.
            let client = report["clientWidth"] as? Int ?? 0
            XCTAssertTrue((width - 20...width).contains(client), "client width \(client)")
            XCTAssertEqual(report["scrollWidth"] as? Int, client, "the page scrolls sideways at \(width) px")
            XCTAssertEqual(report["overflowing"] as? [String], [], "elements wider than the window at \(width) px")
        }
        try FileManager.default.createDirectory(at: Self.screenshotFolder, withIntermediateDirectories: true)
        for (width, height) in [(1280, 1000), (390, 2400)] {
            let file = Self.screenshotFolder.appendingPathComponent("page-\(width).png")
            try? FileManager.default.removeItem(at: file)
            _ = try await Self.runChromium(chromium, server.url("/?demo=1"), budget: 30_000,
                                           extra: ["--hide-scrollbars", "--window-size=\(width),\(height)", "--screenshot=\(file.path)"])
            let shot = try ImageDecoder.decode(Array(Data(contentsOf: file))).toRGB()
            XCTAssertEqual([shot.width, shot.height], [width, height])
            // Not a blank page: the results make many distinct colours.
            let colours = Set(stride(from: 0, to: shot.pixels.count, by: 3 * 7).map {
                Int(shot.pixels[$0]) << 16 | Int(shot.pixels[$0 + 1]) << 8 | Int(shot.pixels[$0 + 2])
            })
            XCTAssertGreaterThan(colours.count, 500, "screenshot \(file.path) looks blank")
            print("page screenshot: \(file.path)")
        }
    }

    /// A model with one target domain (as a StyleGAN model will be) gets no class picker and no
    /// morph; translating gives one labelled result per sample.
    func testSingleDomainModelHasNoPicker() async throws {
        let chromium = try Self.chromium()
        let fixture = try PageFixture(classCount: 1)
        defer { fixture.remove() }
        let server = try await ServerHarness.start(options: fixture.options, translator: fixture.translator)
        defer { server.stop() }
        let dom = try await Self.dumpDOM(server.url("/?demo=1"), chromium: chromium)
        let title = Self.title(dom)
        XCTAssertTrue(title.hasPrefix("deepi2i: demo ok; translated 1 classes x 2 samples: 2 images"), title)
        XCTAssertTrue(dom.contains("<section id=\"classes-panel\" aria-labelledby=\"classes-title\" hidden=\"\">"), "class picker shown")
        XCTAssertTrue(dom.contains("<section id=\"morph-panel\" aria-labelledby=\"morph-title\" hidden=\"\">"), "morph shown")
        XCTAssertTrue(dom.contains("one target domain"))
        XCTAssertEqual(dom.components(separatedBy: "<figure>").count - 1, 2)
    }

    // MARK: - the driver page

    static let queries = ["tiger", "TIGER_1", "pug 4", "zebra", "_14"]

    /// Drives `/` in a same-origin iframe through its DOM and writes a JSON report into #report.
    static let driverPage = #"""
<!doctype html><html><head><meta charset="utf-8"><title>driver: running</title></head><body>
<iframe id="page" src="/" style="width:1280px;height:900px"></iframe>
<pre id="report"></pre>
<script>
"use strict";
const QUERIES = \#(queriesJSON);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  const report = {};
  const frame = document.getElementById("page");
  let w = null;
  for (let i = 0; i < 600 && !(w && w.deepi2i); i++) { await sleep(50); w = frame.contentWindow; }
  const d = frame.contentDocument, $ = (id) => d.getElementById(id);
  report.ready = await w.deepi2i.ready;
  report.total = d.querySelectorAll("#class-list label").length;
  const visible = () => d.querySelectorAll("#class-list label:not([hidden])").length;
  const search = (text) => { $("class-search").value = text; $("class-search").dispatchEvent(new Event("input")); return visible(); };
  const chips = () => [...d.querySelectorAll("#chips .chip")].map((c) => c.firstChild.textContent);
  report.search = {};
  for (const q of QUERIES) report.search[q] = search(q);
  $("select-none").click(); search("tiger"); $("select-all").click();
  report.tigerChips = chips().length;
  d.querySelector("#chips .chip button").click();
  report.afterRemove = chips().length;
  $("select-none").click(); search("husky_4");
  $("class-search").dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
  report.afterEnter = chips(); report.visibleAfterEnter = visible();
  search(""); $("random-n").value = "18"; $("pick-random").click();
  report.chosen = chips();

  [...d.querySelectorAll("#samples-list button")].find((b) => b.title === "owl.png").click();
  report.sample = await w.deepi2i.pending;
  report.previewCaption = $("preview-caption").textContent;
  report.previewSize = [$("preview").naturalWidth, $("preview").naturalHeight];
  $("samples").value = "2"; $("translate").click();
  report.translated = await w.deepi2i.pending;
  report.title = d.title;
  report.labels = [...d.querySelectorAll("#gallery figcaption")].map((c) => c.textContent);
  report.images = [...d.querySelectorAll("#gallery img")].filter((i) => i.naturalWidth === 32).length;

  const fourth = d.querySelectorAll("#gallery img")[3];
  fourth.click();
  report.lightbox = { open: $("lightbox").open, same: $("lightbox-image").src === fourth.src, caption: $("lightbox-caption").textContent };
  $("lightbox-next").click(); report.lightboxNext = $("lightbox-caption").textContent; $("lightbox-close").click();
  const zip = w.deepi2i.zipResults();
  report.zip = (await new Promise((r) => { const f = new FileReader(); f.onload = () => r(f.result); f.readAsDataURL(zip); })).split(",")[1];

  $("morph").click();
  report.morphed = await w.deepi2i.pending; report.morphTitle = d.title;
  report.gif = $("animation").src.startsWith("data:image/gif;base64,");
  $("via").value = "tiger_2"; $("morph").click();
  report.morphedVia = await w.deepi2i.pending; report.morphViaTitle = d.title; $("via").value = "";

  // The server's busy answer (its real JSON shape), and a dropped connection, in words.
  const realFetch = w.fetch;
  w.fetch = async () => new Response(JSON.stringify({ error: { code: "busy", message: "too many requests are waiting for the model; retry shortly" } }),
                                     { status: 503, headers: { "Content-Type": "application/json" } });
  $("translate").click(); await w.deepi2i.pending; report.busyError = $("error").textContent;
  w.fetch = async () => { throw new TypeError("Failed to fetch"); };
  $("translate").click(); await w.deepi2i.pending; report.offlineError = $("error").textContent;
  w.fetch = realFetch;

  const canvas = document.createElement("canvas"); canvas.width = canvas.height = 160;
  const context = canvas.getContext("2d"), noise = context.createImageData(160, 160);
  for (let i = 0; i < noise.data.length; i++) noise.data[i] = i % 4 === 3 ? 255 : (Math.random() * 256) | 0;
  context.putImageData(noise, 0, 0);
  const big = await new Promise((r) => canvas.toBlob(r, "image/png"));
  report.bigBytes = big.size;
  const drop = new DataTransfer(); drop.items.add(new File([big], "big.png", { type: "image/png" }));
  $("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: drop, bubbles: true, cancelable: true }));
  report.bigResult = await w.deepi2i.pending;
  report.bigError = $("error").textContent; report.errorShown = $("error").classList.contains("shown");
  report.previewAfter = $("preview-caption").textContent;

  const text = new DataTransfer(); text.items.add(new File(["hello"], "notes.png", { type: "image/png" }));
  $("file").files = text.files; $("file").dispatchEvent(new Event("change"));
  await w.deepi2i.pending; report.textError = $("error").textContent;

  const cat = await (await fetch("/api/samples/cat.jpg")).blob();
  const clip = new DataTransfer(); clip.items.add(new File([cat], "clip.jpg", { type: "image/jpeg" }));
  d.dispatchEvent(new ClipboardEvent("paste", { clipboardData: clip, bubbles: true, cancelable: true }));
  report.pasted = await w.deepi2i.pending;
  report.pasteCaption = $("preview-caption").textContent; report.errorAfterPaste = $("error").classList.contains("shown");

  document.getElementById("report").textContent = JSON.stringify(report);
  document.title = "driver: done";
})().catch((e) => { document.title = "driver: failed: " + e; });
</script></body></html>
"""#

    static var queriesJSON: String { "[" + queries.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }

    /// Loads the demo in an iframe of the given width and reports whether anything sticks out.
    static func layoutPage(width: String) -> String {
        let width = Int(width) ?? 390
        return #"""
<!doctype html><html><head><meta charset="utf-8"><title>layout</title></head><body style="margin:0">
<iframe id="page" src="/?demo=1" style="width:\#(width)px;height:900px;border:0"></iframe>
<pre id="report"></pre>
<script>
(async () => {
  const frame = document.getElementById("page");
  let d = null;
  for (let i = 0; i < 1200; i++) {
    await new Promise((r) => setTimeout(r, 50));
    d = frame.contentDocument;
    if (d && /^deepi2i: (demo ok|error)/.test(d.title)) break;
  }
  const root = d.documentElement, scrollers = "#strip-box, #samples-list, #class-list, #chips, dialog";
  const overflowing = [...d.querySelectorAll("body *")]
    .filter((e) => !e.closest(scrollers) && e.getBoundingClientRect().right > root.clientWidth + 0.5)
    .map((e) => e.id ? "#" + e.id : e.tagName.toLowerCase());
  document.getElementById("report").textContent = JSON.stringify({ title: d.title, clientWidth: root.clientWidth,
    scrollWidth: root.scrollWidth, overflowing: overflowing });
})();
</script></body></html>
"""#
    }

    // MARK: - helpers

    static func report(_ dom: String) throws -> [String: Any] {
        guard let start = dom.range(of: "<pre id=\"report\">"),
              let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex) else {
            throw XCTSkip("no report in the driver page")
        }
        let text = String(dom[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    /// The page's zip is complete and its CRCs are right (`unzip -t`), with the expected file names.
    static func checkZip(_ base64: String, expectedNames: Set<String>) throws {
        let data = try XCTUnwrap(Data(base64Encoded: base64), "the zip did not come back")
        XCTAssertEqual(Array(data.prefix(4)), [0x50, 0x4B, 0x03, 0x04])
        guard let unzip = onPath("unzip") else { return }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-page-\(UUID().uuidString).zip")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, test) = try ChildProcess.runMerged(unzip, ["-t", file.path])
        XCTAssertEqual(status, 0, test)
        XCTAssertTrue(test.contains("No errors detected"), test)
        let (_, list) = try ChildProcess.runMerged(unzip, ["-Z1", file.path])
        XCTAssertEqual(Set(list.split(separator: "\n").map(String.init)), expectedNames)
    }

    static func chromium() throws -> URL {
        guard let chromium = ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap({ onPath($0) }).first else {
            throw XCTSkip("chromium is not installed (apt-get install -y chromium); the page test needs a headless browser")
        }
        return chromium
    }

    static func dumpDOM(_ url: URL, chromium: URL? = nil, budget: Int = 30_000) async throws -> String {
        try await runChromium(chromium ?? Self.chromium(), url, budget: budget, extra: ["--dump-dom"])
    }

    static func runChromium(_ chromium: URL, _ url: URL, budget: Int, extra: [String]) async throws -> String {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        return try await run(chromium, [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(profile.path)", "--virtual-time-budget=\(budget)", "--timeout=\(budget + 60_000)",
        ] + extra + [url.absoluteString])
    }

    static func title(_ dom: String) -> String {
        dom.range(of: "<title>").flatMap { start in
            dom.range(of: "</title>", range: start.upperBound..<dom.endIndex).map { String(dom[start.upperBound..<$0.lowerBound]) }
        } ?? "(no title)"
    }

    static func onPath(_ tool: String) -> URL? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent(tool) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Runs a process off the cooperative pool (the in-process server needs it) and returns stdout.
    static func run(_ tool: URL, _ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try ChildProcess.run(tool, arguments).stdout })
            }
        }
    }
}

/// A tiny untrained model with many classes (names like `tiger_2`) and a samples folder holding
/// owl.png (48 px) and cat.jpg (40 px).
struct PageFixture {
    let names: [String]
    let translator: Translator
    let samples: URL

    init(classCount: Int) throws {
        let kinds = ["fox", "wolf", "tiger", "lynx", "husky", "pug", "bear"]
        names = classCount == 1 ? ["painting"] : (0..<classCount).map { "\(kinds[$0 % kinds.count])_\($0)" }
        var config = try ModelConfig(resolution: 32, channels: 16, classCount: classCount)
        config.classNames = names
        translator = Translator(model: try DeepI2IModel(config: config, seed: 1))
        samples = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-page-samples-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: samples, withIntermediateDirectories: true)
        try Data(TestModel.samplePNG).write(to: samples.appendingPathComponent("owl.png"))
        try Data(ImageEncoder.jpeg(SampleImage.make(side: 40))).write(to: samples.appendingPathComponent("cat.jpg"))
    }

    var options: ServeOptions {
        var options = ServeOptions()
        options.samples = SampleLibrary(directory: samples)
        return options
    }

    func remove() { try? FileManager.default.removeItem(at: samples) }
}
