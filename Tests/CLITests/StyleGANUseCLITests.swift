import Foundation
import ImageIO
import XCTest

/// translate, morph and evaluate on a StyleGAN model directory (init-model --family stylegan: 128 px,
/// channels / 16), and the clear errors for options and model directories of the other family.
final class StyleGANUseCLITests: XCTestCase {
    var dir: URL!
    var model: String { dir.appendingPathComponent("sg").path }

    override func setUpWithError() throws {
        dir = try CLI.workspace()
        let r = try CLI.run(["init-model", "--family", "stylegan", "--resolution", "128", "--channel-divisor", "16",
                             "--classes", "dog", "--seed", "2", "--out", model])
        XCTAssertEqual(r.status, 0, r.stderr)
        let inputs = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        try CLI.writeImage(inputs.appendingPathComponent("a.png"))
        try CLI.writeImage(inputs.appendingPathComponent("b.png"), shade: 90)
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    private func expectFailure(_ arguments: [String], mentions: [String], line: UInt = #line) throws {
        let r = try CLI.run(arguments)
        XCTAssertNotEqual(r.status, 0, "should fail: \(arguments)", line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "stderr lacks '\(m)': \(r.stderr)", line: line) }
    }

    private func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    func testTranslateSamplesSeedsAndTruncation() throws {
        let input = dir.appendingPathComponent("in").path
        let out = dir.appendingPathComponent("t").path
        let r = try CLI.run(["translate", "--model", model, "--input", input, "--samples", "3", "--seed", "5", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("into [dog] x 3 sample(s): 6 images + 2 grid(s)"), r.stdout)
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        XCTAssertEqual(files, ["a_dog_0.png", "a_dog_1.png", "a_dog_2.png", "a_grid.png", "b_dog_0.png", "b_dog_1.png", "b_dog_2.png", "b_grid.png"])
        let image = try ImageDecoder.decode([UInt8](bytes(out + "/a_dog_0.png")))
        XCTAssertEqual([image.width, image.height], [128, 128])
        XCTAssertNotEqual(try bytes(out + "/a_dog_0.png"), try bytes(out + "/a_dog_1.png"))
        // The same seed again (naming the domain), the same images.
        let again = dir.appendingPathComponent("t2").path
        XCTAssertEqual(try CLI.run(["translate", "--model", model, "--input", input, "--to", "dog", "--samples", "3",
                                    "--seed", "5", "--out", again]).status, 0)
        XCTAssertEqual(try bytes(again + "/b_dog_2.png"), try bytes(out + "/b_dog_2.png"))
        // Truncation 0: every sample is the mean style.
        let zero = dir.appendingPathComponent("t0").path
        XCTAssertEqual(try CLI.run(["translate", "--model", model, "--input", input + "/a.png", "--samples", "2", "--seed", "5",
                                    "--truncation", "0", "--out", zero]).status, 0)
        XCTAssertEqual(try bytes(zero + "/a_dog_0.png"), try bytes(zero + "/a_dog_1.png"))
        // Classes other than the one domain are clear errors.
        try expectFailure(["translate", "--model", model, "--input", input, "--to", "cat", "--out", out + "x"],
                          mentions: ["unknown class 'cat'"])
    }

    func testMorphBetweenSamplesAndInputs() throws {
        let a = dir.appendingPathComponent("in/a.png").path, b = dir.appendingPathComponent("in/b.png").path
        let base = dir.appendingPathComponent("m/styles").path
        let r = try CLI.run(["morph", "--model", model, "--input", a, "--from-sample", "0", "--to-sample", "1", "--steps", "3",
                             "--seed", "5", "--out", base])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("sample 0 -> sample 1: 3 frames"), r.stdout)
        let strip = try ImageDecoder.decode([UInt8](bytes(base + ".png")))
        XCTAssertEqual(strip.width, 4 * 128 + 5 * 2) // the input, then the frames, 2 px gaps and borders
        XCTAssertTrue(FileManager.default.fileExists(atPath: base + ".gif"))
        let inputs = dir.appendingPathComponent("m/inputs").path
        let r2 = try CLI.run(["morph", "--model", model, "--input", a, "--to-input", b, "--steps", "4", "--out", inputs])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertTrue(r2.stdout.contains("4 frames"), r2.stdout)
        try expectFailure(["morph", "--model", model, "--input", a, "--from", "dog", "--to", "dog", "--out", base],
                          mentions: ["one target domain ('dog')", "--from-sample"])
        try expectFailure(["morph", "--model", model, "--input", a, "--to-input", b, "--to-sample", "2", "--out", base],
                          mentions: ["--to-input"])
    }

