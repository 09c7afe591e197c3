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

/// Four iterations of the official training function (shared/golden/trajectory128) replayed through
/// DeepI2IStep with the official reconstruction pairing and D's own reals.
final class TrajectoryCheckTests: XCTestCase {
    func folder() throws -> URL {
        let url = TestPaths.golden.deletingLastPathComponent().appendingPathComponent("trajectory128")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path),
                          "trajectory vectors not found at \(url.path)")
        return url
    }

    func testReplayMatchesTheOfficialTrainingFunction() throws {
        let url = try folder()
        XCTAssertEqual(try ReferenceFamily.of(folder: url), .trajectory)
        XCTAssertEqual(try ReferenceFamily.of(folder: TestPaths.requireGolden()), .biggan)
        let results = try TrajectoryCheck(folder: url).run()
        // 4 iterations x 3 losses, and every one of the 393 official tensors after iterations 1, 2 and 4.
        XCTAssertEqual(results.filter { $0.kind == .loss }.count, 12)
        XCTAssertEqual(results.filter { $0.kind != .loss }.count, 3 * 393)
        for failure in results where !failure.passed {
            XCTFail("\(failure.name): error \(failure.error) > \(failure.tolerance)")
        }
        // Phase 1 leaves G's parameters bit-identical; E's parameters never change.
        let exact = results.filter { $0.name.hasSuffix("(bit-identical)") }
        XCTAssertEqual(exact.filter { $0.name.contains(" G.") }.count, 2 * 62, "G parameters in iterations 1, 2")
        XCTAssertGreaterThan(exact.filter { $0.name.contains(" E.") }.count, 0)
        for c in exact { XCTAssertEqual(c.error, 0, c.name) }
        // Losses before any update are strict; the platform-noise allowance stays rare (12 of 1191 here, 10 on
        // libtorch 2.15; the official code itself, run on libtorch 1.13, misses the rule in the same tensors).
        for c in results where c.kind == .loss && c.name.hasPrefix("iteration 1 ") {
            XCTAssertTrue(c.strictlyPassed, "\(c.name): \(c.error)")
        }
        let allowed = results.filter { !$0.strictlyPassed }
        XCTAssertLessThanOrEqual(allowed.count, 12, allowed.map(\.name).joined(separator: ", "))
        // After one update the only miss is the one where the folder itself is off the float64 replay of the
        // official code (2 elements of A's phase-1 gradient at Adam's eps; ours is 1.4e-7 from float64 there):
        // anything else at iteration 1 would be a real difference in the step.
        for c in allowed where c.name.hasPrefix("iteration 1 ") {
            XCTAssertEqual(c.name, "iteration 1 A.blocks.0.0.conv2.weight")
            XCTAssertLessThan(c.error, 1.5 * c.tolerance, c.name)
        }
    }

    /// The check has teeth: deepi2i's own pairing, or D seeing the inputs as reals, fails at iteration 1.
    func testCatchesTheIntendedPairingAndTheFormerDStep() throws {
        var pairing = try TrajectoryCheck(folder: folder())
        pairing.replayedIterations = 1
        pairing.training.officialReconPairing = false
        let p = try pairing.run()
        XCTAssertFalse(try XCTUnwrap(p.first { $0.name == "iteration 1 G_loss" }).passed)
        XCTAssertTrue(try XCTUnwrap(p.first { $0.name == "iteration 1 D_loss_real" }).strictlyPassed)

        var reals = try TrajectoryCheck(folder: folder())
        reals.replayedIterations = 1
        reals.training.discriminatorReals = .inputs
        let r = try reals.run()
        XCTAssertFalse(try XCTUnwrap(r.first { $0.name == "iteration 1 D_loss_real" }).passed)
        XCTAssertGreaterThan(r.filter { !$0.passed }.count, 10)
        func error(_ results: [ReferenceComparison], _ name: String) -> Double { results.first { $0.name == name }?.error ?? .nan }
        print("trajectory iteration 1: intended pairing G_loss error \(error(p, "iteration 1 G_loss")); "
              + "--d-reals inputs D_loss_real error \(error(r, "iteration 1 D_loss_real")), "
              + "\(r.filter { !$0.passed }.count) of \(r.count) comparisons fail")
    }
}
