import Datasets
import DeepI2I
import Foundation
import Torch
import XCTest

/// Training set up as the official run (issue #20): scratch embedding rows, the official adaptor init,
/// phase 1 after an import, D's independent reals.
final class OfficialTrainingTests: TrainingFixtureTestCase {
    func testScratchKeepsTheOfficialThousandEmbeddingRows() throws {
        let fx = try XCTUnwrap(Self.fixture)
        let networks = try TrainingSetup.make(fx.config(.scratch(channels: 8)), dataset: PackedDataset(at: fx.data))
        XCTAssertEqual(networks.model.config.classCount, 1000)
        XCTAssertEqual(networks.model.config.classNames.count, TrainingFixture.classes)
        XCTAssertEqual(networks.model.config.embeddingRow(forClass: 2), 2)
    }

    /// PyTorch's Conv2d default: weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)); orthogonal keeps zero biases.
    func testAdaptorInitialisationUnderTransfer() throws {
        let fx = try XCTUnwrap(Self.fixture)
        let dataset = try PackedDataset(at: fx.data)
        let pytorch = try TrainingSetup.make(fx.config(), dataset: dataset).model.adaptor
        var sawConv = 0
        for (name, module) in pytorch.namedModules() {
            guard let conv = module as? SNConv2d else { continue }
            sawConv += 1
            let fanIn = conv.weight.shape.dropFirst().reduce(1, *)
            let bound = 1 / Double(fanIn).squareRoot()
            let w = try conv.weight.detached().contiguous().toArray(of: Float.self).map(Double.init)
            XCTAssertLessThanOrEqual(w.map(Swift.abs).max()!, bound, name)
            // Uniform on [-b, b]: standard deviation b / sqrt(3).
            let std = (w.map { $0 * $0 }.reduce(0, +) / Double(w.count)).squareRoot()
            XCTAssertEqual(std, bound / 3.0.squareRoot(), accuracy: 0.1 * bound, name)
            let b = try XCTUnwrap(conv.bias).detached().toArray(of: Float.self).map(Double.init)
            XCTAssertLessThanOrEqual(b.map(Swift.abs).max()!, bound, name)
            XCTAssertGreaterThan(b.map(Swift.abs).max()!, 0, name)
        }
        XCTAssertGreaterThan(sawConv, 0)

        var config = fx.config()
        config.adaptorInitialisation = .orthogonal
        let ortho = try TrainingSetup.make(config, dataset: dataset).model.adaptor
        for (name, module) in ortho.namedModules() {
            guard let conv = module as? SNConv2d, let bias = conv.bias else { continue }
            XCTAssertEqual(try bias.abs().max().item(), 0, name)
        }
    }

    /// A fresh import (0 trained iterations) trains A alone first under --from-model; the trained model
    /// records its iterations, so continuing it skips phase 1.
    func testFromModelOnAFreshImportRunsPhase1() throws {
        let fx = try XCTUnwrap(Self.fixture)
        let dataset = try PackedDataset(at: fx.data)
        let imported = fx.run("imported")
        let model = try TrainingSetup.make(fx.config(), dataset: dataset).model
        try ModelDirectory.save(model, to: imported, trainedIterations: 0)
        XCTAssertEqual(try ModelDirectory.readDocument(imported).trainedIterations, 0)

        var config = fx.config(.model(directory: imported.path))
        config.iterations = 1
        config.phase1Iterations = 2
        XCTAssertEqual(TrainingSetup.roles(config).phase1Iterations, 2)
        let g0 = try snapshot(model.generator), a0 = try snapshot(model.adaptor), e0 = try snapshot(model.encoder)
        let run = fx.run("from-import")
        _ = try trainDeepI2I(config: config, runDirectory: run, hooks: fx.quiet)
        let (trained, doc) = try ModelDirectory.load(run.appendingPathComponent("model"), networks: .all)
        XCTAssertEqual(maxDifference(g0, try snapshot(trained.generator)), 0, "G trained in phase 1")
        XCTAssertEqual(maxDifference(e0, try snapshot(trained.encoder)), 0, "E trained")
        XCTAssertGreaterThan(maxDifference(a0, try snapshot(trained.adaptor)), 0, "A did not train")
        XCTAssertEqual(doc.trainedIterations, 1)
        let log = try String(contentsOf: run.appendingPathComponent("log.jsonl"))
        XCTAssertTrue(log.contains("\"phase\":1"), log)

        // Continuing: 1 of 2 phase-1 iterations remain; after a full run none do.
        var next = fx.config(.model(directory: run.appendingPathComponent("model").path))
        next.phase1Iterations = 2
        XCTAssertEqual(TrainingSetup.roles(next).phase1Iterations, 1)
        next.phase1Iterations = 1
        XCTAssertEqual(TrainingSetup.roles(next).phase1Iterations, 0)
        // A model without the record (written before it existed) is treated as trained.
        let unknown = fx.run("unknown")
        try ModelDirectory.save(model, to: unknown)
        XCTAssertEqual(TrainingSetup.roles(fx.config(.model(directory: unknown.path))).phase1Iterations, 0)
    }

