import Datasets
import DeepI2I
import Foundation
import Torch
import XCTest

/// `--precision` (issue #12): autocast scopes, bf16/fp16 training steps against fp32, float32 spectral-norm
/// vectors and batch-norm statistics under autocast, and the fp16 loss scaler (overflow skip, back-off,
/// growth, checkpoint round trip).
final class MixedPrecisionTests: TrainingFixtureTestCase {
    /// A DeepI2I step with fixed initial weights (the adaptor's init is seeded) and one fixed micro-batch.
    func makeStep(_ precision: MixedPrecision) throws -> (DeepI2IStep, MicroBatch) {
        let fx = try XCTUnwrap(Self.fixture)
        let config = fx.config()
        let dataset = try PackedDataset(at: fx.data)
        try Torch.manualSeed(11)
        let networks = try TrainingSetup.make(config, dataset: dataset)
        networks.model.train()
        let step = try DeepI2IStep(model: networks.model, config: config, trainsEncoder: networks.trainsEncoder)
        step.precision = precision
        let loader = try DataLoader(dataset: dataset, batchSize: 4, prefetch: 0)
        let b = loader.batch([0, 1, 2, 3])
        let mb = try MicroBatch.sample(images: ImageTensors.tensor(from: b).images, classes: b.labels,
                                       classCount: dataset.classCount, dimZ: step.model.config.dimZ,
                                       rng: RandomGenerator(seed: 3))
        return (step, mb)
    }

    func buffers(_ module: Module, named suffix: String) -> [(name: String, tensor: Tensor)] {
        module.namedBuffers().filter { $0.name.hasSuffix(suffix) }
    }

    func testAutocastScopeCastsEligibleOpsAndRestoresTheState() throws {
        let a = try Tensor.randn([4, 4]), b = try Tensor.randn([4, 4])
        XCTAssertFalse(Autocast.isActive)
        let (inside, excluded, nested) = try Autocast.run(on: .cpu, dtype: .bf16) { () throws -> (DType, DType, Bool) in
            XCTAssertTrue(Autocast.isEnabled(.cpu))
            XCTAssertEqual(Autocast.dtype(.cpu), .bf16)
            let excluded = try Autocast.disabled { try a.matmul(b).dtype }
            return (try a.matmul(b).dtype, excluded, Autocast.isEnabled(.cpu))
        }
        XCTAssertEqual(inside, .bf16)
        XCTAssertEqual(excluded, .f32, "Autocast.disabled must run in float32")
        XCTAssertTrue(nested, "leaving Autocast.disabled must turn autocast back on")
        XCTAssertFalse(Autocast.isActive, "the scope must restore the state it found")
        XCTAssertEqual(try a.matmul(b).dtype, .f32)
        XCTAssertThrowsError(try Autocast.run(on: .cpu, dtype: .f32) { 0 })
        // The previous dtype comes back too (libtorch's CPU default is bf16).
        let before = Autocast.dtype(.cpu)
        if Autocast.supports(.f16, on: .cpu) { _ = try Autocast.run(on: .cpu, dtype: .f16) { 0 } }
        XCTAssertEqual(Autocast.dtype(.cpu), before)
    }

