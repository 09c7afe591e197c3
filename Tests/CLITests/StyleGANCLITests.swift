import Foundation
import XCTest

/// The StyleGAN family from the command line: import-stylegan and its errors, and a StyleGAN model
/// directory refused by a BigGAN command with a message naming the family.
final class StyleGANCLITests: XCTestCase {
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

    func testImportWritesAStyleGANModelThatBigGANCommandsRefuse() throws {
        let out = dir.appendingPathComponent("sg").path
        let r = try CLI.run(["import-stylegan", "--checkpoint", golden.appendingPathComponent("stylegan256/stylegan_legacy.model").path,
                             "--out", out, "--resolution", "128"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("128 px (step 5)"), r.stdout)
        let config = try String(contentsOfFile: out + "/config.json", encoding: .utf8)
        XCTAssertTrue(config.contains("\"family\" : \"stylegan\""), config)
        try CLI.writeImage(dir.appendingPathComponent("in.png"))
        // translate takes it (StyleGANUseCLITests); a BigGAN-only command names the family.
        try expectFailure(["bench-translate", "--model", out, "--no-paper-config"], mentions: ["holds a stylegan model"])
        try expectFailure(["import-stylegan", "--checkpoint", golden.appendingPathComponent("stylegan256/stylegan.model").path,
                           "--out", out], mentions: ["already exists"])
    }

    func testWrongCheckpointsAndResolutionsAreClearErrors() throws {
        let out = dir.appendingPathComponent("m").path
        try expectFailure(["import-stylegan", "--checkpoint", golden.appendingPathComponent("tiny128/G.safetensors").path,
                           "--out", out], mentions: ["BigGAN checkpoint", "import-biggan"])
        try expectFailure(["import-stylegan", "--checkpoint", golden.appendingPathComponent("stylegan256/stylegan.model").path,
                           "--out", out, "--resolution", "300"], mentions: ["resolution 300"])
        try expectFailure(["import-stylegan", "--checkpoint", golden.appendingPathComponent("stylegan256/stylegan.model").path,
                           "--out", out, "--generator-source", "ema"], mentions: ["--generator-source"])
        let sg = golden.appendingPathComponent("stylegan256/stylegan.model").path
        try expectFailure(["import-biggan", "--generator", sg, "--discriminator", sg, "--out", out],
                          mentions: ["StyleGAN", "import-stylegan"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing written on failure")
    }
}
