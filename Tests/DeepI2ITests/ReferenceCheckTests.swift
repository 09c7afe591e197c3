@testable import DeepI2I
import Foundation
import Torch
import XCTest

/// Our networks against the official DeepI2I code's reference vectors (shared/golden/tiny128).
final class ReferenceCheckTests: XCTestCase {
    func testEveryComparisonWithinTolerance() throws {
        let folder = try TestPaths.requireGolden()
        let results = try ReferenceCheck(folder: folder).run()
        // 17 values, 5 losses, 84 gradients, and the buffers of G, D, E and A.
        XCTAssertEqual(results.filter { $0.kind == .value }.count, 17)
        XCTAssertEqual(results.filter { $0.kind == .loss }.count, 5)
        XCTAssertEqual(results.filter { $0.kind == .gradient }.count, 84)
        XCTAssertEqual(results.filter { $0.kind == .buffer }.count, 214)
        for failure in results where !failure.passed {
            XCTFail("\(failure.name): error \(failure.error) > \(failure.tolerance)")
        }
    }

    func testOfficialParameterCountsOfTinyConfig() throws {
        let folder = try TestPaths.requireGolden()
        let check = try ReferenceCheck(folder: folder)
        let model = try DeepI2IModel(config: check.config)
        XCTAssertEqual(model.generator.parameterCount, 823_700)
        XCTAssertEqual(model.discriminator.parameterCount, 729_578)
    }

    func testPaperWidthParameterCounts() throws {
        // The paper's G 70.43M and D 87.98M at 128x128, ch 96 (counting only shapes: built at ch 96 once).
        let config = try ModelConfig(resolution: 128, channels: 96)
        let g = try Generator(config: config)
        XCTAssertEqual(g.parameterCount, 70_433_988)
        let d = try Discriminator(config: config)
        XCTAssertEqual(d.parameterCount, 87_982_370)
    }

    func testStateDictKeysEqualOfficialKeys() throws {
        let folder = try TestPaths.requireGolden()
        let check = try ReferenceCheck(folder: folder)
        let model = try DeepI2IModel(config: check.config)
        for (name, network, extra) in [("G", model.generator as Module, { (_: String) in false }),
                                       ("D", model.discriminator, { _ in false }),
                                       ("E", model.encoder, Encoder.isUnusedHeadKey),
                                       ("A", model.adaptor, Adaptor.isUnusedKey)] {
            let official = try StateDictFile.read(folder.appendingPathComponent("\(name).safetensors"))
            let officialKeys = Set(official.map(\.name).filter { !extra($0) })
            let ours = Dictionary(uniqueKeysWithValues: network.stateDict().map { ($0.name, $0.tensor.shape) })
            XCTAssertEqual(Set(ours.keys), officialKeys, name)
            for (key, tensor) in official where !extra(key) {
                XCTAssertEqual(ours[key], tensor.shape, "\(name).\(key)")
            }
        }
    }

    func testMissingReferenceFolderIsAClearError() {
        XCTAssertThrowsError(try ReferenceCheck(folder: URL(fileURLWithPath: "/nonexistent/ref"))) { error in
            XCTAssertTrue(describe(error).contains("config.json"), describe(error))
        }
    }
}
