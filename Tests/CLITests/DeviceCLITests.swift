import Foundation
import XCTest

/// `--device` is one option group: every command that runs a network takes it, and a CUDA device that
/// libtorch does not see ends the command before any work with a message naming the device.
final class DeviceCLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: CLI.binary.path), "run `swift build` first")
        dir = try CLI.workspace()
        try CLI.writeImage(dir.appendingPathComponent("in.png"))
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    func testAbsentCUDADeviceIsNamedByEveryCommand() throws {
        let p = { (name: String) in self.dir.appendingPathComponent(name).path }
        let commands: [[String]] = [
            ["translate", "--model", p("m"), "--input", p("in.png"), "--to", "all", "--out", p("t")],
            ["morph", "--model", p("m"), "--input", p("in.png"), "--from", "a", "--to", "b", "--out", p("mo")],
            ["serve", "--model", p("m"), "--port", "0"],
            ["evaluate", "--model", p("m"), "--data", p("d"), "--out", p("e")],
            ["train", "--data", p("d"), "--scratch", "--out", p("run")],
            ["pretrain-gan", "--data", p("d"), "--out", p("gan")],
            ["train-classifier", "--data", p("d"), "--out", p("c")],
            ["bench-translate", "--no-paper-config"],
            ["bench-pipeline"],
            ["bench-features"],
            ["bench-train-step", "--resolution", "32", "--channels", "4", "--batch", "2"],
        ]
        for arguments in commands {
            let r = try CLI.run(arguments + ["--device", "cuda:7"])
            XCTAssertEqual(r.status, 1, "\(arguments[0]): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("device cuda:7 requested"), "\(arguments[0]): \(r.stderr)")
        }
        let plain = try CLI.run(commands[4] + ["--device", "cuda"])
        if plain.stderr.contains("libtorch sees 0 CUDA") {
            XCTAssertTrue(plain.stderr.contains("device cuda:0 requested"), plain.stderr)
        }
        let bad = try CLI.run(commands[0] + ["--device", "tpu"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("unknown device 'tpu'"), bad.stderr)
    }

    /// `--batch` is the name everywhere; evaluate's old `--batch-size` still parses but is not shown.
    func testBatchIsTheOptionNameAndBatchSizeAHiddenAlias() throws {
        for command in ["train", "pretrain-gan", "translate", "evaluate", "train-classifier"] {
            let help = try CLI.run([command, "--help"])
            XCTAssertTrue(help.stdout.contains("--batch "), "\(command): \(help.stdout)")
            XCTAssertFalse(help.stdout.contains("--batch-size"), "\(command): \(help.stdout)")
        }
        let r = try CLI.run(["evaluate", "--model", dir.appendingPathComponent("m").path, "--data", "x", "--batch-size", "4",
                             "--device", "cuda:7"])
        XCTAssertTrue(r.stderr.contains("device cuda:7 requested"), "the alias must parse: \(r.stderr)")
    }
}
