import Foundation
import XCTest

/// --overwrite never loses a user's files: in a sandbox with a source tree and sibling files, every
/// dangerous output is refused with a message naming the path, and the sandbox is left byte for byte
/// as it was; only a deepi2i folder of the right kind is replaced.
final class OverwriteCLITests: XCTestCase {
    var dir: URL!
    var src: URL { dir.appendingPathComponent("S2") }
    var notes: URL { dir.appendingPathComponent("notes") }
    var model: String { dir.appendingPathComponent("model").path }

    override func setUpWithError() throws {
        dir = try CLI.workspace()
        let fm = FileManager.default
        for (cls, shades) in [("cat", [0, 40]), ("dog", [90, 130])] {
            try fm.createDirectory(at: src.appendingPathComponent(cls), withIntermediateDirectories: true)
            for (i, shade) in shades.enumerated() {
                try CLI.writeImage(src.appendingPathComponent("\(cls)/\(cls)\(i).png"), shade: UInt8(shade))
            }
        }
        try fm.createDirectory(at: notes, withIntermediateDirectories: true)
        try Data("my thesis".utf8).write(to: notes.appendingPathComponent("thesis.txt"))
        try Data("sibling".utf8).write(to: dir.appendingPathComponent("thesis.txt"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Every file below the sandbox (hidden ones too) with its bytes.
    func snapshot() throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            files[String(url.path.dropFirst(dir.path.count))] = try Data(contentsOf: url)
        }
        return files
    }

    func expectRefused(_ arguments: [String], mentions: [String], line: UInt = #line) throws {
        let before = try snapshot()
        let r = try CLI.run(arguments)
        XCTAssertEqual(r.status, 1, "expected a clean refusal: \(r.stdout) \(r.stderr)", line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "stderr lacks '\(m)': \(r.stderr)", line: line) }
        let after = try snapshot()
        XCTAssertEqual(Set(after.keys), Set(before.keys), "files changed", line: line)
        XCTAssertTrue(after == before, "file contents changed", line: line)
    }

    func prepare(out: URL, _ extra: [String] = []) -> [String] {
        ["prepare", src.path, "--resolution", "32", "--out", out.path] + extra
    }

    func testDangerousOutputsAreRefusedAndNothingIsLost() throws {
        // The source itself, a class folder inside it, its parent, an unrelated folder, a file.
        try expectRefused(prepare(out: src, ["--overwrite"]), mentions: ["\(src.path) is the input", "(SRC)"])
        try expectRefused(prepare(out: src.appendingPathComponent("cat"), ["--overwrite"]), mentions: ["S2/cat lies inside the input"])
        try expectRefused(prepare(out: src.appendingPathComponent("new"), []), mentions: ["lies inside the input"])
        try expectRefused(prepare(out: dir, ["--overwrite"]), mentions: ["\(dir.path) contains the input"])
        try expectRefused(prepare(out: notes, ["--overwrite"]), mentions: [notes.path, "not a deepi2i dataset folder"])
        try expectRefused(prepare(out: notes, []), mentions: [notes.path, "not a deepi2i dataset folder"])
        try expectRefused(prepare(out: dir.appendingPathComponent("thesis.txt"), ["--overwrite"]), mentions: ["thesis.txt exists and is not a folder"])

        // Other commands: the same rules, each against its own inputs and kind.
        let ds = dir.appendingPathComponent("ds")
        XCTAssertEqual(try CLI.run(prepare(out: ds)).status, 0)
        try expectRefused(["init-model", "--classes", "a,b", "--out", notes.path, "--overwrite"], mentions: ["notes already exists and is not a deepi2i model"])
        try expectRefused(["init-model", "--classes", "a,b", "--out", ds.path, "--overwrite"], mentions: ["ds holds a deepi2i dataset, not a model"])
        try expectRefused(["init-model", "--classes", "a,b", "--out", model], mentions: ["already holds a deepi2i model (use --overwrite"])
        try expectRefused(["train", "--data", ds.path, "--scratch", "--out", ds.appendingPathComponent("run").path],
                          mentions: ["lies inside the input \(ds.path) (--data)"])
        try expectRefused(["train", "--data", ds.path, "--from-model", model, "--out", dir.path, "--overwrite"],
                          mentions: ["contains the input"])
        try expectRefused(["train", "--data", ds.path, "--scratch", "--out", notes.path, "--overwrite"], mentions: ["not a deepi2i training run"])
        try expectRefused(["pretrain-gan", "--data", ds.path, "--out", src.path, "--overwrite"], mentions: ["S2 already exists and is not a deepi2i GAN"])
        try expectRefused(["train-classifier", "--data", ds.path, "--out", notes.path, "--overwrite"], mentions: ["not a deepi2i classifier"])
        try expectRefused(["evaluate", "--model", model, "--data", ds.path, "--out", model, "--overwrite"],
                          mentions: ["\(model) is the input \(model) (--model)"])
        try expectRefused(["evaluate", "--model", model, "--data", ds.path, "--out", notes.path, "--overwrite"], mentions: ["not a deepi2i evaluation"])
        try expectRefused(["import-biggan", "--generator", notes.appendingPathComponent("thesis.txt").path, "--discriminator", model,
                           "--out", notes.path, "--overwrite"], mentions: ["contains the input", "(--generator)"])
        try expectRefused(["import-biggan", "--generator", model + "/G.safetensors", "--discriminator", model + "/D.safetensors",
                           "--out", model, "--overwrite"], mentions: ["(--generator)"])
    }

