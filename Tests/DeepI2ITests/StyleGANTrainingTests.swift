import Datasets
@testable import DeepI2I
import Foundation
import ImageIO
import Support
import Torch
import XCTest

/// DeepI2I-StyleGAN training (the official train.py on the shared driver) and the unconditional source
/// trainer, at 32 px with channels / 16 and a 2-layer mapping network: which networks move in which
/// phase, the mapping network's lr x 0.01, both losses, g_running, exact resume, the non-finite stop,
/// the source -> transfer path and wrong-family errors.
final class StyleGANTrainingTests: XCTestCase {
    static let classes = ["cat", "dog"]
    var root: URL!
    var data: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("deepi2i-sgtrain-\(UUID().uuidString.prefix(8))")
        data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let writer = try PackedDatasetWriter(destination: data, resolution: 32)
        var rng = SplitMix64(seed: 3)
        for i in 0..<24 {
            let label = i % 2
            var pixels = [UInt8](repeating: 0, count: 32 * 32 * 3)
            for y in 0..<32 {
                for x in 0..<32 {
                    let on = label == 0 ? (x / 4) % 2 == 0 : (y / 4) % 2 == 0
                    let v = UInt8(truncatingIfNeeded: (on ? 200 : 40) + rng.below(30))
                    for c in 0..<3 { pixels[(y * 32 + x) * 3 + c] = c == label ? v : v / 2 }
                }
            }
            try writer.append(RGBImage(width: 32, height: 32, pixels: pixels), label: label)
        }
        _ = try writer.finish(classNames: Self.classes, seed: 0, source: "synthetic stripes")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func config(start: StyleGANStart? = nil) -> StyleGANTrainingConfig {
        var c = StyleGANTrainingConfig(target: StyleGANDomain(data: data.path, className: "dog"),
                                       input: StyleGANDomain(data: data.path, className: "cat"),
                                       start: start ?? .scratch(channelDivisor: 16, mappingLayers: 2))
        c.iterations = 4
        c.batchSize = 4
        c.generatorFreezeIterations = 1
        c.checkpointEvery = 2
        c.sampleEvery = 100
        c.sampleRows = 2
        return c
    }

    var quiet: TrainingHooks {
        var h = TrainingHooks()
        h.showProgress = false
        h.tensorBoard = false
        h.log = { _ in }
        return h
    }

    /// A source made by pretrain-stylegan (2 iterations), as a run folder.
    func makeSource() throws -> URL {
        var c = StyleGANPretrainingConfig(data: StyleGANDomain(data: data.path))
        c.channelDivisor = 16
        c.mappingLayers = 2
        c.iterations = 2
        c.batchSize = 4
        c.checkpointEvery = 1
        c.sampleEvery = 100
        let out = root.appendingPathComponent("source")
        XCTAssertEqual(try pretrainStyleGAN(config: c, outDirectory: out, hooks: quiet), .completed(iterations: 2))
        return out
    }

    func weights(_ module: Module) throws -> [String: [Float]] { try snapshot(module) }

    func changed(_ a: [String: [Float]], _ b: [String: [Float]]) -> Bool { a != b }

    // MARK: - Which networks move

