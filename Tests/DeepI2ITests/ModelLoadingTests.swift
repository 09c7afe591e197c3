@testable import DeepI2I
import Foundation
import Torch
import XCTest

/// Loading a model directory skips the random initialisation of the networks it loads and of D, which a
/// translation load does not use; DeepI2IModel(toBeLoaded:) skips it for exactly the networks named.
final class ModelLoadingTests: XCTestCase {
    func testLoadedNetworksSkipRandomInitAndOthersKeepIt() throws {
        let config = try ModelConfig(resolution: 32, channels: 8, classCount: 3)
        let skipped = try DeepI2IModel(config: config, toBeLoaded: ["G", "E", "A"])
        XCTAssertEqual(try skipped.generator.gBlocks[0].conv1.weight.abs().max().item(), 0)
        XCTAssertEqual(try skipped.encoder.parameters()[0].abs().max().item(), 0)
        XCTAssertGreaterThan(try skipped.discriminator.parameters()[0].abs().max().item(), 0, "D is not loaded: initialised")

        let dir = try TestPaths.temporaryDirectory(self).appendingPathComponent("model")
        let saved = try DeepI2IModel(config: config, seed: 4)
        try ModelDirectory.save(saved, to: dir)
        let (loaded, _) = try ModelDirectory.load(dir, networks: .translation)
        let savedState = Dictionary(uniqueKeysWithValues: saved.generator.stateDict().map { ($0.name, $0.tensor) })
        for (name, t) in loaded.generator.stateDict() {
            XCTAssertEqual(try (t - XCTUnwrap(savedState[name])).abs().max().item(), 0, name)
        }
        // D is neither loaded nor initialised for translation; a full load reads it.
        XCTAssertEqual(try loaded.discriminator.parameters()[0].abs().max().item(), 0, "D is not used: not initialised")
        let (full, _) = try ModelDirectory.load(dir, networks: .all)
        let savedD = Dictionary(uniqueKeysWithValues: saved.discriminator.stateDict().map { ($0.name, $0.tensor) })
        for (name, t) in full.discriminator.stateDict() {
            XCTAssertEqual(try (t - XCTUnwrap(savedD[name])).abs().max().item(), 0, name)
        }
    }
}