    /// bf16: finite losses close to fp32's from the same weights and inputs, weights close after the
    /// step; spectral-norm vectors (computed in float32 from the same weights) identical; batch-norm
    /// statistics float32 and close; parameters stay float32.
    func testBF16StepIsCloseToFP32AndKeepsNormStateFloat32() throws {
        let (s32, mb32) = try makeStep(.fp32)
        let (s16, mb16) = try makeStep(try MixedPrecision(.bf16, device: .cpu))
        XCTAssertEqual(maxDifference(try snapshot(s32.model.discriminator), try snapshot(s16.model.discriminator)), 0)

        let d32 = try s32.discriminatorStep([mb32]), d16 = try s16.discriminatorStep([mb16])
        // The D step ran G (training mode) and D once each: u was updated from identical float32 weights.
        let pairs: [(Module, Module)] = [(s32.model.generator, s16.model.generator), (s32.model.discriminator, s16.model.discriminator)]
        for (m32, m16) in pairs {
            let u32 = buffers(m32, named: "u0"), u16 = buffers(m16, named: "u0")
            XCTAssertFalse(u16.isEmpty)
            for (x, y) in zip(u32, u16) {
                XCTAssertEqual(y.tensor.dtype, .f32, y.name)
                XCTAssertEqual(try x.tensor.toArray(of: Float.self), try y.tensor.toArray(of: Float.self),
                               "\(y.name): the power iteration must not run under autocast")
            }
        }
        let mean32 = buffers(s32.model.generator, named: "stored_mean"), mean16 = buffers(s16.model.generator, named: "stored_mean")
        XCTAssertFalse(mean16.isEmpty)
        for (x, y) in zip(mean32, mean16) {
            XCTAssertEqual(y.tensor.dtype, .f32, y.name)
            let a = try x.tensor.toArray(of: Float.self), b = try y.tensor.toArray(of: Float.self)
            for (p, q) in zip(a, b) { XCTAssertEqual(p, q, accuracy: 0.02 + 0.02 * abs(p), y.name) }
        }
        let g32 = try s32.generatorStep([mb32], phase: 2), g16 = try s16.generatorStep([mb16], phase: 2)
        for (name, v32) in d32.merging(g32, uniquingKeysWith: { a, _ in a }) {
            let v16 = try XCTUnwrap(d16[name] ?? g16[name])
            XCTAssertTrue(v16.isFinite, name)
            XCTAssertEqual(v16, v32, accuracy: 0.03 * max(1, abs(v32)), "\(name): bf16 \(v16) vs fp32 \(v32)")
        }
        for (_, t) in s16.model.generator.stateDict() + s16.model.discriminator.stateDict() where t.dtype.isFloatingPoint {
            XCTAssertEqual(t.dtype, .f32, "master weights and buffers stay float32")
        }
        // One Adam step moves each weight by about lr; bf16's gradients may flip a few signs, not more.
        let lr = Float(s32.config.discriminatorLR)
        let dDiff = maxDifference(try snapshot(s32.model.discriminator), try snapshot(s16.model.discriminator))
        XCTAssertGreaterThan(dDiff, 0, "bf16 must actually run in lower precision")
        XCTAssertLessThanOrEqual(dDiff, 2.5 * lr)
    }