    func testEvaluateOneDomain() throws {
        let ds = dir.appendingPathComponent("ds").path
        let p = try CLI.run(["prepare", "--builtin", "animal-mnist", "--resolution", "128", "--per-class", "20", "--out", ds])
        try XCTSkipIf(p.status != 0, "Animal-MNIST is not available: \(p.stderr)")
        let out = dir.appendingPathComponent("eval").path
        let r = try CLI.run(["evaluate", "--model", model, "--data", ds, "--metrics", "mask-iou", "--per-class", "3", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("mask-IoU: "), r.stdout)
        let metrics = try JSONSerialization.jsonObject(with: bytes(out + "/metrics.json")) as? [String: Any]
        XCTAssertEqual(metrics?["classNames"] as? [String], ["dog"])
        try expectFailure(["evaluate", "--model", model, "--data", ds, "--metrics", "fc", "--out", out + "2"],
                          mentions: ["at least two target classes"])
        try expectFailure(["evaluate", "--model", model, "--data", ds, "--target", "unicorn", "--metrics", "mask-iou", "--out", out + "3"],
                          mentions: ["--target 'unicorn' is not a class"])
        try expectFailure(["evaluate", "--model", dir.appendingPathComponent("model").path, "--data", ds, "--target", "dog",
                           "--out", out + "4"], mentions: ["--target and --input are for a one-domain StyleGAN model"])
        // --input: only that class's test images are translated, and the report says so.
        let cats = dir.appendingPathComponent("eval-cats").path
        let r5 = try CLI.run(["evaluate", "--model", model, "--data", ds, "--input", "cat", "--metrics", "mask-iou", "--per-class", "3",
                              "--out", cats])
        XCTAssertEqual(r5.status, 0, r5.stderr)
        let report = try String(contentsOfFile: cats + "/report.md", encoding: .utf8)
        XCTAssertTrue(report.contains("(inputs: test images of 'cat')"), report)
        // Without --input, the input domain the model records is used (a trained model records it).
        let recorded = dir.appendingPathComponent("model-records-cat")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: model), to: recorded)
        let configURL = recorded.appendingPathComponent("config.json")
        var document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
        document["input"] = "cat"
        try JSONSerialization.data(withJSONObject: document).write(to: configURL)
        let catsByDefault = dir.appendingPathComponent("eval-recorded").path
        let r6 = try CLI.run(["evaluate", "--model", recorded.path, "--data", ds, "--metrics", "mask-iou", "--per-class", "3",
                              "--out", catsByDefault])
        XCTAssertEqual(r6.status, 0, r6.stderr)
        let recordedReport = try String(contentsOfFile: catsByDefault + "/report.md", encoding: .utf8)
        XCTAssertTrue(recordedReport.contains("(inputs: test images of 'cat')"), recordedReport)
        try expectFailure(["evaluate", "--model", model, "--data", ds, "--input", "unicorn", "--metrics", "mask-iou", "--out", out + "5"],
                          mentions: ["--input 'unicorn' is not a class"])
        try expectFailure(["evaluate", "--model", model, "--data", ds, "--input", "dog", "--metrics", "mask-iou", "--out", out + "6"],
                          mentions: ["--input and --target are the same class ('dog')"])
    }

    func testOptionsAndDirectoriesOfTheOtherFamily() throws {
        let biggan = dir.appendingPathComponent("model").path
        let a = dir.appendingPathComponent("in/a.png").path
        try expectFailure(["translate", "--model", biggan, "--input", a, "--out", dir.appendingPathComponent("o").path],
                          mentions: ["--to is required for a BigGAN model"])
        try expectFailure(["morph", "--model", biggan, "--input", a, "--from-sample", "1", "--out", dir.appendingPathComponent("o").path],
                          mentions: ["for a StyleGAN model"])
        try expectFailure(["bench-translate", "--model", model, "--no-paper-config"], mentions: ["holds a stylegan model"])
        try expectFailure(["reference-check", model], mentions: ["is a deepi2i model directory (stylegan), not a reference folder"])
        try expectFailure(["init-model", "--family", "stylegan", "--resolution", "16", "--out", dir.appendingPathComponent("x").path],
                          mentions: ["--resolution 32 or more"])
        try expectFailure(["init-model", "--family", "stylegan", "--resolution", "128", "--classes", "cat,dog",
                           "--out", dir.appendingPathComponent("x").path], mentions: ["one target domain"])
        try expectFailure(["init-model", "--family", "gan", "--classes", "a", "--out", dir.appendingPathComponent("x").path],
                          mentions: ["--family must be biggan or stylegan"])
    }

    func testImportResolutionsAndBareStateDicts() throws {
        let golden = CLI.root.deletingLastPathComponent().appendingPathComponent("shared/golden")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: golden.appendingPathComponent("stylegan256/stylegan.model").path))
        let out = dir.appendingPathComponent("imported").path
        let sg = golden.appendingPathComponent("stylegan256").path, tiny = golden.appendingPathComponent("tiny128").path
        try expectFailure(["import-stylegan", "--checkpoint", sg + "/stylegan.model", "--resolution", "16", "--out", out],
                          mentions: ["needs a resolution of 32 px or more", "got 16"])
        try expectFailure(["import-stylegan", "--checkpoint", sg + "/G.safetensors", "--out", out],
                          mentions: ["bare StyleGAN generator state dict", "'g_running' and 'discriminator'"])
        try expectFailure(["import-biggan", "--generator", tiny + "/G.safetensors", "--discriminator", tiny + "/D.safetensors",
                           "--resolution", "64", "--out", out], mentions: ["does not fit the generator", "linear.weight"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing written on failure")
    }
}
