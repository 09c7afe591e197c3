import Datasets
import DeepI2I
import Foundation
import Torch
import XCTest

final class TrainingStepTests: TrainingFixtureTestCase {
    func makeStep(_ config: TrainingConfig) throws -> (DeepI2IStep, PackedDataset) {
        let fx = try XCTUnwrap(Self.fixture)
        let dataset = try PackedDataset(at: fx.data)
        let networks = try TrainingSetup.make(config, dataset: dataset)
        networks.model.train()
        return (try DeepI2IStep(model: networks.model, config: config, trainsEncoder: networks.trainsEncoder), dataset)
    }

    func batch(_ dataset: PackedDataset, _ indices: [Int], _ step: DeepI2IStep, seed: UInt64) throws -> MicroBatch {
        let loader = try DataLoader(dataset: dataset, batchSize: indices.count, prefetch: 0)
        let b = loader.batch(indices)
        return try MicroBatch.sample(images: ImageTensors.tensor(from: b).images, classes: b.labels,
                                     classCount: dataset.classCount, dimZ: step.model.config.dimZ,
                                     rng: RandomGenerator(seed: seed))
    }

    /// Phase 1 trains A and D only; phase 2 also G; a transferred E never changes.
    func testPhasesFreezeTheRightNetworks() throws {
        let fx = try XCTUnwrap(Self.fixture)
        let (step, dataset) = try makeStep(fx.config())
        let m = step.model
        let mb = try batch(dataset, [0, 1, 2, 3], step, seed: 1)
        let g0 = try snapshot(m.generator), e0 = try snapshot(m.encoder), a0 = try snapshot(m.adaptor), d0 = try snapshot(m.discriminator)
        try step.discriminatorStep([mb])
        try step.generatorStep([mb], phase: 1)
        XCTAssertEqual(maxDifference(g0, try snapshot(m.generator)), 0, "G changed in phase 1")
        XCTAssertEqual(maxDifference(e0, try snapshot(m.encoder)), 0, "E changed in phase 1")
        XCTAssertGreaterThan(maxDifference(a0, try snapshot(m.adaptor)), 0, "A did not train in phase 1")
        XCTAssertGreaterThan(maxDifference(d0, try snapshot(m.discriminator)), 0, "D did not train in phase 1")
        try step.discriminatorStep([mb])
        try step.generatorStep([mb], phase: 2)
        XCTAssertGreaterThan(maxDifference(g0, try snapshot(m.generator)), 0, "G did not train in phase 2")
        XCTAssertEqual(maxDifference(e0, try snapshot(m.encoder)), 0, "E changed in phase 2")
    }

    func testScratchModeTrainsTheEncoder() throws {
        let fx = try XCTUnwrap(Self.fixture)
        let (step, dataset) = try makeStep(fx.config(.scratch(channels: 8)))
        XCTAssertTrue(step.trainsEncoder)
        XCTAssertEqual(step.model.config.fusionWeights, ["8": 1.0, "4": 1.0])
        let e0 = try snapshot(step.model.encoder)
        let mb = try batch(dataset, [0, 1, 2, 3], step, seed: 1)
        try step.discriminatorStep([mb])
        try step.generatorStep([mb], phase: 2)
        XCTAssertGreaterThan(maxDifference(e0, try snapshot(step.model.encoder)), 0)
    }

    /// Accumulating 2 micro-batches of 2 gives the gradients of one batch of 4. BN in training mode uses
    /// per-micro-batch statistics (a real difference), so the check runs in evaluation mode where every
    /// layer is per-sample; spectral norm's power iteration then writes nothing, so both passes see the same u.
    func testGradientAccumulationMatchesFullBatch() throws {
        let fx = try XCTUnwrap(Self.fixture)
        let (step, dataset) = try makeStep(fx.config())
        step.model.eval()
        let full = try batch(dataset, [0, 1, 2, 3], step, seed: 5)
        func half(_ r: Range<Int>) throws -> MicroBatch {
            MicroBatch(images: try full.images.narrow(dim: 0, start: r.lowerBound, length: r.count),
                       classes: Array(full.classes[r]),
                       realImages: try full.realImages.narrow(dim: 0, start: r.lowerBound, length: r.count),
                       realClasses: Array(full.realClasses[r]), discriminatorTargets: Array(full.discriminatorTargets[r]),
                       generatorTargets: Array(full.generatorTargets[r]),
                       zDiscriminator: try full.zDiscriminator.narrow(dim: 0, start: r.lowerBound, length: r.count),
                       zGenerator: try full.zGenerator.narrow(dim: 0, start: r.lowerBound, length: r.count))
        }
        let halves = [try half(0..<2), try half(2..<4)]
        func grads(_ m: Module) throws -> [String: [Float]] {
            var out: [String: [Float]] = [:]
            for (n, p) in m.namedParameters() { if let g = p.grad { out[n] = try g.contiguous().toArray(of: Float.self) } }
            return out
        }
        let lossFull = try step.discriminatorStep([full], apply: false)
        let dFull = try grads(step.model.discriminator)
        let lossHalves = try step.discriminatorStep(halves, apply: false)
        let dHalves = try grads(step.model.discriminator)
        XCTAssertEqual(lossFull["D"]!, lossHalves["D"]!, accuracy: 1e-5)
        XCTAssertFalse(dFull.isEmpty)
        XCTAssertLessThan(maxDifference(dFull, dHalves), 1e-4)
        let gFull = try step.generatorStep([full], phase: 2, apply: false)
        let aFull = try grads(step.model.adaptor), genFull = try grads(step.model.generator)
        let gHalves = try step.generatorStep(halves, phase: 2, apply: false)
        XCTAssertEqual(gFull["G"]!, gHalves["G"]!, accuracy: 1e-5)
        XCTAssertFalse(aFull.isEmpty)
        XCTAssertLessThan(maxDifference(aFull, try grads(step.model.adaptor)), 1e-4)
        XCTAssertLessThan(maxDifference(genFull, try grads(step.model.generator)), 1e-4)
    }
}
