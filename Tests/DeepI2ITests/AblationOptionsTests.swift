@testable import DeepI2I
import Datasets
import Foundation
import Torch
import XCTest

/// The paper's ablations as training options (issue #15): each option is shown to act on the networks or
/// the loss, not merely to be stored. 32x32 fixture: fusable widths 8 and 4, three downsampling blocks in E.
final class AblationOptionsTests: TrainingFixtureTestCase {
    func networks(_ edit: (inout TrainingConfig) -> Void) throws -> (TrainingSetup.Networks, TrainingConfig) {
        let fx = try XCTUnwrap(Self.fixture)
        var config = fx.config()
        edit(&config)
        try config.validate()
        return (try TrainingSetup.make(config, dataset: PackedDataset(at: fx.data)), config)
    }

    func images(_ n: Int, seed: UInt64 = 3) throws -> Tensor {
        try Tensor.rand([n, 3, 32, 32], generator: RandomGenerator(seed: seed)) * 2 - 1
    }

    // MARK: no adaptor (the paper's dagger-DeepI2I)

    func testNoAdaptorHasNoParametersAndPassesEncoderFeaturesThrough() throws {
        let (net, _) = try networks { $0.fusionMode = .direct }
        let model = net.model
        XCTAssertEqual(model.config.fusionMode, .direct, "saved in the model config")
        XCTAssertEqual(model.adaptor.parameterCount, 0)
        let step = try DeepI2IStep(model: model, config: TrainingConfig(data: "", initialisation: .scratch(channels: 8)),
                                   trainsEncoder: false)
        XCTAssertNil(step.adaptorOptimizer, "nothing to optimise in A")
        let features = try withNoGrad { try model.encoder(images(2)) }
        let fused = try withNoGrad { try model.adaptor(features) }
        XCTAssertEqual(Set(fused.keys), [8, 4])
        for (width, f) in features {
            // Encoder channels tiled up to the generator's: 4ch -> 4ch at both widths at 32 px.
            let out = try XCTUnwrap(fused[width])
            let repeats = out.size(1) / f.size(1)
            XCTAssertEqual(try (out - f.repeated([1, repeats, 1, 1])).abs().max().item(), 0, "width \(width)")
        }
        // With the adaptor, A has parameters and changes the features.
        let (withA, _) = try networks { _ in }
        XCTAssertGreaterThan(withA.model.adaptor.parameterCount, 0)
    }

    // MARK: fusion at chosen levels (the paper's DeepI2I (w-l))

    func testSingleLevelFusionFusesOnlyThatLevel() throws {
        for level in [8, 4] {
            let (net, _) = try networks { $0.levels = [level] }
            let model = net.model
            XCTAssertEqual(model.config.fusionLevels, [level])
            XCTAssertEqual(Array(model.config.fusionWeights.keys), [String(level)])
            let fused = try withNoGrad { try model.adaptor(model.encoder(images(2))) }
            XCTAssertEqual(Array(fused.keys), [level])
            // Only that level's sub-adaptor exists (blocks.0 is width 8, blocks.1 width 4 at 32 px).
            let index = level == 8 ? 0 : 1
            let names = model.adaptor.stateDict().map(\.name)
            XCTAssertTrue(names.allSatisfy { $0.hasPrefix("blocks.\(index).") }, "\(names)")
            XCTAssertFalse(names.isEmpty)
        }
        XCTAssertThrowsError(try networks { $0.levels = [16] }) { error in
            XCTAssertTrue(describe(error).contains("fusion level 16"), describe(error))
        }
    }

    // MARK: bottleneck depth (Fig. 6 middle)

    func testBottleneckLevelsFollowTheEncoderDepth() throws {
        XCTAssertEqual(try TrainingSetup.bottleneckLevels(resolution: 32, downsamplings: 2), [8])
        XCTAssertEqual(try TrainingSetup.bottleneckLevels(resolution: 32, downsamplings: 3), [8, 4])
        XCTAssertEqual(try TrainingSetup.bottleneckLevels(resolution: 64, downsamplings: 2), [16])
        XCTAssertEqual(try TrainingSetup.bottleneckLevels(resolution: 64, downsamplings: 3), [16, 8])
        XCTAssertEqual(try TrainingSetup.bottleneckLevels(resolution: 64, downsamplings: 4), [16, 8, 4])
        XCTAssertEqual(try TrainingSetup.bottleneckLevels(resolution: 128, downsamplings: 2), [32])
        XCTAssertEqual(try TrainingSetup.bottleneckLevels(resolution: 128, downsamplings: 5), [32, 16, 8, 4])
        for bad in [1, 4] {
            XCTAssertThrowsError(try TrainingSetup.bottleneckLevels(resolution: 32, downsamplings: bad)) { error in
                XCTAssertTrue(describe(error).contains("possible: 2, 3"), describe(error))
            }
        }
        var config = TrainingConfig(data: "d", initialisation: .scratch(channels: 8))
        config.bottleneckDownsamplings = 2
        config.levels = [8]
        XCTAssertThrowsError(try config.validate())
        config.levels = nil
        config.bottleneckDownsamplings = 0
        XCTAssertThrowsError(try config.validate())
    }