    func testTransferPhaseOneTrainsAAndDOnlyThenGJoins() throws {
        let source = try makeSource()
        let family = try StyleGANTraining(config: config(start: .transfer(source: source.path)))
        // The start is the source: G from its G (g_running), E and D from its D.
        let src = try StyleGANModelDirectory.load(source.appendingPathComponent("model")).model
        XCTAssertEqual(try weights(family.generator), try weights(src.generator))
        XCTAssertEqual(try weights(family.model.encoder), try weights(src.discriminator))
        XCTAssertEqual(try weights(family.model.discriminator), try weights(src.discriminator))
        let g0 = try weights(family.generator), d0 = try weights(family.model.discriminator)
        let e0 = try weights(family.model.encoder), a0 = try weights(family.model.adaptor)

        XCTAssertEqual(family.phase(after: 0), 1)
        let losses = try family.step(iteration: 0, phase: 1, poison: false)
        for key in ["D", "D_real", "D_fake", "D_penalty", "G_adv", "G_rec"] {
            XCTAssertTrue(losses[key]?.isFinite == true, "\(key): \(String(describing: losses[key]))")
        }
        XCTAssertGreaterThan(losses["G_rec"]!, 0)
        XCTAssertEqual(try weights(family.generator), g0, "G is bit-identical while frozen")
        XCTAssertEqual(try weights(family.model.generator), g0, "g_running too")
        XCTAssertEqual(try weights(family.model.encoder), e0, "E is frozen")
        XCTAssertTrue(changed(try weights(family.model.adaptor), a0), "A trains from the start")
        let d1 = try weights(family.model.discriminator)
        XCTAssertTrue(changed(d1, d0), "D trains")

        XCTAssertEqual(family.phase(after: 1), 2)
        _ = try family.step(iteration: 1, phase: 2, poison: false)
        let g2 = try weights(family.generator)
        XCTAssertTrue(changed(g2, g0), "G moves after the freeze")
        XCTAssertEqual(try weights(family.model.generator), g2, "g_running is G (official decay 0)")
        XCTAssertEqual(try weights(family.model.encoder), e0, "E stays frozen")
        XCTAssertTrue(changed(try weights(family.model.discriminator), d1))
    }

    func testScratchTrainsEveryNetworkFromTheFirstIteration() throws {
        let family = try StyleGANTraining(config: config())
        XCTAssertTrue(family.trainsEncoder)
        XCTAssertEqual(family.phase(after: 0), 2, "no G freeze from scratch")
        let before = try family.model.networks.map { try weights($0.module) } + [try weights(family.generator)]
        _ = try family.step(iteration: 0, phase: family.phase(after: 0), poison: false)
        let after = try family.model.networks.map { try weights($0.module) } + [try weights(family.generator)]
        for (i, name) in ["g_running", "D", "E", "A", "G"].enumerated() {
            XCTAssertTrue(changed(before[i], after[i]), "\(name) should move")
        }
        XCTAssertEqual(family.optimizers.map(\.name), ["G", "G_mapping", "D", "A", "E"])
    }

    // MARK: - Optimizers

    func testMappingNetworkTrainsAtOneHundredthOfTheLearningRate() throws {
        var c = config()
        c.generatorFreezeIterations = 0
        let family = try StyleGANTraining(config: c)
        let byName = Dictionary(uniqueKeysWithValues: family.optimizers.map { ($0.name, $0.optimizer) })
        XCTAssertEqual(byName["G"]?.config.learningRate, 1e-3)
        XCTAssertEqual(byName["G_mapping"]!.config.learningRate, 1e-5, accuracy: 1e-12)
        for name in ["G", "G_mapping", "D", "A"] {
            XCTAssertEqual(byName[name]?.config.beta1, 0)
            XCTAssertEqual(byName[name]?.config.beta2, 0.99)
        }
        // The groups partition G: the mapping group is exactly `style.*`.
        let mappingCount = family.generator.namedParameters().filter { $0.name.hasPrefix("style.") }.count
        XCTAssertEqual(byName["G_mapping"]?.parameters.count, mappingCount)
        XCTAssertEqual(byName["G"]!.parameters.count + mappingCount, family.generator.parameters().count)
        // Adam's first step moves each parameter by about lr (|m / sqrt(v)| = 1 when the gradient >> eps).
        let before = try weights(family.generator)
        _ = try family.step(iteration: 0, phase: 2, poison: false)
        let after = try weights(family.generator)
        var mapping = 0.0, synthesis = 0.0
        for (name, old) in before {
            let step = zip(old, after[name]!).map { Double(abs($0 - $1)) }.max() ?? 0
            if name.hasPrefix("style.") { mapping = max(mapping, step) } else { synthesis = max(synthesis, step) }
        }
        XCTAssertEqual(mapping, 1e-5, accuracy: 2e-6, "mapping step")
        XCTAssertEqual(synthesis, 1e-3, accuracy: 2e-4, "synthesis step")
    }