    /// fp16 runs where libtorch has float16 kernels on the CPU (2.x); with 1.13 it is refused up front
    /// with a message that names the way out.
    func testFP16StepRunsOrIsRefusedClearly() throws {
        guard Autocast.supports(.f16, on: .cpu) else {
            XCTAssertThrowsError(try MixedPrecision(.fp16, device: .cpu)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("--precision fp16 is not supported on cpu") && text.contains("bf16"), text)
            }
            return
        }
        let (s32, mb32) = try makeStep(.fp32)
        let precision = try MixedPrecision(.fp16, device: .cpu)
        XCTAssertNotNil(precision.scaler, "fp16 comes with a loss scaler")
        let (s16, mb16) = try makeStep(precision)
        let l32 = try s32.discriminatorStep([mb32]).merging(s32.generatorStep([mb32], phase: 2)) { a, _ in a }
        let l16 = try s16.discriminatorStep([mb16]).merging(s16.generatorStep([mb16], phase: 2)) { a, _ in a }
        for (name, v32) in l32 {
            let v16 = try XCTUnwrap(l16[name])
            XCTAssertTrue(v16.isFinite, name)
            XCTAssertEqual(v16, v32, accuracy: 0.03 * max(1, abs(v32)), name)
        }
    }

    /// GradScaler semantics on a tiny model: an overflowing step is skipped (weights and Adam's step count
    /// unchanged) and halves the scale; a finite one is unscaled exactly; 2 clean iterations double it.
    func testLossScalerSkipsOverflowBacksOffAndGrows() throws {
        var settings = LossScaler.Settings()
        settings.initialScale = 0x1p100
        settings.growthInterval = 2
        let scaler = LossScaler(settings)
        let precision = try MixedPrecision(.fp32, device: .cpu, scaler: scaler)
        let layer = try Linear(3, 2, generator: RandomGenerator(seed: 1))
        let reference = try Linear(3, 2, generator: RandomGenerator(seed: 1))
        let opt = try Adam(layer.parameters()), refOpt = try Adam(reference.parameters())

        func iteration(_ magnitude: Double) throws -> Bool {
            try opt.zeroGrad()
            let x = try Tensor.full([4, 3], magnitude)
            try precision.backward(layer(x).sum())
            let stepped = try precision.step(opt)
            precision.endIteration()
            return stepped
        }
        let before = try snapshot(layer)
        // Gradients of 1e10 times 2^100 overflow float32.
        XCTAssertFalse(try iteration(1e10))
        XCTAssertEqual(maxDifference(before, try snapshot(layer)), 0, "a skipped step must not touch the weights")
        XCTAssertEqual(opt.stepCount, 0, "a skipped step must not advance Adam")
        XCTAssertEqual(scaler.scale, 0x1p99)
        XCTAssertEqual(scaler.skippedSteps, 1)

        XCTAssertTrue(try iteration(1))
        XCTAssertEqual(scaler.scale, 0x1p99, "one clean iteration of 2 does not grow the scale yet")
        // The unscaled step equals a plain float32 step on the same gradients.
        try refOpt.zeroGrad()
        try reference(Tensor.full([4, 3], 1)).sum().backward()
        try refOpt.step()
        XCTAssertLessThan(maxDifference(try snapshot(reference), try snapshot(layer)), 1e-6)
        XCTAssertTrue(try iteration(1))
        XCTAssertEqual(scaler.scale, 0x1p100, "2 clean iterations double the scale")
        XCTAssertEqual(scaler.goodSteps, 0)
        XCTAssertEqual(opt.stepCount, 2)
        XCTAssertEqual(scaler.state, LossScaler.State(scale: 0x1p100, goodSteps: 0, skippedSteps: 1))
    }

    /// The scaler inside a real DeepI2I step (bf16 autocast, a scale that overflows): D's step is skipped,
    /// its weights and Adam unchanged, the losses themselves finite; the next iteration's scale is lower.
    func testForcedOverflowSkipsTheDiscriminatorStep() throws {
        var settings = LossScaler.Settings()
        settings.initialScale = 1e38
        let scaler = LossScaler(settings)
        let (step, mb) = try makeStep(try MixedPrecision(.bf16, device: .cpu, scaler: scaler))
        let d0 = try snapshot(step.model.discriminator)
        let losses = try step.discriminatorStep([mb])
        XCTAssertTrue(losses.values.allSatisfy(\.isFinite), "\(losses)")
        XCTAssertEqual(maxDifference(d0, try snapshot(step.model.discriminator)), 0)
        XCTAssertEqual(step.discriminatorOptimizer.stepCount, 0)
        XCTAssertTrue(scaler.foundNonFinite)
        step.precision.endIteration()
        XCTAssertEqual(scaler.scale, 5e37)
    }

    /// The scaler's state is written into checkpoints and restored on resume (so fp16 resumes exactly).
    func testLossScalerStateRoundTripsThroughACheckpoint() throws {
        let fx = try XCTUnwrap(Self.fixture)
        var config = fx.config()
        config.precision = .bf16
        func family() throws -> DeepI2ITraining {
            let f = try DeepI2ITraining(config: config, log: { _ in })
            var settings = LossScaler.Settings()
            settings.initialScale = 1e38
            settings.growthInterval = 3
            f.trainer.precision = try MixedPrecision(.bf16, device: .cpu, scaler: LossScaler(settings))
            return f
        }
        let first = try family()
        let run = RunLayout(fx.run("scaler-\(UUID().uuidString.prefix(6))"))
        _ = try first.step(iteration: 0, phase: 1, poison: false)
        let saved = try XCTUnwrap(first.lossScaler).state
        XCTAssertLessThan(saved.scale, 1e38)
        XCTAssertGreaterThan(saved.skippedSteps, 0)
        let url = try TrainingCheckpoint.write(first, iteration: 1, run: run, keep: 2)
        XCTAssertEqual(try TrainingCheckpoint.readState(url).lossScaler, saved)
        let second = try family()
        _ = try TrainingCheckpoint.restore(url, into: second)
        XCTAssertEqual(second.lossScaler?.state, saved)
        XCTAssertEqual(try TrainingCheckpoint.readState(url).config.precision, .bf16)
    }

    func testPrecisionParsing() throws {
        XCTAssertEqual(try Precision(parsing: "BF16"), .bf16)
        XCTAssertThrowsError(try Precision(parsing: "fp8")) { XCTAssertTrue("\($0)".contains("fp32, bf16 or fp16")) }
        // fp32 is the default and encodes as before (no key).
        let json = String(decoding: try JSONEncoder().encode(TrainingConfig(data: "d", initialisation: .scratch(channels: 8))), as: UTF8.self)
        XCTAssertFalse(json.contains("precision"))
    }
}