    /// A StarGAN-like bottleneck (2 downsamplings at 32 px: width 8): fusion only at width 8, and the
    /// encoder's deeper blocks never run (poisoning them with NaN changes nothing).
    func testShallowBottleneckStopsTheEncoder() throws {
        let (net, config) = try networks { $0.bottleneckDownsamplings = 2 }
        let model = net.model
        XCTAssertEqual(model.config.fusionLevels, [8])
        let decoded = try JSONDecoder().decode(TrainingConfig.self, from: JSONEncoder().encode(config))
        XCTAssertEqual(decoded.bottleneckDownsamplings, 2)
        model.eval()  // no spectral-norm power iteration between the two passes
        let x = try images(2)
        let before = try withNoGrad { try model.encoder(x) }
        try withNoGrad {
            for (name, t) in model.encoder.namedParameters() where name.hasPrefix("blocks.2.") || name.hasPrefix("blocks.3.") {
                try t.fill_(.nan)
            }
        }
        let after = try withNoGrad { try model.encoder(x) }
        XCTAssertEqual(Array(after.keys), [8])
        XCTAssertEqual(try (after[8]! - before[8]!).abs().max().item(), 0)
        let y = try withNoGrad { try model.translate(x, classes: [0, 1], z: Tensor.zeros([2, model.config.dimZ])) }
        XCTAssertEqual(try y.isNaN().sum().item(), 0, "a deeper encoder block ran")
    }

    // MARK: partial transfer (Fig. 6 left, Table 3)

    func testPartialTransferLeavesTheOthersAtTheirSeededFreshInit() throws {
        let fx = try XCTUnwrap(Self.fixture)
        let ganG = try StateDictFile.readDictionary(GANDirectory.generatorWeights(fx.gan))
        let ganD = try StateDictFile.readDictionary(GANDirectory.discriminatorWeights(fx.gan))
        func equal(_ m: Module, _ source: [String: Tensor]) throws -> Bool {
            try m.stateDict().allSatisfy { name, t in
                guard let s = source[name] else { return false }
                return try (t - s).abs().max().item() == 0
            }
        }
        let cases: [(TransferParts, trainsEncoder: Bool)] = [
            (TransferParts(generator: true, discriminator: true, encoder: false), true),   // Table 3's *DeepI2I
            (TransferParts(generator: true, discriminator: false, encoder: false), true),
            (TransferParts(generator: false, discriminator: true, encoder: false), true),
            (TransferParts(generator: false, discriminator: false, encoder: true), false),
        ]
        for (parts, trainsEncoder) in cases {
            let (net, config) = try networks {
                $0.initialisation = .transfer(ganDirectory: fx.gan.path, parts: parts)
                $0.seed = 11
            }
            let model = net.model
            let fresh = try DeepI2IModel(config: model.config, seed: 11)
            let label = "\(parts)"
            XCTAssertEqual(net.trainsEncoder, trainsEncoder, label)
            XCTAssertEqual(try equal(model.generator, ganG), parts.generator, "G " + label)
            XCTAssertEqual(try equal(model.discriminator, ganD), parts.discriminator, "D " + label)
            XCTAssertEqual(try equal(model.encoder, ganD), parts.encoder, "E " + label)
            let freshState = Dictionary(uniqueKeysWithValues: fresh.generator.stateDict().map { ($0.name, $0.tensor) })
            let freshD = Dictionary(uniqueKeysWithValues: fresh.discriminator.stateDict().map { ($0.name, $0.tensor) })
            let freshE = Dictionary(uniqueKeysWithValues: fresh.encoder.stateDict().map { ($0.name, $0.tensor) })
            if !parts.generator { XCTAssertTrue(try equal(model.generator, freshState), "G fresh " + label) }
            if !parts.discriminator { XCTAssertTrue(try equal(model.discriminator, freshD), "D fresh " + label) }
            if !parts.encoder { XCTAssertTrue(try equal(model.encoder, freshE), "E fresh " + label) }
            // Phase 1 (G frozen) only when G was transferred.
            XCTAssertEqual(net.phase1Iterations, parts.generator ? config.phase1Iterations : 0, label)
        }
    }

