import CheckpointFormats
import Foundation
import XCTest

/// The shared golden checkpoints: zip .pth, legacy .pth and safetensors of the same weights must agree.
final class GoldenFileTests: XCTestCase {
    func golden(_ name: String) throws -> URL {
        guard FileManager.default.fileExists(atPath: Paths.golden.path) else {
            // Under CI a missing golden folder is a broken checkout: fail instead of skipping.
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail("CI=true but the golden folder is missing: \(Paths.golden.path)")
            }
            throw XCTSkip("golden folder missing: \(Paths.golden.path)")
        }
        return Paths.golden.appendingPathComponent(name)
    }

    func assertSame(_ a: [(name: String, tensor: HostTensor)], _ b: [(name: String, tensor: HostTensor)],
                    _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(a.isEmpty, label, file: file, line: line)
        XCTAssertEqual(Set(a.map(\.name)), Set(b.map(\.name)), label, file: file, line: line)
        XCTAssertEqual(a.count, b.count, "\(label): duplicate names", file: file, line: line)
        let byName = Dictionary(b.map { ($0.name, $0.tensor) }, uniquingKeysWith: { x, _ in x })
        for (name, tensor) in a {
            guard let other = byName[name] else { continue }
            XCTAssertEqual(tensor.dtype, other.dtype, "\(label) \(name) dtype", file: file, line: line)
            XCTAssertEqual(tensor.shape, other.shape, "\(label) \(name) shape", file: file, line: line)
            XCTAssertTrue(tensor.bytes == other.bytes, "\(label) \(name) bytes differ", file: file, line: line)
        }
    }

    func testGeneratorFilesAgree() throws {
        let zip = try TorchCheckpoint.read(try golden("G.pth"))
        let legacy = try TorchCheckpoint.read(try golden("G_legacy.pth"))
        let safetensors = try Safetensors.read(try golden("G.safetensors")).tensors
        XCTAssertEqual(zip.count, 166)
        assertSame(zip, legacy, "G.pth vs G_legacy.pth")
        assertSame(zip, safetensors, "G.pth vs G.safetensors")
        // Both torch files list tensors in state-dict order.
        XCTAssertEqual(zip.map(\.name), legacy.map(\.name))
        XCTAssertEqual(zip.first?.name, "shared.weight")
        XCTAssertEqual(zip.first?.tensor.shape, [1000, 128])
        print("G.pth order (first 5):", zip.prefix(5).map(\.name), "G.safetensors order (first 5):", safetensors.prefix(5).map(\.name))
    }

    func testDiscriminatorFilesAgree() throws {
        let zip = try TorchCheckpoint.read(try golden("D.pth"))
        let safetensors = try Safetensors.read(try golden("D.safetensors")).tensors
        assertSame(zip, safetensors, "D.pth vs D.safetensors")
    }

    /// Rewriting the golden safetensors reproduces the same tensors and metadata.
    func testGoldenSafetensorsRewrite() throws {
        let original = try Safetensors.read(try golden("G.safetensors"))
        let dir = try Paths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("G.safetensors")
        try Safetensors.write(original.tensors, metadata: original.metadata, to: copy)
        let again = try Safetensors.read(copy)
        XCTAssertEqual(again.metadata, original.metadata)
        XCTAssertEqual(again.tensors.map(\.name), original.tensors.map(\.name))
        XCTAssertTrue(again.tensors.map(\.tensor) == original.tensors.map(\.tensor))
    }
}
