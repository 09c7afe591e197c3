import Datasets
import ImageIO
import XCTest

final class PackingTests: XCTestCase {
    /// ImageFolder with good PNG/JPEG files in two classes, one of every bad kind, and an empty class.
    func makeFolder() throws -> URL {
        let root = try temporaryFolder("src")
        let fm = FileManager.default
        for name in ["cats", "dogs", "empty"] {
            try fm.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        for i in 0..<12 {
            let png = try ImageEncoder.png(noiseImage(width: 20, height: 14, seed: i))
            try Data(png).write(to: root.appendingPathComponent("cats/c\(String(format: "%02d", i)).PNG"))
        }
        for i in 0..<10 {
            let jpeg = try ImageEncoder.jpeg(noiseImage(width: 12, height: 18, seed: 100 + i), quality: 90)
            try Data(jpeg).write(to: root.appendingPathComponent("dogs/d\(i).jpeg"))
        }
        let good = try ImageEncoder.png(noiseImage(width: 20, height: 14, seed: 99))
        var corrupt = good
        corrupt[40] ^= 0xFF  // inside IDAT: CRC mismatch
        try Data(good.prefix(good.count / 2)).write(to: root.appendingPathComponent("cats/truncated.png"))
        try Data(corrupt).write(to: root.appendingPathComponent("cats/corrupt.png"))
        try Data().write(to: root.appendingPathComponent("cats/zero.png"))
        try Data("not an image".utf8).write(to: root.appendingPathComponent("cats/text.jpg"))
        try Data(ImageEncoder.png(noiseImage(width: 4, height: 4, seed: 5))).write(to: root.appendingPathComponent("dogs/small.png"))
        try Data(pngClaiming(width: 100_000, height: 100_000, from: good)).write(to: root.appendingPathComponent("dogs/bomb.png"))
        try Data("x".utf8).write(to: root.appendingPathComponent("dogs/.hidden.png"))
        try Data("notes".utf8).write(to: root.appendingPathComponent("dogs/readme.txt"))
        return root
    }

    func testPackRoundTripAndSkipReport() throws {
        let src = try makeFolder()
        let parent = try temporaryFolder("out")
        let out = parent.appendingPathComponent("packed")
        defer { try? FileManager.default.removeItem(at: src); try? FileManager.default.removeItem(at: parent) }
        var progressCalls: [(Int, Int)] = []
        let summary = try DatasetPacker.packImageFolder(src: src, resolution: 8, out: out, seed: 7) { progressCalls.append(($0, $1)) }
        XCTAssertEqual(summary.classNames, ["cats", "dogs"])
        XCTAssertEqual(summary.classCounts, [12, 10])
        XCTAssertEqual(summary.emptyClasses, ["empty"])
        XCTAssertEqual(summary.trainCount + summary.testCount, 22)
        XCTAssertEqual(summary.testCount, 2)
        XCTAssertEqual(summary.skippedByReason, ["truncated": 1, "corrupt": 1, "zero-byte": 1, "not-an-image": 1,
                                                 "too-small": 1, "too-large": 1, "unsupported-extension": 1, "hidden": 1])
        XCTAssertEqual(progressCalls.last?.0, progressCalls.last?.1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.path))
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: parent.path).allSatisfy { !$0.contains(".tmp-") })

        let dataset = try PackedDataset(at: out, verifyHashes: true)
        XCTAssertEqual(dataset.count, 22)
        XCTAssertEqual(dataset.manifest.skipped.count, 8)
        XCTAssertEqual(dataset.manifest.split.seed, 7)
        // Pixels equal a direct decode -> RGB -> centre crop -> resize of the same file.
        let direct = try ImageDecoder.decode(contentsOf: src.appendingPathComponent("cats/c03.PNG").path).toRGB().squareResized(to: 8)
        XCTAssertEqual(dataset.image(at: 3), direct)
        let jpeg = try ImageDecoder.decode(contentsOf: src.appendingPathComponent("dogs/d9.jpeg").path).toRGB().squareResized(to: 8)
        XCTAssertEqual(dataset.image(at: 21), jpeg)
        XCTAssertEqual(dataset.labels[21], 1)

        // Destination exists -> error; overwrite replaces it.
        XCTAssertThrowsError(try DatasetPacker.packImageFolder(src: src, resolution: 8, out: out, seed: 7)) { error in
            guard case DatasetError.destinationExists = error else { return XCTFail("\(error)") }
        }
        var options = PackOptions(perClassLimit: 3)
        options.overwrite = true
        let again = try DatasetPacker.packImageFolder(src: src, resolution: 8, out: out, seed: 7, options: options)
        XCTAssertEqual(again.classCounts, [3, 3])
        XCTAssertEqual(try PackedDataset(at: out).count, 6)
    }

    /// Images in sub-folders of a class folder belong to the class; hidden files and folders are not
    /// read but listed under "hidden"; with no usable image the error carries the skip report.
    func testNestedFoldersHiddenFilesAndNoUsableImages() throws {
        let root = try temporaryFolder("nested")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        let src = root.appendingPathComponent("src")
        for folder in ["dog/more dogs/deeper", "dog/.thumbnails", "cat"] {
            try fm.createDirectory(at: src.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        func png(_ path: String, seed: Int) throws {
            try Data(ImageEncoder.png(noiseImage(width: 10, height: 10, seed: seed))).write(to: src.appendingPathComponent(path))
        }
        try png("dog/a.png", seed: 1)
        try png("dog/more dogs/b.png", seed: 2)
        try png("dog/more dogs/deeper/c.jpg.png", seed: 3)
        try png("dog/.thumbnails/t.png", seed: 4)
        try png("dog/._a.png", seed: 5)        // AppleDouble metadata beside a.png
        try png("dog/.hidden.png", seed: 6)
        try Data([0, 1]).write(to: src.appendingPathComponent("dog/.DS_Store"))
        try png("cat/x.png", seed: 7)
        try Data().write(to: src.appendingPathComponent(".DS_Store"))
        let out = root.appendingPathComponent("out")
        let summary = try DatasetPacker.packImageFolder(src: src, resolution: 8, out: out, seed: 0)
        XCTAssertEqual(summary.classNames, ["cat", "dog"])
        XCTAssertEqual(summary.classCounts, [1, 3])
        XCTAssertEqual(summary.skippedByReason, ["hidden": 5])
        XCTAssertEqual(Set(summary.skipped.map { URL(fileURLWithPath: $0.path).lastPathComponent }),
                       [".DS_Store", ".thumbnails", "._a.png", ".hidden.png"])
        XCTAssertTrue(summary.skipped.contains { $0.detail.hasSuffix(".thumbnails: hidden folder (name starts with '.'), not read") })
        let report = SkippedFile.report(summary.skipped, limit: 2, rest: "manifest.json")
        XCTAssertEqual(report.first, "skipped 5 files (5 hidden):")
        XCTAssertEqual(report.count, 4)
        XCTAssertEqual(report.last, "  ... 3 more in manifest.json")

        // Nothing usable: the error lists what was skipped and why.
        let bad = root.appendingPathComponent("bad/cls")
        try fm.createDirectory(at: bad, withIntermediateDirectories: true)
        try Data().write(to: bad.appendingPathComponent("zero.png"))
        try Data("x".utf8).write(to: bad.appendingPathComponent(".hidden.png"))
        XCTAssertThrowsError(try DatasetPacker.packImageFolder(src: bad.deletingLastPathComponent(), resolution: 8,
                                                               out: root.appendingPathComponent("o2"), seed: 0)) { error in
            guard case DatasetError.noImages(_, let skipped) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(Set(skipped.map(\.reason)), ["zero-byte", "hidden"])
            let text = "\(error)"
            XCTAssertTrue(text.contains("no usable images found"), text)
            XCTAssertTrue(text.contains("skipped 2 files (1 hidden, 1 zero-byte):"), text)
            XCTAssertTrue(text.contains("zero.png"), text)
        }
        XCTAssertFalse(fm.fileExists(atPath: root.appendingPathComponent("o2").path))
    }

    func testMissingSourceAndSingleClass() throws {
        let parent = try temporaryFolder("single")
        defer { try? FileManager.default.removeItem(at: parent) }
        XCTAssertThrowsError(try DatasetPacker.packImageFolder(src: parent.appendingPathComponent("nope"), resolution: 8,
                                                               out: parent.appendingPathComponent("o"), seed: 1)) { error in
            guard case DatasetError.sourceMissing = error else { return XCTFail("\(error)") }
        }
        let src = parent.appendingPathComponent("src/only")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        try Data(ImageEncoder.png(noiseImage(width: 9, height: 9, seed: 1))).write(to: src.appendingPathComponent("a.png"))
        let summary = try DatasetPacker.packImageFolder(src: parent.appendingPathComponent("src"), resolution: 8,
                                                        out: parent.appendingPathComponent("o"), seed: 1)
        XCTAssertEqual(summary.classNames, ["only"])
        XCTAssertTrue(summary.warnings.contains { $0.contains("only one class") })
    }
}