    /// Table 3's *DeepI2I: G and D transferred, E from scratch; E trains (a frozen random E would feed noise).
    func testEncoderFromScratchTrains() throws {
        let fx = try XCTUnwrap(Self.fixture)
        let (net, config) = try networks {
            $0.initialisation = .transfer(ganDirectory: fx.gan.path, parts: TransferParts(generator: true, discriminator: true, encoder: false))
        }
        let model = net.model
        model.train()
        let step = try DeepI2IStep(model: model, config: config, trainsEncoder: net.trainsEncoder)
        XCTAssertNotNil(step.encoderOptimizer)
        let dataset = try PackedDataset(at: fx.data)
        let loader = try DataLoader(dataset: dataset, batchSize: 4, prefetch: 0)
        let b = loader.batch([0, 1, 2, 3])
        let mb = try MicroBatch.sample(images: ImageTensors.tensor(from: b).images, classes: b.labels,
                                       classCount: dataset.classCount, dimZ: model.config.dimZ, rng: RandomGenerator(seed: 1))
        let e0 = try snapshot(model.encoder)
        try step.generatorStep([mb], phase: 1)
        XCTAssertGreaterThan(maxDifference(e0, try snapshot(model.encoder)), 0)
    }

    // MARK: reconstruction loss (Fig. 18)

    func testReconstructionDistancesEqualTheirFormulas() throws {
        let f8 = try Tensor([1.0, -2.0, 3.0, 0.5] as [Float], shape: [1, 1, 2, 2])
        let r8 = try Tensor([0.0, 0.0, 1.0, 1.5] as [Float], shape: [1, 1, 2, 2])
        let f4 = try Tensor([2.0, 2.0] as [Float], shape: [1, 2, 1, 1])
        let r4 = try Tensor([-1.0, 2.0] as [Float], shape: [1, 2, 1, 1])
        let weights = [8: 0.1, 4: 0.01]
        let mse = try Losses.reconstruction(fake: [8: f8, 4: f4], real: [8: r8, 4: r4], weights: weights, distance: .mse).item()
        let l1 = try Losses.reconstruction(fake: [8: f8, 4: f4], real: [8: r8, 4: r4], weights: weights, distance: .l1).item()
        // MSE: width 8 (1 + 4 + 4 + 1) / 4 = 2.5, width 4 (9 + 0) / 2 = 4.5; L1: (1 + 2 + 2 + 1) / 4 = 1.5, 3 / 2 = 1.5.
        XCTAssertEqual(mse, 0.1 * 2.5 + 0.01 * 4.5, accuracy: 1e-6)
        XCTAssertEqual(l1, 0.1 * 1.5 + 0.01 * 1.5, accuracy: 1e-6)
    }

    /// Reconstruction off (weight 0) leaves only the adversarial term in G's loss; L1 and MSE give
    /// different reconstruction values on the same batch.
    func testReconstructionOffAndDistanceActInTheStep() throws {
        let fx = try XCTUnwrap(Self.fixture)
        let dataset = try PackedDataset(at: fx.data)
        let loader = try DataLoader(dataset: dataset, batchSize: 4, prefetch: 0)
        let b = loader.batch([0, 1, 2, 3])
        var results: [String: [String: Double]] = [:]
        for (name, weight, distance) in [("off", 0.0, ReconstructionDistance.mse), ("mse", 1.0, .mse), ("l1", 1.0, .l1)] {
            let (net, config) = try networks {
                $0.reconstructionWeight = weight
                $0.reconstructionDistance = distance
            }
            net.model.train()
            let step = try DeepI2IStep(model: net.model, config: config, trainsEncoder: net.trainsEncoder)
            let mb = try MicroBatch.sample(images: ImageTensors.tensor(from: b).images, classes: b.labels,
                                           classCount: dataset.classCount, dimZ: net.model.config.dimZ, rng: RandomGenerator(seed: 1))
            results[name] = try step.generatorStep([mb], phase: 2, apply: false)
        }
        let off = try XCTUnwrap(results["off"]), mse = try XCTUnwrap(results["mse"]), l1 = try XCTUnwrap(results["l1"])
        XCTAssertEqual(off["G"]!, off["G_adv"]!, accuracy: 1e-12)
        XCTAssertEqual(mse["G"]!, mse["G_adv"]! + mse["G_rec"]!, accuracy: 1e-6)
        XCTAssertGreaterThan(mse["G_rec"]!, 0)
        XCTAssertNotEqual(mse["G_rec"]!, l1["G_rec"]!)
        XCTAssertEqual(mse["G_adv"]!, l1["G_adv"]!, accuracy: 1e-9, "same networks and batch")
    }
}
