import Foundation
import XCTest

/// `scripts/reproduction_report.py` (issue #15) turns a study's per-seed metrics into verdicts: a
/// difference within the seeds' range is a tie, one seed is marked as such, missing runs are pending, and a
/// claim the numbers contradict says "no". Checked on a synthetic work folder with known numbers.
final class ReproductionReportTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ReproductionReportTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Writes eval/NAME-sSEED/metrics.json (RC, FC as fractions, as `deepi2i evaluate` writes them).
    func evaluation(_ name: String, seed: Int, mFID: Double, rc: Double = 0.5, maskIoU: Double = 0.3) throws {
        let dir = folder.appendingPathComponent("work/eval/\(name)-s\(seed)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("work/\(name)-s\(seed)/model"),
                                                withIntermediateDirectories: true)
        let summary: [String: Any] = ["summary": ["mFID": mFID, "mKID": mFID / 1000, "RC": rc, "FC": rc, "mask-IoU": maskIoU]]
        try JSONSerialization.data(withJSONObject: summary).write(to: dir.appendingPathComponent("metrics.json"))
    }

    func report(_ extra: [String] = [], record: String = "work") throws -> (status: Int32, output: String, markdown: String) {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("no /usr/bin/python3") }
        let out = folder.appendingPathComponent("docs/reproduction.md")
        let (status, output) = try CLI.runProgram(python, [CLI.root.appendingPathComponent("scripts/reproduction_report.py").path,
                                                           folder.appendingPathComponent(record).path, out.path] + extra)
        let markdown = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        return (status, output, markdown)
    }

    /// The claims-table row comparing `a` with `b` on `metric`.
    func row(_ markdown: String, _ metric: String, _ a: String, _ b: String) -> String? {
        markdown.split(separator: "\n").map(String.init).first { $0.contains("| \(metric): \(a) ") && $0.contains(" vs \(b) ") }
    }

    func testVerdictsFollowTheSeedsSpread() throws {
        try evaluation("full", seed: 0, mFID: 100)
        try evaluation("full", seed: 1, mFID: 104)        // mean 102, range 4
        try evaluation("noadaptor", seed: 0, mFID: 120)
        try evaluation("noadaptor", seed: 1, mFID: 122)   // 18 worse than full: beyond the range
        try evaluation("w16", seed: 0, mFID: 101)
        try evaluation("w16", seed: 1, mFID: 103)         // 0 apart from full: a tie
        try evaluation("w8", seed: 0, mFID: 150)          // one seed, but full's range decides
        try evaluation("d3", seed: 0, mFID: 110)
        try evaluation("d2", seed: 0, mFID: 130)          // one seed each: no spread at all
        try evaluation("t-none", seed: 0, mFID: 90)
        try evaluation("t-none", seed: 1, mFID: 91)       // scratch beats full transfer: contradicts the paper
        let (status, output, md) = try report(["--no-images"])
        XCTAssertEqual(status, 0, output)

        let adaptor = try XCTUnwrap(row(md, "mFID", "full", "noadaptor"), md)
        XCTAssertTrue(adaptor.contains("102.0 ± 2.0") && adaptor.contains("121.0 ± 1.0"), adaptor)
        XCTAssertTrue(adaptor.hasSuffix("| yes |"), adaptor)
        XCTAssertTrue(try XCTUnwrap(row(md, "mFID", "full", "w16")).hasSuffix("| tie (within the seeds' spread) |"))
        XCTAssertTrue(try XCTUnwrap(row(md, "mFID", "full", "w8")).hasSuffix("| yes |"))
        XCTAssertTrue(try XCTUnwrap(row(md, "mFID", "d3", "d2")).hasSuffix("| yes (1 seed) |"))
        XCTAssertTrue(try XCTUnwrap(row(md, "mFID", "full", "t-none")).hasSuffix("| **no** |"))
        // w4 has not run: its claim is pending, its table row says so and lists no seeds.
        XCTAssertTrue(md.contains("| deepest level alone is worst | w-6 198.5 > w-4 150.8 | pending | pending |"), md)
        XCTAssertTrue(md.contains("| width 4 only (paper w-6) (`w4`) | 198.5 | - | pending |"), md)
        XCTAssertTrue(md.contains("| DeepI2I, all levels (`full`) | 68.4 | 0,1 | 102.0 ± 2.0 |"), md)
        XCTAssertTrue(md.contains("Finished and evaluated: d2-s0, d3-s0, full-s0, full-s1, noadaptor-s0, noadaptor-s1, t-none-s0"), md)
        XCTAssertFalse(md.contains("plot-"), "--no-images draws no plots")
        // The summary at the top gathers each claim's comparisons with their verdicts.
        XCTAssertTrue(md.hasPrefix("# Reproducing") && md.contains("## At a glance"), md)
        XCTAssertTrue(md.contains("| 1. adaptor and levels | adaptor helps | full vs noadaptor (mFID): yes |"), md)
        XCTAssertTrue(md.contains("| 2. partial transfer | full transfer is best | full vs t-none (mFID): no; full vs t-GD (mFID): pending |"), md)
        XCTAssertTrue(md.contains("| 3. depth | more downsampling layers are better | full vs d3 (mFID): yes; d3 vs d2 (mFID): yes (1 seed);"), md)
        XCTAssertLessThan(try XCTUnwrap(md.range(of: "## At a glance")).lowerBound, try XCTUnwrap(md.range(of: "## 1. Adaptor")).lowerBound)
    }

    func testStatusPlotsAndAtomicRewrite() throws {
        try evaluation("few-transfer", seed: 0, mFID: 150, rc: 0.30)
        try evaluation("few-transfer", seed: 1, mFID: 152, rc: 0.32)
        try evaluation("few-scratch", seed: 0, mFID: 200, rc: 0.10)
        let checkpoint = folder.appendingPathComponent("work/gan/checkpoints/iter-0000897")
        try FileManager.default.createDirectory(at: checkpoint, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("work/few-scratch-s1/checkpoints/iter-0000250"),
                                                withIntermediateDirectories: true)
        let (status, output, md) = try report()
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(md.contains("Source GAN: started, last checkpoint iter-0000897."), md)
        XCTAssertTrue(md.contains("Classifier: not started."), md)
        XCTAssertTrue(md.contains("Started, not finished: few-scratch-s1 (iter-0000250)."), md)
        XCTAssertTrue(try XCTUnwrap(row(md, "RC", "few-transfer", "few-scratch")).hasSuffix("| yes |"))
        let docs = folder.appendingPathComponent("docs/reproduction")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/gnuplot") {
            // A plot only for a section with a finished run; it is a real PNG.
            let png = try Data(contentsOf: docs.appendingPathComponent("plot-scarcity.png"))
            XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
            XCTAssertTrue(md.contains("![Data scarcity](reproduction/plot-scarcity.png)"), md)
            XCTAssertFalse(FileManager.default.fileExists(atPath: docs.appendingPathComponent("plot-depth.png").path))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("docs/reproduction.md.tmp").path))
    }

    /// The study record in git (reproduce.sh's STORE under docs/reproduction/) is what the report reads; its
    /// sheets are linked where they lie, not copied; unfinished runs come from the local work folder.
    func testStudyRecordWithAWorkFolder() throws {
        let record = folder.appendingPathComponent("docs/reproduction/study")
        let eval = record.appendingPathComponent("eval/full-s0")
        try FileManager.default.createDirectory(at: eval, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: ["summary": ["mFID": 80.0, "mKID": 0.1, "RC": 0.5, "FC": 0.5, "mask-IoU": 0.4]])
            .write(to: eval.appendingPathComponent("metrics.json"))
        let samples = record.appendingPathComponent("full-s0/samples")
        try FileManager.default.createDirectory(at: samples, withIntermediateDirectories: true)
        try Data([0x89, 0x50, 0x4E, 0x47]).write(to: samples.appendingPathComponent("iter-0001000.png"))
        try FileManager.default.createDirectory(at: record.appendingPathComponent("gan"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: record.appendingPathComponent("gan/gan.json"))
        try "RES=64".write(to: record.appendingPathComponent("budget.txt"), atomically: true, encoding: .utf8)
        // The work folder: the finished run's folder, and an unfinished one with a checkpoint.
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("work/full-s0/model"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("work/w8-s1/checkpoints/iter-0000500"),
                                                withIntermediateDirectories: true)
        let (status, output, md) = try report(["--work", folder.appendingPathComponent("work").path], record: "docs/reproduction/study")
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(md.contains("budget `RES=64`"), md)
        XCTAssertTrue(md.contains("Source GAN: finished."), md)
        XCTAssertTrue(md.contains("Finished and evaluated: full-s0."), md)
        XCTAssertTrue(md.contains("Started, not finished: w8-s1 (iter-0000500)."), md)
        XCTAssertTrue(md.contains("![full](reproduction/study/full-s0/samples/iter-0001000.png)"), md)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("docs/reproduction/full.png").path),
                       "a sheet inside the record is linked, not copied")
    }
}
