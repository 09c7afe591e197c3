@testable import DeepI2I
import Foundation
import Torch
import XCTest

/// Building DeepI2I from BigGAN checkpoints: G from the generator, D and E from the discriminator.
final class TransferTests: XCTestCase {
    func testInferredConfigMatchesReferenceConfig() throws {
        let folder = try TestPaths.requireGolden()
        let inferred = try CheckpointInspector.inferConfig(
            generator: CheckpointInspector.shapes(folder.appendingPathComponent("G_legacy.pth")),
            discriminator: CheckpointInspector.shapes(folder.appendingPathComponent("D.pth")), resolution: 128)
        let reference = try ReferenceCheck(folder: folder).config
        XCTAssertEqual(inferred.generatorChannels, reference.generatorChannels)
        XCTAssertEqual(inferred.discriminatorChannels, reference.discriminatorChannels)
        XCTAssertEqual(inferred.classCount, 1000)
        XCTAssertEqual(inferred.dimZ, 120)
        XCTAssertEqual(inferred.sharedDim, 128)
        XCTAssertTrue(inferred.hierarchicalZ)
        XCTAssertEqual(inferred.generatorAttention, [64])
        XCTAssertEqual(inferred.discriminatorAttention, [64])
        XCTAssertEqual(inferred.fusionLevels, [32, 16, 8, 4])
    }

    func testGeneratorFromGeneratorAndEncoderAndDiscriminatorFromDiscriminator() throws {
        let folder = try TestPaths.requireGolden()
        let config = try ReferenceCheck(folder: folder).config
        let model = try Transfer.makeModel(config: config, generatorWeights: folder.appendingPathComponent("G_legacy.pth"),
                                           discriminatorWeights: folder.appendingPathComponent("D.pth"))
        let g = try StateDictFile.readDictionary(folder.appendingPathComponent("G.safetensors"))
        let d = try StateDictFile.readDictionary(folder.appendingPathComponent("D.safetensors"))
        for (name, t) in model.generator.stateDict() {
            XCTAssertEqual(try (t - g[name]!).abs().max().item(), 0, name)
        }
        for (name, t) in model.discriminator.stateDict() {
            XCTAssertEqual(try (t - d[name]!).abs().max().item(), 0, name)
        }
        for (name, t) in model.encoder.stateDict() {
            XCTAssertEqual(try (t - d[name]!).abs().max().item(), 0, "E.\(name) from D")
        }
        // The adaptor is fresh: its weights are not the reference adaptor's.
        let a = try StateDictFile.readDictionary(folder.appendingPathComponent("A.safetensors"))
        let fresh = try model.adaptor.stateDict().first { $0.name.hasSuffix("conv1.weight") }!
        XCTAssertGreaterThan(try (fresh.tensor - a[fresh.name]!).abs().max().item(), 0)
    }

    func testPartialTransferKeepsRandomNetworks() throws {
        let folder = try TestPaths.requireGolden()
        let config = try ReferenceCheck(folder: folder).config
        let d = try StateDictFile.readDictionary(folder.appendingPathComponent("D.safetensors"))
        let model = try Transfer.makeModel(config: config, generatorWeights: folder.appendingPathComponent("G.pth"),
                                           discriminatorWeights: folder.appendingPathComponent("D.pth"),
                                           parts: TransferParts(generator: true, discriminator: true, encoder: false))
        let key = "blocks.0.0.conv1.weight"
        let encoderWeight = try model.encoder.stateDict().first { $0.name == key }!.tensor
        XCTAssertGreaterThan(try (encoderWeight - d[key]!).abs().max().item(), 0)
    }

    func testMismatchedCheckpointNamesFirstKeyAndBothShapes() throws {
        let folder = try TestPaths.requireGolden()
        var config = try ReferenceCheck(folder: folder).config
        config.generatorChannels = 16
        XCTAssertThrowsError(try Transfer.makeModel(config: config, generatorWeights: folder.appendingPathComponent("G.pth"),
                                                    discriminatorWeights: folder.appendingPathComponent("D.pth"))) { error in
            let message = describe(error)
            XCTAssertTrue(message.contains("G.pth"), message)
            XCTAssertTrue(message.contains("'shared.weight'") || message.contains("'linear.weight'"), message)
            XCTAssertTrue(message.contains("[4096, 20]") && message.contains("[2048, 20]"), message)
        }
    }

    func testClassMaps() throws {
        func rows(_ map: ClassMap, _ names: [String], _ count: Int) throws -> [[Int]] {
            try map.initialisation(for: names, rowCount: count).map(\.rows)
        }
        XCTAssertEqual(try rows(.identity, ["a", "b"], 10), [[0], [1]])
        XCTAssertEqual(try rows(ClassMap.parse("a=5,b=7"), ["a", "b"], 10), [[5], [7]])
        XCTAssertThrowsError(try rows(ClassMap.parse("a=50"), ["a"], 10))
        XCTAssertThrowsError(try rows(.identity, ["a", "b", "c"], 2))
        XCTAssertThrowsError(try ClassMap.parse("nonsense"))
    }
}
