import CheckpointFormats
import Foundation
import XCTest

final class SafetensorsTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try Paths.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    static var allDTypes: [(name: String, tensor: HostTensor)] {
        [
            ("f64", .make(.f64, [2], [1.5, -2.25] as [Double])),
            ("f32", .make(.f32, [2, 2], [1, 2, 3, 4] as [Float])),
            ("f16", .make(.f16, [3], [0x3C00, 0xC000, 0x7BFF] as [UInt16])),
            ("bf16", .make(.bf16, [1, 2], [0x3F80, 0xBF80] as [UInt16])),
            ("i64", .make(.i64, [2], [Int64.min, Int64.max])),
            ("i32", .make(.i32, [1], [Int32(-7)])),
            ("i16", .make(.i16, [2], [Int16(-300), 300])),
            ("i8", .make(.i8, [2], [Int8(-128), 127])),
            ("u8", .make(.u8, [3], [UInt8(0), 128, 255])),
            ("bool", .make(.bool, [2], [UInt8(1), 0])),
            ("scalar", .make(.f32, [], [Float(3.5)])),
            ("empty", HostTensor(dtype: .f32, shape: [0, 4], bytes: [])),
            ("name with \"quotes\" and \u{e9}", .make(.u8, [1], [UInt8(9)])),
        ]
    }

    func testRoundTripEveryDType() throws {
        let url = dir.appendingPathComponent("all.safetensors")
        let metadata = ["format": "pt", "note": "line\nbreak \"quoted\""]
        try Safetensors.write(Self.allDTypes, metadata: metadata, to: url)
        let (tensors, readMetadata) = try Safetensors.read(url)
        XCTAssertEqual(readMetadata, metadata)
        // Non-empty tensors come back in written order; the empty one has no extent, so it sorts by name among ties.
        XCTAssertEqual(Set(tensors.map(\.name)), Set(Self.allDTypes.map(\.name)))
        let byName = Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        for (name, tensor) in Self.allDTypes { XCTAssertEqual(byName[name], tensor, name) }
        XCTAssertEqual(byName["scalar"]?.doubles, [3.5])
        XCTAssertEqual(byName["f16"]?.doubles, [1, -2, 65504])
        XCTAssertEqual(byName["bf16"]?.doubles, [1, -1])
        // Header is 8-byte aligned like the reference writer's.
        let data = try Data(contentsOf: url)
        let headerLength = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual(headerLength % 8, 0)
        // No temporary files left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["all.safetensors"])
    }

    func testOverwriteIsAtomicReplace() throws {
        let url = dir.appendingPathComponent("x.safetensors")
        try Safetensors.write([("a", .make(.f32, [1], [Float(1)]))], metadata: [:], to: url)
        try Safetensors.write([("b", .make(.f32, [1], [Float(2)]))], metadata: [:], to: url)
        XCTAssertEqual(try Safetensors.read(url).tensors.map(\.name), ["b"])
    }

    func testWriteRejectsInconsistentTensors() {
        let url = dir.appendingPathComponent("bad.safetensors")
        assertCheckpointError(["bad.safetensors", "needs 8 bytes"]) {
            try Safetensors.write([("a", HostTensor(dtype: .f32, shape: [2], bytes: [0]))], metadata: [:], to: url)
        }
        assertCheckpointError(["duplicate"]) {
            try Safetensors.write([("a", .make(.u8, [1], [UInt8(1)])), ("a", .make(.u8, [1], [UInt8(1)]))], metadata: [:], to: url)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    /// A file with a hand-written header and `dataSize` zero bytes of data.
    func file(header: String, dataSize: Int = 16, lengthOverride: UInt64? = nil) throws -> URL {
        var bytes = [UInt8]()
        var length = (lengthOverride ?? UInt64(header.utf8.count)).littleEndian
        withUnsafeBytes(of: &length) { bytes += $0 }
        bytes += Array(header.utf8)
        bytes += [UInt8](repeating: 0, count: dataSize)
        let url = dir.appendingPathComponent("h\(UUID().uuidString.prefix(8)).safetensors")
        try Data(bytes).write(to: url)
        return url
    }

    func testCorruptHeaders() throws {
        let cases: [(String, [String])] = [
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, ["overlap"]),
            (#"{"a":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}}"#, ["out of range"]),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,4]}}"#, ["bad data_offsets"]),
            (#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, ["needs 12 bytes"]),
            (#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}"#, ["invalid shape"]),
            (#"{"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}}"#, ["unsupported dtype 'Q7'"]),
            (#"{"a":{"dtype":"F32","shape":[2]}}"#, ["data_offsets"]),
            (#"{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#, ["shape"]),
            (#"{"__metadata__":{"k":3}}"#, ["__metadata__"]),
            (#"{"a": [1,2"#, ["not valid JSON"]),
            (#"[1,2]"#, ["not a JSON object"]),
        ]
        for (header, fragments) in cases {
            let url = try file(header: header)
            assertCheckpointError([url.lastPathComponent] + fragments) { _ = try Safetensors.read(url) }
        }
        let huge = try file(header: "{}", lengthOverride: 1 << 40)
        assertCheckpointError(["header length", "exceeds"]) { _ = try Safetensors.read(huge) }
        let tiny = dir.appendingPathComponent("tiny.safetensors")
        try Data([1, 2, 3]).write(to: tiny)
        assertCheckpointError(["tiny.safetensors", "too short"]) { _ = try Safetensors.read(tiny) }
        let empty = dir.appendingPathComponent("empty.safetensors")
        try Data().write(to: empty)
        assertCheckpointError(["empty.safetensors", "empty"]) { _ = try Safetensors.read(empty) }
        assertCheckpointError(["missing.safetensors", "no such file"]) {
            _ = try Safetensors.read(self.dir.appendingPathComponent("missing.safetensors"))
        }
    }

    func testEveryTruncationThrows() throws {
        let url = dir.appendingPathComponent("t.safetensors")
        try Safetensors.write(Array(Self.allDTypes.prefix(4)), metadata: ["a": "b"], to: url)
        let bytes = try Data(contentsOf: url)
        let cut = dir.appendingPathComponent("cut.safetensors")
        for n in 0 ..< bytes.count {
            try bytes.prefix(n).write(to: cut)
            XCTAssertThrowsError(try Safetensors.read(cut), "prefix \(n)") { XCTAssertTrue($0 is CheckpointError) }
        }
    }

    /// 64 MB through write + read: the copy path is memcpy-based, so this should take well under a second in release.
    func testLargeRoundTrip() throws {
        let count = 16 << 20
        let big = HostTensor(dtype: .f32, shape: [count], bytes: [UInt8](repeating: 0x3F, count: count * 4))
        let url = dir.appendingPathComponent("big.safetensors")
        let start = Date()
        try Safetensors.write([("w", big)], metadata: [:], to: url)
        let read = try Safetensors.read(url)
        print("64 MB safetensors write+read: \(Date().timeIntervalSince(start)) s")
        XCTAssertEqual(read.tensors.first?.tensor, big)
    }
}