    func testR1AndWGANGPBothTrain() throws {
        for loss in StyleGANLossKind.allCases {
            var c = config()
            c.optimization.loss = loss
            c.optimization.mixing = true
            c.optimization.mixingProbability = 1
            let family = try StyleGANTraining(config: c)
            let d0 = try weights(family.model.discriminator)
            let losses = try family.step(iteration: 0, phase: 2, poison: false)
            XCTAssertTrue(losses.values.allSatisfy(\.isFinite), "\(loss): \(losses)")
            XCTAssertGreaterThan(losses["D_penalty"]!, 0, "\(loss): the gradient penalty is active")
            XCTAssertTrue(changed(d0, try weights(family.model.discriminator)), "\(loss)")
            if loss == .r1 {
                // softplus terms are positive, unlike the WGAN critic's.
                XCTAssertGreaterThan(losses["D_real"]!, 0)
                XCTAssertGreaterThan(losses["D_fake"]!, 0)
            }
        }
    }

    func testGRunningIsTheMovingAverageOfG() throws {
        var c = config()
        c.gRunningDecay = 0.75
        let family = try StyleGANTraining(config: c)
        let running0 = try weights(family.model.generator)
        _ = try family.step(iteration: 0, phase: 2, poison: false)
        let g1 = try weights(family.generator), running1 = try weights(family.model.generator)
        var worst: Float = 0
        for (name, r0) in running0 {
            for i in r0.indices {
                worst = max(worst, abs(running1[name]![i] - (0.75 * r0[i] + 0.25 * g1[name]![i])))
            }
        }
        XCTAssertLessThan(worst, 1e-6)
        XCTAssertNotEqual(running1, g1)
    }

    // MARK: - The driver's services

