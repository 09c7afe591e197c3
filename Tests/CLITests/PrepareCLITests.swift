import Foundation
import XCTest

/// prepare's report of what it did not pack: nested folders are packed into their class, hidden files
/// are listed under their own reason, "no usable images" shows the report, bad numbers say what is wrong.
final class PrepareCLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-prepare-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testNestedAndHiddenFilesAreReported() throws {
        let src = dir.appendingPathComponent("src")
        for folder in ["cat", "dog/more dogs"] {
            try FileManager.default.createDirectory(at: src.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try CLI.writeImage(src.appendingPathComponent("cat/a.png"))
        try CLI.writeImage(src.appendingPathComponent("dog/b.png"), shade: 60)
        try CLI.writeImage(src.appendingPathComponent("dog/more dogs/c.png"), shade: 120)
        try CLI.writeImage(src.appendingPathComponent("dog/._b.png"))
        try Data([1]).write(to: src.appendingPathComponent("dog/.DS_Store"))
        let r = try CLI.run(["prepare", src.path, "--resolution", "32", "--out", dir.appendingPathComponent("ds").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("packed 3 images of 2 classes"), r.stdout)
        XCTAssertTrue(r.stdout.contains("  dog: 2"), r.stdout)
        XCTAssertTrue(r.stdout.contains("skipped 2 files (2 hidden):"), r.stdout)
        XCTAssertTrue(r.stdout.contains("hidden: \(src.path)/dog/._b.png: hidden file"), r.stdout)
    }

    func testNoUsableImagesShowsTheReportAndBadNumbersAreNamed() throws {
        let cls = dir.appendingPathComponent("src/c")
        try FileManager.default.createDirectory(at: cls, withIntermediateDirectories: true)
        try Data().write(to: cls.appendingPathComponent("empty.png"))
        try Data("text".utf8).write(to: cls.appendingPathComponent("notes.txt"))
        let out = dir.appendingPathComponent("ds").path
        let r = try CLI.run(["prepare", dir.appendingPathComponent("src").path, "--resolution", "32", "--out", out])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("no usable images found"), r.stderr)
        XCTAssertTrue(r.stderr.contains("skipped 2 files (1 unsupported-extension, 1 zero-byte):"), r.stderr)
        XCTAssertTrue(r.stderr.contains("empty.png"), r.stderr)
        for (flag, value) in [("--resolution", "-5"), ("--min-side", "-1")] {
            let bad = try CLI.run(["prepare", dir.appendingPathComponent("src").path, flag, value, "--out", out])
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.stderr.contains("\(flag) must be positive, got \(value)"), bad.stderr)
        }
    }
}