    func testADeepI2IFolderIsReplacedOnlyWithOverwrite() throws {
        let ds = dir.appendingPathComponent("ds")
        XCTAssertEqual(try CLI.run(prepare(out: ds)).status, 0)
        let first = try Data(contentsOf: ds.appendingPathComponent("manifest.json"))
        try expectRefused(prepare(out: ds), mentions: ["\(ds.path) already holds a deepi2i dataset (use --overwrite"])
        let r = try CLI.run(prepare(out: ds, ["--overwrite", "--seed", "3"]))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertNotEqual(try Data(contentsOf: ds.appendingPathComponent("manifest.json")), first)
        // The old folder was moved aside and removed: nothing is left beside the new one.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["S2", "ds", "model", "notes", "thesis.txt"])
        // An empty folder (made beforehand by the user) is used without --overwrite.
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertEqual(try CLI.run(["init-model", "--classes", "a,b", "--out", empty.path]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: empty.appendingPathComponent("config.json").path))
        let again = try CLI.run(["init-model", "--classes", "a,b", "--seed", "1", "--out", empty.path, "--overwrite"])
        XCTAssertEqual(again.status, 0, again.stderr)

        // A training run: refused without --overwrite (pointing at --resume), replaced with it.
        let run = dir.appendingPathComponent("run")
        func train(_ iterations: Int, _ extra: [String]) throws -> CLI.Result {
            try CLI.run(["train", "--data", ds.path, "--scratch", "--channels", "8", "--out", run.path, "--iterations", String(iterations),
                         "--batch", "2", "--accumulate", "1", "--phase1-iterations", "1", "--sample-rows", "1"] + extra)
        }
        XCTAssertEqual(try train(1, []).status, 0)
        try expectRefused(["train", "--data", ds.path, "--scratch", "--out", run.path], mentions: ["already holds a deepi2i training run", "--resume"])
        // A replacement that fails puts the old run back as it was.
        try expectRefused(["train", "--data", dir.appendingPathComponent("missing").path, "--scratch", "--out", run.path, "--overwrite"],
                          mentions: ["missing"])
        let replaced = try train(2, ["--overwrite"])
        XCTAssertEqual(replaced.status, 0, replaced.stderr)
        XCTAssertTrue(replaced.stdout.contains("trained to iteration 2"), replaced.stdout)
        let log = try String(contentsOf: run.appendingPathComponent("log.jsonl"), encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").count, 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["S2", "ds", "empty", "model", "notes", "run", "thesis.txt"])
    }
}