    func testResumeContinuesExactly() throws {
        var c = config()
        c.optimization.mixing = true
        c.generatorFreezeIterations = 3
        c.start = .transfer(source: try makeSource().path)
        let straight = root.appendingPathComponent("straight"), split = root.appendingPathComponent("split")
        XCTAssertEqual(try trainStyleGAN(config: c, runDirectory: straight, hooks: quiet), .completed(iterations: 4))
        var stopping = quiet
        stopping.stopAfter = 2
        guard case .interrupted(2, _) = try trainStyleGAN(config: c, runDirectory: split, hooks: stopping) else {
            return XCTFail("expected a stop at 2")
        }
        XCTAssertEqual(try trainStyleGAN(config: c, runDirectory: split, resume: true, hooks: quiet), .completed(iterations: 4))
        let a = try StyleGANModelDirectory.load(straight.appendingPathComponent("model")).model
        let b = try StyleGANModelDirectory.load(split.appendingPathComponent("model")).model
        for ((name, x), (_, y)) in zip(a.networks, b.networks) {
            XCTAssertEqual(try weights(x), try weights(y), "\(name) differs after resume")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: split.appendingPathComponent("samples/iter-0000004.png").path))
        XCTAssertEqual(try LossLog.read(split.appendingPathComponent("log.jsonl")).map(\.iteration), [1, 2, 3, 4])
        // A resume with other options is refused.
        var other = c
        other.optimization.learningRate = 2e-3
        XCTAssertThrowsError(try trainStyleGAN(config: other, runDirectory: split, resume: true, hooks: quiet)) {
            XCTAssertTrue("\($0)".contains("other options"), "\($0)")
        }
    }

    func testNonFiniteLossStopsTheRun() throws {
        var c = config()
        c.checkpointEvery = 1
        var hooks = quiet
        hooks.injectNaNAt = 2
        let out = root.appendingPathComponent("nan")
        XCTAssertThrowsError(try trainStyleGAN(config: c, runDirectory: out, hooks: hooks)) { error in
            guard case let TrainingError.nonFiniteLoss(iteration, _, last)? = error as? TrainingError else {
                return XCTFail("unexpected error \(error)")
            }
            XCTAssertEqual(iteration, 2)
            XCTAssertEqual(last.map { URL(fileURLWithPath: $0).lastPathComponent }, "iter-0000001")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("model").path))
    }

    // MARK: - Source trainer and families

    func testPretrainedSourceResumesExactlyAndFeedsTransfer() throws {
        var c = StyleGANPretrainingConfig(data: StyleGANDomain(data: data.path, className: "cat"))
        c.channelDivisor = 16
        c.mappingLayers = 2
        c.iterations = 3
        c.batchSize = 4
        c.sampleEvery = 100
        c.optimization.loss = .r1
        let straight = root.appendingPathComponent("s1"), split = root.appendingPathComponent("s2")
        XCTAssertEqual(try pretrainStyleGAN(config: c, outDirectory: straight, hooks: quiet), .completed(iterations: 3))
        var stopping = quiet
        stopping.stopAfter = 1
        _ = try pretrainStyleGAN(config: c, outDirectory: split, hooks: stopping)
        XCTAssertEqual(try pretrainStyleGAN(config: c, outDirectory: split, resume: true, hooks: quiet), .completed(iterations: 3))
        let a = try StyleGANModelDirectory.load(straight.appendingPathComponent("model"))
        let b = try StyleGANModelDirectory.load(split.appendingPathComponent("model")).model
        for ((name, x), (_, y)) in zip(a.model.networks, b.networks) {
            XCTAssertEqual(try weights(x), try weights(y), "\(name) differs after resume")
        }
        XCTAssertEqual(a.document.family, "stylegan")
        XCTAssertEqual(a.model.config.resolution, 32)
        XCTAssertEqual(try weights(a.model.encoder), try weights(a.model.discriminator), "E is D's copy")
        let fresh = try StyledGenerator(config: a.model.config, generator: RandomGenerator(seed: 0))
        XCTAssertNotEqual(try weights(a.model.generator), try weights(fresh), "G trained")
        XCTAssertTrue(FileManager.default.fileExists(atPath: straight.appendingPathComponent("samples/iter-0000003.png").path))
        // Its product is a transfer source for train.
        var t = config(start: .transfer(source: straight.appendingPathComponent("model").path))
        t.iterations = 1
        XCTAssertEqual(try trainStyleGAN(config: t, runDirectory: root.appendingPathComponent("t"), hooks: quiet),
                       .completed(iterations: 1))
    }

    func testWrongFamiliesAreRefusedByName() throws {
        let gan = root.appendingPathComponent("biggan-gan")
        try FileManager.default.createDirectory(at: gan, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: gan.appendingPathComponent("gan.json"))
        XCTAssertThrowsError(try StyleGANTraining(config: config(start: .transfer(source: gan.path)))) {
            XCTAssertTrue("\($0)".contains("BigGAN GAN directory"), "\($0)")
        }
        let model = root.appendingPathComponent("biggan-model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try Data(#"{"format": "deepi2i-model", "version": 1}"#.utf8).write(to: model.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try StyleGANTraining(config: config(start: .model(directory: model.path)))) {
            XCTAssertTrue("\($0)".contains("is a biggan model, not a StyleGAN one"), "\($0)")
        }
        // A StyleGAN run is not resumed as a BigGAN DeepI2I run, nor as a StyleGAN source run.
        var c = config()
        c.iterations = 1
        let run = root.appendingPathComponent("run")
        _ = try trainStyleGAN(config: c, runDirectory: run, hooks: quiet)
        XCTAssertThrowsError(try TrainingCheckpoint.resumable(run, family: DeepI2ITraining.self)) {
            XCTAssertTrue("\($0)".contains("is a stylegan checkpoint, not deepi2i"), "\($0)")
        }
        XCTAssertThrowsError(try pretrainStyleGAN(config: StyleGANPretrainingConfig(data: StyleGANDomain(data: data.path)),
                                                  outDirectory: run, resume: true, hooks: quiet)) {
            XCTAssertTrue("\($0)".contains("not stylegan-source"), "\($0)")
        }
        // An unknown class names the dataset's classes.
        var bad = config()
        bad.input.className = "horse"
        XCTAssertThrowsError(try StyleGANTraining(config: bad)) {
            XCTAssertTrue("\($0)".contains("'horse'") && "\($0)".contains("cat"), "\($0)")
        }
    }
}
