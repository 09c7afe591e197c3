import Foundation
import XCTest

/// Bad input ends with a clear message and a non-zero status, never a crash.
final class ErrorCLITests: XCTestCase {
    var dir: URL!
    var model: String { dir.appendingPathComponent("model").path }
    var image: String { dir.appendingPathComponent("in.png").path }

    override func setUpWithError() throws {
        dir = try CLI.workspace()
        try CLI.writeImage(dir.appendingPathComponent("in.png"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    private func expectFailure(_ arguments: [String], mentions: [String], line: UInt = #line) throws {
        let r = try CLI.run(arguments)
        XCTAssertNotEqual(r.status, 0, "expected failure: \(r.stdout)", line: line)
        // 1 is an error we reported; a crash would be a signal status (e.g. 132, 134, 139).
        XCTAssertEqual(r.status, 1, "not a clean error exit: \(r.stderr)", line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "stderr lacks '\(m)': \(r.stderr)", line: line) }
    }

    private func translate(model: String? = nil, input: String? = nil, to: String = "bird", out: String? = nil) -> [String] {
        ["translate", "--model", model ?? self.model, "--input", input ?? image, "--to", to,
         "--out", out ?? dir.appendingPathComponent("out").path]
    }

    func testMissingModelDirectory() throws {
        try expectFailure(translate(model: dir.appendingPathComponent("nope").path), mentions: ["nope does not exist"])
    }

    func testCorruptModelDirectory() throws {
        let m = dir.appendingPathComponent("model")
        // Truncated weights.
        let g = m.appendingPathComponent("G.safetensors")
        let bytes = try Data(contentsOf: g)
        try bytes.prefix(bytes.count / 3).write(to: g)
        try expectFailure(translate(), mentions: ["G.safetensors"])
        // Missing weights.
        try FileManager.default.removeItem(at: g)
        try expectFailure(translate(), mentions: ["has no G.safetensors"])
        // Garbage config.
        try Data("{ not json".utf8).write(to: m.appendingPathComponent("config.json"))
        try expectFailure(translate(), mentions: ["config.json is not a valid deepi2i model config"])
    }

    func testUnknownClassSuggestsNearNames() throws {
        try expectFailure(translate(to: "bird,brd"), mentions: ["unknown class 'brd'", "did you mean 'bird'"])
        try expectFailure(translate(to: "9"), mentions: ["class index 9 is outside 0..<4"])
        try expectFailure(["morph", "--model", model, "--input", image, "--from", "bear", "--to", "kat",
                           "--out", dir.appendingPathComponent("m").path], mentions: ["did you mean 'cat'"])
    }

    func testUndecodableSingleImageNamesTheFile() throws {
        let bad = dir.appendingPathComponent("bad.png")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]).write(to: bad)
        try expectFailure(translate(input: bad.path), mentions: ["bad.png"])
        try expectFailure(translate(input: dir.appendingPathComponent("missing.png").path), mentions: ["missing.png does not exist"])
    }

    func testUnwritableOutputFolder() throws {
        // A path below a regular file cannot be created (running as root defeats permission bits).
        let blocked = dir.appendingPathComponent("in.png/out").path
        try expectFailure(translate(out: blocked), mentions: ["cannot create output folder", "in.png is a file, not a folder"])
        try expectFailure(["morph", "--model", model, "--input", image, "--from", "bear", "--to", "cat", "--out", blocked + "/m.gif"],
                          mentions: ["cannot create output folder"])
    }

    func testBadArgumentsAreValidationErrors() throws {
        let r = try CLI.run(translate() + ["--samples", "0"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--samples must be at least 1"), r.stderr)
    }

    func testTrainingFlagsAreCheckedBeforeWork() throws {
        let data = dir.appendingPathComponent("data").path
        try expectFailure(["pretrain-gan", "--out", dir.appendingPathComponent("gan").path, "--resume"],
                          mentions: ["has no checkpoint"])
        try expectFailure(["pretrain-gan", "--out", dir.appendingPathComponent("new-gan").path], mentions: ["--data is required"])
        try expectFailure(["pretrain-gan", "--out", dir.path, "--resume", "--overwrite"], mentions: ["--resume and --overwrite exclude each other"])
        try expectFailure(["train", "--data", data, "--scratch", "--out", dir.appendingPathComponent("run").path,
                           "--train-per-class", "0"], mentions: ["--train-per-class must be >= 1"])
        try expectFailure(["pretrain-gan", "--data", data, "--out", dir.path], mentions: ["contains the input", "(--data)"])
        try expectFailure(["pretrain-gan", "--data", data, "--out", model], mentions: ["holds a deepi2i model, not a GAN"])
        try expectFailure(["train", "--data", data, "--scratch", "--out", dir.appendingPathComponent("run").path,
                           "--fusion-weights", "8:x"], mentions: ["--fusion-weights: expected a number or WIDTH:WEIGHT pairs"])
        try expectFailure(["train", "--data", data, "--scratch", "--out", dir.appendingPathComponent("run").path,
                           "--fusion-weights=-1"], mentions: ["--fusion-weights must be >= 0"])
    }
}
