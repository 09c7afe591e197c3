import CheckpointFormats
import Foundation
import XCTest

/// Fixtures written by Fixtures/make_fixtures.py with torch 1.13: dtypes, views, nesting, Parameter.
final class TorchCheckpointTests: XCTestCase {
    struct Expected: Decodable {
        struct Tensor: Decodable { let name: String; let dtype: String; let shape: [Int]; let values: [Double] }
        let tensors: [Tensor]
        let skipped: [String]
    }

    func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Paths.fixtures.appendingPathComponent("expected.json")))
    }

    func check(_ file: String) throws {
        let contents = try TorchCheckpoint.load(Paths.fixtures.appendingPathComponent(file))
        let want = try expected()
        XCTAssertEqual(contents.tensors.map(\.name), want.tensors.map(\.name), file)
        XCTAssertEqual(contents.skipped, want.skipped, file)
        for (got, exp) in zip(contents.tensors, want.tensors) {
            XCTAssertEqual(got.tensor.dtype.rawValue, exp.dtype, "\(file) \(exp.name)")
            XCTAssertEqual(got.tensor.shape, exp.shape, "\(file) \(exp.name)")
            XCTAssertEqual(got.tensor.bytes.count, got.tensor.elementCount * got.tensor.dtype.byteSize, "\(file) \(exp.name)")
            XCTAssertEqual(got.tensor.doubles, exp.values, "\(file) \(exp.name)")
        }
    }

    func testZipFixture() throws { try check("ckpt_zip.pth") }
    func testLegacyFixture() throws { try check("ckpt_legacy.pth") }

    func testZipAndLegacyIdentical() throws {
        let a = try TorchCheckpoint.read(Paths.fixtures.appendingPathComponent("ckpt_zip.pth"))
        let b = try TorchCheckpoint.read(Paths.fixtures.appendingPathComponent("ckpt_legacy.pth"))
        XCTAssertEqual(a.map(\.name), b.map(\.name))
        XCTAssertTrue(a.map(\.tensor) == b.map(\.tensor))
    }

    func testSingleTensorFile() throws {
        let tensors = try TorchCheckpoint.read(Paths.fixtures.appendingPathComponent("single_tensor.pth"))
        XCTAssertEqual(tensors.count, 1)
        XCTAssertEqual(tensors.first?.name, "")
        XCTAssertEqual(tensors.first?.tensor.shape, [2, 3])
        XCTAssertEqual(tensors.first?.tensor.doubles, [8, 9, 10, 14, 15, 16])
    }

    // MARK: Errors

    func testMissingEmptyAndBadMagic() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nope.pth")
        assertCheckpointError(["nope.pth", "no such file"]) { _ = try TorchCheckpoint.read(missing) }
        let empty = dir.appendingPathComponent("empty.pth")
        try Data().write(to: empty)
        assertCheckpointError(["empty.pth", "empty"]) { _ = try TorchCheckpoint.read(empty) }
        let text = dir.appendingPathComponent("text.pth")
        try Data("hello world".utf8).write(to: text)
        assertCheckpointError(["text.pth", "bad magic"]) { _ = try TorchCheckpoint.read(text) }
        // A valid pickle that is not the legacy magic number.
        let pickle = dir.appendingPathComponent("pickle.pth")
        try Data([0x80, 0x02, 0x4B, 0x05, 0x2E]).write(to: pickle)
        assertCheckpointError(["pickle.pth", "bad magic"]) { _ = try TorchCheckpoint.read(pickle) }
    }

    /// Every prefix of the legacy file, and a sample of zip prefixes, fail with a CheckpointError.
    func testTruncatedFilesThrow() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, step) in [("ckpt_legacy.pth", 1), ("ckpt_zip.pth", 37)] {
            let bytes = try Data(contentsOf: Paths.fixtures.appendingPathComponent(name))
            let cut = dir.appendingPathComponent("cut-" + name)
            for n in stride(from: 1, to: bytes.count, by: step) {
                try bytes.prefix(n).write(to: cut)
                do {
                    _ = try TorchCheckpoint.read(cut)
                    XCTFail("\(name) truncated to \(n) bytes was accepted")
                } catch let error as CheckpointError {
                    XCTAssertTrue(error.description.contains("cut-" + name), "\(error)")
                } catch {
                    XCTFail("\(name) at \(n): not a CheckpointError: \(error)")
                }
            }
        }
        let legacy = try Data(contentsOf: Paths.fixtures.appendingPathComponent("ckpt_legacy.pth"))
        try legacy.prefix(legacy.count - 3).write(to: dir.appendingPathComponent("short.pth"))
        assertCheckpointError(["short.pth", "truncated storage"]) { _ = try TorchCheckpoint.read(dir.appendingPathComponent("short.pth")) }
        let zip = try Data(contentsOf: Paths.fixtures.appendingPathComponent("ckpt_zip.pth"))
        try zip.prefix(zip.count - 10).write(to: dir.appendingPathComponent("short.zip.pth"))
        assertCheckpointError(["short.zip.pth", "zip"]) { _ = try TorchCheckpoint.read(dir.appendingPathComponent("short.zip.pth")) }
    }

    func testUnknownStorageType() throws {
        // Same-length rename inside the (uncompressed) legacy pickle keeps every offset valid.
        var bytes = [UInt8](try Data(contentsOf: Paths.fixtures.appendingPathComponent("ckpt_legacy.pth")))
        let needle = Array("FloatStorage".utf8)
        var replaced = 0
        var i = 0
        while i + needle.count <= bytes.count {
            if Array(bytes[i ..< i + needle.count]) == needle {
                bytes.replaceSubrange(i ..< i + needle.count, with: Array("GloatStorage".utf8))
                replaced += 1
            }
            i += 1
        }
        XCTAssertGreaterThan(replaced, 0)
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("weird.pth")
        try Data(bytes).write(to: url)
        assertCheckpointError(["weird.pth", "unknown storage type torch.GloatStorage"]) { _ = try TorchCheckpoint.read(url) }
    }

    func testRandomCorruptionNeverCrashes() throws {
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var state: UInt64 = 12345
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        for name in ["ckpt_legacy.pth", "ckpt_zip.pth"] {
            let original = [UInt8](try Data(contentsOf: Paths.fixtures.appendingPathComponent(name)))
            let url = dir.appendingPathComponent("fuzz-" + name)
            for _ in 0 ..< 150 {
                var bytes = original
                for _ in 0 ..< 1 + next() % 3 { bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next()) }
                try Data(bytes).write(to: url)
                do { _ = try TorchCheckpoint.read(url) } catch is CheckpointError {}
            }
        }
    }
}
