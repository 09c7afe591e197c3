import Foundation
import ImageIO
import XCTest

final class TranslateCLITests: XCTestCase {
    var dir: URL!
    var model: String { dir.appendingPathComponent("model").path }

    override func setUpWithError() throws { dir = try CLI.workspace() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testSingleImageWritesTilesAndGrid() throws {
        let input = dir.appendingPathComponent("fox.png")
        try CLI.writeImage(input)
        let out = dir.appendingPathComponent("out")
        let r = try CLI.run(["translate", "--model", model, "--input", input.path, "--to", "bird,3", "--samples", "2",
                             "--seed", "5", "--batch", "3", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(files, ["fox_bird_0.png", "fox_bird_1.png", "fox_dog_0.png", "fox_dog_1.png", "fox_grid.png"])
        let tile = try ImageDecoder.decode(contentsOf: out.appendingPathComponent("fox_dog_1.png").path)
        XCTAssertEqual([tile.width, tile.height], [32, 32])
        let grid = try ImageDecoder.decode(contentsOf: out.appendingPathComponent("fox_grid.png").path)
        XCTAssertEqual([grid.width, grid.height], [3 * 32 + 4 * 2, 2 * 32 + 3 * 2])
    }

    /// photo.png, photo.jpg and photo.PNG (and an input named like an output) each get their own files,
    /// nothing is overwritten, and the summary counts the files written.
    func testSharedStemsGiveDistinctFilesAndExactCounts() throws {
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input.appendingPathComponent("sub"), withIntermediateDirectories: true)
        for (i, name) in ["photo.png", "photo.jpg", "photo.PNG", "photo_png_bird_0.png", "sub/photo.png", ".hidden.png", "._photo.png"].enumerated() {
            try CLI.writeImage(input.appendingPathComponent(name), shade: UInt8(i * 30))
        }
        let before = try FileManager.default.contentsOfDirectory(atPath: input.path)
        let out = dir.appendingPathComponent("out")
        let r = try CLI.run(["translate", "--model", model, "--input", input.path, "--to", "bird,cat", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
        XCTAssertEqual(files.count, 4 * 3)
        XCTAssertEqual(Set(files.map { $0.lowercased() }).count, files.count, "\(files)")
        XCTAssertTrue(r.stdout.contains("translated 4 of 4 image(s) into [bird, cat] x 1 sample(s): 8 images + 4 grid(s)"), r.stdout)
        XCTAssertTrue(files.contains("photo_jpg_grid.png"), "\(files)")
        XCTAssertTrue(files.contains("photo_PNG_grid.png"), "\(files)")
        XCTAssertTrue(r.stderr.contains("1 sub-folder(s) with 1 image(s) were not read (use --recursive): sub"), r.stderr)
        XCTAssertTrue(r.stderr.contains("skipped 2 hidden file(s)"), r.stderr)
        // Every grid shows its own input: four different first tiles.
        let grids = try files.filter { $0.hasSuffix("_grid.png") }.map { try Data(contentsOf: out.appendingPathComponent($0)) }
        XCTAssertEqual(Set(grids).count, 4)

        // Into the input folder itself, recursively: no input is overwritten; sub-folders mirrored.
        let inputBytes = try before.filter { !$0.hasPrefix(".") && $0 != "sub" }.map { try Data(contentsOf: input.appendingPathComponent($0)) }
        let again = try CLI.run(["translate", "--model", model, "--input", input.path, "--to", "bird", "--out", input.path, "--recursive"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("translated 5 of 5 image(s) into [bird] x 1 sample(s): 5 images + 5 grid(s)"), again.stdout)
        XCTAssertEqual(try before.filter { !$0.hasPrefix(".") && $0 != "sub" }.map { try Data(contentsOf: input.appendingPathComponent($0)) }, inputBytes)
        XCTAssertTrue(FileManager.default.fileExists(atPath: input.appendingPathComponent("sub/photo_grid.png").path))
        let written = try FileManager.default.contentsOfDirectory(atPath: input.path).count
        XCTAssertEqual(written, before.count + 4 * 2)
    }

    func testSameSeedSameOutputAndTruncationZero() throws {
        let input = dir.appendingPathComponent("x.png")
        try CLI.writeImage(input)
        func translate(_ out: String, _ extra: [String]) throws -> [UInt8] {
            let o = dir.appendingPathComponent(out)
            let r = try CLI.run(["translate", "--model", model, "--input", input.path, "--to", "cat", "--samples", "2", "--out", o.path] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
            return [UInt8](try Data(contentsOf: o.appendingPathComponent("x_grid.png")))
        }
        let a = try translate("a", ["--seed", "11"]), b = try translate("b", ["--seed", "11"]), c = try translate("c", ["--seed", "12"])
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        _ = try translate("z", ["--truncation", "0"])
        let z0 = try Data(contentsOf: dir.appendingPathComponent("z/x_cat_0.png"))
        let z1 = try Data(contentsOf: dir.appendingPathComponent("z/x_cat_1.png"))
        XCTAssertEqual(z0, z1, "truncation 0 gives z = 0 for every sample")
    }

    func testFolderSkipsUndecodableFilesAndCountsThem() throws {
        let folder = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try CLI.writeImage(folder.appendingPathComponent("a.png"))
        try CLI.writeImage(folder.appendingPathComponent("b.png"), shade: 90)
        try Data("not really a jpeg".utf8).write(to: folder.appendingPathComponent("broken.jpg"))
        try Data("notes".utf8).write(to: folder.appendingPathComponent("README.txt"))
        let out = dir.appendingPathComponent("out")
        let r = try CLI.run(["translate", "--model", model, "--input", folder.path, "--to", "all", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("translated 2 of 3 image(s)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1 skipped"), r.stdout)
        XCTAssertTrue(r.stderr.contains("broken.jpg: not a PNG or JPEG image"), r.stderr)
        XCTAssertTrue(r.stderr.contains("images 3/3"), "progress bar: \(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
        XCTAssertEqual(files.count, 2 * (4 + 1))
    }
}