    /// The official D step: reals from their own sampler (not the inputs), targets drawn per step.
    func testRealSamplerIsIndependentOfTheInputs() throws {
        let fx = try XCTUnwrap(Self.fixture)
        let dataset = try PackedDataset(at: fx.data)
        let loader = try DataLoader(dataset: dataset, split: .train, batchSize: 2, prefetch: 0)
        var inputs = try BatchStream(loader: loader)
        var reals = try XCTUnwrap(try RealSampler(config: fx.config(), inputs: loader, position: inputs.position))
        var differ = 0
        for _ in 0..<5 {
            let a = try ImageTensors.tensor(from: inputs.next()).images
            let b = try reals.next(device: .cpu)
            XCTAssertEqual(b.classes.count, 2)
            if try (a - b.images).abs().max().item() > 0 { differ += 1 }
        }
        XCTAssertGreaterThan(differ, 3)
        var old = fx.config()
        old.discriminatorReals = .inputs
        XCTAssertNil(try RealSampler(config: old, inputs: loader, position: BatchStream.Position()))

        let mb = try MicroBatch.sample(images: Tensor.zeros([8, 3, 32, 32]), classes: Array(repeating: 0, count: 8),
                                       reals: (try Tensor.ones([8, 3, 32, 32]), Array(repeating: 1, count: 8)),
                                       classCount: 50, dimZ: 4, rng: RandomGenerator(seed: 3))
        XCTAssertEqual(mb.realClasses, Array(repeating: 1, count: 8))
        XCTAssertNotEqual(mb.discriminatorTargets, mb.generatorTargets)
    }

    /// `train` starts G's and D's Adam from imported BigGAN optimizer states, and says so when there are none.
    func testImportedOptimizerStatesStartTheRun() throws {
        let fx = try XCTUnwrap(Self.fixture)
        let model = try TrainingSetup.make(fx.config(), dataset: PackedDataset(at: fx.data)).model
        final class Lines { var text = "" }
        func train(_ dir: URL, _ name: String) throws -> (log: String, steps: [String: Int]) {
            var config = fx.config(.model(directory: dir.path))
            config.iterations = 1
            config.phase1Iterations = 0
            let lines = Lines()
            var hooks = fx.quiet
            hooks.log = { lines.text += $0 + "\n" }
            let run = fx.run(name)
            _ = try trainDeepI2I(config: config, runDirectory: run, hooks: hooks)
            let latest = try XCTUnwrap(TrainingCheckpoint.latest(run))
            return (lines.text, try TrainingCheckpoint.readState(latest).optimizerSteps)
        }
        let plain = fx.run("no-optim")
        try ModelDirectory.save(model, to: plain, trainedIterations: 0)
        let fresh = try train(plain, "fresh")
        XCTAssertTrue(fresh.log.contains("fresh Adam"), fresh.log)
        XCTAssertEqual(fresh.steps["G"], 1)

        let imported = fx.run("with-optim")
        try ModelDirectory.save(model, to: imported, trainedIterations: 0)
        func state(_ m: Module) throws -> ImportedOptimizers.State {
            .init(step: 7, moments: try m.namedParameters().map { ($0.name, try Tensor.zeros($0.tensor.shape), try Tensor.ones($0.tensor.shape)) })
        }
        try ImportedOptimizers.write(["G": try state(model.generator), "D": try state(model.discriminator)], to: imported)
        let used = try train(imported, "imported")
        XCTAssertTrue(used.log.contains("G at step 7, D at step 7"), used.log)
        XCTAssertEqual(used.steps["G"], 8)
        XCTAssertEqual(used.steps["D"], 8)
        XCTAssertEqual(used.steps["A"], 1)
    }
}
