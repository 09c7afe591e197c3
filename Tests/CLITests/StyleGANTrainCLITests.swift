import Foundation
import XCTest

/// `deepi2i train` on StyleGAN sources from the command line: dispatch by the source's model family,
/// the StyleGAN run's product, refusals of contradicting --family and of BigGAN-only options, and
/// `pretrain-stylegan --print-config` showing the official defaults.
final class StyleGANTrainCLITests: XCTestCase {
    var dir: URL!
    let golden = CLI.root.deletingLastPathComponent().appendingPathComponent("shared/golden")

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: golden.appendingPathComponent("stylegan256/stylegan.model").path))
        dir = try CLI.workspace()
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    private func expectFailure(_ arguments: [String], mentions: [String], line: UInt = #line) throws {
        let r = try CLI.run(arguments)
        XCTAssertEqual(r.status, 1, "not a clean error exit: \(r.stdout) \(r.stderr)", line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "stderr lacks '\(m)': \(r.stderr)", line: line) }
    }

    func testTrainDispatchesOnAStyleGANSource() throws {
        let src = dir.appendingPathComponent("S")
        for (cls, shade) in [("cat", UInt8(10)), ("dog", UInt8(200))] {
            try FileManager.default.createDirectory(at: src.appendingPathComponent(cls), withIntermediateDirectories: true)
            for i in 0..<8 { try CLI.writeImage(src.appendingPathComponent("\(cls)/\(i).png"), shade: shade &+ UInt8(i)) }
        }
        let data = dir.appendingPathComponent("data").path
        XCTAssertEqual(try CLI.run(["prepare", src.path, "--resolution", "32", "--out", data]).status, 0)
        let sg = dir.appendingPathComponent("sg").path
        let imported = try CLI.run(["import-stylegan", "--checkpoint", golden.appendingPathComponent("stylegan256/stylegan.model").path,
                                    "--out", sg, "--resolution", "32"])
        XCTAssertEqual(imported.status, 0, imported.stderr)

        let run = dir.appendingPathComponent("run").path
        let base = ["train", "--data", data, "--input-class", "cat", "--target-class", "dog", "--out", run]
        let r = try CLI.run(base + ["--from", sg, "--iterations", "1", "--batch", "2", "--phase1-iterations", "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("DeepI2I-StyleGAN"), r.stdout)
        let config = try String(contentsOfFile: run + "/model/config.json", encoding: .utf8)
        XCTAssertTrue(config.contains("\"family\" : \"stylegan\""), config)
        // The model records its domains, so that evaluate and translate need not be told them again.
        XCTAssertTrue(config.contains("\"target\" : \"dog\""), config)
        XCTAssertTrue(config.contains("\"input\" : \"cat\""), config)
        let record = try String(contentsOfFile: run + "/run.json", encoding: .utf8)
        XCTAssertTrue(record.contains("\"mappingLRMultiplier\" : 0.01"), record)

        let other = dir.appendingPathComponent("other").path
        try expectFailure(["train", "--data", data, "--from", sg, "--family", "biggan", "--out", other],
                          mentions: ["--family biggan", "is a stylegan model"])
        try expectFailure(["train", "--data", data, "--from", sg, "--input-class", "cat", "--g-lr", "1", "--out", other],
                          mentions: ["--g-lr is a BigGAN DeepI2I option"])
        try expectFailure(["train", "--data", data, "--scratch", "--loss", "r1", "--out", other],
                          mentions: ["need a StyleGAN source"])
        try expectFailure(["train", "--data", data, "--from", sg, "--out", other], mentions: ["--input-class is required"])
        try expectFailure(["train", "--data", data, "--from", sg, "--input-class", "horse", "--batch", "2", "--out", other],
                          mentions: ["'horse'", "cat"])

        let p = try CLI.run(["pretrain-stylegan", "--data", data, "--out", other, "--print-config"])
        XCTAssertEqual(p.status, 0, p.stderr)
        for fragment in ["\"gRunningDecay\" : 0.999", "\"learningRate\" : 0.001", "\"beta2\" : 0.99", "\"loss\" : \"wgan-gp\""] {
            XCTAssertTrue(p.stdout.contains(fragment), "\(fragment) in \(p.stdout)")
        }
    }
}
