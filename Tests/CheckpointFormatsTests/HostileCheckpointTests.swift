@testable import CheckpointFormats
import Foundation
import Pickle
import XCTest

/// Checkpoints a stranger could send (issue #14): each is refused with a clear error, quickly,
/// without a large allocation and without a trap.
final class HostileCheckpointTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try Paths.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    // MARK: Shared subtrees

    func testSharedSubtreePickleLoadsAndDescribesInBoundedTime() throws {
        let bytes = sharedSubtreePickle()
        XCTAssertLessThan(bytes.count, 460)
        let value = try Unpickler.load(bytes).value
        let text = value.description
        XCTAssertLessThanOrEqual(text.count, PickleValue.descriptionLimit + 3)
        XCTAssertTrue(text.hasPrefix("((((") && text.hasSuffix("..."), text)
        // A long string is cut too.
        XCTAssertEqual(PickleValue.string(String(repeating: "x", count: 10_000)).description.count, PickleValue.descriptionLimit + 3)
    }

    func testSharedSubtreeStorageWalkIsCapped() throws {
        let value = try Unpickler.load(sharedSubtreePickle()).value
        assertCheckpointError(["more than \(NodeBudget.maxNodes) values"]) { _ = try storageIDs(in: value, file: "x") }
    }

    func testSharedSubtreeLegacyCheckpointIsRefused() throws {
        let url = try write(legacyCheckpoint(object: sharedSubtreePickle(), keys: [], storages: []), "shared_legacy.pth")
        assertCheckpointError(["shared_legacy.pth", "more than \(NodeBudget.maxNodes) values"]) { _ = try TorchCheckpoint.read(url) }
    }

    func testSharedSubtreeZipCheckpointIsRefused() {
        let url = Paths.fixtures.appendingPathComponent("shared_zip.pth")
        assertCheckpointError(["shared_zip.pth", "more than \(NodeBudget.maxNodes) values"]) { _ = try TorchCheckpoint.read(url) }
    }

    /// A tensor reached twice through the memo (tied weights) is rebuilt once and shares its bytes.
    func testSharedTensorIsRebuiltOnce() throws {
        var p = PickleWriter()
        p.global("collections", "OrderedDict"); p.op(0x29); p.op(0x52)
        p.mark()
        p.string("a"); p.tensor(storageType: "FloatStorage", key: "0", numel: 2, offset: 0, size: [2], stride: [1]); p.put(1)
        p.string("b"); p.get(1)
        p.op(0x75); p.stop()
        let url = try write(legacyCheckpoint(object: p.bytes, keys: ["0"], storages: [(2, [0, 0, 128, 63, 0, 0, 0, 64])]), "tied.pth")
        let tensors = try TorchCheckpoint.read(url)
        XCTAssertEqual(tensors.map(\.name), ["a", "b"])
        XCTAssertEqual(tensors[0].tensor.doubles, [1, 2])
        XCTAssertEqual(tensors[1].tensor, tensors[0].tensor)
    }

    // MARK: Views

    func testExpandTo2Pow40IsRefusedNotAllocated() {
        for name in ["expand_zip.pth", "expand_legacy.pth"] {
            let url = Paths.fixtures.appendingPathComponent(name)
            assertCheckpointError([name, "[1099511627776]", "stride [0]", "4398046511104 bytes", "expand()"]) {
                _ = try TorchCheckpoint.read(url)
            }
        }
    }

    func testSmallExpandedViewStillLoads() throws {
        var p = PickleWriter()
        p.tensor(storageType: "FloatStorage", key: "0", numel: 1, offset: 0, size: [3, 2], stride: [0, 0]); p.stop()
        let url = try write(legacyCheckpoint(object: p.bytes, keys: ["0"], storages: [(1, [0, 0, 128, 63])]), "small.pth")
        XCTAssertEqual(try TorchCheckpoint.read(url).first?.tensor.doubles, [1, 1, 1, 1, 1, 1])
    }

    func testOverflowingSizesAndOffsetsThrow() throws {
        let cases: [(offset: Int, size: [Int], stride: [Int], view: (offset: Int, size: Int)?, fragment: String)] = [
            (0, [Int.max, 4], [0, 0], nil, "overflows"),
            (0, [1 << 62, 1 << 62], [1, 1], nil, "overflows"),
            (0, [3], [Int.max], nil, "overflows"),
            (Int.max, [1], [1], (1, 1), "overflows"),
            (Int.max - 1, [2], [1], nil, "overflows"),
            (0, [1 << 61], [0], nil, "would copy"), // 2^63 bytes of f32: the byte count overflows
        ]
        for (i, c) in cases.enumerated() {
            var p = PickleWriter()
            p.tensor(storageType: "FloatStorage", key: "0", numel: 4, offset: c.offset, size: c.size, stride: c.stride, view: c.view)
            p.stop()
            let url = try write(legacyCheckpoint(object: p.bytes, keys: ["0"], storages: [(4, [UInt8](repeating: 0, count: 16))]), "o\(i).pth")
            XCTAssertThrowsError(try TorchCheckpoint.read(url), "case \(i)") { error in
                XCTAssertTrue(error is CheckpointError, "case \(i): \(error)")
            }
        }
    }

    // MARK: Zip entries

    func testDeflateBombIsRefusedBeforeInflating() {
        let url = Paths.fixtures.appendingPathComponent("bomb_zip.pth")
        assertCheckpointError(["bomb_zip.pth", "data/0", "declares 83886080 bytes", "limit"]) { _ = try TorchCheckpoint.read(url) }
    }

    func testEntryInflatingPastItsDeclaredSizeIsRefused() {
        let url = Paths.fixtures.appendingPathComponent("lying_zip.pth")
        assertCheckpointError(["lying_zip.pth", "inflates to more than its declared 100 bytes"]) { _ = try TorchCheckpoint.read(url) }
    }

    func testCRCMismatchIsRefused() {
        let url = Paths.fixtures.appendingPathComponent("crc_zip.pth")
        assertCheckpointError(["crc_zip.pth", "data/0", "CRC-32"]) { _ = try TorchCheckpoint.read(url) }
    }

    func testStoredEntryWithWrongDeclaredSizeIsRefused() throws {
        var p = PickleWriter()
        p.tensor(storageType: "FloatStorage", key: "0", numel: 2, offset: 0, size: [2], stride: [1]); p.stop()
        var zip = ZipBuilder()
        zip.add("archive/data.pkl", p.bytes)
        zip.add("archive/data/0", [0, 0, 128, 63, 0, 0, 0, 64])
        let good = try write(zip.build(), "good.pth")
        XCTAssertEqual(try TorchCheckpoint.read(good).first?.tensor.doubles, [1, 2])
        zip.entries[1].declaredSize = 1 << 31
        let bad = try write(zip.build(), "bad.pth")
        assertCheckpointError(["bad.pth", "data/0"]) { _ = try TorchCheckpoint.read(bad) }
    }

    /// Found by the fuzzer: a storage whose declared element count overflows a byte count trapped
    /// while the error message was being written.
    func testHugeStorageElementCountInZipIsRefused() throws {
        var p = PickleWriter()
        p.tensor(storageType: "FloatStorage", key: "0", numel: Int.max, offset: 0, size: [2], stride: [1]); p.stop()
        var zip = ZipBuilder()
        zip.add("archive/data.pkl", p.bytes)
        zip.add("archive/data/0", [0, 0, 128, 63, 0, 0, 0, 64])
        let url = try write(zip.build(), "numel.pth")
        assertCheckpointError(["numel.pth", "truncated", "more than 2^63"]) { _ = try TorchCheckpoint.read(url) }
    }

    // MARK: Safetensors

    func safetensors(_ header: String, dataSize: Int) -> [UInt8] {
        var out = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) }
        out += Array(header.utf8)
        out += [UInt8](repeating: 0, count: dataSize)
        return out
    }

    func testSafetensorsGapsAreRefused() throws {
        let gapBetween = try write(safetensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}"#, dataSize: 20), "between.safetensors")
        assertCheckpointError(["between.safetensors", "gap", "[8, 12)", "'b'"]) { _ = try Safetensors.read(gapBetween) }
        let gapFirst = try write(safetensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, dataSize: 12), "first.safetensors")
        assertCheckpointError(["gap", "[0, 4)"]) { _ = try Safetensors.read(gapFirst) }
        let trailing = try write(safetensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataSize: 9), "trailing.safetensors")
        assertCheckpointError(["gap", "last 1 bytes"]) { _ = try Safetensors.read(trailing) }
        let exact = try write(safetensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}}"#, dataSize: 8), "exact.safetensors")
        XCTAssertEqual(try Safetensors.read(exact).tensors.map(\.name), ["a", "e"])
        // The in-memory parser applies the same rule.
        let bytes = safetensors(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, dataSize: 2)
        XCTAssertThrowsError(try bytes.withUnsafeBytes { try Safetensors.parse($0, file: "m") })
    }

    /// The reader uses positioned reads, not a memory map: a file that shrinks after it was opened
    /// fails with an error (a mapped file would kill the process with SIGBUS).
    func testFileTruncatedWhileOpenThrows() throws {
        let url = try write([UInt8](repeating: 7, count: 1 << 16), "shrinks.bin")
        let file = try ReadOnlyFile(url)
        XCTAssertEqual(try file.bytes(4, at: 100), [7, 7, 7, 7])
        XCTAssertEqual(truncate(url.path, 1000), 0)
        assertCheckpointError(["shrinks.bin", "ended early"]) { _ = try file.bytes(4096, at: 30_000) }
        assertCheckpointError(["shrinks.bin", "ended early"]) { _ = try file.bytes(100, at: 950) }
    }
}
